//! A wallet's balances as of a time, by effective and by booked time.
//!
//! Each figure is the sum of one wallet account's statement lines at or
//! before the time (migration 0011 makes each sum an index-only range read);
//! the four sums are one statement, so they see one snapshot.

use super::paging::Checks;
use super::{money, rfc3339};
use crate::error::{LedgerError, LedgerResult};
use crate::store::{Store, now_micros};
use crate::time::parse_rfc3339;
use ledgerdeck_client::{BalanceFigures, WalletBalanceAsOf};
use sqlx::Row;

const BALANCE_AS_OF: &str = "SELECT w.currency, CAST(c.scale AS BIGINT) AS scale, \
     CAST(COALESCE((SELECT SUM(s.amount) FROM statement_lines s \
         WHERE s.account_id = av.id AND s.effective_at <= $2), 0) AS BIGINT) AS effective_available, \
     CAST(COALESCE((SELECT SUM(s.amount) FROM statement_lines s \
         WHERE s.account_id = rs.id AND s.effective_at <= $2), 0) AS BIGINT) AS effective_reserved, \
     CAST(COALESCE((SELECT SUM(s.amount) FROM statement_lines s \
         WHERE s.account_id = av.id AND s.booked_at <= $2), 0) AS BIGINT) AS booked_available, \
     CAST(COALESCE((SELECT SUM(s.amount) FROM statement_lines s \
         WHERE s.account_id = rs.id AND s.booked_at <= $2), 0) AS BIGINT) AS booked_reserved \
     FROM wallets w JOIN currencies c ON c.code = w.currency \
     LEFT JOIN accounts av ON av.wallet_id = w.id AND av.kind = 'wallet_available' \
     LEFT JOIN accounts rs ON rs.wallet_id = w.id AND rs.kind = 'wallet_reserved' \
     WHERE w.id = $1";

/// The wallet's balances as of `as_of` (RFC 3339 with any offset, inclusive;
/// now when `None`): a bad time is `VALIDATION_FAILED` on `as_of`, an
/// unknown wallet `NOT_FOUND`.
pub async fn wallet_balance_as_of(
    store: &Store,
    wallet_id: &str,
    as_of: Option<&str>,
) -> LedgerResult<WalletBalanceAsOf> {
    let mut checks = Checks::new();
    let at = match as_of {
        None => Some(now_micros()),
        Some(text) => {
            let parsed = parse_rfc3339(text.trim());
            if parsed.is_none() {
                checks.fail("as_of", "must be an RFC 3339 time, e.g. 2026-01-31T23:59:59Z");
            }
            parsed
        }
    };
    checks.finish()?;
    let at = at.unwrap_or_default();
    let row = sqlx::query(BALANCE_AS_OF)
        .bind(wallet_id)
        .bind(at)
        .fetch_optional(store.pool())
        .await?
        .ok_or_else(|| LedgerError::NotFound { what: "wallet", id: wallet_id.to_string() })?;
    let scale: i64 = row.try_get("scale")?;
    let figures = |available: i64, reserved: i64| -> LedgerResult<BalanceFigures> {
        let total = available
            .checked_add(reserved)
            .ok_or_else(|| LedgerError::Internal(format!("wallet {wallet_id}'s total overflows")))?;
        Ok(BalanceFigures {
            available: money(available, scale)?,
            reserved: money(reserved, scale)?,
            total: money(total, scale)?,
        })
    };
    Ok(WalletBalanceAsOf {
        wallet_id: wallet_id.to_string(),
        currency: row.try_get("currency")?,
        as_of: rfc3339(at)?,
        effective: figures(row.try_get("effective_available")?, row.try_get("effective_reserved")?)?,
        booked: figures(row.try_get("booked_available")?, row.try_get("booked_reserved")?)?,
    })
}
