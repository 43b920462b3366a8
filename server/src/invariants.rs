//! The ledger's invariants as queries. Each check returns the subjects that
//! break it with the expected and actual figures; an empty list means it
//! holds. Read-only: nothing here writes.

use crate::error::LedgerResult;
use sqlx::{AnyPool, Row};

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant.
    pub check: &'static str,
    /// The transaction, account or wallet concerned.
    pub subject: String,
    /// The figure the ledger says it should be, in minor units.
    pub expected: i64,
    /// The figure found, in minor units.
    pub actual: i64,
}

type Check = (&'static str, &'static str);

/// Every check: its name and a query yielding `subject, expected, actual`.
const CHECKS: &[Check] = &[
    (
        "transaction_balanced",
        "SELECT transaction_id || ' ' || currency AS subject, CAST(0 AS BIGINT) AS expected, \
         CAST(SUM(amount) AS BIGINT) AS actual FROM postings GROUP BY transaction_id, currency \
         HAVING SUM(amount) <> 0",
    ),
    (
        "stored_balance",
        "SELECT a.id AS subject, CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) AS expected, a.balance AS actual \
         FROM accounts a LEFT JOIN postings p ON p.account_id = a.id GROUP BY a.id, a.balance \
         HAVING a.balance <> COALESCE(SUM(p.amount), 0)",
    ),
    (
        "wallet_not_negative",
        "SELECT id AS subject, CAST(0 AS BIGINT) AS expected, balance AS actual FROM accounts \
         WHERE wallet_id IS NOT NULL AND balance < 0",
    ),
    (
        "statement_matches_ledger",
        "SELECT a.id AS subject, a.balance AS expected, \
         CAST(COALESCE((SELECT s.balance_after FROM statement_lines s WHERE s.account_id = a.id \
           ORDER BY s.posting_seq DESC LIMIT 1), 0) AS BIGINT) AS actual \
         FROM accounts a WHERE a.wallet_id IS NOT NULL AND a.balance <> \
         COALESCE((SELECT s.balance_after FROM statement_lines s WHERE s.account_id = a.id \
           ORDER BY s.posting_seq DESC LIMIT 1), 0)",
    ),
    (
        "statement_running_balance",
        "SELECT subject, expected, actual FROM ( \
           SELECT account_id || ' #' || CAST(posting_seq AS TEXT) AS subject, \
           CAST(SUM(amount) OVER (PARTITION BY account_id ORDER BY posting_seq) AS BIGINT) AS expected, \
           balance_after AS actual FROM statement_lines) running WHERE expected <> actual",
    ),
    (
        "statement_complete",
        "SELECT a.id AS subject, \
         CAST((SELECT COUNT(*) FROM postings p WHERE p.account_id = a.id) AS BIGINT) AS expected, \
         CAST((SELECT COUNT(*) FROM statement_lines s WHERE s.account_id = a.id) AS BIGINT) AS actual \
         FROM accounts a WHERE a.wallet_id IS NOT NULL AND \
         (SELECT COUNT(*) FROM postings p WHERE p.account_id = a.id) <> \
         (SELECT COUNT(*) FROM statement_lines s WHERE s.account_id = a.id)",
    ),
    (
        "holds_match_reserved",
        "SELECT subject, expected, actual FROM ( \
           SELECT a.wallet_id AS subject, a.balance AS actual, \
           CAST(COALESCE((SELECT SUM(h.amount) FROM holds h WHERE h.wallet_id = a.wallet_id \
             AND h.status IN ('reserved', 'submitted', 'manual_review')), 0) AS BIGINT) AS expected \
           FROM accounts a WHERE a.kind = 'wallet_reserved') r WHERE expected <> actual",
    ),
];

/// Runs every check and returns all violations (empty when the ledger is sound).
pub async fn check_all(pool: &AnyPool) -> LedgerResult<Vec<Violation>> {
    let mut found = Vec::new();
    for (check, sql) in CHECKS {
        for row in sqlx::query(*sql).fetch_all(pool).await? {
            found.push(Violation {
                check,
                subject: row.try_get("subject")?,
                expected: row.try_get("expected")?,
                actual: row.try_get("actual")?,
            });
        }
    }
    Ok(found)
}
