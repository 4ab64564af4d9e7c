-- Orleans reminders (PostgresReminderTable): one row per grain and reminder name. grain_hash is the
-- grain's uniform hash (an unsigned 32-bit value, hence bigint), indexed so that each silo reads the
-- reminders of its range of the hash ring. etag is a random GUID, new on every upsert: unlike a
-- counter it never comes back after a reminder is removed and registered again.
CREATE TABLE gs_reminder (
    grain_id text NOT NULL,
    reminder_name text NOT NULL,
    grain_hash bigint NOT NULL,
    start_at timestamptz NOT NULL,
    period interval NOT NULL,
    etag text NOT NULL,
    PRIMARY KEY (grain_id, reminder_name));

CREATE INDEX gs_reminder_grain_hash ON gs_reminder (grain_hash);
