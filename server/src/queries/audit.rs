//! The audit log, newest first.

use super::paging::{Checks, page};
use super::time_at;
use crate::error::LedgerResult;
use crate::store::Store;
use ledgerdeck_client::{AuditEntry, AuditQuery, Page};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

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
    let filter = AuditFilter {
        before: before.as_deref(),
        actor: query.actor.as_deref(),
        action: query.action.as_deref(),
        outcome: query.outcome.as_deref(),
        reference: reference.as_deref(),
        from,
        to,
    };
    let items = fetch(&mut *store.pool().acquire().await?, &filter, limit + 1).await?;
    Ok(page(items, limit, "audit", |e| e.id.clone()))
}

const AUDIT_WHERE: &str = "WHERE ($1 IS NULL OR id < $1) AND ($2 IS NULL OR actor = $2) \
     AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR outcome = $4) \
     AND ($5 IS NULL OR idempotency_key = $5 OR subject_id = $5) AND ($6 IS NULL OR at >= $6) \
     AND ($7 IS NULL OR at < $7) ";

/// What a page of audit records is filtered on (checked by the caller).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AuditFilter<'a> {
    /// Only ids below this one (the cursor).
    pub(crate) before: Option<&'a str>,
    pub(crate) actor: Option<&'a str>,
    pub(crate) action: Option<&'a str>,
    pub(crate) outcome: Option<&'a str>,
    pub(crate) reference: Option<&'a str>,
    /// At or after (microseconds).
    pub(crate) from: Option<i64>,
    /// Before (microseconds).
    pub(crate) to: Option<i64>,
}

fn bind_filter<'q>(query: Query<'q, Any, AnyArguments>, f: &AuditFilter<'q>) -> Query<'q, Any, AnyArguments> {
    query.bind(f.before).bind(f.actor).bind(f.action).bind(f.outcome).bind(f.reference).bind(f.from).bind(f.to)
}

/// Up to `limit` audit records matching `filter`, newest first.
pub(crate) async fn fetch(
    conn: &mut AnyConnection,
    filter: &AuditFilter<'_>,
    limit: i64,
) -> LedgerResult<Vec<AuditEntry>> {
    let sql = format!(
        "SELECT id, at, actor, action, idempotency_key, outcome, error_code, subject_id, detail, duration_micros \
         FROM audit_log {AUDIT_WHERE} ORDER BY id DESC LIMIT $8"
    );
    let rows = bind_filter(sqlx::query(sqlx::AssertSqlSafe(sql)), filter).bind(limit).fetch_all(&mut *conn).await?;
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
    Ok(items)
}

/// How many audit records match `filter`, counting at most `limit`.
pub(crate) async fn count(conn: &mut AnyConnection, filter: &AuditFilter<'_>, limit: i64) -> LedgerResult<i64> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS one FROM audit_log {AUDIT_WHERE} LIMIT $8) counted"
    );
    let row = bind_filter(sqlx::query(sqlx::AssertSqlSafe(sql)), filter).bind(limit).fetch_one(&mut *conn).await?;
    Ok(row.try_get("n")?)
}
