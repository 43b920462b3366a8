//! Payout holds as a work queue (oldest first), and one hold's history.

use super::paging::{Checks, page};
use super::{money_at, snapshot, time_at};
use crate::error::{LedgerError, LedgerResult};
use crate::store::{Store, now_micros};
use ledgerdeck_client::reads::HOLD_STATUSES;
use ledgerdeck_client::{HoldDetail, HoldHistoryEntry, HoldQuery, HoldView, Page};
use sqlx::Row;
use sqlx::any::AnyRow;

macro_rules! hold_select {
    () => {
        "SELECT h.id, h.wallet_id, h.merchant_id, h.currency, h.amount, h.provider, h.reference, h.status, \
         h.provider_reference, h.reason, h.reserve_txn_id, h.final_txn_id, h.created_at, h.updated_at, \
         CAST(c.scale AS BIGINT) AS scale FROM holds h JOIN currencies c ON c.code = h.currency "
    };
}

/// Holds, oldest first, filtered by status, wallet, merchant, provider,
/// currency, minimum age and reference (the hold's or the provider's).
pub async fn list_holds(store: &Store, query: &HoldQuery) -> LedgerResult<Page<HoldView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let after = checks.id_cursor("holds", query.cursor.as_deref());
    checks.one_of("status", query.status.as_deref(), &HOLD_STATUSES);
    let reference = checks.exact_text("reference", query.reference.as_deref());
    let now = now_micros();
    let created_before = match query.older_than_seconds {
        None => None,
        Some(seconds) if seconds >= 0 => Some(now.saturating_sub(seconds.saturating_mul(1_000_000))),
        Some(_) => {
            checks.fail("older_than_seconds", "must not be negative");
            None
        }
    };
    checks.finish()?;
    let rows = sqlx::query(concat!(
        hold_select!(),
        "WHERE ($1 IS NULL OR h.id > $1) AND ($2 IS NULL OR h.status = $2) AND ($3 IS NULL OR h.wallet_id = $3) \
         AND ($4 IS NULL OR h.merchant_id = $4) AND ($5 IS NULL OR h.provider = $5) \
         AND ($6 IS NULL OR h.currency = $6) AND ($7 IS NULL OR h.created_at < $7) \
         AND ($8 IS NULL OR h.reference = $8 OR h.provider_reference = $8) \
         ORDER BY h.id LIMIT $9"
    ))
    .bind(after)
    .bind(query.status.as_deref())
    .bind(query.wallet_id.as_deref())
    .bind(query.merchant_id.as_deref())
    .bind(query.provider.as_deref())
    .bind(query.currency.as_deref())
    .bind(created_before)
    .bind(reference)
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let items = rows.iter().map(|row| hold_view(row, now)).collect::<LedgerResult<Vec<_>>>()?;
    Ok(page(items, limit, "holds", |h| h.id.clone()))
}

/// One hold with every change of its status, oldest first, or `NOT_FOUND`.
pub async fn get_hold(store: &Store, id: &str) -> LedgerResult<HoldDetail> {
    let mut tx = snapshot(store).await?;
    let row = sqlx::query(concat!(hold_select!(), "WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| LedgerError::NotFound { what: "hold", id: id.to_string() })?;
    let hold = hold_view(&row, now_micros())?;
    let rows = sqlx::query(
        "SELECT kind, from_status, to_status, actor, detail, provider_status, at FROM hold_history \
         WHERE hold_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    let mut history = Vec::with_capacity(rows.len());
    for row in &rows {
        history.push(HoldHistoryEntry {
            kind: row.try_get("kind")?,
            from_status: row.try_get("from_status")?,
            to_status: row.try_get("to_status")?,
            actor: row.try_get("actor")?,
            detail: row.try_get("detail")?,
            provider_status: row.try_get("provider_status")?,
            at: time_at(row, "at")?,
        });
    }
    Ok(HoldDetail { hold, history })
}

fn hold_view(row: &AnyRow, now: i64) -> LedgerResult<HoldView> {
    let created_at: i64 = row.try_get("created_at")?;
    Ok(HoldView {
        id: row.try_get("id")?,
        wallet_id: row.try_get("wallet_id")?,
        merchant_id: row.try_get("merchant_id")?,
        currency: row.try_get("currency")?,
        amount: money_at(row, "amount")?,
        provider: row.try_get("provider")?,
        reference: row.try_get("reference")?,
        status: row.try_get("status")?,
        provider_reference: row.try_get("provider_reference")?,
        reason: row.try_get("reason")?,
        reserve_txn_id: row.try_get("reserve_txn_id")?,
        final_txn_id: row.try_get("final_txn_id")?,
        created_at: super::rfc3339(created_at)?,
        updated_at: time_at(row, "updated_at")?,
        age_seconds: (now - created_at).max(0) / 1_000_000,
    })
}
