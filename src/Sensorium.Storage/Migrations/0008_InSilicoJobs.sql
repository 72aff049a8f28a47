-- 0008: in-silico jobs of finished runs (issue 12), kept here so a job survives a restart of the server.
-- A job is queued, then takes a device slot of the fair scheduler like a run (running), then ends done or failed;
-- a job the server was running when it stopped ends interrupted (its message says so) and can be queued again.
-- At most one queued or running job per run (the partial unique index).
CREATE TABLE insilico_jobs (
    id                INTEGER PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    team_id           INTEGER NOT NULL REFERENCES teams (id),
    requested_by      INTEGER REFERENCES users (id),
    status            TEXT    NOT NULL
                      CHECK (status IN ('queued', 'running', 'done', 'failed', 'interrupted')),
    mei_neurons       INTEGER NOT NULL CHECK (mei_neurons >= 1),
    requested_device  TEXT,                 -- null: any device (the run trained on a CPU)
    device            TEXT,                 -- the slot it runs or ran in
    stage             TEXT    NOT NULL DEFAULT 'queued',
    progress          REAL    NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    message           TEXT,                 -- why it failed or was interrupted
    pid               INTEGER,              -- worker process id while running
    created_at        TEXT    NOT NULL,     -- also the queue position
    started_at        TEXT,
    finished_at       TEXT
);
CREATE UNIQUE INDEX insilico_jobs_one_active ON insilico_jobs (run_id) WHERE status IN ('queued', 'running');
CREATE INDEX insilico_jobs_status_created ON insilico_jobs (status, created_at);
CREATE INDEX insilico_jobs_run ON insilico_jobs (run_id, id);
