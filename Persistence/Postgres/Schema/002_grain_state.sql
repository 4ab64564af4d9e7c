-- Orleans grain state (PostgresGrainStorage): one row per grain type, grain key and state name, the
-- state as the UTF-8 JSON the SQLite provider stores too.
-- version is the etag. It counts every write and clear and is never reset: a clear keeps the row
-- with data NULL rather than deleting it, so a writer still holding an etag from before the clear
-- can never match a later incarnation of the state.
CREATE TABLE gs_grain_state (
    grain_type text NOT NULL,
    grain_key text NOT NULL,
    state_name text NOT NULL,
    version bigint NOT NULL,
    data bytea, -- NULL: cleared
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (grain_type, grain_key, state_name));
