//! Webhook endpoint and outbox delivery commands (no money moves): admins
//! manage endpoints; operators retry deliveries and send test events.
//!
//! `create_webhook_endpoint` reveals the endpoint's secret once, as the
//! result's `reference` (the outbox event announcing the endpoint never
//! carries it, nor does any read). A replay under the same idempotency key
//! returns the same result, secret included, to the same caller.

use super::wallets::Outcome;
use super::{CommandContext, Params};
use crate::delivery::TEST_EVENT;
use crate::error::{LedgerError, LedgerResult};
use crate::{outbox, signature};
use ledgerdeck_client::{CommandResult, CommandStatus};
use sqlx::AnyConnection;

/// The longest event-type filter, in characters.
const MAX_FILTER_CHARS: usize = 500;

fn check_filter(filter: &str) -> LedgerResult<String> {
    let parts: Vec<&str> = filter.split(',').map(str::trim).collect();
    let good = filter.len() <= MAX_FILTER_CHARS
        && parts.iter().all(|p| {
            !p.is_empty()
                && (*p == "*"
                    || p.strip_suffix(".*")
                        .unwrap_or(p)
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
        });
    if good {
        Ok(parts.join(","))
    } else {
        Err(LedgerError::field(
            "event_types",
            "must be * or a comma list of event types, each optionally ending in .* (such as payout.*,wallet.created)",
        ))
    }
}

/// `create_webhook_endpoint`: a new enabled endpoint. `event_types` defaults
/// to `*`; `secret`, when given, must be `whsec_<base64>`, else one is
/// generated. The result's `reference` is the secret (shown once).
pub async fn create_webhook_endpoint(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let url = p.required("url")?;
    let filter = check_filter(p.text("event_types").unwrap_or("*"))?;
    let secret = match p.text("secret") {
        Some(secret) if signature::sign(secret, "probe", 0, b"").is_ok() && secret.len() > "whsec_".len() + 8 => {
            secret.to_string()
        }
        Some(_) => return Err(LedgerError::field("secret", "must be whsec_ followed by base64 of at least 8 bytes")),
        None => signature::new_secret().map_err(|e| LedgerError::Internal(format!("no randomness: {e}")))?,
    };
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, url, secret, event_types, enabled, disabled_reason, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, NULL, $6, $6)",
    )
    .bind(&id)
    .bind(url)
    .bind(&secret)
    .bind(&filter)
    .bind(true)
    .bind(cx.now)
    .execute(&mut *conn)
    .await?;
    let payload = serde_json::json!({"type": "webhook_endpoint.created", "actor": cx.caller.name,
        "data": {"endpoint_id": id, "url": url, "event_types": filter}});
    outbox::enqueue(conn, "webhook_endpoint.created", &id, &payload, cx.now).await?;
    Ok(CommandResult {
        status: CommandStatus::Created,
        command: cx.command.to_string(),
        reference: Some(secret),
        subject_id: Some(id),
        transaction_ids: Vec::new(),
        balances: Vec::new(),
        replayed: false,
    })
}

/// Whether the endpoint exists (`NotFound` if not) and is enabled.
async fn endpoint_enabled(conn: &mut AnyConnection, id: &str) -> LedgerResult<bool> {
    let enabled: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(CASE WHEN enabled THEN 1 ELSE 0 END AS BIGINT) FROM webhook_endpoints WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    enabled.map(|e| e != 0).ok_or_else(|| LedgerError::NotFound { what: "webhook endpoint", id: id.to_string() })
}

/// Refuses an endpoint that is disabled (or unknown).
async fn require_enabled(conn: &mut AnyConnection, id: &str) -> LedgerResult<()> {
    if endpoint_enabled(conn, id).await? {
        Ok(())
    } else {
        Err(LedgerError::field("endpoint_id", "is disabled; enable it first"))
    }
}

/// `set_webhook_endpoint_enabled`: enables (clearing the disabled reason)
/// or disables an endpoint; disabling makes its pending deliveries dead.
pub async fn set_webhook_endpoint_enabled(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let id = p.required("endpoint_id")?;
    let enabled = p.required("enabled")? == "true";
    endpoint_enabled(conn, id).await?;
    if enabled {
        sqlx::query("UPDATE webhook_endpoints SET enabled = $1, disabled_reason = NULL, updated_at = $2 WHERE id = $3")
            .bind(true)
            .bind(cx.now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    } else {
        let why = format!("disabled by {}", cx.caller.name);
        crate::delivery::disable_endpoint(conn, id, &why, cx.now).await?;
    }
    Outcome {
        status: CommandStatus::Updated,
        event: "webhook_endpoint.changed",
        reference: None,
        subject_id: id.into(),
    }
    .record(conn, cx, Vec::new(), &[])
    .await
}

macro_rules! requeue {
    ($and:literal) => {
        concat!(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1, \
             last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = $1 \
             WHERE (status = 'dead' OR (status = 'pending' AND attempts > 0)) \
             AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = $2) ",
            $and
        )
    };
}

/// `retry_outbox_message`: the message's dead and failing deliveries (to
/// enabled endpoints) are due again now, their attempt counts reset (the
/// attempts log stays).
pub async fn retry_outbox_message(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let id = p.required("message_id")?;
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM outbox_messages WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    found.ok_or_else(|| LedgerError::NotFound { what: "outbox message", id: id.to_string() })?;
    let n = requeue(conn, requeue!("AND message_id = $3"), id, cx.now).await?;
    if n == 0 {
        return Err(LedgerError::field("message_id", "has no dead or failing deliveries to an enabled endpoint"));
    }
    announce_retry(conn, cx, id, n).await
}

/// Runs one of the `requeue!` statements for `id`; returns how many
/// deliveries are due again.
async fn requeue(conn: &mut AnyConnection, sql: &'static str, id: &str, now: i64) -> LedgerResult<u64> {
    Ok(sqlx::query(sql).bind(now).bind(true).bind(id).execute(&mut *conn).await?.rows_affected())
}

/// The result (and `outbox.retried` event) of a retry command.
async fn announce_retry(
    conn: &mut AnyConnection,
    cx: &CommandContext<'_>,
    subject: &str,
    requeued: u64,
) -> LedgerResult<CommandResult> {
    Outcome {
        status: CommandStatus::Updated,
        event: "outbox.retried",
        reference: Some(format!("{requeued} deliveries")),
        subject_id: subject.into(),
    }
    .record(conn, cx, Vec::new(), &[])
    .await
}

/// `retry_dead_deliveries`: every dead delivery of an enabled endpoint is
/// due again now, attempt counts reset. The `reference` says how many.
pub async fn retry_dead_deliveries(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let id = p.required("endpoint_id")?;
    require_enabled(conn, id).await?;
    let n = requeue(conn, requeue!("AND status = 'dead' AND endpoint_id = $3"), id, cx.now).await?;
    announce_retry(conn, cx, id, n).await
}

/// `send_test_event`: enqueues a `webhook.test` message for this one
/// (enabled) endpoint; the result's `reference` is the message id.
pub async fn send_test_event(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let id = p.required("endpoint_id")?;
    require_enabled(conn, id).await?;
    let payload = serde_json::json!({"type": TEST_EVENT, "actor": cx.caller.name,
        "data": {"endpoint_id": id, "sent_at": crate::time::rfc3339(cx.now)?}});
    let message = outbox::enqueue_to(conn, TEST_EVENT, id, &payload, Some(id), cx.now).await?;
    Ok(CommandResult {
        status: CommandStatus::Created,
        command: cx.command.to_string(),
        reference: Some(message),
        subject_id: Some(id.to_string()),
        transaction_ids: Vec::new(),
        balances: Vec::new(),
        replayed: false,
    })
}
