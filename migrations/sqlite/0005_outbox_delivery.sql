-- Outbox delivery: webhook endpoints, one delivery per (message, endpoint)
-- with its retry schedule and lease, and every attempt made. An outbox
-- message is 'pending' until the delivery worker fans it out, then
-- 'dispatched' (deliveries made) or 'no_endpoint'. A delivery's id is the
-- Standard Webhooks webhook-id, stable across retries. Worker:
-- server/src/delivery/.

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    disabled_reason TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- A message targeted at one endpoint only (test events); NULL fans out.
ALTER TABLE outbox_messages ADD COLUMN target_endpoint_id TEXT;

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    message_id      TEXT NOT NULL REFERENCES outbox_messages (id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_type      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    UNIQUE (message_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, status);
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (delivered_at);

CREATE TABLE webhook_attempts (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id),
    endpoint_id      TEXT NOT NULL,
    at               BIGINT NOT NULL,
    http_status      INTEGER,
    error            TEXT,
    latency_micros   BIGINT NOT NULL,
    response_excerpt TEXT NOT NULL
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, seq);
