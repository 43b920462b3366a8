-- The payout saga: per-hold scheduling and leases, provider submissions and
-- queries in the hold's history, and the log of provider events received.

ALTER TABLE holds ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN lease_owner TEXT;
ALTER TABLE holds ADD COLUMN lease_until BIGINT;
CREATE INDEX holds_due ON holds (status, next_attempt_at);

-- kind: state_change | submission | query | provider_event
ALTER TABLE hold_history ADD COLUMN kind TEXT NOT NULL DEFAULT 'state_change';
ALTER TABLE hold_history ADD COLUMN provider_status TEXT;

CREATE TABLE provider_events (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    provider           TEXT NOT NULL,
    reference          TEXT NOT NULL,
    hold_id            TEXT NOT NULL,
    status             TEXT NOT NULL,
    provider_reference TEXT,
    payload            TEXT NOT NULL,
    outcome            TEXT NOT NULL,
    received_at        BIGINT NOT NULL,
    UNIQUE (provider, reference)
);
