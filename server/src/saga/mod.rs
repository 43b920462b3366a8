//! The payout saga: a worker that takes `reserved` holds to a provider,
//! requeries `submitted` ones with exponential backoff, settles on paid,
//! releases on failed, and parks the hold in `manual_review` when the outcome
//! is still unknown after the requeries.
//!
//! Holds are claimed with a lease (on PostgreSQL `FOR UPDATE SKIP LOCKED`,
//! so several instances share the work); every step is one database
//! transaction that first re-checks the lease, so a worker that lost its
//! lease changes nothing, and a crash at any point leaves the hold to be
//! picked up again when the lease lapses. Providers are idempotent per hold
//! id, so a repeated submission is the same payout.

mod claim;
pub mod heartbeat;
mod step;

pub use claim::{ClaimedHold, claim_due};
pub use heartbeat::Heartbeat;
pub use step::run_step;

pub use crate::provider::Providers;

use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Tunables of the saga.
#[derive(Debug, Clone)]
pub struct SagaConfig {
    /// This worker's name, written into the leases it takes.
    pub worker_id: String,
    /// Where it runs (host and process), shown with its heartbeat.
    pub instance: String,
    /// Holds claimed per round.
    pub batch: i64,
    /// How long a claim is held before another worker may take the hold.
    pub lease: Duration,
    /// Pause between rounds when nothing was due.
    pub poll: Duration,
    /// Requeries of a submitted payout before it goes to manual review.
    pub max_requeries: i32,
    /// The first requery delay; each further one doubles, up to `max_backoff`.
    pub base_backoff: Duration,
    /// The longest requery delay.
    pub max_backoff: Duration,
    /// How long one provider call may take.
    pub call_timeout: Duration,
}

impl Default for SagaConfig {
    fn default() -> Self {
        SagaConfig {
            worker_id: format!("saga-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]),
            instance: heartbeat::instance_name(),
            batch: 16,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            max_requeries: 5,
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            call_timeout: Duration::from_secs(10),
        }
    }
}

impl SagaConfig {
    /// The delay before requery number `attempt` (0-based), in microseconds.
    pub fn backoff_micros(&self, attempt: i32) -> i64 {
        let factor = 1u32 << attempt.clamp(0, 20);
        let delay = self.base_backoff.saturating_mul(factor).min(self.max_backoff);
        i64::try_from(delay.as_micros()).unwrap_or(i64::MAX / 4)
    }
}

/// A saga worker.
#[derive(Clone)]
pub struct Saga {
    /// The database.
    pub store: Store,
    /// The providers it can reach.
    pub providers: Arc<Providers>,
    /// Its tunables.
    pub config: Arc<SagaConfig>,
    /// Its heartbeat row, written as it works.
    pub heartbeat: Arc<Heartbeat>,
}

impl Saga {
    /// A worker on `store` reaching `providers`.
    pub fn new(store: Store, providers: Providers, config: SagaConfig) -> Self {
        let heartbeat = Arc::new(Heartbeat::new(&config));
        Saga { store, providers: Arc::new(providers), config: Arc::new(config), heartbeat }
    }

    /// Runs rounds until `stop` is cancelled.
    pub async fn run(&self, stop: CancellationToken) {
        tracing::info!(worker = %self.config.worker_id, "saga worker started");
        while !stop.is_cancelled() {
            let worked = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "saga round failed");
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
        if let Err(e) = self.heartbeat.remove(&self.store).await {
            tracing::warn!(error = %e, "cannot remove the saga worker's heartbeat");
        }
        tracing::info!(worker = %self.config.worker_id, "saga worker stopped");
    }

    /// Beats, claims due holds and takes each one step (beating between
    /// steps at most once a second); returns how many.
    pub async fn round(&self) -> crate::LedgerResult<usize> {
        self.beat(0).await;
        let claimed = claim_due(&self.store, &self.config).await?;
        let n = claimed.len();
        for hold in claimed {
            let id = hold.id.clone();
            if let Err(e) = run_step(self, hold).await {
                tracing::warn!(hold = %id, error = %e, "saga step failed; the hold is retried after its lease");
            }
            self.beat(1).await;
        }
        Ok(n)
    }

    /// A heartbeat that fails is logged, never fatal: the payouts matter more.
    async fn beat(&self, handled: usize) {
        if let Err(e) = self.heartbeat.tick(&self.store, handled).await {
            tracing::warn!(error = %e, "saga heartbeat not written");
        }
    }
}
