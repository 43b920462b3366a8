//! Payout holds as a work queue (oldest first), and one hold's history.

use super::paging::{Checks, page};
use super::{money_at, snapshot, time_at};
use crate::error::{LedgerError, LedgerResult};
use crate::store::{Store, now_micros};
use ledgerdeck_client::reads::HOLD_STATUSES;
use ledgerdeck_client::{HoldDetail, HoldHistoryEntry, HoldQuery, HoldView, Page};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

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
    let created_before = checks.age_before("older_than_seconds", query.older_than_seconds, now);
    checks.finish()?;
    let filter = HoldFilter {
        after: after.as_deref(),
        status: query.status.as_deref(),
        wallet_id: query.wallet_id.as_deref(),
        merchant_id: query.merchant_id.as_deref(),
        provider: query.provider.as_deref(),
        currency: query.currency.as_deref(),
        created_before,
        reference: reference.as_deref(),
    };
    let items = fetch(&mut *store.pool().acquire().await?, &filter, now, limit + 1).await?;
    Ok(page(items, limit, "holds", |h| h.id.clone()))
}

macro_rules! hold_where {
    () => {
        "WHERE ($1 IS NULL OR h.id > $1) AND ($2 IS NULL OR h.status = $2) AND ($3 IS NULL OR h.wallet_id = $3) \
         AND ($4 IS NULL OR h.merchant_id = $4) AND ($5 IS NULL OR h.provider = $5) \
         AND ($6 IS NULL OR h.currency = $6) AND ($7 IS NULL OR h.created_at < $7) \
         AND ($8 IS NULL OR h.reference = $8 OR h.provider_reference = $8) "
    };
}

/// What a page of holds is filtered on (checked by the caller).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HoldFilter<'a> {
    /// Only ids above this one (the cursor).
    pub(crate) after: Option<&'a str>,
    pub(crate) status: Option<&'a str>,
    pub(crate) wallet_id: Option<&'a str>,
    pub(crate) merchant_id: Option<&'a str>,
    pub(crate) provider: Option<&'a str>,
    pub(crate) currency: Option<&'a str>,
    /// Reserved before this time (microseconds).
    pub(crate) created_before: Option<i64>,
    pub(crate) reference: Option<&'a str>,
}

fn bind_filter<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    f: &HoldFilter<'q>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
        .bind(f.after)
        .bind(f.status)
        .bind(f.wallet_id)
        .bind(f.merchant_id)
        .bind(f.provider)
        .bind(f.currency)
        .bind(f.created_before)
        .bind(f.reference)
}

/// Up to `limit` holds matching `filter`, oldest first, ages taken at `now`.
pub(crate) async fn fetch(
    conn: &mut AnyConnection,
    filter: &HoldFilter<'_>,
    now: i64,
    limit: i64,
) -> LedgerResult<Vec<HoldView>> {
    let query = sqlx::query(concat!(hold_select!(), hold_where!(), "ORDER BY h.id LIMIT $9"));
    let rows = bind_filter(query, filter).bind(limit).fetch_all(&mut *conn).await?;
    rows.iter().map(|row| hold_view(row, now)).collect()
}

/// How many holds match `filter`, counting at most `limit`.
pub(crate) async fn count(conn: &mut AnyConnection, filter: &HoldFilter<'_>, limit: i64) -> LedgerResult<i64> {
    let query = sqlx::query(concat!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS one FROM holds h ",
        hold_where!(),
        "LIMIT $9) counted"
    ));
    Ok(bind_filter(query, filter).bind(limit).fetch_one(&mut *conn).await?.try_get("n")?)
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
