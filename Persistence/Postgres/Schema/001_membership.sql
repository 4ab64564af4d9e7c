-- Orleans cluster membership (PostgresMembershipTable). One version row per cluster: every change
-- of a silo's row also moves the version, checked against the version the caller read (its etag).
CREATE TABLE gs_membership_version (
    cluster_id text PRIMARY KEY,
    version integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now());

-- One row per silo incarnation (address, port, generation). etag counts the row's updates.
-- suspect_times is Orleans' "silo,time|silo,time" list as text; times are UTC.
CREATE TABLE gs_membership (
    cluster_id text NOT NULL REFERENCES gs_membership_version (cluster_id) ON DELETE CASCADE,
    address text NOT NULL,
    port integer NOT NULL,
    generation integer NOT NULL,
    silo_name text NOT NULL,
    host_name text NOT NULL,
    status integer NOT NULL,
    proxy_port integer NOT NULL,
    suspect_times text,
    start_time timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    etag integer NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster_id, address, port, generation));
