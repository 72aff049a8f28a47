-- 0009: ensembles of finished runs (issue 11 item 1): the mean of the members' predictions, evaluated per mouse on
-- validation and test in a worker process. An ensemble made from runs still training ("train K seeds, then
-- ensemble") waits for them ('waiting'), then is queued for a device slot like an in-silico job (queued → running →
-- succeeded | failed); one the server was running when it stopped ends interrupted and can be queued again.
CREATE TABLE ensembles (
    id                INTEGER PRIMARY KEY,
    team_id           INTEGER NOT NULL REFERENCES teams (id),
    created_by        INTEGER REFERENCES users (id),
    name              TEXT    NOT NULL,
    dataset           TEXT    NOT NULL,      -- the members' dataset path (all the same)
    mice              TEXT    NOT NULL,      -- the members' mice, data keys joined by ','
    status            TEXT    NOT NULL
                      CHECK (status IN ('waiting', 'queued', 'running', 'succeeded', 'failed', 'interrupted')),
    requested_device  TEXT,                  -- null: any device
    device            TEXT,                  -- the slot it runs or ran in
    scores            TEXT,                  -- per mouse and tier, JSON (the worker's evaluate output), when succeeded
    message           TEXT,                  -- why it failed or was interrupted
    pid               INTEGER,
    created_at        TEXT    NOT NULL,      -- also the queue position
    started_at        TEXT,
    finished_at       TEXT
);
CREATE INDEX ensembles_team ON ensembles (team_id, id);
CREATE INDEX ensembles_status_created ON ensembles (status, created_at);

-- The member runs, in the order given.
CREATE TABLE ensemble_members (
    ensemble_id       INTEGER NOT NULL REFERENCES ensembles (id) ON DELETE CASCADE,
    run_id            INTEGER NOT NULL REFERENCES runs (id),
    position          INTEGER NOT NULL,
    PRIMARY KEY (ensemble_id, run_id)
);
CREATE INDEX ensemble_members_run ON ensemble_members (run_id);
