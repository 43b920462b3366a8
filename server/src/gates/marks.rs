//! The gates' marks (`gate_marks`): per scan, the highest sequence number a
//! run read, where the next routine run starts. Read by `checks.rs`, moved
//! by `record.rs` on the run's write transaction.

use crate::error::LedgerResult;
use sqlx::{AnyConnection, AnyPool};

/// The mark of the last posting the ledger scan has read.
pub(super) const POSTINGS_MARK: &str = "postings_through_seq";
/// The mark of the last statement line the statement scan has read.
pub(super) const STATEMENT_MARK: &str = "statement_through_seq";

/// The value of mark `name`, if set.
pub(super) async fn mark(pool: &AnyPool, name: &str) -> LedgerResult<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT value FROM gate_marks WHERE name = $1").bind(name).fetch_optional(pool).await?)
}

/// Sets mark `name` to `value` on `conn` (writing only if it moved).
pub(super) async fn set_mark(conn: &mut AnyConnection, name: &str, value: i64) -> LedgerResult<()> {
    sqlx::query(
        "INSERT INTO gate_marks (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE gate_marks.value <> excluded.value",
    )
    .bind(name)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
