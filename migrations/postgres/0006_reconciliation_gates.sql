-- Reconciliation gates: run history, findings with their lifecycle, and the
-- checkpoints that let a routine run look only at what is new.

-- Covering indexes for the gates' scans (and the statement and account
-- reads): a gate reads postings and statement lines from the index alone.
DROP INDEX postings_by_transaction;
CREATE INDEX postings_by_transaction ON postings (transaction_id, currency, amount);
DROP INDEX postings_by_account;
CREATE INDEX postings_by_account ON postings (account_id, seq, amount);
DROP INDEX statement_lines_by_account;
CREATE INDEX statement_lines_by_account ON statement_lines (account_id, posting_seq, amount, balance_after);

-- One row per gate per run. status: green | amber | red.
-- mode: full | routine. trigger: schedule | <operator name>.
CREATE TABLE gate_runs (
    id           TEXT NOT NULL,
    gate         TEXT NOT NULL,
    mode         TEXT NOT NULL,
    run_trigger  TEXT NOT NULL,
    status       TEXT NOT NULL,
    checked      BIGINT NOT NULL,
    open_count   BIGINT NOT NULL,
    flagged      BIGINT NOT NULL,
    resolved     BIGINT NOT NULL,
    error        TEXT,
    started_at   BIGINT NOT NULL,
    duration_micros BIGINT NOT NULL,
    PRIMARY KEY (id, gate)
);
CREATE INDEX gate_runs_by_gate ON gate_runs (gate, id);

-- A finding is keyed by (gate, subject, code): OPEN while present, RESOLVED
-- when a later complete check no longer sees it, reopened when it recurs.
-- Figures are minor units of `unit` when it is a currency, else plain counts
-- or seconds.
CREATE TABLE gate_findings (
    id              TEXT PRIMARY KEY,
    gate            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    code            TEXT NOT NULL,
    status          TEXT NOT NULL,
    severity        TEXT NOT NULL,
    unit            TEXT NOT NULL,
    expected        BIGINT NOT NULL,
    actual          BIGINT NOT NULL,
    detail          TEXT NOT NULL,
    first_seen_at   BIGINT NOT NULL,
    opened_at       BIGINT NOT NULL,
    resolved_at     BIGINT,
    times_opened    BIGINT NOT NULL,
    UNIQUE (gate, subject, code)
);
CREATE INDEX gate_findings_by_status ON gate_findings (gate, status, id);

-- Per account: what the last run verified, through which posting and which
-- statement line. A routine run adds only what came after.
CREATE TABLE gate_checkpoints (
    account_id   TEXT PRIMARY KEY,
    posting_seq  BIGINT NOT NULL,
    posting_sum  BIGINT NOT NULL,
    line_seq     BIGINT NOT NULL,
    line_balance BIGINT NOT NULL
);

-- Named high-water marks (the last posting whose transaction was checked).
CREATE TABLE gate_marks (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

-- Finished holds changed since the last run (routine payout_finality).
CREATE INDEX holds_by_update ON holds (updated_at);

-- Open holds by wallet with their amounts (holds_drift), and holds by status
-- and last change (stuck and overdue holds), read from the index alone.
CREATE INDEX holds_open_by_wallet ON holds (status, wallet_id, amount);
CREATE INDEX holds_by_status_update ON holds (status, updated_at);
