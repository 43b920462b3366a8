-- The change log: one row per change the live stream announces (a hold
-- moved, a command posted, a gate run finished, a flag set, a token
-- revoked), written on the same transaction as the change. `seq` is the
-- stream's event id, global to the database: every instance tails this
-- table, so a client resumes on any of them. Rows older than the retention
-- are pruned; `change_log_horizon` remembers the highest seq pruned, below
-- which a resume answers `reset`. Tailer: server/src/events/tail.rs.

CREATE TABLE change_log (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE change_log_horizon (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_through BIGINT NOT NULL
);
INSERT INTO change_log_horizon (id, pruned_through) VALUES (1, 0);

-- A seq is taken at insert and seen at commit, so seqs can become visible
-- out of order: the tailer holds back after a gap until every transaction
-- that was running when it saw the gap has ended (pg_snapshot_xmin).
