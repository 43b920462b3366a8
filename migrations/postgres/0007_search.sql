-- Search (GET /v1/search) and the exact-match filters of the lists: every
-- column a query compares with the caller's text has an index, so each probe
-- is one index lookup whatever the size of its table. Ids are primary keys
-- already; wallets by merchant exist since 0001.

CREATE INDEX holds_by_reference ON holds (reference);
CREATE INDEX holds_by_provider_reference ON holds (provider_reference);
-- A merchant's holds: whether it exists, and its holds by status.
CREATE INDEX holds_by_merchant ON holds (merchant_id, status);

CREATE INDEX ledger_transactions_by_reference ON ledger_transactions (reference);
-- The date range of GET /v1/transactions (from/to on the booked time).
CREATE INDEX ledger_transactions_by_booked ON ledger_transactions (booked_at);

CREATE INDEX outbox_messages_by_subject ON outbox_messages (subject_id, id);
CREATE INDEX gate_findings_by_subject ON gate_findings (subject);
CREATE INDEX audit_log_by_key ON audit_log (idempotency_key, id);
CREATE INDEX audit_log_by_subject ON audit_log (subject_id, id);

CREATE INDEX provider_events_by_reference ON provider_events (reference);
CREATE INDEX provider_events_by_provider_reference ON provider_events (provider_reference);
