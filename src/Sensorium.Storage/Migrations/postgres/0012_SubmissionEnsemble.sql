-- 0012 (PostgreSQL twin of ../0012_SubmissionEnsemble.sql).
ALTER TABLE submissions ADD COLUMN ensemble_id BIGINT REFERENCES ensembles (id);
CREATE INDEX submissions_ensemble ON submissions (ensemble_id);
