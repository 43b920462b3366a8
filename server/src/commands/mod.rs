//! The command layer: one declarative registry of every write, and the
//! dispatcher that checks a caller's role and parameters, applies
//! idempotency, and runs the command on one database transaction.

pub mod approvals;
mod flag_commands;
mod gate_commands;
mod idempotency;
mod movements;
mod params;
mod payin_events;
mod payouts;
mod registry;
mod sso_commands;
mod wallets;
mod webhook_commands;
mod writer;

pub use idempotency::purge_expired as purge_expired_idempotency_keys;
pub use params::{FieldDef, Params};
pub use payin_events::PAYIN_EVENT_TYPES;
pub use registry::{Body, CommandDef, RunFn, StandaloneFn, find, registry, specs};

use crate::audit::Attempt;
use crate::caller::Caller;
use crate::error::{LedgerError, LedgerResult};
use crate::gates::{GateConfig, Gates};
use crate::store::{Store, now_micros};
use idempotency::{Claim, KeyedRequest};
use ledgerdeck_client::CommandResult;
use ledgerdeck_client::events::LiveEvent;
use sqlx::AnyConnection;
use std::sync::Arc;
use std::time::Duration;
use writer::{Durability, Job, Step, Writer};

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

impl CommandContext<'_> {
    /// The caller moving a hold by this command.
    pub fn moved_by(&self) -> crate::holds::MovedBy<'_> {
        crate::holds::MovedBy { actor: &self.caller.name, cause: self.command }
    }
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
    /// How long a proposal waits for its second operator before it expires.
    pub approval_ttl: Duration,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            idempotency_retention: Duration::from_secs(24 * 3600),
            idempotency_lease: Duration::from_secs(30),
            in_flight_wait: Duration::from_secs(2),
            gates: GateConfig::default(),
            approval_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// The wallet core's entry point for commands.
#[derive(Debug, Clone)]
pub struct Ledger {
    store: Store,
    config: LedgerConfig,
    gates: Gates,
    writer: Writer,
}

impl Ledger {
    /// A ledger over `store`.
    pub fn new(store: Store, config: LedgerConfig) -> Self {
        let gates = Gates::new(store.clone(), config.gates.clone());
        let writer = Writer::new(store.clone(), config.in_flight_wait);
        Ledger { store, config, gates, writer }
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
        let attempt = Attempt {
            caller: caller.clone(),
            command: command.to_string(),
            key: idempotency_key.map(str::to_string),
            started_at: now_micros(),
        };
        let mut audited = false;
        let outcome = self.execute_audited(&attempt, body, &mut audited).await;
        if !audited {
            self.record(&attempt, outcome.as_ref()).await;
        }
        outcome
    }

    /// Writes the audit row of an attempt that posted nothing (a refusal, a
    /// failure, a replay), without waiting for the disk; a failure to write
    /// it is logged, never allowed to hide the attempt's own answer.
    async fn record(&self, attempt: &Attempt, result: Result<&CommandResult, &LedgerError>) {
        let entry = attempt.entry(result);
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                entry.insert(conn).await?;
                Ok(Step::Recorded)
            })
        });
        if let Err(e) = self.writer.run(job, Durability::Relaxed).await {
            tracing::warn!(command = attempt.command, error = %e, "could not write an audit record");
        }
    }

    /// The body of [`Ledger::execute`]; sets `audited` once a posted
    /// command's audit row has committed with it.
    async fn execute_audited(
        &self,
        attempt: &Attempt,
        body: serde_json::Value,
        audited: &mut bool,
    ) -> LedgerResult<CommandResult> {
        let caller = &attempt.caller;
        let def = find(&attempt.command)
            .ok_or_else(|| LedgerError::UnknownCommand(attempt.command.chars().take(64).collect()))?;
        if !caller.role.allows(def.role) {
            return Err(LedgerError::Forbidden { command: def.name.to_string(), needed: def.role.as_str() });
        }
        if def.moves_money && attempt.key.is_none() {
            return Err(LedgerError::IdempotencyKeyMissing(def.name.to_string()));
        }
        let params = Params::check(def.fields, body)?;
        let keyed = attempt
            .key
            .as_deref()
            .map(|key| KeyedRequest::new(&caller.name, key, def.name, &params.canonical()))
            .transpose()?;
        let call = Call { name: def.name, attempt: attempt.clone(), params: Arc::new(params), keyed };
        match def.body {
            Body::InTransaction(run) => self.execute_in_transaction(run, call, audited).await,
            Body::Standalone(run) => self.execute_standalone(run, call, audited).await,
        }
    }

    /// A command on the writer's transaction: its key is claimed, its money
    /// moved, its key completed and its audit row written there, all or
    /// nothing.
    async fn execute_in_transaction(&self, run: RunFn, call: Call, audited: &mut bool) -> LedgerResult<CommandResult> {
        if let Some(keyed) = &call.keyed
            && let Some(replay) = keyed.completed(self.store.pool()).await?
        {
            return approvals::answer(self.store.pool(), replay).await;
        }
        let deadline = tokio::time::Instant::now() + self.config.in_flight_wait;
        let mut pause = Duration::from_millis(2);
        loop {
            match self.writer.run(call.job(run, &self.config), Durability::Synced).await? {
                Step::Posted(result) => {
                    *audited = true;
                    return Ok(result);
                }
                Step::Replay(result) => return approvals::answer(self.store.pool(), result).await,
                Step::Decided(refusal) => {
                    *audited = true;
                    return Err(refusal);
                }
                Step::InFlight if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Step::InFlight | Step::Recorded => return Err(call.in_progress()),
            }
        }
    }

    /// A command that runs outside the writer's transaction (a long read):
    /// its key is claimed with a lease first, and completed with its audit row
    /// after it.
    async fn execute_standalone(
        &self,
        run: StandaloneFn,
        call: Call,
        audited: &mut bool,
    ) -> LedgerResult<CommandResult> {
        let token = match &call.keyed {
            Some(keyed) => match self.claim(keyed).await? {
                Ok(token) => Some(token),
                Err(replay) => return Ok(replay),
            },
            None => None,
        };
        let ctx = CommandContext { caller: &call.attempt.caller, command: call.name, now: now_micros() };
        let outcome = match run(self, &call.params, &ctx).await {
            Ok(result) => self.writer.run(call.completion(result, token.clone()), Durability::Synced).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Step::Posted(result)) => {
                *audited = true;
                Ok(result)
            }
            Ok(_) => Err(LedgerError::Internal("a standalone command's completion wrote nothing".into())),
            Err(failed) => {
                // Nothing was committed, so the command did not happen: free
                // the key (unless the claim was lost to a takeover) so a retry
                // runs afresh.
                if let (Some(keyed), Some(token)) = (&call.keyed, &token)
                    && !matches!(failed, LedgerError::IdempotencyInProgress(_))
                    && let Err(release_error) = keyed.release(self.store.pool(), token).await
                {
                    tracing::warn!(key = keyed.key, error = %release_error, "could not free an idempotency claim");
                }
                Err(failed)
            }
        }
    }

    /// Claims a key on its own short transaction, waiting a bounded time for
    /// an in-flight twin. Returns the claim token, or the stored result to
    /// replay.
    async fn claim(&self, keyed: &KeyedRequest) -> LedgerResult<Result<String, CommandResult>> {
        let lease = micros(self.config.idempotency_lease);
        let retention = micros(self.config.idempotency_retention);
        let deadline = tokio::time::Instant::now() + self.config.in_flight_wait;
        let mut pause = Duration::from_millis(2);
        loop {
            let mut conn = self.store.pool().acquire().await?;
            match keyed.claim(&mut conn, lease, retention).await? {
                Claim::Claimed(token) => return Ok(Ok(token)),
                Claim::Completed(result) => return Ok(Err(result)),
                Claim::InFlight if tokio::time::Instant::now() >= deadline => {
                    return Err(LedgerError::IdempotencyInProgress(keyed.key.clone()));
                }
                Claim::InFlight => {
                    drop(conn);
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
            }
        }
    }
}

/// One checked command call, owned so its work can run on the writer's task.
#[derive(Debug, Clone)]
struct Call {
    name: &'static str,
    attempt: Attempt,
    params: Arc<Params>,
    keyed: Option<KeyedRequest>,
}

impl Call {
    /// The whole command as a writer job: claim the key, run, complete the
    /// key, write the audit row.
    fn job(&self, run: RunFn, config: &LedgerConfig) -> Job {
        let call = self.clone();
        let (lease, retention) = (micros(config.idempotency_lease), micros(config.idempotency_retention));
        let approval_ttl = micros(config.approval_ttl);
        Box::new(move |conn| {
            Box::pin(async move {
                let token = match &call.keyed {
                    Some(keyed) => match keyed.claim(conn, lease, retention).await {
                        Ok(Claim::Claimed(token)) => Some(token),
                        Ok(Claim::Completed(result)) => return Ok(Step::Replay(result)),
                        Ok(Claim::InFlight) => return Ok(Step::InFlight),
                        // PostgreSQL: the twin's transaction held the key's row
                        // for the whole lock timeout (the in-flight wait).
                        Err(e) if is_lock_timeout(&e) => return Err(call.in_progress()),
                        Err(e) => return Err(e),
                    },
                    None => None,
                };
                let ctx = CommandContext { caller: &call.attempt.caller, command: call.name, now: now_micros() };
                let key = call.attempt.key.as_deref();
                if let Some(pending) = approvals::intercept(&mut *conn, &call.params, &ctx, key, approval_ttl).await? {
                    return call.posted(conn, token.as_deref(), pending).await;
                }
                match run(&mut *conn, &call.params, &ctx).await {
                    Ok(result) => call.posted(conn, token.as_deref(), result).await,
                    // An approval whose command was refused: the proposal's
                    // `failed` state is kept, the key freed, the refusal answered.
                    Err(refused @ LedgerError::ExecutionRefused { .. }) => {
                        if let (Some(keyed), Some(token)) = (&call.keyed, token.as_deref()) {
                            keyed.release(&mut *conn, token).await?;
                        }
                        call.attempt.record_on(conn, Err(&refused)).await?;
                        Ok(Step::Decided(refused))
                    }
                    Err(e) => Err(e),
                }
            })
        })
    }

    /// A standalone command's result as a writer job: complete its key and
    /// write its audit row.
    fn completion(&self, result: CommandResult, token: Option<String>) -> Job {
        let call = self.clone();
        Box::new(move |conn| Box::pin(async move { call.posted(conn, token.as_deref(), result).await }))
    }

    /// What every posted command writes after its work, on its
    /// transaction: its key completed, its audit row, and its
    /// `command.posted` change row.
    async fn posted(&self, conn: &mut AnyConnection, token: Option<&str>, result: CommandResult) -> LedgerResult<Step> {
        if let (Some(keyed), Some(token)) = (&self.keyed, token) {
            keyed.complete(&mut *conn, token, &result).await?;
        }
        self.attempt.record_on(conn, Ok(&result)).await?;
        crate::changes::record(conn, LiveEvent::CommandPosted(result.clone()), now_micros()).await?;
        Ok(Step::Posted(result))
    }

    fn in_progress(&self) -> LedgerError {
        LedgerError::IdempotencyInProgress(self.attempt.key.clone().unwrap_or_default())
    }
}

/// Whether `error` is PostgreSQL's `lock_not_available` (a lock timeout).
fn is_lock_timeout(error: &LedgerError) -> bool {
    matches!(error, LedgerError::Storage(sqlx::Error::Database(db)) if db.code().as_deref() == Some("55P03"))
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}
