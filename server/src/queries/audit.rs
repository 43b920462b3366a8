//! The audit log, newest first.

use super::paging::{Checks, page};
use super::time_at;
use crate::error::LedgerResult;
use crate::store::Store;
use ledgerdeck_client::{AuditEntry, AuditQuery, Page};
use sqlx::Row;

/// The outcomes an audit record can have.
pub const AUDIT_OUTCOMES: [&str; 4] = ["posted", "replayed", "refused", "failed"];

/// Audit records, newest first, optionally of one actor, action or outcome,
/// with one idempotency key or subject id (`reference`), or at a time in
/// `[from, to)`.
pub async fn list_audit(store: &Store, query: &AuditQuery) -> LedgerResult<Page<AuditEntry>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let before = checks.id_cursor("audit", query.cursor.as_deref());
    checks.one_of("outcome", query.outcome.as_deref(), &AUDIT_OUTCOMES);
    let reference = checks.exact_text("reference", query.reference.as_deref());
    let (from, to) = checks.time_range(query.from.as_deref(), query.to.as_deref());
    checks.finish()?;
    let rows = sqlx::query(
        "SELECT id, at, actor, action, idempotency_key, outcome, error_code, subject_id, detail, duration_micros \
         FROM audit_log WHERE ($1 IS NULL OR id < $1) AND ($2 IS NULL OR actor = $2) \
         AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR outcome = $4) \
         AND ($5 IS NULL OR idempotency_key = $5 OR subject_id = $5) AND ($6 IS NULL OR at >= $6) \
         AND ($7 IS NULL OR at < $7) ORDER BY id DESC LIMIT $8",
    )
    .bind(before)
    .bind(query.actor.as_deref())
    .bind(query.action.as_deref())
    .bind(query.outcome.as_deref())
    .bind(reference)
    .bind(from)
    .bind(to)
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(AuditEntry {
            id: row.try_get("id")?,
            at: time_at(row, "at")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            idempotency_key: row.try_get("idempotency_key")?,
            outcome: row.try_get("outcome")?,
            error_code: row.try_get("error_code")?,
            subject_id: row.try_get("subject_id")?,
            detail: row.try_get("detail")?,
            duration_micros: row.try_get("duration_micros")?,
        });
    }
    Ok(page(items, limit, "audit", |e| e.id.clone()))
}
