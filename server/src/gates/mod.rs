//! Reconciliation gates: four detect-only checks of the ledger, their
//! findings (opened, resolved, reopened) and run history.
//!
//! A run scans with single read statements (each sees one consistent
//! snapshot), in parallel, then records what it found in one short write
//! transaction that touches only the gates' own tables. A `full` run looks at
//! everything; a `routine` run looks only at what is new since the per-account
//! checkpoints of the last run, plus the whole-table checks that stay cheap.
//! Only a check that saw everything may resolve a finding.

mod checks;
mod evaluate;
mod lock;
mod marks;
mod record;
mod scan;
pub mod scheduler;

pub use lock::{ADVISORY_KEY, GateLock};

use crate::error::{LedgerError, LedgerResult};
use crate::store::{Store, now_micros};
use evaluate::GateResult;
use ledgerdeck_client::{GateRunSummary, Thresholds};
use std::time::{Duration, Instant};

/// One of the gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gate {
    /// Every transaction and currency sums to zero; stored balances equal postings.
    LedgerBalanced,
    /// Each wallet account's statement agrees with its ledger balance, line by line.
    WalletDrift,
    /// Each wallet's open holds sum to its reserved balance.
    HoldsDrift,
    /// No hold waits too long, and no finished hold lacks its transaction.
    PayoutFinality,
    /// Each provider's confirmed deposits match the ledger's pay-ins.
    DepositReconciliation,
}

impl Gate {
    /// Every gate, in display order.
    pub const ALL: [Gate; 5] =
        [Gate::LedgerBalanced, Gate::WalletDrift, Gate::HoldsDrift, Gate::PayoutFinality, Gate::DepositReconciliation];

    /// The gate's stable name.
    pub fn name(self) -> &'static str {
        match self {
            Gate::LedgerBalanced => "ledger_balanced",
            Gate::WalletDrift => "wallet_drift",
            Gate::HoldsDrift => "holds_drift",
            Gate::PayoutFinality => "payout_finality",
            Gate::DepositReconciliation => "deposit_reconciliation",
        }
    }

    /// What the gate checks, for people.
    pub fn title(self) -> &'static str {
        match self {
            Gate::LedgerBalanced => "Every transaction and currency sums to zero; balances equal postings",
            Gate::WalletDrift => "Each wallet's statement equals its ledger balance",
            Gate::HoldsDrift => "Each wallet's open holds sum to its reserved balance",
            Gate::PayoutFinality => "No payout stuck or overdue; every finished hold has its transaction",
            Gate::DepositReconciliation => "Every provider-confirmed deposit is credited once, for its amount",
        }
    }

    /// The gate named `name`, if any.
    pub fn parse(name: &str) -> Option<Gate> {
        Gate::ALL.into_iter().find(|g| g.name() == name)
    }
}

/// How much a run looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Everything.
    Full,
    /// What changed since the last run's checkpoints, plus the cheap
    /// whole-table checks.
    Routine,
}

impl Mode {
    /// The mode's stable name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Routine => "routine",
        }
    }
}

/// Thresholds of `payout_finality` and the scheduler's cadence.
#[derive(Debug, Clone)]
pub struct GateConfig {
    /// Whether `serve` runs the scheduler.
    pub scheduled: bool,
    /// A hold in `reserved` or `submitted` longer than this is stuck.
    pub hold_stuck_after: Duration,
    /// A hold in `manual_review` longer than this is overdue.
    pub manual_review_sla: Duration,
    /// A pay-in credited longer ago than this that its provider never
    /// confirmed is a finding.
    pub deposit_confirm_grace: Duration,
    /// How often the scheduler runs the gates.
    pub interval: Duration,
    /// Every this many scheduled runs, one is full (the rest are routine).
    pub full_every: u32,
    /// How long run history is kept.
    pub history_retention: Duration,
    /// How long an on-demand run waits for another run to finish.
    pub busy_wait: Duration,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            scheduled: true,
            hold_stuck_after: Duration::from_secs(Thresholds::DEFAULT.hold_stuck_after_secs.unsigned_abs()),
            manual_review_sla: Duration::from_secs(Thresholds::DEFAULT.manual_review_sla_secs.unsigned_abs()),
            deposit_confirm_grace: Duration::from_secs(24 * 3600),
            interval: Duration::from_secs(60),
            full_every: 10,
            history_retention: Duration::from_secs(30 * 24 * 3600),
            busy_wait: Duration::from_secs(10),
        }
    }
}

/// Runs gates over a store; one run at a time (per process on SQLite,
/// across every instance on PostgreSQL).
#[derive(Debug, Clone)]
pub struct Gates {
    store: Store,
    config: GateConfig,
    lock: GateLock,
}

impl Gates {
    /// Gates over `store`.
    pub fn new(store: Store, config: GateConfig) -> Self {
        Gates { store, config, lock: GateLock::default() }
    }

    /// The thresholds and cadence.
    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// Runs `gates` in `mode`, waiting up to `wait` for another run to end;
    /// `GATE_RUN_IN_PROGRESS` if it does not. `trigger` is recorded
    /// (`schedule`, or the operator's name).
    pub async fn run(&self, gates: &[Gate], mode: Mode, trigger: &str, wait: Duration) -> LedgerResult<GateRunSummary> {
        let held = self.lock.acquire(&self.store, wait).await?.ok_or(LedgerError::GateRunInProgress)?;
        let outcome = self.run_locked(gates, mode, trigger).await;
        held.release().await;
        outcome
    }

    /// Like [`Gates::run`] but gives up at once if another run holds the lock
    /// (`Ok(None)`), as the scheduler does.
    pub async fn try_run(&self, gates: &[Gate], mode: Mode, trigger: &str) -> LedgerResult<Option<GateRunSummary>> {
        let Some(held) = self.lock.acquire(&self.store, Duration::ZERO).await? else {
            return Ok(None);
        };
        let outcome = self.run_locked(gates, mode, trigger).await;
        held.release().await;
        outcome.map(Some)
    }

    async fn run_locked(&self, gates: &[Gate], mode: Mode, trigger: &str) -> LedgerResult<GateRunSummary> {
        let started_at = now_micros();
        let clock = Instant::now();
        let scan = checks::scan(&self.store, &self.config, gates, mode, started_at).await?;
        let results: Vec<GateResult> = gates.iter().map(|&gate| evaluate::gate(gate, mode, &scan)).collect();
        let run_id = uuid::Uuid::now_v7().to_string();
        let header = record::RunHeader { run_id: &run_id, mode, trigger, started_at };
        let summary = record::record(&self.store, &header, &results, &scan).await?;
        tracing::debug!(run_id, mode = mode.name(), micros = clock.elapsed().as_micros() as u64, "gate run recorded");
        Ok(summary)
    }
}
