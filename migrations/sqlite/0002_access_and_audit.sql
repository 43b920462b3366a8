-- Named operator tokens (only a SHA-256 of the secret is kept) and the audit
-- log of every command attempt and access change.

CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    secret_hash TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX api_tokens_by_name ON api_tokens (name);

-- outcome: posted | replayed | refused | failed
CREATE TABLE audit_log (
    id              TEXT PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    idempotency_key TEXT,
    outcome         TEXT NOT NULL,
    error_code      TEXT,
    subject_id      TEXT,
    detail          TEXT,
    duration_micros BIGINT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
