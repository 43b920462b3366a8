//! `set_feature_flag`: an admin sets one feature flag row (see
//! [`crate::flags`] for what the rows mean).

use super::wallets::Outcome;
use super::{CommandContext, Params};
use crate::error::{LedgerError, LedgerResult};
use crate::flags::{self, FlagMode, FlagSetting};
use crate::ledger::accounts::load_currency;
use ledgerdeck_client::{CommandResult, CommandStatus, FieldError};
use sqlx::AnyConnection;

/// `set_feature_flag`: inserts or updates the row of `name` at `scope` /
/// `scope_value`, and announces it as `flag.changed` with subject
/// `<name>:<scope>:<scope_value>`. `scope_value` is required for every scope
/// but `global`, where it must be empty; a currency must be one the ledger
/// knows. `mode` is only allowed on the global scope of a gating flag;
/// omitted, it keeps the stored mode.
pub async fn set_feature_flag(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let name = p.required("name")?;
    let scope = p.required("scope")?;
    let scope_value = p.text("scope_value");
    let enabled = p.required("enabled")? == "true";
    let mode = match p.text("mode") {
        None => None,
        Some("fail_closed") => Some(FlagMode::FailClosed),
        Some(_) => Some(FlagMode::FailOpen),
    };

    let mut errors = Vec::new();
    match (scope, scope_value) {
        ("global", None) => {}
        ("global", Some(_)) => errors.push(FieldError::new("scope_value", "must be empty for the global scope")),
        (_, None) => errors.push(FieldError::new("scope_value", format!("is required for the {scope} scope"))),
        ("currency", Some(code)) => match load_currency(conn, code).await {
            Ok(_) => {}
            Err(LedgerError::CurrencyUnknown(_)) => {
                errors.push(FieldError::new("scope_value", "must be a currency code the ledger knows, such as USD"))
            }
            Err(e) => return Err(e),
        },
        (_, Some(_)) => {}
    }
    if flags::GLOBAL_ONLY_FLAGS.contains(&name) {
        if scope != "global" {
            errors.push(FieldError::new("scope", format!("{name} can only be set at the global scope")));
        }
        if mode.is_some() {
            errors.push(FieldError::new("mode", format!("{name} is a switch and has no mode")));
        }
    } else if mode.is_some() && scope != "global" {
        errors.push(FieldError::new("mode", "is only allowed with the global scope"));
    }
    if !errors.is_empty() {
        return Err(LedgerError::Validation(errors));
    }

    let scope_value = scope_value.unwrap_or("");
    let setting = FlagSetting { name, scope, scope_value, enabled, mode };
    flags::set(conn, &setting, &cx.caller.name, cx.now).await?;
    Outcome {
        status: CommandStatus::Updated,
        event: "flag.changed",
        reference: None,
        subject_id: format!("{name}:{scope}:{scope_value}"),
    }
    .record(conn, cx, Vec::new(), &[])
    .await
}
