-- A pay-in is credited once per provider reference: the first pay-in of a
-- (provider, provider_reference) writes this row on its own transaction, and
-- any later one, under any idempotency key, conflicts on the primary key and
-- is refused, naming the first transaction.
CREATE TABLE payin_references (
    provider           TEXT NOT NULL,
    provider_reference TEXT NOT NULL,
    transaction_id     TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (provider, provider_reference)
);

-- Pay-in events a provider posted (`payin.succeeded`, `payin.reversed`),
-- one row per (provider, event reference): the provider's confirmations, as
-- the server applied them.
CREATE TABLE payin_events (
    provider           TEXT NOT NULL,
    reference          TEXT NOT NULL,
    kind               TEXT NOT NULL,
    provider_reference TEXT NOT NULL,
    wallet_id          TEXT,
    amount             TEXT,
    outcome            TEXT NOT NULL,
    transaction_id     TEXT,
    code               TEXT,
    payload            TEXT NOT NULL,
    received_at        BIGINT NOT NULL,
    PRIMARY KEY (provider, reference)
);
CREATE INDEX payin_events_by_provider_reference ON payin_events (provider, provider_reference);
