-- Single sign-on allowlists: an email (stored lower-case) is on at most one
-- list, whose role a signed-in session gets (never more than its token's).
-- Admins edit them with the allow_sso_email / remove_sso_email commands
-- (audited); the server seeds them from its flags at start. A session's
-- email is re-checked here on every request and stream heartbeat.
CREATE TABLE sso_allowlist (
    email TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
