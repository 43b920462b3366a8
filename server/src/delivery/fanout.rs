//! Fan-out: each pending outbox message becomes one delivery per matching
//! enabled endpoint, and the message is marked `dispatched` (or
//! `no_endpoint`), in one transaction.

use super::DeliveryConfig;
use crate::error::LedgerResult;
use crate::store::{Backend, Store, now_micros};
use sqlx::Row;

const PENDING_POSTGRES: &str = "SELECT id, event_type, target_endpoint_id FROM outbox_messages \
     WHERE status = 'pending' ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED";
const PENDING_SQLITE: &str = "SELECT id, event_type, target_endpoint_id FROM outbox_messages \
     WHERE status = 'pending' ORDER BY created_at, id LIMIT $1";

/// Whether an endpoint's filter (`*`, or a comma list of types and
/// `prefix.*` patterns) takes `event_type`.
pub fn event_matches(filter: &str, event_type: &str) -> bool {
    filter.split(',').map(str::trim).any(|pattern| {
        pattern == "*"
            || pattern == event_type
            || pattern
                .strip_suffix(".*")
                .is_some_and(|prefix| event_type.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('.')))
    })
}

/// Fans out up to `config.batch` pending messages; returns how many.
pub async fn fan_out(store: &Store, config: &DeliveryConfig) -> LedgerResult<usize> {
    let now = now_micros();
    let first_at = now + i64::try_from(config.schedule.first().copied().unwrap_or_default().as_micros()).unwrap_or(0);
    let sql = match store.backend() {
        Backend::Postgres => PENDING_POSTGRES,
        Backend::Sqlite => PENDING_SQLITE,
    };
    let mut tx = store.begin_write().await?;
    let messages = sqlx::query(sql).bind(config.batch).fetch_all(&mut *tx).await?;
    if messages.is_empty() {
        tx.rollback().await.ok();
        return Ok(0);
    }
    let endpoints: Vec<(String, String)> =
        sqlx::query_as("SELECT id, event_types FROM webhook_endpoints WHERE enabled = $1 ORDER BY id")
            .bind(true)
            .fetch_all(&mut *tx)
            .await?;
    for message in &messages {
        let id: String = message.try_get("id")?;
        let event_type: String = message.try_get("event_type")?;
        let target: Option<String> = message.try_get("target_endpoint_id")?;
        let matching = endpoints.iter().filter(|(endpoint_id, filter)| match &target {
            Some(target) => target == endpoint_id,
            None => event_matches(filter, &event_type),
        });
        let mut made = 0;
        for (endpoint_id, _) in matching {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, message_id, endpoint_id, event_type, status, attempts, \
                 next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $6) \
                 ON CONFLICT (message_id, endpoint_id) DO NOTHING",
            )
            .bind(format!("msg_{}", uuid::Uuid::now_v7().simple()))
            .bind(&id)
            .bind(endpoint_id)
            .bind(&event_type)
            .bind(first_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            made += 1;
        }
        let status = if made == 0 { "no_endpoint" } else { "dispatched" };
        sqlx::query("UPDATE outbox_messages SET status = $1 WHERE id = $2 AND status = 'pending'")
            .bind(status)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(messages.len())
}

#[cfg(test)]
mod tests {
    use super::event_matches;

    #[test]
    fn filters() {
        assert!(event_matches("*", "wallet.created"));
        assert!(event_matches("payout.settled, wallet.created", "wallet.created"));
        assert!(event_matches("alert.*", "alert.manual_review"));
        assert!(!event_matches("alert.*", "alerts.x"));
        assert!(!event_matches("alert.*", "alert"));
        assert!(!event_matches("wallet.created", "wallet.created2"));
    }
}
