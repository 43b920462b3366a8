//! The audit log: every command attempt (who, when, what, key, outcome,
//! code, duration) and every access change.

use crate::caller::Caller;
use crate::error::LedgerError;
use crate::store::{Store, now_micros};
use ledgerdeck_client::CommandResult;
use sqlx::AnyConnection;

/// One command attempt, ready to record.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Who.
    pub caller: Caller,
    /// Which command.
    pub command: String,
    /// The idempotency key, if any.
    pub key: Option<String>,
    /// When it started (µs since the epoch).
    pub started_at: i64,
}

/// An attempt with its outcome: one audit row, owned, so it can be written
/// later on another task's transaction.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    attempt: Attempt,
    outcome: &'static str,
    code: Option<String>,
    subject: Option<String>,
    detail: Option<String>,
    finished_at: i64,
}

impl Attempt {
    /// The audit row of this attempt ending with `result`.
    pub fn entry(&self, result: Result<&CommandResult, &LedgerError>) -> AuditEntry {
        let (outcome, code, subject) = match result {
            Ok(r) if r.replayed => ("replayed", None, r.subject_id.clone()),
            Ok(r) if r.status == ledgerdeck_client::CommandStatus::PendingApproval => {
                ("proposed", None, r.subject_id.clone())
            }
            Ok(r) => ("posted", None, r.subject_id.clone()),
            Err(e) if e.is_refusal() => ("refused", Some(e.code().as_str().to_string()), None),
            Err(e) => ("failed", Some(e.code().as_str().to_string()), None),
        };
        AuditEntry {
            attempt: self.clone(),
            outcome,
            code,
            subject,
            detail: result.err().map(|e| truncate(&e.to_string(), 300)),
            finished_at: now_micros(),
        }
    }

    /// Records the attempt on `conn` (the command's own transaction, so a
    /// posted command and its audit row commit together).
    pub async fn record_on(
        &self,
        conn: &mut AnyConnection,
        result: Result<&CommandResult, &LedgerError>,
    ) -> Result<(), sqlx::Error> {
        self.entry(result).insert(conn).await
    }
}

impl AuditEntry {
    /// The same row with `detail` (what an approval adds to the command it ran).
    pub fn with_detail(mut self, detail: String) -> AuditEntry {
        self.detail = Some(truncate(&detail, 300));
        self
    }

    /// Writes the row on `conn`.
    pub async fn insert(&self, conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
        let a = &self.attempt;
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, action, idempotency_key, outcome, error_code, subject_id, detail, duration_micros) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(a.started_at)
        .bind(&a.caller.name)
        .bind(&a.command)
        .bind(a.key.as_deref())
        .bind(self.outcome)
        .bind(self.code.as_deref())
        .bind(self.subject.as_deref())
        .bind(self.detail.as_deref())
        .bind((self.finished_at - a.started_at).max(0))
        .execute(conn)
        .await?;
        Ok(())
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
