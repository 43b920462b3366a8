//! Outbox delivery: a worker that fans pending outbox messages out into one
//! delivery per matching enabled webhook endpoint, then posts each due
//! delivery signed in the Standard Webhooks scheme, retrying on a schedule
//! with jitter until it is delivered or dead.
//!
//! Deliveries are claimed with a lease (on PostgreSQL `FOR UPDATE SKIP
//! LOCKED`, so several instances share the work; on SQLite the claim runs
//! under `BEGIN IMMEDIATE`). The HTTP call happens outside any transaction;
//! the outcome is recorded in one transaction that first re-checks the
//! lease, so a worker that lost its lease records nothing and a crash
//! leaves the delivery to be retried when the lease lapses. The receiver
//! de-duplicates by `webhook-id` (the delivery id, stable across retries).

mod claim;
mod fanout;
mod record;
mod schedule;
mod send;

pub use claim::{ClaimedDelivery, claim_due};
pub use fanout::{event_matches, fan_out};
pub(crate) use record::disable_endpoint;
pub use record::record_attempt;
pub use schedule::{DEFAULT_SCHEDULE, parse_schedule};
pub use send::{AttemptResult, send};

use crate::store::Store;
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The event type of a test event (`send_test_event`).
pub const TEST_EVENT: &str = "webhook.test";

/// Tunables of the delivery worker.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// This worker's name, written into the leases it takes.
    pub worker_id: String,
    /// Deliveries claimed (and messages fanned out) per round.
    pub batch: i64,
    /// How long a claim is held before another worker may take the delivery.
    pub lease: Duration,
    /// Pause between rounds when nothing was due.
    pub poll: Duration,
    /// How long one HTTP request may take.
    pub request_timeout: Duration,
    /// The delay before each attempt: `schedule[0]` before the first (after
    /// fan-out), `schedule[k]` after the k-th failure. After
    /// `schedule.len()` failed attempts the delivery is dead.
    pub schedule: Vec<Duration>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            worker_id: format!("delivery-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]),
            batch: 32,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            request_timeout: Duration::from_secs(10),
            schedule: DEFAULT_SCHEDULE.to_vec(),
        }
    }
}

/// A delivery worker.
#[derive(Clone)]
pub struct Delivery {
    /// The database.
    pub store: Store,
    /// Its tunables.
    pub config: Arc<DeliveryConfig>,
    /// The HTTP client, built once.
    pub http: reqwest::Client,
}

impl Delivery {
    /// A worker on `store` with `config`.
    pub fn new(store: Store, config: DeliveryConfig) -> Delivery {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("ledgerdeck-webhooks/1")
            .build()
            .expect("the HTTP client builds with static settings");
        Delivery { store, config: Arc::new(config), http }
    }

    /// Runs rounds until `stop` is cancelled.
    pub async fn run(&self, stop: CancellationToken) {
        tracing::info!(worker = %self.config.worker_id, "delivery worker started");
        while !stop.is_cancelled() {
            let worked = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery round failed");
                    0
                }
            };
            if worked == 0 {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(self.config.poll) => {}
                }
            }
        }
        tracing::info!(worker = %self.config.worker_id, "delivery worker stopped");
    }

    /// Fans out pending messages, then claims due deliveries and attempts
    /// each one (concurrently); returns how many things it did.
    pub async fn round(&self) -> crate::LedgerResult<usize> {
        let fanned = fan_out(&self.store, &self.config).await?;
        let claimed = claim_due(&self.store, &self.config).await?;
        let n = claimed.len();
        futures::stream::iter(claimed)
            .for_each_concurrent(None, |delivery| async move {
                let id = delivery.id.clone();
                let result = send(self, &delivery).await;
                if let Err(e) = record_attempt(self, &delivery, &result).await {
                    tracing::warn!(delivery = %id, error = %e, "recording failed; retried after the lease");
                }
            })
            .await;
        Ok(fanned + n)
    }
}
