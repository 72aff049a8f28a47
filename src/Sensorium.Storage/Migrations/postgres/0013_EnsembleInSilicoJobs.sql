-- 0013 (PostgreSQL twin of ../0013_EnsembleInSilicoJobs.sql): a job belongs to a run or to an ensemble, exactly one.
ALTER TABLE insilico_jobs ALTER COLUMN run_id DROP NOT NULL;
ALTER TABLE insilico_jobs ADD COLUMN ensemble_id BIGINT REFERENCES ensembles (id) ON DELETE CASCADE;
ALTER TABLE insilico_jobs ADD CONSTRAINT insilico_jobs_one_target CHECK ((run_id IS NULL) <> (ensemble_id IS NULL));
CREATE UNIQUE INDEX insilico_jobs_one_active_ensemble ON insilico_jobs (ensemble_id) WHERE status IN ('queued', 'running');
CREATE INDEX insilico_jobs_ensemble ON insilico_jobs (ensemble_id, id);
