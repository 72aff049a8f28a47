-- 0006 (PostgreSQL twin of ../0006_RunPriority.sql).
ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
