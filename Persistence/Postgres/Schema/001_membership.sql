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

-- The write fence. A silo's writes (grain state, reminders, events) first call this in their
-- transaction: it fails once the cluster has declared that silo dead, and its KEY SHARE lock makes
-- the declaration (which locks the row FOR UPDATE) wait until writes already under way commit. So a
-- write is either ordered before the silo's death, where whoever takes over its grains sees it, or
-- refused: a frozen silo that wakes up after being declared dead cannot write.
CREATE FUNCTION gs_assert_silo_alive(p_cluster_id text, p_address text, p_port integer, p_generation integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM gs_membership
    WHERE cluster_id = p_cluster_id AND address = p_address AND port = p_port AND generation = p_generation
      AND status <> 6 -- Orleans' SiloStatus.Dead
    FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'silo %:%@% is not a live member of cluster %', p_address, p_port, p_generation, p_cluster_id
            USING ERRCODE = 'GS001';
    END IF;
END $$;
