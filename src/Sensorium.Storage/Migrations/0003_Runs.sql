-- 0003: training runs and their metrics.

-- A run is a whole spec (dataset, model, trainer, seed) as JSON, owned by a team and queued for a device.
-- Status changes only through RunStore.TransitionAsync, which asks RunStateMachine; the CHECK is a backstop.
CREATE TABLE runs (
    id                INTEGER PRIMARY KEY,
    team_id           INTEGER NOT NULL REFERENCES teams (id),
    owner_id          INTEGER NOT NULL REFERENCES users (id),
    name              TEXT    NOT NULL,
    spec_json         TEXT    NOT NULL,
    status            TEXT    NOT NULL
                      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    requested_device  TEXT,                 -- null: any device
    device            TEXT,                 -- where it runs or ran
    created_at        TEXT    NOT NULL,     -- also the queue position
    started_at        TEXT,
    finished_at       TEXT,
    error             TEXT,
    progress          REAL    NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    best_score        REAL,                 -- best validation correlation so far
    checkpoint_path   TEXT,
    pid               INTEGER               -- worker process id while running
);
CREATE INDEX runs_status_created ON runs (status, created_at);
CREATE INDEX runs_team_created ON runs (team_id, created_at);

-- One row per finished epoch. per_mouse_correlation_json: {"<data_key>": correlation, ...}.
CREATE TABLE run_epochs (
    run_id                       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch                        INTEGER NOT NULL,
    train_loss                   REAL    NOT NULL,
    validation_correlation       REAL,
    per_mouse_correlation_json   TEXT,
    learning_rate                REAL    NOT NULL,
    epoch_seconds                REAL    NOT NULL,
    recorded_at                  TEXT    NOT NULL,
    PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

-- Training loss per batch, for the live loss curve.
CREATE TABLE run_batches (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch   INTEGER NOT NULL,
    batch   INTEGER NOT NULL,
    loss    REAL    NOT NULL,
    PRIMARY KEY (run_id, epoch, batch)
) WITHOUT ROWID;
