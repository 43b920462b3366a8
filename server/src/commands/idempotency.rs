//! Idempotency keys (after the IETF Idempotency-Key draft), scoped to the
//! caller.
//!
//! A command that runs on the dispatcher's transaction *claims* its key on
//! that transaction (an `in_progress` row), executes, and marks the key
//! `completed` with the result to replay before the transaction commits: the
//! key is completed exactly when the money moved, and a refusal or a crash
//! rolls the claim back with everything else. A twin arriving meanwhile waits
//! on the row (PostgreSQL) or behind it in the writer's queue (SQLite) and
//! then replays.
//!
//! A standalone command (one that runs outside that transaction) claims its
//! key in a short transaction of its own, with a lease: a definite refusal
//! frees the key; a storage failure leaves the claim to expire, after which a
//! retry takes it over. While such a claim is held, a twin waits a bounded
//! time and then answers `IDEMPOTENCY_IN_PROGRESS`.

use crate::error::{LedgerError, LedgerResult};
use crate::store::now_micros;
use ledgerdeck_client::CommandResult;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool, Row};

/// The longest idempotency key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// What a claim attempt found.
#[derive(Debug)]
pub enum Claim {
    /// The key is ours: execute, then complete with this token.
    Claimed(String),
    /// The key completed earlier with the same parameters: replay this.
    Completed(CommandResult),
    /// The key's first request is still running.
    InFlight,
}

/// The key of one request.
#[derive(Debug, Clone)]
pub struct KeyedRequest {
    /// Who asked (keys are scoped to the caller).
    pub caller: String,
    /// The caller's key.
    pub key: String,
    /// The command's name.
    pub command: &'static str,
    /// A hash of the command and its canonical parameters.
    pub request_hash: String,
}

impl KeyedRequest {
    /// Describes a request; refuses a key that is empty, too long or not
    /// printable ASCII.
    pub fn new(caller: &str, key: &str, command: &'static str, canonical_params: &str) -> LedgerResult<Self> {
        if key.is_empty() || key.len() > MAX_KEY_LEN || !key.chars().all(|c| c.is_ascii_graphic()) {
            return Err(LedgerError::field(
                "Idempotency-Key",
                format!("must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
            ));
        }
        let mut hasher = Sha256::new();
        hasher.update(command.as_bytes());
        hasher.update([0u8]);
        hasher.update(canonical_params.as_bytes());
        Ok(KeyedRequest {
            caller: caller.to_string(),
            key: key.to_string(),
            command,
            request_hash: hex::encode(hasher.finalize()),
        })
    }

    /// The stored result to replay if the key completed earlier with the same
    /// parameters; a read only, so a replay never waits for the write lock.
    pub async fn completed(&self, pool: &AnyPool) -> LedgerResult<Option<CommandResult>> {
        let row = sqlx::query(
            "SELECT request_hash, response, expires_at FROM idempotency_keys \
             WHERE caller = $1 AND idempotency_key = $2 AND state = 'completed'",
        )
        .bind(&self.caller)
        .bind(&self.key)
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("expires_at")? <= now_micros() {
            return Ok(None);
        }
        if row.try_get::<String, _>("request_hash")? != self.request_hash {
            return Err(LedgerError::IdempotencyKeyReused(self.key.clone()));
        }
        replay(&row.try_get::<String, _>("response")?).map(Some)
    }

    /// Tries to claim the key for this request on `conn`.
    pub async fn claim(
        &self,
        conn: &mut AnyConnection,
        lease_micros: i64,
        retention_micros: i64,
    ) -> LedgerResult<Claim> {
        let now = now_micros();
        let token = uuid::Uuid::now_v7().to_string();
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys \
             (caller, idempotency_key, command, request_hash, state, claim_token, locked_until, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, 'in_progress', $5, $6, $7, $8) ON CONFLICT (caller, idempotency_key) DO NOTHING",
        )
        .bind(&self.caller)
        .bind(&self.key)
        .bind(self.command)
        .bind(&self.request_hash)
        .bind(&token)
        .bind(now + lease_micros)
        .bind(now)
        .bind(now + retention_micros)
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Claimed(token));
        }

        let row = sqlx::query(
            "SELECT request_hash, state, claim_token, locked_until, response, expires_at \
             FROM idempotency_keys WHERE caller = $1 AND idempotency_key = $2",
        )
        .bind(&self.caller)
        .bind(&self.key)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else {
            // Freed between our insert and our read: the next attempt claims it.
            return Ok(Claim::InFlight);
        };
        let expires_at: i64 = row.try_get("expires_at")?;
        let state: String = row.try_get("state")?;
        let old_token: Option<String> = row.try_get("claim_token")?;
        let locked_until: Option<i64> = row.try_get("locked_until")?;
        let expired = expires_at <= now;
        let lease_lapsed = state == "in_progress" && locked_until.is_some_and(|t| t <= now);

        if !expired && row.try_get::<String, _>("request_hash")? != self.request_hash {
            return Err(LedgerError::IdempotencyKeyReused(self.key.clone()));
        }
        if expired || lease_lapsed {
            // Take the key over, but only from the holder we saw.
            let taken = sqlx::query(
                "UPDATE idempotency_keys SET command = $1, request_hash = $2, state = 'in_progress', \
                 claim_token = $3, locked_until = $4, response = NULL, created_at = $5, expires_at = $6 \
                 WHERE caller = $7 AND idempotency_key = $8 AND state = $9 AND expires_at = $10 \
                   AND COALESCE(claim_token, '') = $11",
            )
            .bind(self.command)
            .bind(&self.request_hash)
            .bind(&token)
            .bind(now + lease_micros)
            .bind(now)
            .bind(now + retention_micros)
            .bind(&self.caller)
            .bind(&self.key)
            .bind(&state)
            .bind(expires_at)
            .bind(old_token.unwrap_or_default())
            .execute(&mut *conn)
            .await?;
            return Ok(if taken.rows_affected() == 1 { Claim::Claimed(token) } else { Claim::InFlight });
        }
        if state == "completed" {
            return replay(&row.try_get::<String, _>("response")?).map(Claim::Completed);
        }
        Ok(Claim::InFlight)
    }

    /// Marks the key completed with `result`, on the command's own
    /// transaction. Fails if the claim was lost to a takeover meanwhile.
    pub async fn complete(&self, conn: &mut AnyConnection, token: &str, result: &CommandResult) -> LedgerResult<()> {
        let response = serde_json::to_string(result).map_err(|e| LedgerError::Internal(e.to_string()))?;
        let done = sqlx::query(
            "UPDATE idempotency_keys SET state = 'completed', response = $1, claim_token = NULL, locked_until = NULL \
             WHERE caller = $2 AND idempotency_key = $3 AND claim_token = $4 AND state = 'in_progress'",
        )
        .bind(response)
        .bind(&self.caller)
        .bind(&self.key)
        .bind(token)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(LedgerError::IdempotencyInProgress(self.key.clone()));
        }
        Ok(())
    }

    /// Frees a claim after a definite refusal, so the key may be used
    /// again: on the pool, or on the command's own transaction (a refusal
    /// whose other writes are kept).
    pub async fn release<'e, E>(&self, executor: E, token: &str) -> LedgerResult<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE caller = $1 AND idempotency_key = $2 \
             AND claim_token = $3 AND state = 'in_progress'",
        )
        .bind(&self.caller)
        .bind(&self.key)
        .bind(token)
        .execute(executor)
        .await?;
        Ok(())
    }
}

/// A stored response, marked as a replay.
fn replay(response: &str) -> LedgerResult<CommandResult> {
    let mut result: CommandResult = serde_json::from_str(response)
        .map_err(|e| LedgerError::Internal(format!("stored idempotent response is unreadable: {e}")))?;
    result.replayed = true;
    Ok(result)
}

/// Deletes keys whose retention window has passed; returns how many.
pub async fn purge_expired(pool: &AnyPool, now: i64) -> LedgerResult<u64> {
    let purged = sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1 AND state = 'completed'")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(purged.rows_affected())
}
