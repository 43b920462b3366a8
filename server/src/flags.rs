//! Feature flags: switches that let an admin freeze money movement globally,
//! or for one merchant, currency or provider, without a deploy.
//!
//! # Storage
//!
//! One row per `(name, scope, scope_value)` in `feature_flags`. `scope` is
//! `global`, `merchant`, `currency` or `provider`; `scope_value` is `''` for
//! the global row and the merchant id, currency code or provider name
//! otherwise. Each row says `enabled` true or false. The global row may also
//! carry the flag's `mode`, `fail_open` or `fail_closed` (NULL, or no global
//! row at all, means `fail_open`); other rows carry no mode.
//!
//! # Gating flags
//!
//! - [`CORE_WALLET_ENABLED`] gates every money-moving command;
//! - [`PAYINS_ENABLED`] gates `post_payin`;
//! - [`PAYOUTS_ENABLED`] gates `reserve_payout` and payout submissions.
//!
//! # Evaluation ([`check`])
//!
//! A command names the flags that gate it and its [`FlagScope`]: the
//! merchant, currency and provider it touches (each optional). The
//! *applicable* rows of a flag are its global row and its rows for exactly
//! that merchant, that currency and that provider. For each flag, in order:
//!
//! 1. The mode is the global row's `mode`, `fail_open` when absent.
//! 2. An explicit `enabled = false` in ANY applicable row denies — in either
//!    mode. So `enabled = false` on the global row freezes everything the
//!    flag gates, on a merchant row freezes that merchant only, and so on.
//! 3. Otherwise, in `fail_open` the command is allowed: no row means allowed.
//! 4. In `fail_closed` the command is allowed only if at least one
//!    applicable **merchant, currency or provider** row says
//!    `enabled = true`. The global row's own `enabled = true` does not count
//!    here: the global row holds the mode and is the flag's master switch (its
//!    `false` still denies everything), and if it also counted as an explicit
//!    enablement, `fail_closed` could never deny anything.
//!
//! A denial is [`LedgerError::FlagDenied`] (`FLAG_DENIED`, HTTP 403) naming
//! the flag and the scope that denied it. Commands check their flags on their
//! own write transaction before writing anything, so a denied command writes
//! nothing. Each [`check`] is one query, whatever the number of flags.
//!
//! # Switches
//!
//! [`RECORD_COMPLETIONS_WHILE_FROZEN`] is not a gate but a global switch
//! (default on): whether the payout saga still records a provider's
//! completion of a payout submitted before a freeze ([`completions_recorded_while_frozen`]).
//! [`is_frozen`] says whether [`CORE_WALLET_ENABLED`] denies a scope.

use crate::error::{LedgerError, LedgerResult};
use crate::ledger::Wallet;
use crate::store::{Store, placeholders};
use crate::time::rfc3339;
use ledgerdeck_client::FeatureFlag;
use ledgerdeck_client::events::{FlagChange, LiveEvent};
use sqlx::{AnyConnection, Row};

/// Gates every money-moving command.
pub const CORE_WALLET_ENABLED: &str = "core_wallet_enabled";
/// Gates `post_payin`.
pub const PAYINS_ENABLED: &str = "payins_enabled";
/// Gates `reserve_payout` and the saga's payout submissions.
pub const PAYOUTS_ENABLED: &str = "payouts_enabled";
/// Global switch, default on: record payout completions while frozen.
pub const RECORD_COMPLETIONS_WHILE_FROZEN: &str = "record_completions_while_frozen";

/// The flags a pay-in checks.
pub const PAYIN_GATES: [&str; 2] = [CORE_WALLET_ENABLED, PAYINS_ENABLED];
/// The flags a payout reservation or submission checks.
pub const PAYOUT_GATES: [&str; 2] = [CORE_WALLET_ENABLED, PAYOUTS_ENABLED];
/// The flags every other money-moving command checks.
pub const MONEY_GATES: [&str; 1] = [CORE_WALLET_ENABLED];

/// Every flag name the ledger knows, gates first.
pub const KNOWN_FLAGS: [&str; 4] =
    [CORE_WALLET_ENABLED, PAYINS_ENABLED, PAYOUTS_ENABLED, RECORD_COMPLETIONS_WHILE_FROZEN];
/// Flags that may only be set at the global scope.
pub const GLOBAL_ONLY_FLAGS: [&str; 1] = [RECORD_COMPLETIONS_WHILE_FROZEN];
/// The scopes a flag row can have, from the broadest.
pub const SCOPES: [&str; 4] = ["global", "merchant", "currency", "provider"];
/// The modes of a flag (stored on its global row).
pub const MODES: [&str; 2] = ["fail_open", "fail_closed"];

/// What a command touches, for flag evaluation. The global scope always
/// applies; each `Some` adds that merchant's, currency's or provider's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlagScope<'a> {
    /// The merchant whose money moves.
    pub merchant: Option<&'a str>,
    /// The currency it moves in.
    pub currency: Option<&'a str>,
    /// The provider it moves through.
    pub provider: Option<&'a str>,
}

impl<'a> FlagScope<'a> {
    /// Only the global scope.
    pub fn global() -> Self {
        FlagScope::default()
    }

    /// A wallet's merchant and currency.
    pub fn wallet(wallet: &'a Wallet) -> Self {
        FlagScope { merchant: Some(&wallet.merchant_id), currency: Some(&wallet.currency.code), provider: None }
    }

    /// This scope through `provider`.
    pub fn with_provider(self, provider: &'a str) -> Self {
        FlagScope { provider: Some(provider), ..self }
    }
}

/// A flag's mode, read from its global row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagMode {
    /// Allowed unless some applicable row says `enabled = false`.
    FailOpen,
    /// Allowed only if an applicable merchant, currency or provider row says
    /// `enabled = true` (and none says false).
    FailClosed,
}

impl FlagMode {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagMode::FailOpen => "fail_open",
            FlagMode::FailClosed => "fail_closed",
        }
    }

    fn parse(stored: Option<&str>) -> LedgerResult<Self> {
        match stored {
            None | Some("fail_open") => Ok(FlagMode::FailOpen),
            Some("fail_closed") => Ok(FlagMode::FailClosed),
            Some(other) => Err(LedgerError::Internal(format!("unknown feature flag mode {other:?}"))),
        }
    }
}

/// One stored row, as evaluation needs it.
struct Rule {
    name: String,
    scope: String,
    scope_value: String,
    enabled: bool,
    mode: Option<String>,
}

impl Rule {
    fn rank(&self) -> usize {
        SCOPES.iter().position(|s| *s == self.scope).unwrap_or(SCOPES.len())
    }

    /// Whether this row speaks for `scope` (the global row always does).
    fn applies_to(&self, scope: &FlagScope<'_>) -> bool {
        let value = match self.scope.as_str() {
            "global" => return true,
            "merchant" => scope.merchant,
            "currency" => scope.currency,
            "provider" => scope.provider,
            _ => None,
        };
        value == Some(self.scope_value.as_str())
    }

    fn label(&self) -> String {
        if self.scope == "global" { "global".to_string() } else { format!("{}:{}", self.scope, self.scope_value) }
    }
}

/// Denies with [`LedgerError::FlagDenied`] if any of `flags` denies a
/// command over `scope` (see the module documentation); one query.
pub async fn check(conn: &mut AnyConnection, flags: &[&str], scope: &FlagScope<'_>) -> LedgerResult<()> {
    check_each(conn, flags, &[*scope]).await
}

/// [`check`] for every one of `scopes` (a transfer's two merchants), still
/// with one query: the first scope, in the order given, that some flag denies
/// gives the error.
pub async fn check_each(conn: &mut AnyConnection, flags: &[&str], scopes: &[FlagScope<'_>]) -> LedgerResult<()> {
    if flags.is_empty() || scopes.is_empty() {
        return Ok(());
    }
    let (n, k) = (flags.len(), scopes.len());
    let sql = format!(
        "SELECT name, scope, scope_value, CAST(CASE WHEN enabled THEN 1 ELSE 0 END AS BIGINT) AS enabled, mode \
         FROM feature_flags WHERE name IN ({}) AND (scope = 'global' \
         OR (scope = 'merchant' AND scope_value IN ({})) \
         OR (scope = 'currency' AND scope_value IN ({})) \
         OR (scope = 'provider' AND scope_value IN ({})))",
        placeholders(1, n),
        placeholders(n + 1, k),
        placeholders(n + k + 1, k),
        placeholders(n + 2 * k + 1, k),
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for flag in flags {
        query = query.bind(*flag);
    }
    for scope in scopes {
        query = query.bind(scope.merchant);
    }
    for scope in scopes {
        query = query.bind(scope.currency);
    }
    for scope in scopes {
        query = query.bind(scope.provider);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut rules = Vec::with_capacity(rows.len());
    for row in &rows {
        rules.push(Rule {
            name: row.try_get("name")?,
            scope: row.try_get("scope")?,
            scope_value: row.try_get("scope_value")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            mode: row.try_get("mode")?,
        });
    }
    for scope in scopes {
        for flag in flags {
            evaluate(flag, rules.iter().filter(|r| r.name == *flag && r.applies_to(scope)))?;
        }
    }
    Ok(())
}

/// Applies the rules of one flag to the rows that apply.
fn evaluate<'r>(flag: &str, rules: impl Iterator<Item = &'r Rule> + Clone) -> LedgerResult<()> {
    let global_mode = rules.clone().find(|r| r.scope == "global").and_then(|r| r.mode.as_deref());
    let mode = FlagMode::parse(global_mode)?;
    if let Some(denier) = rules.clone().filter(|r| !r.enabled).min_by_key(|r| r.rank()) {
        return Err(LedgerError::FlagDenied { flag: flag.to_string(), scope: denier.label() });
    }
    let explicitly_enabled = rules.clone().any(|r| r.enabled && r.scope != "global");
    if mode == FlagMode::FailClosed && !explicitly_enabled {
        return Err(LedgerError::FlagDenied {
            flag: flag.to_string(),
            scope: "fail_closed: not enabled for this merchant, currency or provider".to_string(),
        });
    }
    Ok(())
}

/// Whether [`CORE_WALLET_ENABLED`] denies money movement over `scope`.
pub async fn is_frozen(conn: &mut AnyConnection, scope: &FlagScope<'_>) -> LedgerResult<bool> {
    match check(conn, &[CORE_WALLET_ENABLED], scope).await {
        Ok(()) => Ok(false),
        Err(LedgerError::FlagDenied { .. }) => Ok(true),
        Err(e) => Err(e),
    }
}

/// Whether payout completions are recorded while frozen: true unless the
/// global row of [`RECORD_COMPLETIONS_WHILE_FROZEN`] says `enabled = false`.
pub async fn completions_recorded_while_frozen(conn: &mut AnyConnection) -> LedgerResult<bool> {
    let enabled: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(CASE WHEN enabled THEN 1 ELSE 0 END AS BIGINT) FROM feature_flags \
         WHERE name = $1 AND scope = 'global' AND scope_value = ''",
    )
    .bind(RECORD_COMPLETIONS_WHILE_FROZEN)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(enabled != Some(0))
}

/// A flag row to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSetting<'a> {
    /// One of [`KNOWN_FLAGS`].
    pub name: &'a str,
    /// One of [`SCOPES`].
    pub scope: &'a str,
    /// `""` for the global scope; the merchant id, currency code or provider.
    pub scope_value: &'a str,
    /// Whether the flag allows at this scope.
    pub enabled: bool,
    /// The mode (global rows only); `None` keeps the stored mode.
    pub mode: Option<FlagMode>,
}

/// Inserts or updates one flag row on the caller's transaction. The caller
/// has checked the setting; the table's constraints back the checks. A
/// `None` mode keeps a global row's stored mode (a new row gets none, which
/// reads as `fail_open`). The change is announced (`flag.changed`) on the
/// same transaction.
pub async fn set(conn: &mut AnyConnection, setting: &FlagSetting<'_>, by: &str, now: i64) -> LedgerResult<()> {
    sqlx::query(
        "INSERT INTO feature_flags (name, scope, scope_value, enabled, mode, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (name, scope, scope_value) DO UPDATE SET enabled = excluded.enabled, \
         mode = COALESCE(excluded.mode, feature_flags.mode), updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(setting.name)
    .bind(setting.scope)
    .bind(setting.scope_value)
    .bind(setting.enabled)
    .bind(setting.mode.map(FlagMode::as_str))
    .bind(now)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    let change = FlagChange {
        name: setting.name.to_string(),
        scope: setting.scope.to_string(),
        scope_value: setting.scope_value.to_string(),
    };
    crate::changes::record(conn, LiveEvent::FlagChanged(change), now).await
}

/// The columns of a flag row as [`flag_rows`] reads them, and its order: by
/// name, then scope from the broadest, then value.
macro_rules! flag_select {
    ($where:literal) => {
        concat!(
            "SELECT name, scope, scope_value, CAST(CASE WHEN enabled THEN 1 ELSE 0 END AS BIGINT) AS enabled, mode, \
             updated_at, updated_by FROM feature_flags ",
            $where,
            " ORDER BY name, \
             CASE scope WHEN 'global' THEN 0 WHEN 'merchant' THEN 1 WHEN 'currency' THEN 2 ELSE 3 END, scope_value"
        )
    };
}

/// Every stored flag row, by name, then scope from the broadest, then value.
pub async fn list(store: &Store) -> LedgerResult<Vec<FeatureFlag>> {
    flag_rows(&sqlx::query(flag_select!("")).fetch_all(store.pool()).await?)
}

/// The rows that apply to a merchant's commands, in [`list`]'s order: the
/// global rows, the merchant's own rows, and the currency rows of its
/// wallets' currencies.
pub async fn applying_to_merchant(conn: &mut AnyConnection, merchant_id: &str) -> LedgerResult<Vec<FeatureFlag>> {
    let rows = sqlx::query(flag_select!(
        "WHERE scope = 'global' OR (scope = 'merchant' AND scope_value = $1) \
         OR (scope = 'currency' AND scope_value IN (SELECT currency FROM wallets WHERE merchant_id = $1))"
    ))
    .bind(merchant_id)
    .fetch_all(&mut *conn)
    .await?;
    flag_rows(&rows)
}

fn flag_rows(rows: &[sqlx::any::AnyRow]) -> LedgerResult<Vec<FeatureFlag>> {
    let mut flags = Vec::with_capacity(rows.len());
    for row in rows {
        flags.push(FeatureFlag {
            name: row.try_get("name")?,
            scope: row.try_get("scope")?,
            scope_value: row.try_get("scope_value")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            mode: row.try_get("mode")?,
            updated_at: rfc3339(row.try_get("updated_at")?)?,
            updated_by: row.try_get("updated_by")?,
        });
    }
    Ok(flags)
}

/// Whether a provider's final word on a payout in `scope` may be recorded
/// now: always, unless the scope is frozen and the
/// `record_completions_while_frozen` switch is off.
pub async fn completion_recordable(conn: &mut AnyConnection, scope: &FlagScope<'_>) -> LedgerResult<bool> {
    Ok(completions_recorded_while_frozen(conn).await? || !is_frozen(conn, scope).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(scope: &str, value: &str, enabled: bool, mode: Option<&str>) -> Rule {
        Rule {
            name: "f".into(),
            scope: scope.into(),
            scope_value: value.into(),
            enabled,
            mode: mode.map(str::to_string),
        }
    }

    fn verdict(rules: &[Rule]) -> Result<(), String> {
        evaluate("f", rules.iter()).map_err(|e| match e {
            LedgerError::FlagDenied { scope, .. } => scope,
            other => panic!("unexpected {other}"),
        })
    }

    #[test]
    fn fail_open_allows_unless_some_scope_says_false() {
        assert_eq!(verdict(&[]), Ok(()));
        assert_eq!(verdict(&[rule("global", "", true, None), rule("merchant", "m", true, None)]), Ok(()));
        assert_eq!(verdict(&[rule("provider", "p", false, None)]), Err("provider:p".into()));
        // A true elsewhere does not outvote a false; the broadest denier is named.
        let rules =
            [rule("global", "", true, None), rule("currency", "USD", false, None), rule("merchant", "m", false, None)];
        assert_eq!(verdict(&rules), Err("merchant:m".into()));
        assert_eq!(verdict(&[rule("global", "", false, Some("fail_open"))]), Err("global".into()));
    }

    #[test]
    fn fail_closed_needs_an_explicit_scoped_true() {
        let closed = rule("global", "", true, Some("fail_closed"));
        assert!(verdict(std::slice::from_ref(&closed)).unwrap_err().starts_with("fail_closed"));
        let allowed = [rule("global", "", true, Some("fail_closed")), rule("currency", "USD", true, None)];
        assert_eq!(verdict(&allowed), Ok(()));
        let vetoed = [
            rule("global", "", true, Some("fail_closed")),
            rule("currency", "USD", true, None),
            rule("merchant", "m", false, None),
        ];
        assert_eq!(verdict(&vetoed), Err("merchant:m".into()));
        let frozen = [rule("global", "", false, Some("fail_closed")), rule("merchant", "m", true, None)];
        assert_eq!(verdict(&frozen), Err("global".into()));
    }
}
