-- Stream history (PostgresEventLog). One gs_stream_log row per stream: its epoch and its retained
-- range, first_seq..last_seq (last_seq = first_seq - 1 when nothing is retained). Every append locks
-- this row, which orders the appenders of a stream across processes.
CREATE TABLE gs_stream_log (
    stream_ns text NOT NULL,
    stream_key text NOT NULL,
    epoch bigint NOT NULL,
    first_seq bigint NOT NULL,
    last_seq bigint NOT NULL,
    PRIMARY KEY (stream_ns, stream_key));

-- One row per retained event. The primary key refuses a sequence stored twice whatever the log row
-- says. ts is UTC ticks (100 ns), exact as .NET keeps it; timestamptz would round to microseconds.
CREATE TABLE gs_stream_event (
    stream_ns text NOT NULL,
    stream_key text NOT NULL,
    seq bigint NOT NULL,
    event_name text NOT NULL,
    ts bigint NOT NULL,
    payload bytea NOT NULL,
    PRIMARY KEY (stream_ns, stream_key, seq));

-- The largest epoch handed out in this database. A new stream takes max(this + 1, the creator's
-- clock): epochs grow across every process whatever their clocks, and a stream whose log row was
-- removed comes back with a larger epoch than it had.
CREATE TABLE gs_stream_epoch (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last_epoch bigint NOT NULL);
INSERT INTO gs_stream_epoch (last_epoch) VALUES (0);

-- Appends events p_first_seq, p_first_seq + 1, ... (one per array element) to a stream's log if
-- they continue it: same epoch, first sequence = last + 1. Otherwise appends nothing and reports
-- where the log stands (log_epoch NULL: the stream has no log). Trims the log to p_max_events once
-- it holds more than p_trim_threshold, never writing events the trim would delete at once.
-- One call is one statement: a writer pays one round trip per append however many events it has.
CREATE FUNCTION gs_append_events(
    p_ns text, p_key text, p_epoch bigint, p_first_seq bigint,
    p_names text[], p_timestamps bigint[], p_payloads bytea[],
    p_max_events bigint, p_trim_threshold bigint,
    OUT log_epoch bigint, OUT log_last_seq bigint, OUT appended boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_first bigint;
    v_last bigint;
    v_keep_from bigint;
BEGIN
    appended := false;
    -- A concurrent appender waits here until the first commits, then sees its last_seq (and fails
    -- the check below); the statements after the lock see every event appended before.
    SELECT l.epoch, l.first_seq, l.last_seq INTO log_epoch, v_first, log_last_seq
    FROM gs_stream_log l WHERE l.stream_ns = p_ns AND l.stream_key = p_key
    FOR UPDATE;
    IF NOT FOUND OR log_epoch <> p_epoch OR log_last_seq <> p_first_seq - 1 THEN
        RETURN;
    END IF;

    v_last := log_last_seq + cardinality(p_names);
    v_keep_from := CASE WHEN v_last - v_first + 1 > p_trim_threshold THEN v_last - p_max_events + 1 ELSE v_first END;
    INSERT INTO gs_stream_event (stream_ns, stream_key, seq, event_name, ts, payload)
    SELECT p_ns, p_key, p_first_seq + e.n - 1, e.name, e.ts, e.payload
    FROM unnest(p_names, p_timestamps, p_payloads) WITH ORDINALITY AS e(name, ts, payload, n)
    WHERE p_first_seq + e.n - 1 >= v_keep_from;
    IF v_keep_from > v_first THEN
        DELETE FROM gs_stream_event
        WHERE stream_ns = p_ns AND stream_key = p_key AND seq < v_keep_from;
    END IF;
    UPDATE gs_stream_log SET first_seq = v_keep_from, last_seq = v_last
    WHERE stream_ns = p_ns AND stream_key = p_key;
    log_last_seq := v_last;
    appended := true;
END $$;
