//! Recording an attempt and acting on it, in one transaction that first
//! re-checks the lease.

use super::schedule::next_delay;
use super::{AttemptResult, ClaimedDelivery, Delivery};
use crate::error::LedgerResult;
use crate::store::now_micros;
use sqlx::AnyConnection;

fn micros(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}

/// Writes the attempt and moves the delivery on: 2xx → `delivered`; 410 →
/// `dead`, the endpoint disabled and its other pending deliveries dead;
/// anything else → the next attempt per the schedule (or `Retry-After`), or
/// `dead` when the schedule is used up. Records nothing if the lease was lost.
pub async fn record_attempt(worker: &Delivery, delivery: &ClaimedDelivery, result: &AttemptResult) -> LedgerResult<()> {
    let now = now_micros();
    let mut tx = worker.store.begin_write().await?;
    let held = sqlx::query(
        "UPDATE webhook_deliveries SET lease_until = lease_until \
         WHERE id = $1 AND lease_owner = $2 AND status = 'pending' AND attempts = $3",
    )
    .bind(&delivery.id)
    .bind(&worker.config.worker_id)
    .bind(delivery.attempts)
    .execute(&mut *tx)
    .await?;
    if held.rows_affected() != 1 {
        tx.rollback().await.ok();
        tracing::info!(delivery = %delivery.id, "lease lost before recording; the attempt is not recorded");
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, endpoint_id, at, http_status, error, latency_micros, \
         response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&delivery.id)
    .bind(&delivery.endpoint_id)
    .bind(result.at)
    .bind(result.http_status.map(i32::from))
    .bind(result.error.as_deref())
    .bind(micros(result.latency))
    .bind(&result.excerpt)
    .execute(&mut *tx)
    .await?;

    let attempts = delivery.attempts + 1;
    let error = match (result.http_status, &result.error) {
        (Some(status), _) => format!("HTTP {status}"),
        (None, Some(e)) => e.clone(),
        (None, None) => "no answer".into(),
    };
    match result.http_status {
        Some(status) if (200..300).contains(&status) => {
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = $1, delivered_at = $2, \
                 updated_at = $2, last_error = NULL, lease_owner = NULL, lease_until = NULL WHERE id = $3",
            )
            .bind(attempts)
            .bind(now)
            .bind(&delivery.id)
            .execute(&mut *tx)
            .await?;
        }
        Some(410) => {
            finish_dead(&mut tx, &delivery.id, attempts, &error, now).await?;
            disable_endpoint(&mut tx, &delivery.endpoint_id, "the endpoint answered 410 Gone", now).await?;
        }
        _ => {
            let failed = usize::try_from(attempts).unwrap_or(usize::MAX);
            match next_delay(&worker.config.schedule, failed, result.retry_after) {
                None => finish_dead(&mut tx, &delivery.id, attempts, &error, now).await?,
                Some(delay) => {
                    sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = $1, next_attempt_at = $2, last_error = $3, \
                         updated_at = $4, lease_owner = NULL, lease_until = NULL WHERE id = $5",
                    )
                    .bind(attempts)
                    .bind(now + micros(delay))
                    .bind(&error)
                    .bind(now)
                    .bind(&delivery.id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn finish_dead(conn: &mut AnyConnection, id: &str, attempts: i32, error: &str, now: i64) -> LedgerResult<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'dead', attempts = $1, last_error = $2, updated_at = $3, \
         lease_owner = NULL, lease_until = NULL WHERE id = $4",
    )
    .bind(attempts)
    .bind(error)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Disables an endpoint and makes its pending deliveries dead.
pub(crate) async fn disable_endpoint(
    conn: &mut AnyConnection,
    endpoint_id: &str,
    why: &str,
    now: i64,
) -> LedgerResult<()> {
    sqlx::query("UPDATE webhook_endpoints SET enabled = $1, disabled_reason = $2, updated_at = $3 WHERE id = $4")
        .bind(false)
        .bind(why)
        .bind(now)
        .bind(endpoint_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE webhook_deliveries SET status = 'dead', last_error = $1, updated_at = $2, lease_owner = NULL, \
         lease_until = NULL WHERE endpoint_id = $3 AND status = 'pending'",
    )
    .bind(format!("endpoint disabled: {why}"))
    .bind(now)
    .bind(endpoint_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
