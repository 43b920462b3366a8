//! The transactional outbox: events are written on the same database
//! transaction as the change they describe, and delivered later.

use crate::error::LedgerResult;
use sqlx::AnyConnection;

/// Appends an event about `subject_id` to the outbox on the caller's
/// transaction and returns the message id.
pub async fn enqueue(
    conn: &mut AnyConnection,
    event_type: &str,
    subject_id: &str,
    payload: &serde_json::Value,
    now: i64,
) -> LedgerResult<String> {
    enqueue_to(conn, event_type, subject_id, payload, None, now).await
}

/// Like [`enqueue`], but delivered only to the endpoint `target` when given
/// (test events), instead of to every endpoint whose filter matches.
pub async fn enqueue_to(
    conn: &mut AnyConnection,
    event_type: &str,
    subject_id: &str,
    payload: &serde_json::Value,
    target: Option<&str>,
    now: i64,
) -> LedgerResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO outbox_messages (id, event_type, subject_id, payload, status, created_at, target_endpoint_id) \
         VALUES ($1, $2, $3, $4, 'pending', $5, $6)",
    )
    .bind(&id)
    .bind(event_type)
    .bind(subject_id)
    .bind(payload.to_string())
    .bind(now)
    .bind(target)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}
