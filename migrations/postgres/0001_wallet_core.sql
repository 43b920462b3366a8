-- Wallet core: currencies, wallets, accounts, the double-entry ledger, the
-- statement read model, holds, idempotency keys and the outbox.
-- Money is integer minor units (BIGINT); times are microseconds since the
-- Unix epoch, UTC; ids are UUIDv7 text (time-ordered, so they page by id).

CREATE TABLE currencies (
    code  TEXT PRIMARY KEY,
    scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 18)
);

INSERT INTO currencies (code, scale) VALUES
    ('NGN', 2), ('USD', 2), ('EUR', 2), ('GBP', 2), ('KES', 2), ('GHS', 2), ('GEL', 2),
    ('USDT', 6), ('USDC', 6), ('BTC', 8);

CREATE TABLE wallets (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL,
    currency    TEXT NOT NULL REFERENCES currencies (code),
    label       TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX wallets_by_merchant ON wallets (merchant_id, id);

-- kind: wallet_available | wallet_reserved | payin_clearing | payout_clearing
--       | treasury_bank | opening_equity | corrections | fees
CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    currency       TEXT NOT NULL REFERENCES currencies (code),
    wallet_id      TEXT REFERENCES wallets (id),
    balance        BIGINT NOT NULL DEFAULT 0,
    allow_negative BOOLEAN NOT NULL,
    created_at     BIGINT NOT NULL,
    CHECK (allow_negative OR balance >= 0)
);
CREATE INDEX accounts_by_wallet ON accounts (wallet_id);

-- One set of system accounts per seeded currency; ids are deterministic.
INSERT INTO accounts (id, kind, currency, wallet_id, balance, allow_negative, created_at)
SELECT 'sys:' || c.code || ':' || k.kind, k.kind, c.code, NULL, 0, TRUE, 0
FROM currencies c
CROSS JOIN (
    SELECT 'payin_clearing' AS kind UNION ALL SELECT 'payout_clearing'
    UNION ALL SELECT 'treasury_bank' UNION ALL SELECT 'opening_equity'
    UNION ALL SELECT 'corrections' UNION ALL SELECT 'fees'
) k;

CREATE TABLE ledger_transactions (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    reference    TEXT,
    description  TEXT NOT NULL,
    hold_id      TEXT,
    booked_at    BIGINT NOT NULL,
    effective_at BIGINT NOT NULL,
    reverses_id  TEXT UNIQUE REFERENCES ledger_transactions (id),
    reversed_by  TEXT REFERENCES ledger_transactions (id)
);

CREATE TABLE postings (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    currency       TEXT NOT NULL REFERENCES currencies (code),
    amount         BIGINT NOT NULL CHECK (amount <> 0)
);
CREATE INDEX postings_by_transaction ON postings (transaction_id);
CREATE INDEX postings_by_account ON postings (account_id, seq);

-- The statement read model: one line per posting to a wallet account, with
-- that account's running balance after it. Rebuildable from postings.
CREATE TABLE statement_lines (
    posting_seq    BIGINT PRIMARY KEY REFERENCES postings (seq),
    wallet_id      TEXT NOT NULL REFERENCES wallets (id),
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    amount         BIGINT NOT NULL,
    balance_after  BIGINT NOT NULL,
    description    TEXT NOT NULL,
    booked_at      BIGINT NOT NULL,
    effective_at   BIGINT NOT NULL
);
CREATE INDEX statement_lines_by_wallet ON statement_lines (wallet_id, posting_seq);
CREATE INDEX statement_lines_by_account ON statement_lines (account_id, posting_seq);

-- status: reserved | submitted | manual_review | settled | released
CREATE TABLE holds (
    id                 TEXT PRIMARY KEY,
    wallet_id          TEXT NOT NULL REFERENCES wallets (id),
    merchant_id        TEXT NOT NULL,
    currency           TEXT NOT NULL REFERENCES currencies (code),
    amount             BIGINT NOT NULL CHECK (amount > 0),
    provider           TEXT NOT NULL,
    reference          TEXT NOT NULL,
    status             TEXT NOT NULL,
    reserve_txn_id     TEXT NOT NULL REFERENCES ledger_transactions (id),
    final_txn_id       TEXT REFERENCES ledger_transactions (id),
    provider_reference TEXT,
    reason             TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX holds_by_status ON holds (status, created_at);
CREATE INDEX holds_by_wallet ON holds (wallet_id, status);

CREATE TABLE hold_history (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hold_id     TEXT NOT NULL REFERENCES holds (id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    detail      TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX hold_history_by_hold ON hold_history (hold_id, seq);

-- state: in_progress | completed. A completed key's response is replayed.
CREATE TABLE idempotency_keys (
    caller          TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    command         TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    state           TEXT NOT NULL,
    claim_token     TEXT,
    locked_until    BIGINT,
    response        TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- Events written in the same transaction as the change they describe.
CREATE TABLE outbox_messages (
    id         TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    payload    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending',
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_messages_by_status ON outbox_messages (status, created_at);
