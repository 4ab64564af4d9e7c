-- A stream's gs_stream_log row is written by its first append instead of when the stream is opened,
-- so streams that are only opened or read leave no row; retention moves out of the append into
-- gs_stream_keep_from + a batched delete (PostgresEventLog.TrimAsync), run off the publish path.
-- gs_append_events (004) stays for processes of the previous version during a rolling upgrade.

-- Appends events p_first_seq, p_first_seq + 1, ... to a stream's log if they continue it: same
-- epoch, first sequence = last + 1. A stream without a log row gets one from an append at sequence 1,
-- with the events' epoch (left-over events of a removed row are deleted first). Otherwise appends
-- nothing and reports where the log stands (log_epoch NULL: the stream has no log).
CREATE FUNCTION gs_append_stream_events(
    p_ns text, p_key text, p_epoch bigint, p_first_seq bigint,
    p_names text[], p_timestamps bigint[], p_payloads bytea[],
    OUT log_epoch bigint, OUT log_last_seq bigint, OUT appended boolean)
LANGUAGE plpgsql AS $$
BEGIN
    appended := false;
    IF p_first_seq = 1 AND NOT EXISTS (SELECT 1 FROM gs_stream_log WHERE stream_ns = p_ns AND stream_key = p_key) THEN
        -- Of two first appends at once, one inserts; the other waits for it here and then finds the
        -- row (and, below, that the log moved on or has another epoch).
        INSERT INTO gs_stream_log (stream_ns, stream_key, epoch, first_seq, last_seq)
        VALUES (p_ns, p_key, p_epoch, 1, 0)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            DELETE FROM gs_stream_event WHERE stream_ns = p_ns AND stream_key = p_key;
            UPDATE gs_stream_epoch SET last_epoch = GREATEST(last_epoch, p_epoch);
        END IF;
    END IF;
    -- A concurrent appender waits here until the first commits, then sees its last_seq (and fails
    -- the check below); the statements after the lock see every event appended before.
    SELECT l.epoch, l.last_seq INTO log_epoch, log_last_seq
    FROM gs_stream_log l WHERE l.stream_ns = p_ns AND l.stream_key = p_key
    FOR UPDATE;
    IF NOT FOUND OR log_epoch <> p_epoch OR log_last_seq <> p_first_seq - 1 THEN
        RETURN;
    END IF;

    INSERT INTO gs_stream_event (stream_ns, stream_key, seq, event_name, ts, payload)
    SELECT p_ns, p_key, p_first_seq + e.n - 1, e.name, e.ts, e.payload
    FROM unnest(p_names, p_timestamps, p_payloads) WITH ORDINALITY AS e(name, ts, payload, n);
    log_last_seq := log_last_seq + cardinality(p_names);
    UPDATE gs_stream_log SET last_seq = log_last_seq
    WHERE stream_ns = p_ns AND stream_key = p_key;
    appended := true;
END $$;

-- The first sequence a stream keeps under a retention (NULL when it has no events): the cut falls at
-- the p_max_events-th newest event named in p_counted (every event when NULL), at the
-- p_max_total-th newest event of any name, and before the first event at or after p_oldest_ts (UTC
-- ticks; NULL: no age limit), whichever is newest. Each probe walks the primary key from one end.
CREATE FUNCTION gs_stream_keep_from(
    p_ns text, p_key text, p_max_events bigint, p_counted text[], p_max_total bigint, p_oldest_ts bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_newest bigint;
    v_keep bigint;
    v_cut bigint;
BEGIN
    SELECT max(seq) INTO v_newest FROM gs_stream_event WHERE stream_ns = p_ns AND stream_key = p_key;
    IF v_newest IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT seq INTO v_keep FROM gs_stream_event
    WHERE stream_ns = p_ns AND stream_key = p_key AND (p_counted IS NULL OR event_name = ANY (p_counted))
    ORDER BY seq DESC OFFSET p_max_events - 1 LIMIT 1;
    IF p_counted IS NOT NULL THEN
        SELECT seq INTO v_cut FROM gs_stream_event
        WHERE stream_ns = p_ns AND stream_key = p_key
        ORDER BY seq DESC OFFSET p_max_total - 1 LIMIT 1;
        v_keep := GREATEST(v_keep, v_cut);
    END IF;
    IF p_oldest_ts IS NOT NULL THEN
        SELECT seq INTO v_cut FROM gs_stream_event
        WHERE stream_ns = p_ns AND stream_key = p_key AND ts >= p_oldest_ts
        ORDER BY seq LIMIT 1;
        v_keep := GREATEST(v_keep, COALESCE(v_cut, v_newest + 1));
    END IF;
    RETURN v_keep;
END $$;
