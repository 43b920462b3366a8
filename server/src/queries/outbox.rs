//! The outbox's operator reads: messages (newest first) with their delivery
//! counts, one message with its deliveries and attempts, and the webhook
//! endpoints (never their secrets).

use super::paging::{Checks, page};
use super::{rfc3339, snapshot, time_at};
use crate::error::{LedgerError, LedgerResult};
use crate::store::Store;
use ledgerdeck_client::outbox::{DELIVERY_STATUSES, MESSAGE_STATUSES};
use ledgerdeck_client::{
    DeliveryAttemptView, DeliveryView, OutboxMessageDetail, OutboxMessageQuery, OutboxMessageView, Page,
    WebhookEndpointView,
};
use sqlx::Row;
use sqlx::any::AnyRow;

macro_rules! message_select {
    () => {
        "SELECT m.id, m.event_type, m.subject_id, m.status, m.created_at, m.payload, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries d WHERE d.message_id = m.id \
            AND d.status = 'pending') AS n_pending, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries d WHERE d.message_id = m.id \
            AND d.status = 'delivered') AS n_delivered, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries d WHERE d.message_id = m.id \
            AND d.status = 'dead') AS n_dead \
         FROM outbox_messages m "
    };
}

fn message_view(row: &AnyRow) -> LedgerResult<OutboxMessageView> {
    Ok(OutboxMessageView {
        id: row.try_get("id")?,
        event_type: row.try_get("event_type")?,
        subject_id: row.try_get("subject_id")?,
        status: row.try_get("status")?,
        created_at: time_at(row, "created_at")?,
        deliveries_pending: row.try_get("n_pending")?,
        deliveries_delivered: row.try_get("n_delivered")?,
        deliveries_dead: row.try_get("n_dead")?,
    })
}

/// Outbox messages, newest first, filtered by status, event type, subject
/// (`reference`), and endpoint and status of their deliveries.
pub async fn list_outbox_messages(store: &Store, query: &OutboxMessageQuery) -> LedgerResult<Page<OutboxMessageView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let before = checks.id_cursor("outbox", query.cursor.as_deref());
    checks.one_of("status", query.status.as_deref(), &MESSAGE_STATUSES);
    checks.one_of("delivery_status", query.delivery_status.as_deref(), &DELIVERY_STATUSES);
    let subject = checks.exact_text("reference", query.reference.as_deref());
    checks.finish()?;
    let rows = sqlx::query(concat!(
        message_select!(),
        "WHERE ($1 IS NULL OR m.id < $1) AND ($2 IS NULL OR m.status = $2) AND ($3 IS NULL OR m.event_type = $3) \
         AND (($4 IS NULL AND $5 IS NULL) OR EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.message_id = m.id \
           AND ($4 IS NULL OR x.endpoint_id = $4) AND ($5 IS NULL OR x.status = $5))) \
         AND ($6 IS NULL OR m.subject_id = $6) ORDER BY m.id DESC LIMIT $7"
    ))
    .bind(before)
    .bind(query.status.as_deref())
    .bind(query.event_type.as_deref())
    .bind(query.endpoint_id.as_deref())
    .bind(query.delivery_status.as_deref())
    .bind(subject)
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let items = rows.iter().map(message_view).collect::<LedgerResult<Vec<_>>>()?;
    Ok(page(items, limit, "outbox", |m| m.id.clone()))
}

/// One message with its payload, deliveries and every attempt, or `NOT_FOUND`.
pub async fn get_outbox_message(store: &Store, id: &str) -> LedgerResult<OutboxMessageDetail> {
    let mut tx = snapshot(store).await?;
    let row = sqlx::query(concat!(message_select!(), "WHERE m.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| LedgerError::NotFound { what: "outbox message", id: id.to_string() })?;
    let message = message_view(&row)?;
    let payload_text: String = row.try_get("payload")?;
    let payload = serde_json::from_str(&payload_text).unwrap_or(serde_json::Value::String(payload_text));
    let deliveries = sqlx::query(
        "SELECT id, endpoint_id, status, attempts, next_attempt_at, last_error, delivered_at \
         FROM webhook_deliveries WHERE message_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let attempts = sqlx::query(
        "SELECT a.delivery_id, a.endpoint_id, a.at, a.http_status, a.error, a.latency_micros, a.response_excerpt \
         FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
         WHERE d.message_id = $1 ORDER BY a.seq",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    tx.rollback().await?;
    let mut views = Vec::with_capacity(deliveries.len());
    for d in &deliveries {
        let delivery_id: String = d.try_get("id")?;
        let status: String = d.try_get("status")?;
        let mut log = Vec::new();
        for a in attempts.iter().filter(|a| a.try_get::<String, _>("delivery_id").is_ok_and(|x| x == delivery_id)) {
            let latency: i64 = a.try_get("latency_micros")?;
            log.push(DeliveryAttemptView {
                at: time_at(a, "at")?,
                endpoint_id: a.try_get("endpoint_id")?,
                http_status: a.try_get("http_status")?,
                error: a.try_get("error")?,
                latency_ms: latency / 1000,
                response_excerpt: a.try_get("response_excerpt")?,
            });
        }
        let next: i64 = d.try_get("next_attempt_at")?;
        let delivered: Option<i64> = d.try_get("delivered_at")?;
        views.push(DeliveryView {
            next_attempt_at: if status == "pending" { Some(rfc3339(next)?) } else { None },
            id: delivery_id,
            endpoint_id: d.try_get("endpoint_id")?,
            status,
            attempts: d.try_get("attempts")?,
            last_error: d.try_get("last_error")?,
            delivered_at: delivered.map(rfc3339).transpose()?,
            attempts_log: log,
        });
    }
    Ok(OutboxMessageDetail { message, payload, deliveries: views })
}

/// Every webhook endpoint, oldest first, without secrets.
pub async fn list_webhook_endpoints(store: &Store) -> LedgerResult<Vec<WebhookEndpointView>> {
    let rows = sqlx::query(
        "SELECT id, url, event_types, CAST(CASE WHEN enabled THEN 1 ELSE 0 END AS BIGINT) AS enabled, \
         disabled_reason, created_at, updated_at FROM webhook_endpoints ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(WebhookEndpointView {
                id: row.try_get("id")?,
                url: row.try_get("url")?,
                event_types: row.try_get("event_types")?,
                enabled: row.try_get::<i64, _>("enabled")? != 0,
                disabled_reason: row.try_get("disabled_reason")?,
                created_at: time_at(row, "created_at")?,
                updated_at: time_at(row, "updated_at")?,
            })
        })
        .collect()
}
