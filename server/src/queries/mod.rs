//! The read model: SQL that answers the read routes with the client's wire
//! types. Knows nothing of HTTP; every function takes the [`Store`] and
//! returns [`LedgerResult`]s, so bad filters and cursors are
//! `VALIDATION_FAILED` and unknown ids `NOT_FOUND`.
//!
//! Lists are keyset-paged: on the UUIDv7 `id` (time-ordered) or on an
//! integer `seq`, never by offset, so a reader paging while rows are written
//! neither skips nor repeats anything. Cursors are opaque and checked.
//!
//! Money leaves as decimals at the currency's scale; times as RFC 3339 (UTC).

mod accounts;
mod audit;
mod gates;
mod holds;
mod outbox;
mod overview;
mod paging;
mod provider_events;
mod transactions;
mod wallets;

pub use accounts::list_accounts;
pub use audit::list_audit;
pub use gates::{get_finding, list_findings, list_gate_runs, list_gates};
pub use holds::{get_hold, list_holds};
pub use outbox::{get_outbox_message, list_outbox_messages, list_webhook_endpoints};
pub use overview::{outbox_stats, overview, overview_at};
pub use provider_events::list_provider_events;
pub use transactions::{get_transaction, list_transactions};
pub use wallets::{get_wallet, list_wallets, wallet_statement};

use crate::error::{LedgerError, LedgerResult};
use crate::store::{Backend, Store};
use chrono::{DateTime, SecondsFormat};
use rust_decimal::Decimal;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Formats stored microseconds since the epoch as RFC 3339 in UTC.
pub(crate) fn rfc3339(micros: i64) -> LedgerResult<String> {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
        .ok_or_else(|| LedgerError::Internal(format!("stored time {micros} is out of range")))
}

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

    #[test]
    fn times_are_rfc3339_utc_with_microseconds() {
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(1_700_000_000_123_456).unwrap(), "2023-11-14T22:13:20.123456Z");
        assert!(rfc3339(i64::MAX).is_err());
    }
}
