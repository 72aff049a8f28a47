-- 0011 (PostgreSQL twin of ../0011_DispatcherLease.sql).
CREATE TABLE dispatcher_lease (
    name         TEXT PRIMARY KEY,
    holder       TEXT,
    instance     TEXT,
    expires_ms   BIGINT NOT NULL DEFAULT 0,
    acquired_at  TEXT
);
INSERT INTO dispatcher_lease (name, expires_ms) VALUES ('dispatcher', 0);
