//! The audit log: every command attempt (who, when, what, key, outcome,
//! code, duration) and every access change.

use crate::commands::Caller;
use crate::error::LedgerError;
use crate::store::{Store, now_micros};
use ledgerdeck_client::CommandResult;
use sqlx::AnyConnection;

/// One command attempt, ready to record.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// Who.
    pub caller: &'a Caller,
    /// Which command.
    pub command: &'a str,
    /// The idempotency key, if any.
    pub key: Option<&'a str>,
    /// When it started (µs since the epoch).
    pub started_at: i64,
}

impl Attempt<'_> {
    fn fields(&self, result: Result<&CommandResult, &LedgerError>) -> (&'static str, Option<String>, Option<String>) {
        match result {
            Ok(r) if r.replayed => ("replayed", None, r.subject_id.clone()),
            Ok(r) => ("posted", None, r.subject_id.clone()),
            Err(e) if e.is_refusal() => ("refused", Some(e.code().as_str().to_string()), None),
            Err(e) => ("failed", Some(e.code().as_str().to_string()), None),
        }
    }

    /// Records the attempt on `conn` (the command's own transaction, so a
    /// posted command and its audit row commit together).
    pub async fn record_on(
        &self,
        conn: &mut AnyConnection,
        result: Result<&CommandResult, &LedgerError>,
    ) -> Result<(), sqlx::Error> {
        let (outcome, code, subject) = self.fields(result);
        let detail = result.err().map(|e| truncate(&e.to_string(), 300));
        let now = now_micros();
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, action, idempotency_key, outcome, error_code, subject_id, detail, duration_micros) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(self.started_at)
        .bind(&self.caller.name)
        .bind(self.command)
        .bind(self.key)
        .bind(outcome)
        .bind(code)
        .bind(subject)
        .bind(detail)
        .bind((now - self.started_at).max(0))
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Records the attempt on its own (for refusals and replays); a failure
    /// to write is logged, never allowed to hide the attempt's own answer.
    pub async fn record(&self, store: &Store, result: Result<&CommandResult, &LedgerError>) {
        let outcome = async {
            let mut conn = store.pool().acquire().await?;
            self.record_on(&mut conn, result).await
        };
        if let Err(e) = outcome.await {
            tracing::warn!(command = self.command, error = %e, "could not write an audit record");
        }
    }
}

/// Records an access-list change (token made or revoked).
pub async fn record_access_change(store: &Store, by: &str, action: &str, subject: &str, detail: &str) {
    let written = sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, outcome, subject_id, detail, duration_micros) \
         VALUES ($1, $2, $3, $4, 'posted', $5, $6, 0)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(now_micros())
    .bind(by)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .execute(store.pool())
    .await;
    if let Err(e) = written {
        tracing::warn!(action, error = %e, "could not write an audit record");
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
