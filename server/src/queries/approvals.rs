//! Four eyes, read: the approval policies and the proposals (the queue of
//! pending ones oldest first; the others newest first).

use super::paging::{Checks, page};
use super::{money, rfc3339, time_at};
use crate::error::{LedgerError, LedgerResult};
use crate::store::{Store, now_micros};
use ledgerdeck_client::{ApprovalPolicy, Page, ProposalQuery, ProposalStatus, ProposalView};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// The statuses a proposal list may be filtered on.
pub const PROPOSAL_STATUSES: [&str; 5] = ["pending", "executed", "rejected", "failed", "expired"];

const COLUMNS: &str = "SELECT p.id, p.command, p.params, p.summary, p.amount_minor, p.currency, \
     CAST(c.scale AS BIGINT) AS scale, p.proposer, p.status, p.created_at, p.expires_at, p.decided_by, p.decided_at, \
     p.decision_reason, p.error_code, p.error_detail, p.result \
     FROM approval_proposals p LEFT JOIN currencies c ON c.code = p.currency ";

/// Every policy, by command.
pub async fn list_policies(store: &Store) -> LedgerResult<Vec<ApprovalPolicy>> {
    let rows = sqlx::query(
        "SELECT p.command, p.threshold_minor, p.currency, CAST(c.scale AS BIGINT) AS scale, p.other_currencies, \
         p.set_by, p.set_at FROM approval_policies p LEFT JOIN currencies c ON c.code = p.currency ORDER BY p.command",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let threshold: Option<i64> = row.try_get("threshold_minor")?;
            let scale: Option<i64> = row.try_get("scale")?;
            let threshold = match (threshold, scale) {
                (Some(minor), Some(scale)) => Some(money(minor, scale)?),
                _ => None,
            };
            Ok(ApprovalPolicy {
                command: row.try_get("command")?,
                threshold,
                currency: row.try_get("currency")?,
                other_currencies: row.try_get("other_currencies")?,
                set_by: row.try_get("set_by")?,
                set_at: rfc3339(row.try_get("set_at")?)?,
            })
        })
        .collect()
}

/// A page of proposals: `status=pending` is the queue, oldest first (and
/// only those not expired); any other filter, or none, newest first.
pub async fn list_proposals(store: &Store, query: &ProposalQuery) -> LedgerResult<Page<ProposalView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let cursor = checks.text_cursor("approvals", query.cursor.as_deref());
    checks.one_of("status", query.status.as_deref(), &PROPOSAL_STATUSES);
    checks.finish()?;
    let now = now_micros();
    let after = cursor.as_deref();
    let query_of = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));
    let tail = format!("LIMIT {}", limit + 1);
    let q = match query.status.as_deref() {
        Some("pending") => query_of(format!(
            "{COLUMNS} WHERE p.status = 'pending' AND p.expires_at > $1 AND ($2 IS NULL OR p.id > $2) ORDER BY p.id {tail}"
        ))
        .bind(now)
        .bind(after),
        Some("expired") => query_of(format!(
            "{COLUMNS} WHERE p.status = 'pending' AND p.expires_at <= $1 AND ($2 IS NULL OR p.id < $2) \
             ORDER BY p.id DESC {tail}"
        ))
        .bind(now)
        .bind(after),
        Some(status) => query_of(format!(
            "{COLUMNS} WHERE p.status = $1 AND ($2 IS NULL OR p.id < $2) ORDER BY p.id DESC {tail}"
        ))
        .bind(status.to_string())
        .bind(after),
        None => query_of(format!("{COLUMNS} WHERE ($1 IS NULL OR p.id < $1) ORDER BY p.id DESC {tail}")).bind(after),
    };
    let rows = q.fetch_all(store.pool()).await?;
    let items = rows.iter().map(|row| view(row, now)).collect::<LedgerResult<Vec<_>>>()?;
    Ok(page(items, limit, "approvals", |p| p.id.clone()))
}

/// One proposal, or `NOT_FOUND`.
pub async fn get_proposal(store: &Store, id: &str) -> LedgerResult<ProposalView> {
    load_view(&mut *store.pool().acquire().await?, id).await
}

/// One proposal on `conn`, or `NOT_FOUND`.
pub async fn load_view(conn: &mut AnyConnection, id: &str) -> LedgerResult<ProposalView> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE p.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| LedgerError::NotFound { what: "proposal", id: id.chars().take(64).collect() })?;
    view(&row, now_micros())
}

fn view(row: &AnyRow, now: i64) -> LedgerResult<ProposalView> {
    let stored: String = row.try_get("status")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let status = match stored.as_str() {
        "pending" if expires_at <= now => ProposalStatus::Expired,
        "pending" => ProposalStatus::Pending,
        "executed" => ProposalStatus::Executed,
        "rejected" => ProposalStatus::Rejected,
        "failed" => ProposalStatus::Failed,
        other => return Err(LedgerError::Internal(format!("stored proposal status {other:?}"))),
    };
    let amount_minor: Option<i64> = row.try_get("amount_minor")?;
    let scale: Option<i64> = row.try_get("scale")?;
    let amount = match (amount_minor, scale) {
        (Some(minor), Some(scale)) => Some(money(minor, scale)?),
        _ => None,
    };
    let unreadable = |what: &str, e: serde_json::Error| LedgerError::Internal(format!("a proposal's {what}: {e}"));
    let params: String = row.try_get("params")?;
    let result: Option<String> = row.try_get("result")?;
    let decided_at: Option<i64> = row.try_get("decided_at")?;
    Ok(ProposalView {
        id: row.try_get("id")?,
        command: row.try_get("command")?,
        params: serde_json::from_str(&params).map_err(|e| unreadable("parameters", e))?,
        summary: row.try_get("summary")?,
        amount,
        currency: row.try_get("currency")?,
        proposer: row.try_get("proposer")?,
        status,
        created_at: time_at(row, "created_at")?,
        expires_at: rfc3339(expires_at)?,
        decided_by: row.try_get("decided_by")?,
        decided_at: decided_at.map(rfc3339).transpose()?,
        decision_reason: row.try_get("decision_reason")?,
        error_code: row.try_get("error_code")?,
        error_detail: row.try_get("error_detail")?,
        result: result.map(|r| serde_json::from_str(&r)).transpose().map_err(|e| unreadable("result", e))?,
    })
}
