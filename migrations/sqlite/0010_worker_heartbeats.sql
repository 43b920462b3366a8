-- Saga worker heartbeats: one row per payout saga worker, upserted by the
-- worker at most once a second while it runs (each idle round, and between
-- steps of a busy one). `/healthz` lists the workers whose last beat is
-- within their own `stale_after_micros` as live and the others as gone; a
-- worker deletes its row when it stops cleanly, and rows an hour past their
-- last beat are pruned by the workers. `behind_micros` is how long the
-- oldest due, unleased hold had waited past its due time when the worker
-- beat (0 when none was waiting); `handled` counts the holds it stepped
-- since its previous beat. Writer: server/src/saga/heartbeat.rs.

CREATE TABLE worker_heartbeats (
    worker_id          TEXT PRIMARY KEY,
    instance           TEXT NOT NULL,
    started_at         BIGINT NOT NULL,
    last_round_at      BIGINT NOT NULL,
    behind_micros      BIGINT NOT NULL,
    handled            BIGINT NOT NULL,
    stale_after_micros BIGINT NOT NULL
);
