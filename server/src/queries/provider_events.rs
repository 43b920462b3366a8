//! The provider event log, newest first.

use super::paging::{Checks, page};
use super::time_at;
use crate::error::LedgerResult;
use crate::store::Store;
use ledgerdeck_client::Page;
use ledgerdeck_client::providers::{ProviderEventQuery, ProviderEventView};
use sqlx::Row;

/// Provider events, newest first, optionally of one provider, or whose
/// reference or provider reference is exactly `reference`.
pub async fn list_provider_events(store: &Store, query: &ProviderEventQuery) -> LedgerResult<Page<ProviderEventView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let before = checks.seq_cursor("provider_events", query.cursor.as_deref());
    let reference = checks.exact_text("reference", query.reference.as_deref());
    checks.finish()?;
    let rows = sqlx::query(
        "SELECT seq, provider, reference, hold_id, status, provider_reference, outcome, received_at \
         FROM provider_events WHERE ($1 IS NULL OR provider = $1) AND ($2 IS NULL OR seq < $2) \
         AND ($3 IS NULL OR reference = $3 OR provider_reference = $3) ORDER BY seq DESC LIMIT $4",
    )
    .bind(query.provider.as_deref())
    .bind(before)
    .bind(reference)
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let seq: i64 = row.try_get("seq")?;
        items.push((
            seq,
            ProviderEventView {
                provider: row.try_get("provider")?,
                reference: row.try_get("reference")?,
                hold_id: row.try_get("hold_id")?,
                status: row.try_get("status")?,
                provider_reference: row.try_get("provider_reference")?,
                outcome: row.try_get("outcome")?,
                received_at: time_at(row, "received_at")?,
            },
        ));
    }
    let page = page(items, limit, "provider_events", |(seq, _)| seq.to_string());
    Ok(Page { items: page.items.into_iter().map(|(_, view)| view).collect(), next_cursor: page.next_cursor })
}
