-- 0012: a submission made from an ensemble (its page's "Make & submit") points back to it, as one made from a run
-- does through run_id (both null for a CSV made elsewhere; the workbench sets one or neither).
ALTER TABLE submissions ADD COLUMN ensemble_id INTEGER REFERENCES ensembles (id);
CREATE INDEX submissions_ensemble ON submissions (ensemble_id);
