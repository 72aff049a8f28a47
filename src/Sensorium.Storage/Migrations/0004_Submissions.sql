-- 0004: benchmark submissions, their scores, and which tracks' final-test scores are revealed.

-- One uploaded (or made) submission CSV of a team for a track and tier, with its scores once validated.
-- track: 'sensorium' | 'sensorium+'; tier: 'test' (live test) | 'final_test'.
-- Only valid, scored files are stored (an invalid file is refused with its report and does not count towards the
-- daily limit). is_baseline: a host (admin) entry, shown on the leaderboard but not ranked.
CREATE TABLE submissions (
    id                        INTEGER PRIMARY KEY,
    team_id                   INTEGER NOT NULL REFERENCES teams (id),
    user_id                   INTEGER NOT NULL REFERENCES users (id),
    run_id                    INTEGER REFERENCES runs (id),        -- null: a CSV made elsewhere
    track                     TEXT    NOT NULL CHECK (track IN ('sensorium', 'sensorium+')),
    tier                      TEXT    NOT NULL CHECK (tier IN ('test', 'final_test')),
    file_name                 TEXT    NOT NULL,                    -- as uploaded
    file_path                 TEXT    NOT NULL,                    -- stored copy under DataDirectory/submissions
    file_bytes                INTEGER NOT NULL,
    single_trial_correlation  REAL    NOT NULL,
    correlation_to_average    REAL    NOT NULL,
    feve                      REAL    NOT NULL,
    warnings_json             TEXT,                                -- validation warnings, a JSON array of strings
    is_baseline               INTEGER NOT NULL DEFAULT 0 CHECK (is_baseline IN (0, 1)),
    note                      TEXT,
    created_at                TEXT    NOT NULL
);
CREATE INDEX submissions_team_track_created ON submissions (team_id, track, created_at);
CREATE INDEX submissions_track_tier ON submissions (track, tier);

-- A track whose final-test scores an administrator has made public.
CREATE TABLE final_reveals (
    track        TEXT PRIMARY KEY CHECK (track IN ('sensorium', 'sensorium+')),
    revealed_by  INTEGER REFERENCES users (id),
    revealed_at  TEXT NOT NULL
);
