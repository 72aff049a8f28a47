-- 0014 (PostgreSQL twin of ../0014_RunStopReason.sql).
ALTER TABLE runs ADD COLUMN stop_reason TEXT;
