-- Feature flags: switches that gate commands, per flag at four scopes.
-- scope_value is '' for the global row and the merchant id, currency code or
-- provider name otherwise. mode (fail_open | fail_closed) is read from the
-- global row only; NULL means fail_open. Evaluation: server/src/flags.rs.

CREATE TABLE feature_flags (
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('global', 'merchant', 'currency', 'provider')),
    scope_value TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    mode        TEXT CHECK (mode IS NULL OR mode IN ('fail_open', 'fail_closed')),
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (name, scope, scope_value),
    CHECK ((scope = 'global' AND scope_value = '') OR (scope <> 'global' AND scope_value <> '')),
    CHECK (scope = 'global' OR mode IS NULL)
);
