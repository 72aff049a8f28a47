-- 0010: sweeps (issue 11.2). A sweep is a base run spec plus the values or ranges of some of its fields (axes, as the
-- sweep's JSON), grid or random with a budget; its runs are ordinary queued runs of the team (so the fair scheduler
-- treats them like any other) that point back to it through runs.sweep_id (null for a run queued on its own).
CREATE TABLE sweeps (
    id              INTEGER PRIMARY KEY,
    team_id         INTEGER NOT NULL REFERENCES teams (id),
    owner_id        INTEGER NOT NULL REFERENCES users (id),
    name            TEXT    NOT NULL,
    base_spec_json  TEXT    NOT NULL,
    axes_json       TEXT    NOT NULL,     -- [{"field": …, "values": […]} | {"field": …, "range": {…}}]
    mode            TEXT    NOT NULL CHECK (mode IN ('grid', 'random')),
    budget          INTEGER NOT NULL CHECK (budget >= 1),
    seed            INTEGER NOT NULL DEFAULT 0,  -- of the random draws
    created_at      TEXT    NOT NULL
);
CREATE INDEX sweeps_team ON sweeps (team_id, id);
ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps (id);
CREATE INDEX runs_sweep ON runs (sweep_id);
