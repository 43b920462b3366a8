//! The flags of the background workers `serve` runs (the payout saga, the
//! gate scheduler, webhook delivery), each group turned into its config.

use ledgerdeck_server::delivery::{DeliveryConfig, parse_schedule};
use ledgerdeck_server::gates::GateConfig;
use ledgerdeck_server::provider::sandbox::{Mix, SandboxProvider};
use ledgerdeck_server::saga::{Providers, SagaConfig};
use std::sync::Arc;
use std::time::Duration;

/// Which payout providers the saga reaches, and how it paces itself.
#[derive(clap::Args, Clone)]
pub struct SagaArgs {
    /// Serve a sandbox payout provider under this name (repeatable). The saga
    /// runs when at least one provider is configured.
    #[arg(long = "sandbox-provider", env = "LEDGERDECK_SANDBOX_PROVIDERS", value_delimiter = ',')]
    sandbox_providers: Vec<String>,
    /// Seed of the sandbox's outcomes (same seed, same outcome per hold).
    #[arg(long, env = "LEDGERDECK_SANDBOX_SEED", default_value_t = 1)]
    sandbox_seed: u64,
    /// Sandbox outcome weights, e.g. paid=60,failed=15,pending=15,unknown=5,errors=5.
    #[arg(long, env = "LEDGERDECK_SANDBOX_MIX", default_value = "paid=60,failed=15,pending=15,unknown=5,errors=5")]
    sandbox_mix: String,
    /// How long the sandbox takes to answer each call, in milliseconds.
    #[arg(long, env = "LEDGERDECK_SANDBOX_LATENCY_MS", default_value_t = 0)]
    sandbox_latency_ms: u64,
    /// Requeries of a submitted payout before manual review.
    #[arg(long, env = "LEDGERDECK_SAGA_MAX_REQUERIES", default_value_t = 5)]
    saga_max_requeries: i32,
    /// First requery delay in milliseconds (doubling each time).
    #[arg(long, env = "LEDGERDECK_SAGA_BACKOFF_MS", default_value_t = 2000)]
    saga_backoff_ms: u64,
    /// Longest requery delay in milliseconds.
    #[arg(long, env = "LEDGERDECK_SAGA_MAX_BACKOFF_MS", default_value_t = 300_000)]
    saga_max_backoff_ms: u64,
    /// How long a worker's claim on a hold lasts, in milliseconds.
    #[arg(long, env = "LEDGERDECK_SAGA_LEASE_MS", default_value_t = 30_000)]
    saga_lease_ms: u64,
    /// Pause between idle rounds, in milliseconds.
    #[arg(long, env = "LEDGERDECK_SAGA_POLL_MS", default_value_t = 500)]
    saga_poll_ms: u64,
}

/// The reconciliation gates' scheduler and thresholds.
#[derive(Debug, Clone, clap::Args)]
pub struct GateArgs {
    /// Do not run the gate scheduler in this process (on-demand runs still work).
    #[arg(long, env = "LEDGERDECK_NO_GATE_SCHEDULER")]
    no_gate_scheduler: bool,
    /// Seconds between scheduled gate runs.
    #[arg(long, env = "LEDGERDECK_GATE_INTERVAL_SECS", default_value_t = 60)]
    gate_interval_secs: u64,
    /// Every this many scheduled runs, one is full; the others are routine.
    #[arg(long, env = "LEDGERDECK_GATE_FULL_EVERY", default_value_t = 10)]
    gate_full_every: u32,
    /// Seconds a hold may stay reserved or submitted before it counts as stuck.
    #[arg(long, env = "LEDGERDECK_HOLD_STUCK_AFTER_SECS", default_value_t = GateConfig::default().hold_stuck_after.as_secs())]
    hold_stuck_after_secs: u64,
    /// Seconds after which a credited pay-in its provider never confirmed is a finding.
    #[arg(long, env = "LEDGERDECK_DEPOSIT_CONFIRM_GRACE_SECS", default_value_t = GateConfig::default().deposit_confirm_grace.as_secs())]
    deposit_confirm_grace_secs: u64,
    /// Seconds a hold may wait in manual review before it is overdue.
    #[arg(long, env = "LEDGERDECK_MANUAL_REVIEW_SLA_SECS", default_value_t = GateConfig::default().manual_review_sla.as_secs())]
    manual_review_sla_secs: u64,
}

impl GateArgs {
    pub fn build(&self) -> GateConfig {
        GateConfig {
            scheduled: !self.no_gate_scheduler,
            interval: Duration::from_secs(self.gate_interval_secs.max(1)),
            full_every: self.gate_full_every.max(1),
            hold_stuck_after: Duration::from_secs(self.hold_stuck_after_secs),
            manual_review_sla: Duration::from_secs(self.manual_review_sla_secs),
            deposit_confirm_grace: Duration::from_secs(self.deposit_confirm_grace_secs),
            ..GateConfig::default()
        }
    }
}

/// How the webhook delivery worker (run by `serve`) paces itself.
#[derive(clap::Args, Clone)]
pub struct WebhookArgs {
    /// Do not run the webhook delivery worker in this process.
    #[arg(long, env = "LEDGERDECK_NO_WEBHOOKS")]
    no_webhooks: bool,
    /// Delays before each delivery attempt, e.g. 0s,5s,5m,30m,2h,5h,10h,14h,20h,24h (units ms, s, m, h);
    /// after the last failed attempt the delivery is dead.
    #[arg(long, env = "LEDGERDECK_WEBHOOK_SCHEDULE", default_value = "0s,5s,5m,30m,2h,5h,10h,14h,20h,24h")]
    webhook_schedule: String,
    /// How long one webhook request may take, in milliseconds.
    #[arg(long, env = "LEDGERDECK_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    webhook_timeout_ms: u64,
    /// Deliveries claimed per round.
    #[arg(long, env = "LEDGERDECK_WEBHOOK_BATCH", default_value_t = 32)]
    webhook_batch: i64,
    /// How long a worker's claim on a delivery lasts, in milliseconds.
    #[arg(long, env = "LEDGERDECK_WEBHOOK_LEASE_MS", default_value_t = 60_000)]
    webhook_lease_ms: u64,
    /// Pause between idle rounds, in milliseconds.
    #[arg(long, env = "LEDGERDECK_WEBHOOK_POLL_MS", default_value_t = 500)]
    webhook_poll_ms: u64,
}

impl WebhookArgs {
    pub fn build(&self) -> Result<Option<DeliveryConfig>, String> {
        if self.no_webhooks {
            return Ok(None);
        }
        let schedule = parse_schedule(&self.webhook_schedule).map_err(|e| format!("--webhook-schedule: {e}"))?;
        let timeout = Duration::from_millis(self.webhook_timeout_ms.max(1));
        Ok(Some(DeliveryConfig {
            schedule,
            request_timeout: timeout,
            batch: self.webhook_batch.clamp(1, 1000),
            // A lease always outlasts the requests made under it.
            lease: Duration::from_millis(self.webhook_lease_ms).max(timeout * 2),
            poll: Duration::from_millis(self.webhook_poll_ms.max(1)),
            ..DeliveryConfig::default()
        }))
    }
}

impl SagaArgs {
    pub fn build(&self) -> Result<Option<(Providers, SagaConfig)>, String> {
        if self.sandbox_providers.is_empty() {
            return Ok(None);
        }
        let mix = Mix::parse(&self.sandbox_mix).map_err(|e| format!("--sandbox-mix: {e}"))?;
        let mut providers = Providers::new();
        for name in &self.sandbox_providers {
            let sandbox = SandboxProvider::new(name, self.sandbox_seed, mix)
                .with_latency(Duration::from_millis(self.sandbox_latency_ms));
            providers.insert(name.clone(), Arc::new(sandbox));
        }
        let config = SagaConfig {
            max_requeries: self.saga_max_requeries.max(1),
            base_backoff: Duration::from_millis(self.saga_backoff_ms),
            max_backoff: Duration::from_millis(self.saga_max_backoff_ms.max(self.saga_backoff_ms)),
            lease: Duration::from_millis(self.saga_lease_ms.max(100)),
            poll: Duration::from_millis(self.saga_poll_ms.max(1)),
            ..SagaConfig::default()
        };
        Ok(Some((providers, config)))
    }
}
