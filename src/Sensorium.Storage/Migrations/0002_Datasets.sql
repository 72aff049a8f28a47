-- 0002: dataset roots registered with the workbench (folders in the official Sensorium layout).
-- status: registered (not yet checked), ready (checked and usable), missing (folder gone), invalid (see detail).
CREATE TABLE datasets (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    path           TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('registered', 'ready', 'missing', 'invalid')),
    detail         TEXT,
    registered_by  INTEGER REFERENCES users (id),
    created_at     TEXT    NOT NULL,
    checked_at     TEXT
);
