-- 0005: a worker's every report is stored, non-finite numbers included, and what the training-health guard met.

-- Numbers a worker reports may be NaN or ±inf (a diverging model): SQLite cannot store those as REAL, so they are
-- stored as NULL ("not available"); the columns become nullable. Rebuilt, as SQLite cannot drop NOT NULL.
CREATE TABLE run_epochs_v5 (
    run_id                       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch                        INTEGER NOT NULL,
    train_loss                   REAL,  -- NULL: not finite
    validation_correlation       REAL,  -- NULL: not available (not finite)
    per_mouse_correlation_json   TEXT,  -- {"<data_key>": correlation or "NaN", ...}
    learning_rate                REAL,
    epoch_seconds                REAL,
    recorded_at                  TEXT    NOT NULL,
    PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;
INSERT INTO run_epochs_v5 SELECT run_id, epoch, train_loss, validation_correlation, per_mouse_correlation_json,
    learning_rate, epoch_seconds, recorded_at FROM run_epochs;
DROP TABLE run_epochs;
ALTER TABLE run_epochs_v5 RENAME TO run_epochs;

CREATE TABLE run_batches_v5 (
    run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch   INTEGER NOT NULL,
    batch   INTEGER NOT NULL,
    loss    REAL,  -- NULL: not finite
    PRIMARY KEY (run_id, epoch, batch)
) WITHOUT ROWID;
INSERT INTO run_batches_v5 SELECT run_id, epoch, batch, loss FROM run_batches;
DROP TABLE run_batches;
ALTER TABLE run_batches_v5 RENAME TO run_batches;

-- Non-finite numbers the training-health guard met: where (epoch, batch counted from 1, NULL when found at an
-- evaluation), what, and whether the run recovered (best weights restored, learning rate reduced) or stopped.
CREATE TABLE run_incidents (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    epoch        INTEGER NOT NULL,
    batch        INTEGER,
    what         TEXT    NOT NULL,
    recovered    INTEGER NOT NULL CHECK (recovered IN (0, 1)),
    learning_rate REAL,
    recorded_at  TEXT    NOT NULL
);
CREATE INDEX run_incidents_run ON run_incidents (run_id, id);
