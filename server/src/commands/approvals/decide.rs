//! `approve_proposal` and `reject_proposal`: a second operator decides.
//!
//! The decision is a conditional update of the pending row on the
//! decider's transaction: of two deciders at once, the second finds the
//! row decided (PostgreSQL: it waits on the first one's row lock, then
//! re-reads) and is refused `APPROVAL_ALREADY_DECIDED`.

use super::proposal::{self, Stored};
use crate::audit::Attempt;
use crate::caller::Caller;
use crate::commands::{Body, CommandContext, Params, find};
use crate::error::{LedgerError, LedgerResult};
use ledgerdeck_client::{CommandResult, CommandStatus, Role};
use sqlx::{AnyConnection, Executor};

/// `approve_proposal`: runs the stored call once, through its command's
/// own body, for its proposer; a refusal of it ends the proposal `failed`.
pub async fn approve_proposal(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let (stored, reason) = claim(conn, p, cx, "executed").await?;
    let def = find(&stored.command)
        .ok_or_else(|| LedgerError::Internal(format!("proposal {} names no command", stored.id)))?;
    let Body::InTransaction(run) = def.body else {
        return Err(LedgerError::Internal(format!("{} cannot run from a proposal", def.name)));
    };
    let role = crate::access::parse_role(&stored.proposer_role).unwrap_or(Role::Viewer);
    let proposer = Caller::new(stored.proposer.clone(), role);
    let ctx = CommandContext { caller: &proposer, command: def.name, now: cx.now };
    conn.execute("SAVEPOINT approval_execution").await?;
    let outcome = match serde_json::from_str(&stored.params) {
        Ok(body) => match Params::check(def.fields, body) {
            Ok(params) => run(&mut *conn, &params, &ctx).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(LedgerError::Internal(format!("proposal {} has unreadable parameters: {e}", stored.id))),
    };
    match outcome {
        Ok(result) => {
            conn.execute("RELEASE SAVEPOINT approval_execution").await?;
            let json = serde_json::to_string(&result).map_err(|e| LedgerError::Internal(e.to_string()))?;
            sqlx::query("UPDATE approval_proposals SET result = $1 WHERE id = $2")
                .bind(json)
                .bind(&stored.id)
                .execute(&mut *conn)
                .await?;
            // The executed command's own audit row, in its proposer's name
            // and naming its approver: both people are on the record.
            let attempt = Attempt {
                caller: proposer.clone(),
                command: def.name.to_string(),
                key: Some(stored.idempotency_key.clone()),
                started_at: cx.now,
            };
            let approved = format!("approved by {} (proposal {}): {reason}", cx.caller.name, stored.id);
            attempt.entry(Ok(&result)).with_detail(approved).insert(conn).await?;
            decided(conn, &stored, cx, "executed", None).await?;
            Ok(result)
        }
        Err(e) if e.is_refusal() => {
            conn.execute("ROLLBACK TO SAVEPOINT approval_execution").await?;
            conn.execute("RELEASE SAVEPOINT approval_execution").await?;
            sqlx::query(
                "UPDATE approval_proposals SET status = 'failed', error_code = $1, error_detail = $2 WHERE id = $3",
            )
            .bind(e.code().as_str())
            .bind(e.to_string())
            .bind(&stored.id)
            .execute(&mut *conn)
            .await?;
            decided(conn, &stored, cx, "failed", Some(e.code().as_str())).await?;
            Err(LedgerError::ExecutionRefused { id: stored.id, cause: Box::new(e) })
        }
        Err(e) => Err(e),
    }
}

/// `reject_proposal`: the stored call will never run.
pub async fn reject_proposal(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let (stored, _) = claim(conn, p, cx, "rejected").await?;
    decided(conn, &stored, cx, "rejected", None).await?;
    Ok(CommandResult {
        status: CommandStatus::Completed,
        command: cx.command.to_string(),
        reference: None,
        subject_id: Some(stored.id),
        transaction_ids: Vec::new(),
        balances: Vec::new(),
        replayed: false,
    })
}

/// Checks that the caller may decide the proposal and takes the decision:
/// the pending row becomes `status`, in the caller's name, or the call is
/// refused (unknown, decided, expired, self-decided, role too low).
async fn claim(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
    status: &str,
) -> LedgerResult<(Stored, String)> {
    let id = p.required("proposal_id")?;
    let reason = p.required("reason")?.to_string();
    let stored = proposal::load(conn, id).await?;
    refuse_undecidable(&stored, cx)?;
    let taken = sqlx::query(
        "UPDATE approval_proposals SET status = $1, decided_by = $2, decided_at = $3, decision_reason = $4 \
         WHERE id = $5 AND status = 'pending' AND expires_at > $3",
    )
    .bind(status)
    .bind(&cx.caller.name)
    .bind(cx.now)
    .bind(&reason)
    .bind(&stored.id)
    .execute(&mut *conn)
    .await?;
    if taken.rows_affected() != 1 {
        // Decided (or expired) since it was read: say which.
        let now = proposal::load(conn, id).await?;
        refuse_undecidable(&now, cx)?;
        return Err(LedgerError::ApprovalAlreadyDecided { id: now.id, status: now.status });
    }
    Ok((stored, reason))
}

fn refuse_undecidable(stored: &Stored, cx: &CommandContext<'_>) -> LedgerResult<()> {
    if stored.status != "pending" {
        return Err(LedgerError::ApprovalAlreadyDecided { id: stored.id.clone(), status: stored.status.clone() });
    }
    if stored.expires_at <= cx.now {
        return Err(LedgerError::ApprovalExpired(stored.id.clone()));
    }
    if cx.caller.identity() == stored.proposer_identity {
        return Err(LedgerError::SelfApproval { id: stored.id.clone(), identity: stored.proposer_identity.clone() });
    }
    let needed = find(&stored.command).map_or(Role::Admin, |def| def.role);
    if !cx.caller.role.allows(needed) {
        return Err(LedgerError::Forbidden { command: stored.command.clone(), needed: needed.as_str() });
    }
    Ok(())
}

/// The decision's events.
async fn decided(
    conn: &mut AnyConnection,
    stored: &Stored,
    cx: &CommandContext<'_>,
    status: &str,
    code: Option<&str>,
) -> LedgerResult<()> {
    let how = match (status, code) {
        (_, Some(code)) => format!("approved, but its command was refused {code}:"),
        ("executed", None) => "approved".to_string(),
        (other, None) => other.to_string(),
    };
    let text = format!("{} {how} proposal {} of {}: {}", cx.caller.name, stored.id, stored.proposer, stored.summary);
    let data = serde_json::json!({"proposal_id": stored.id, "command": stored.command, "status": status,
        "decided_by": cx.caller.name, "proposer": stored.proposer, "error_code": code});
    proposal::announce(
        conn,
        &stored.id,
        &stored.command,
        status,
        "approval.decided",
        &cx.caller.name,
        data,
        &text,
        cx.now,
    )
    .await
}
