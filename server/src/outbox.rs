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
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO outbox_messages (id, event_type, subject_id, payload, status, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', $5)",
    )
    .bind(&id)
    .bind(event_type)
    .bind(subject_id)
    .bind(payload.to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}
