-- 0001: teams, the users who belong to them, and API tokens.
-- Times are ISO-8601 UTC text (round-trip "O" format); booleans are 0/1 integers.

-- A team owns runs; every non-admin user belongs to exactly one team.
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    created_at  TEXT    NOT NULL
);

-- Accounts. password_hash is ASP.NET Core Identity's PasswordHasher format (salted PBKDF2, versioned).
-- Administrators may have no team.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    user_name      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash  TEXT    NOT NULL,
    team_id        INTEGER REFERENCES teams (id),
    is_admin       INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at     TEXT    NOT NULL
);
CREATE INDEX users_team ON users (team_id);

-- Per-team bearer tokens for scripts and the CLI (not used by the web app yet).
-- Only the SHA-256 of the token is kept; the token itself is shown once when created.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    team_id       INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    name          TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at    TEXT    NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
