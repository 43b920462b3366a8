//! Approval policies: which commands need a second operator, and from what
//! amount. One policy per command; setting it again replaces it.

use super::assess::{Assessed, WITH_AMOUNT};
use crate::commands::{Body, CommandContext, Params, find};
use crate::error::{LedgerError, LedgerResult};
use crate::ledger::accounts::load_currency;
use crate::money::Currency;
use ledgerdeck_client::{CommandResult, CommandStatus, FieldError};
use sqlx::{AnyConnection, Row};

/// The commands no policy may govern: deciding a proposal must never need
/// a proposal of its own.
pub const UNGOVERNABLE: [&str; 2] = ["approve_proposal", "reject_proposal"];

/// What other currencies than a threshold's do.
pub const OTHER_CURRENCIES: [&str; 2] = ["apply", "skip"];

/// A policy as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The command governed.
    pub command: String,
    /// From this amount (minor units) in this currency; `None`: every call.
    pub threshold: Option<(i64, String)>,
    /// Whether calls in other currencies need approval too.
    pub other_currencies_apply: bool,
}

impl Policy {
    /// Whether a call assessed as `call` needs approval. A call without a
    /// stated amount under a threshold policy needs it (fail closed; the
    /// threshold is refused at set time for such commands anyway).
    pub fn governs(&self, call: &Assessed) -> bool {
        match (&self.threshold, &call.amount) {
            (None, _) | (Some(_), None) => true,
            (Some((minor, code)), Some((amount, currency))) if *code == currency.code => amount >= minor,
            (Some(_), Some(_)) => self.other_currencies_apply,
        }
    }
}

/// The policy on `command`, if any.
pub async fn load(conn: &mut AnyConnection, command: &str) -> LedgerResult<Option<Policy>> {
    let row =
        sqlx::query("SELECT threshold_minor, currency, other_currencies FROM approval_policies WHERE command = $1")
            .bind(command)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let threshold: Option<i64> = row.try_get("threshold_minor")?;
    let currency: Option<String> = row.try_get("currency")?;
    Ok(Some(Policy {
        command: command.to_string(),
        threshold: threshold.zip(currency),
        other_currencies_apply: row.try_get::<String, _>("other_currencies")? == "apply",
    }))
}

/// `set_approval_policy`: puts a command under approval (every call, or
/// from a threshold in one currency), or with `enabled = false` lifts it.
pub async fn set_approval_policy(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let command = p.required("command")?;
    let enabled = p.text("enabled") != Some("false");
    let mut errors = Vec::new();
    match find(command) {
        None => errors.push(FieldError::new("command", "must be a command of the registry")),
        Some(def) if UNGOVERNABLE.contains(&def.name) => {
            errors.push(FieldError::new("command", "deciding a proposal cannot itself need approval"))
        }
        Some(def) if matches!(def.body, Body::Standalone(_)) => {
            errors.push(FieldError::new("command", "runs outside a transaction and cannot be held for approval"))
        }
        Some(_) => {}
    }
    let threshold = match (p.text("threshold"), p.text("currency")) {
        (None, None) => None,
        (Some(_), None) => {
            errors.push(FieldError::new("currency", "is required with a threshold"));
            None
        }
        (None, Some(_)) => {
            errors.push(FieldError::new("threshold", "is required with a currency"));
            None
        }
        (Some(_), Some(_)) if !WITH_AMOUNT.contains(&command) => {
            errors.push(FieldError::new(
                "threshold",
                format!("{command} states no amount; its policy covers every call"),
            ));
            None
        }
        (Some(_), Some(code)) => match load_currency(conn, code).await {
            Ok(currency) => threshold_of(p, &currency, &mut errors),
            Err(LedgerError::CurrencyUnknown(_)) => {
                errors.push(FieldError::new("currency", "must be a currency code the ledger knows, such as USD"));
                None
            }
            Err(e) => return Err(e),
        },
    };
    if !errors.is_empty() {
        return Err(LedgerError::Validation(errors));
    }
    let other = p.text("other_currencies").unwrap_or("apply");
    if enabled {
        sqlx::query("DELETE FROM approval_policies WHERE command = $1").bind(command).execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO approval_policies (command, threshold_minor, currency, other_currencies, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(command)
        .bind(threshold.as_ref().map(|(minor, _)| *minor))
        .bind(threshold.as_ref().map(|(_, code): &(i64, String)| code.clone()))
        .bind(other)
        .bind(&cx.caller.name)
        .bind(cx.now)
        .execute(&mut *conn)
        .await?;
    } else {
        let gone =
            sqlx::query("DELETE FROM approval_policies WHERE command = $1").bind(command).execute(&mut *conn).await?;
        if gone.rows_affected() == 0 {
            return Err(LedgerError::NotFound { what: "approval policy", id: command.to_string() });
        }
    }
    let payload = serde_json::json!({"type": "approval_policy.set", "actor": cx.caller.name,
        "data": {"command": command, "enabled": enabled, "other_currencies": other}});
    crate::outbox::enqueue(conn, "approval_policy.set", command, &payload, cx.now).await?;
    Ok(CommandResult {
        status: CommandStatus::Updated,
        command: cx.command.to_string(),
        reference: None,
        subject_id: Some(command.to_string()),
        transaction_ids: Vec::new(),
        balances: Vec::new(),
        replayed: false,
    })
}

/// The threshold in minor units, with its currency code; a bad amount is a field error.
fn threshold_of(p: &Params, currency: &Currency, errors: &mut Vec<FieldError>) -> Option<(i64, String)> {
    match p.amount("threshold", currency) {
        Ok(minor) => Some((minor, currency.code.clone())),
        Err(LedgerError::Validation(fields)) => {
            errors.extend(fields);
            None
        }
        Err(_) => {
            errors.push(FieldError::new("threshold", "must be an amount"));
            None
        }
    }
}
