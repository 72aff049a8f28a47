-- 0007 (PostgreSQL twin of ../0007_RunNotesTagsAndLossPerTrial.sql).
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE run_batches ADD COLUMN loss_per_trial DOUBLE PRECISION;
ALTER TABLE run_epochs ADD COLUMN train_loss_per_trial DOUBLE PRECISION;
