//! Proposals: a governed call stored instead of run, what its proposer's
//! key answers as it is decided, and the events each step raises.

use super::assess::assess;
use super::policy::{self, UNGOVERNABLE};
use crate::commands::{CommandContext, Params};
use crate::error::{LedgerError, LedgerResult};
use crate::store::now_micros;
use ledgerdeck_client::events::{ApprovalChange, LiveEvent};
use ledgerdeck_client::{CommandResult, CommandStatus, ErrorCode};
use sqlx::{AnyConnection, AnyPool, Row};

/// The stored proposal a decision works on.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Its id.
    pub id: String,
    /// The command.
    pub command: String,
    /// Its canonical parameters.
    pub params: String,
    /// What it moves where.
    pub summary: String,
    /// The proposer's operator name.
    pub proposer: String,
    /// The proposer's identity (see `Caller::identity`).
    pub proposer_identity: String,
    /// The proposer's role when proposing.
    pub proposer_role: String,
    /// The proposer's key.
    pub idempotency_key: String,
    /// `pending`, `executed`, `rejected` or `failed`.
    pub status: String,
    /// When it can no longer be approved.
    pub expires_at: i64,
}

/// If `command`'s call falls under a policy, stores it as a proposal and
/// returns the `pending_approval` answer (the call does not run); `None`
/// lets it run. A governed call needs an idempotency key, so that its retry
/// finds its proposal.
pub async fn intercept(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
    key: Option<&str>,
    ttl_micros: i64,
) -> LedgerResult<Option<CommandResult>> {
    if UNGOVERNABLE.contains(&cx.command) {
        return Ok(None);
    }
    let Some(policy) = policy::load(conn, cx.command).await? else { return Ok(None) };
    let call = assess(conn, cx.command, p).await?;
    if !policy.governs(&call) {
        return Ok(None);
    }
    let Some(key) = key else {
        return Err(LedgerError::field(
            "Idempotency-Key",
            format!("is required: {} needs a second operator's approval, and the key finds its proposal", cx.command),
        ));
    };
    let id = format!("prop_{}", uuid::Uuid::now_v7());
    sqlx::query(
        "INSERT INTO approval_proposals (id, command, params, summary, amount_minor, currency, proposer, \
         proposer_identity, proposer_role, idempotency_key, status, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12)",
    )
    .bind(&id)
    .bind(cx.command)
    .bind(p.canonical())
    .bind(&call.summary)
    .bind(call.amount.as_ref().map(|(minor, _)| *minor))
    .bind(call.amount.as_ref().map(|(_, c)| c.code.clone()))
    .bind(&cx.caller.name)
    .bind(cx.caller.identity())
    .bind(cx.caller.role.as_str())
    .bind(key)
    .bind(cx.now)
    .bind(cx.now.saturating_add(ttl_micros))
    .execute(&mut *conn)
    .await?;
    let text = format!("{} asks a second operator to approve: {} (proposal {id})", cx.caller.name, call.summary);
    let data = serde_json::json!({"proposal_id": id, "command": cx.command, "summary": call.summary,
        "proposer": cx.caller.name, "status": "pending"});
    announce(conn, &id, cx.command, "pending", "approval.requested", &cx.caller.name, data, &text, cx.now).await?;
    Ok(Some(CommandResult {
        status: CommandStatus::PendingApproval,
        command: cx.command.to_string(),
        reference: p.text("reference").map(str::to_string),
        subject_id: Some(id),
        transaction_ids: Vec::new(),
        balances: Vec::new(),
        replayed: false,
    }))
}

/// What a replayed key answers: a `pending_approval` answer follows its
/// proposal to the decision (the execution's result, or its refusal, the
/// rejection, the expiry); any other answer stands as stored.
pub async fn answer(pool: &AnyPool, stored: CommandResult) -> LedgerResult<CommandResult> {
    if stored.status != CommandStatus::PendingApproval {
        return Ok(stored);
    }
    let Some(id) = stored.subject_id.clone() else { return Ok(stored) };
    let row = sqlx::query(
        "SELECT status, expires_at, decided_by, decision_reason, error_code, error_detail, result \
         FROM approval_proposals WHERE id = $1",
    )
    .bind(&id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| LedgerError::Internal(format!("the proposal {id} of a stored answer is gone")))?;
    let status: String = row.try_get("status")?;
    let text = |col: &str| row.try_get::<Option<String>, _>(col).map(Option::unwrap_or_default);
    match status.as_str() {
        "executed" => {
            let mut result: CommandResult = serde_json::from_str(&text("result")?)
                .map_err(|e| LedgerError::Internal(format!("a proposal's stored result is unreadable: {e}")))?;
            result.replayed = true;
            Ok(result)
        }
        "failed" => {
            Err(LedgerError::ProposalFailed { id, code: code_of(&text("error_code")?), detail: text("error_detail")? })
        }
        "rejected" => {
            Err(LedgerError::ApprovalRejected { id, by: text("decided_by")?, reason: text("decision_reason")? })
        }
        _ if row.try_get::<i64, _>("expires_at")? <= now_micros() => Err(LedgerError::ApprovalExpired(id)),
        _ => Ok(stored),
    }
}

/// A stored code back as the wire code (a code this build does not know
/// reads as `INTERNAL`).
fn code_of(text: &str) -> ErrorCode {
    serde_json::from_value(serde_json::Value::String(text.to_string())).unwrap_or(ErrorCode::Internal)
}

/// Loads the proposal `id` for a decision, on the decision's transaction.
pub async fn load(conn: &mut AnyConnection, id: &str) -> LedgerResult<Stored> {
    let row = sqlx::query(
        "SELECT id, command, params, summary, proposer, proposer_identity, proposer_role, idempotency_key, status, \
         expires_at FROM approval_proposals WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| LedgerError::NotFound { what: "proposal", id: id.chars().take(64).collect() })?;
    Ok(Stored {
        id: row.try_get("id")?,
        command: row.try_get("command")?,
        params: row.try_get("params")?,
        summary: row.try_get("summary")?,
        proposer: row.try_get("proposer")?,
        proposer_identity: row.try_get("proposer_identity")?,
        proposer_role: row.try_get("proposer_role")?,
        idempotency_key: row.try_get("idempotency_key")?,
        status: row.try_get("status")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// Writes a proposal's step everywhere it is seen, on its transaction: the
/// live `approval.changed`, the outbox event (`approval.requested` or
/// `approval.decided`) and its `alert.*` twin in Slack's incoming-webhook
/// shape (`{"text": …}`).
#[allow(clippy::too_many_arguments)]
pub async fn announce(
    conn: &mut AnyConnection,
    id: &str,
    command: &str,
    status: &str,
    event: &str,
    actor: &str,
    data: serde_json::Value,
    text: &str,
    now: i64,
) -> LedgerResult<()> {
    let change =
        ApprovalChange { proposal_id: id.to_string(), status: status.to_string(), command: command.to_string() };
    crate::changes::record(conn, LiveEvent::ApprovalChanged(change), now).await?;
    let payload = serde_json::json!({"type": event, "actor": actor, "data": data});
    crate::outbox::enqueue(conn, event, id, &payload, now).await?;
    let alert = format!("alert.{}", event.replace('.', "_"));
    let slack = serde_json::json!({"text": text, "proposal_id": id, "command": command, "status": status});
    crate::outbox::enqueue(conn, &alert, id, &slack, now).await?;
    Ok(())
}
