//! The read model: SQL that answers the read routes (and search) with the
//! client's wire types. Knows nothing of HTTP; every function takes the [`Store`] and
//! returns [`LedgerResult`]s, so bad filters and cursors are
//! `VALIDATION_FAILED` and unknown ids `NOT_FOUND`.
//!
//! Lists are keyset-paged: on the UUIDv7 `id` (time-ordered) or on an
//! integer `seq`, never by offset, so a reader paging while rows are written
//! neither skips nor repeats anything. Cursors are opaque and checked.
//!
//! Money leaves as decimals at the currency's scale; times as RFC 3339 (UTC).

mod accounts;
mod approvals;
mod audit;
mod balance;
pub mod export;
mod gates;
mod holds;
mod merchants;
mod outbox;
mod overview;
mod paging;
mod provider_events;
mod search;
mod transactions;
mod wallets;
mod workers;

pub use accounts::list_accounts;
pub use approvals::{PROPOSAL_STATUSES, get_proposal, list_policies, list_proposals, load_view};
pub use audit::list_audit;
pub use balance::wallet_balance_as_of;
pub use gates::{get_finding, list_findings, list_gate_runs, list_gates};
pub use holds::{get_hold, list_holds};
pub use merchants::merchant;
pub use outbox::{get_outbox_message, list_outbox_messages, list_webhook_endpoints};
pub use overview::{outbox_stats, overview, overview_at};
pub use provider_events::list_provider_events;
pub use search::search;
pub use transactions::{get_transaction, list_transactions};
pub use wallets::{get_wallet, list_wallets, wallet_statement};
pub use workers::{DueHolds, due_holds, saga_workers};

use crate::error::{LedgerError, LedgerResult};
use crate::store::{Backend, Store};
/// Stored times as RFC 3339; lives in [`crate::time`], re-exported for the
/// read model's files.
pub(crate) use crate::time::rfc3339;
use rust_decimal::Decimal;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Minor units as a decimal carrying exactly `scale` digits after the point.
pub(crate) fn money(minor: i64, scale: i64) -> LedgerResult<Decimal> {
    match u32::try_from(scale) {
        Ok(scale) if scale <= 28 => Ok(Decimal::new(minor, scale)),
        _ => Err(LedgerError::Internal(format!("unusable currency scale {scale}"))),
    }
}

/// Reads `minor_col` of `row` as money at the scale in its `scale` column.
pub(crate) fn money_at(row: &AnyRow, minor_col: &str) -> LedgerResult<Decimal> {
    let scale: i64 = row.try_get("scale")?;
    money(row.try_get(minor_col)?, scale)
}

/// Reads a stored time column of `row` as RFC 3339.
pub(crate) fn time_at(row: &AnyRow, col: &str) -> LedgerResult<String> {
    rfc3339(row.try_get(col)?)
}

/// A read-only transaction whose queries all see one snapshot: on SQLite
/// (WAL) a deferred transaction; on PostgreSQL `REPEATABLE READ`.
pub(crate) async fn snapshot(store: &Store) -> LedgerResult<Transaction<'static, Any>> {
    let tx = match store.backend() {
        Backend::Sqlite => store.pool().begin().await?,
        Backend::Postgres => store.pool().begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?,
    };
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_the_currency_scale() {
        assert_eq!(money(125_000, 2).unwrap().to_string(), "1250.00");
        assert_eq!(money(50_000_000, 8).unwrap().to_string(), "0.50000000");
        assert_eq!(money(-5, 2).unwrap().to_string(), "-0.05");
        assert!(money(1, -1).is_err());
        assert!(money(1, 29).is_err());
    }
}
