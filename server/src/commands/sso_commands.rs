//! `allow_sso_email` and `remove_sso_email`: admins edit the SSO allowlists
//! (see [`crate::sso::allowlist`]). Audited and idempotent like every command.

use super::wallets::Outcome;
use super::{CommandContext, Params};
use crate::access::parse_role;
use crate::changes;
use crate::error::{LedgerError, LedgerResult};
use crate::sso::allowlist;
use ledgerdeck_client::{CommandResult, CommandStatus};
use sqlx::AnyConnection;

/// `allow_sso_email`: puts `email` on the `role` list (off any other).
pub async fn allow_sso_email(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let email = allowlist::normalize(p.required("email")?)?;
    let role = parse_role(p.required("role")?).ok_or_else(|| LedgerError::field("role", "must be a role"))?;
    allowlist::allow(conn, &email, role, &cx.caller.name, cx.now).await?;
    Outcome { status: CommandStatus::Updated, event: "sso_allowlist.changed", reference: None, subject_id: email }
        .record(conn, cx, Vec::new(), &[])
        .await
}

/// `remove_sso_email`: takes `email` off the lists. Its live sessions are
/// refused from the next request on, and their event streams end at once
/// (a change row per session, as a revocation does).
pub async fn remove_sso_email(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let email = allowlist::normalize(p.required("email")?)?;
    if !allowlist::remove(conn, &email).await? {
        return Err(LedgerError::NotFound { what: "SSO allowlist email", id: email });
    }
    let sessions: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM api_tokens WHERE sign_in = 'sso' AND email = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(&email)
    .bind(cx.now)
    .fetch_all(&mut *conn)
    .await?;
    for id in &sessions {
        let data = serde_json::json!({"token_id": id, "reason": "the email was removed from the SSO allowlists"});
        changes::record_parts(conn, changes::TOKEN_REVOKED, &data, cx.now).await?;
    }
    Outcome { status: CommandStatus::Updated, event: "sso_allowlist.changed", reference: None, subject_id: email }
        .record(conn, cx, Vec::new(), &[])
        .await
}
