-- 0011: the dispatcher lease. Several web nodes share one database; exactly one of them (the holder) starts queued
-- runs and jobs and follows their workers. The holder renews the lease before it expires; another node takes it
-- only once it has expired. Expiry is in milliseconds since 1970 on the database's clock (nodes' clocks may differ).
CREATE TABLE dispatcher_lease (
    name         TEXT PRIMARY KEY,
    holder       TEXT,
    instance     TEXT,
    expires_ms   INTEGER NOT NULL DEFAULT 0,
    acquired_at  TEXT
);
INSERT INTO dispatcher_lease (name, expires_ms) VALUES ('dispatcher', 0);
