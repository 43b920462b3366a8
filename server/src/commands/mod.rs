//! The command layer: one declarative registry of every write, and the
//! dispatcher that checks a caller's role and parameters, applies
//! idempotency, and runs the command on one database transaction.

mod flag_commands;
mod gate_commands;
mod idempotency;
mod movements;
mod params;
mod payouts;
mod registry;
mod wallets;
mod webhook_commands;

pub use idempotency::purge_expired as purge_expired_idempotency_keys;
pub use params::{FieldDef, Params};
pub use registry::{Body, CommandDef, RunFn, StandaloneFn, find, registry, specs};

use crate::audit::Attempt;
use crate::error::{LedgerError, LedgerResult};
use crate::gates::{GateConfig, Gates};
use crate::store::{Store, now_micros};
use idempotency::{Claim, KeyedRequest};
use ledgerdeck_client::{CommandResult, Role};
use std::time::Duration;

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The operator's name (idempotency keys are scoped to it).
    pub name: String,
    /// The operator's role.
    pub role: Role,
}

/// What a running command may know about its call.
#[derive(Debug, Clone)]
pub struct CommandContext<'a> {
    /// The caller.
    pub caller: &'a Caller,
    /// The command's name.
    pub command: &'static str,
    /// When it runs, in microseconds since the epoch.
    pub now: i64,
}

/// Tunables of the command layer.
#[derive(Debug, Clone)]
pub struct LedgerConfig {
    /// How long a completed idempotency key is kept and replayed.
    pub idempotency_retention: Duration,
    /// How long a claimed key is held before a retry may take it over.
    pub idempotency_lease: Duration,
    /// How long a request waits for an in-flight twin before answering
    /// `IDEMPOTENCY_IN_PROGRESS`.
    pub in_flight_wait: Duration,
    /// Thresholds and cadence of the reconciliation gates.
    pub gates: GateConfig,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            idempotency_retention: Duration::from_secs(24 * 3600),
            idempotency_lease: Duration::from_secs(30),
            in_flight_wait: Duration::from_secs(2),
            gates: GateConfig::default(),
        }
    }
}

/// The wallet core's entry point for commands.
#[derive(Debug, Clone)]
pub struct Ledger {
    store: Store,
    config: LedgerConfig,
    gates: Gates,
}

impl Ledger {
    /// A ledger over `store`.
    pub fn new(store: Store, config: LedgerConfig) -> Self {
        let gates = Gates::new(store.clone(), config.gates.clone());
        Ledger { store, config, gates }
    }

    /// The reconciliation gates over this ledger's store.
    pub fn gates(&self) -> &Gates {
        &self.gates
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs `command` with `body` for `caller`.
    ///
    /// A money-moving command needs `idempotency_key`; any command accepts
    /// one. A repeated key with the same parameters returns the first result
    /// marked `replayed`; with other parameters `IDEMPOTENCY_KEY_REUSED`; a
    /// twin still running after [`LedgerConfig::in_flight_wait`]
    /// `IDEMPOTENCY_IN_PROGRESS`. Refusals write nothing.
    pub async fn execute(
        &self,
        caller: &Caller,
        command: &str,
        body: serde_json::Value,
        idempotency_key: Option<&str>,
    ) -> LedgerResult<CommandResult> {
        let attempt = Attempt { caller, command, key: idempotency_key, started_at: now_micros() };
        let mut audited = false;
        let outcome = self.execute_audited(&attempt, body, &mut audited).await;
        if !audited {
            attempt.record(&self.store, outcome.as_ref()).await;
        }
        outcome
    }

    /// The body of [`Ledger::execute`]; sets `audited` once a posted
    /// command's audit row has committed with it.
    async fn execute_audited(
        &self,
        attempt: &Attempt<'_>,
        body: serde_json::Value,
        audited: &mut bool,
    ) -> LedgerResult<CommandResult> {
        let (caller, command, idempotency_key) = (attempt.caller, attempt.command, attempt.key);
        let def = find(command).ok_or_else(|| LedgerError::UnknownCommand(command.chars().take(64).collect()))?;
        if !caller.role.allows(def.role) {
            return Err(LedgerError::Forbidden { command: def.name.to_string(), needed: def.role.as_str() });
        }
        if def.moves_money && idempotency_key.is_none() {
            return Err(LedgerError::IdempotencyKeyMissing(def.name.to_string()));
        }
        let params = Params::check(def.fields, body)?;
        let keyed = idempotency_key
            .map(|key| KeyedRequest::new(&caller.name, key, def.name, &params.canonical()))
            .transpose()?;

        let token = match &keyed {
            Some(keyed) => match self.claim(keyed).await? {
                Ok(token) => Some(token),
                Err(replay) => return Ok(replay),
            },
            None => None,
        };

        let ctx = CommandContext { caller, command: def.name, now: now_micros() };
        let (mut tx, outcome) = match def.body {
            Body::InTransaction(run) => {
                let mut tx = self.store.begin_write().await?;
                let outcome = run(&mut tx, &params, &ctx).await;
                (tx, outcome)
            }
            Body::Standalone(run) => {
                let outcome = run(self, &params, &ctx).await;
                (self.store.begin_write().await?, outcome)
            }
        };
        let outcome = match outcome {
            Ok(result) => match (&keyed, &token) {
                (Some(keyed), Some(token)) => keyed.complete(&mut tx, token, &result).await.map(|()| result),
                _ => Ok(result),
            },
            Err(e) => Err(e),
        };
        let failed = match outcome {
            Ok(result) => match attempt.record_on(&mut tx, Ok(&result)).await {
                Ok(()) => {
                    // Only a failed commit leaves the outcome unknown: then the
                    // claim is kept and lapses with its lease.
                    tx.commit().await?;
                    *audited = true;
                    return Ok(result);
                }
                Err(e) => LedgerError::from(e),
            },
            Err(e) => e,
        };
        // Nothing was committed, so the command did not happen: free the key
        // (unless the claim was lost to a takeover) so a retry runs afresh.
        tx.rollback().await.ok();
        if let (Some(keyed), Some(token)) = (&keyed, &token)
            && !matches!(failed, LedgerError::IdempotencyInProgress(_))
            && let Err(release_error) = keyed.release(self.store.pool(), token).await
        {
            tracing::warn!(key = keyed.key, error = %release_error, "could not free an idempotency claim");
        }
        Err(failed)
    }

    /// Claims a key, waiting a bounded time for an in-flight twin. Returns
    /// the claim token, or the stored result to replay.
    async fn claim(&self, keyed: &KeyedRequest<'_>) -> LedgerResult<Result<String, CommandResult>> {
        let lease = micros(self.config.idempotency_lease);
        let retention = micros(self.config.idempotency_retention);
        let deadline = tokio::time::Instant::now() + self.config.in_flight_wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match keyed.claim(self.store.pool(), lease, retention).await? {
                Claim::Claimed(token) => return Ok(Ok(token)),
                Claim::Completed(result) => return Ok(Err(result)),
                Claim::InFlight if tokio::time::Instant::now() >= deadline => {
                    return Err(LedgerError::IdempotencyInProgress(keyed.key.to_string()));
                }
                Claim::InFlight => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
            }
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}
