-- 0013: in-silico jobs of ensembles too (issues 11 and 12): a job belongs to a run or to an ensemble, exactly one.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt with its rows, then its indexes are made again; at most one
-- queued or running job per run and per ensemble.
CREATE TABLE insilico_jobs_0013 (
    id                INTEGER PRIMARY KEY,
    run_id            INTEGER REFERENCES runs (id) ON DELETE CASCADE,
    ensemble_id       INTEGER REFERENCES ensembles (id) ON DELETE CASCADE,
    team_id           INTEGER NOT NULL REFERENCES teams (id),
    requested_by      INTEGER REFERENCES users (id),
    status            TEXT    NOT NULL
                      CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
    mei_neurons       INTEGER NOT NULL CHECK (mei_neurons >= 1),
    requested_device  TEXT,                 -- null: any device
    device            TEXT,                 -- the slot it runs or ran in
    stage             TEXT    NOT NULL DEFAULT 'queued',
    progress          REAL    NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    message           TEXT,                 -- why it failed or was interrupted
    pid               INTEGER,              -- worker process id while running
    created_at        TEXT    NOT NULL,     -- also the queue position
    started_at        TEXT,
    finished_at       TEXT,
    CHECK ((run_id IS NULL) <> (ensemble_id IS NULL))
);
INSERT INTO insilico_jobs_0013 (id, run_id, team_id, requested_by, status, mei_neurons, requested_device, device, stage,
    progress, message, pid, created_at, started_at, finished_at)
SELECT id, run_id, team_id, requested_by, status, mei_neurons, requested_device, device, stage,
    progress, message, pid, created_at, started_at, finished_at FROM insilico_jobs;
DROP TABLE insilico_jobs;
ALTER TABLE insilico_jobs_0013 RENAME TO insilico_jobs;
CREATE UNIQUE INDEX insilico_jobs_one_active ON insilico_jobs (run_id) WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX insilico_jobs_one_active_ensemble ON insilico_jobs (ensemble_id) WHERE status IN ('queued', 'running');
CREATE INDEX insilico_jobs_status_created ON insilico_jobs (status, created_at);
CREATE INDEX insilico_jobs_run ON insilico_jobs (run_id, id);
CREATE INDEX insilico_jobs_ensemble ON insilico_jobs (ensemble_id, id);
