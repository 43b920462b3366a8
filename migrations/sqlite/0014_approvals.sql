-- Four eyes. A policy puts a command under approval: every call, or only
-- calls moving at least a threshold in one currency (what happens in other
-- currencies is the policy's `other_currencies`: 'apply' or 'skip').
CREATE TABLE approval_policies (
    command          TEXT PRIMARY KEY,
    threshold_minor  BIGINT,
    currency         TEXT,
    other_currencies TEXT NOT NULL CHECK (other_currencies IN ('apply', 'skip')),
    set_by           TEXT NOT NULL,
    set_at           BIGINT NOT NULL,
    CHECK ((threshold_minor IS NULL) = (currency IS NULL))
);

-- A command that fell under a policy, stored instead of run: its exact
-- parameters, who proposed it (by operator name and by identity, the email
-- when signed in, so one person with two tokens cannot approve themselves)
-- under which key, and how it ended. 'expired' is never stored: a pending
-- proposal past `expires_at` reads as expired and cannot be approved.
CREATE TABLE approval_proposals (
    id                TEXT PRIMARY KEY,
    command           TEXT NOT NULL,
    params            TEXT NOT NULL,
    summary           TEXT NOT NULL,
    amount_minor      BIGINT,
    currency          TEXT,
    proposer          TEXT NOT NULL,
    proposer_identity TEXT NOT NULL,
    proposer_role     TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'executed', 'rejected', 'failed')),
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    decided_by        TEXT,
    decided_at        BIGINT,
    decision_reason   TEXT,
    error_code        TEXT,
    error_detail      TEXT,
    result            TEXT
);
CREATE INDEX approval_proposals_by_status ON approval_proposals (status, created_at, id);
