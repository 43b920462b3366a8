//! An export's filter, checked per kind: a filter the kind does not take is
//! `VALIDATION_FAILED` naming it; values are checked as the list routes
//! check them; a time range wider than the limit is `EXPORT_RANGE_TOO_WIDE`.

use super::ExportConfig;
use crate::error::{LedgerError, LedgerResult};
use crate::queries::accounts::ACCOUNT_KINDS;
use crate::queries::audit::AUDIT_OUTCOMES;
use crate::queries::paging::Checks;
use crate::store::now_micros;
use crate::time::parse_rfc3339;
use ledgerdeck_client::gates::{FINDING_STATUSES, GATES};
use ledgerdeck_client::reads::HOLD_STATUSES;
use ledgerdeck_client::{ExportKind, ExportQuery};
use sqlx::{Any, Transaction};

const DAY_MICROS: i64 = 86_400_000_000;

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// At the beginning.
    Start,
    /// After this id (or, for newest-first lists, below it).
    Id(String),
    /// Below this posting seq (a statement, newest first).
    Seq(i64),
    /// After this (effective time, posting seq) (a statement as of a date).
    Effective(i64, i64),
}

impl Cursor {
    pub(crate) fn id(&self) -> Option<&str> {
        match self {
            Cursor::Id(id) => Some(id),
            _ => None,
        }
    }
}

/// What one export reads, its filter checked.
#[derive(Debug, Clone)]
pub(crate) enum Plan {
    Statement {
        wallet_id: String,
        /// The wallet currency's scale, read by [`Plan::prepare`].
        scale: i64,
        from: Option<i64>,
        to: Option<i64>,
        as_of: Option<i64>,
        /// Running balances (available, reserved) of an `as_of` statement.
        running: [i64; 2],
    },
    Transactions {
        kind: Option<String>,
        wallet_id: Option<String>,
        reference: Option<String>,
        from: Option<i64>,
        to: Option<i64>,
    },
    Holds {
        status: Option<String>,
        wallet_id: Option<String>,
        merchant_id: Option<String>,
        provider: Option<String>,
        currency: Option<String>,
        created_before: Option<i64>,
        reference: Option<String>,
        /// Ages are taken at the export's start.
        now: i64,
    },
    Findings {
        gate: Option<String>,
        status: Option<String>,
    },
    Audit {
        actor: Option<String>,
        action: Option<String>,
        outcome: Option<String>,
        reference: Option<String>,
        from: Option<i64>,
        to: Option<i64>,
    },
    Accounts {
        account_kind: Option<String>,
        currency: Option<String>,
        wallet_id: Option<String>,
        system: Option<bool>,
    },
}

impl Plan {
    /// The kind exported.
    pub(crate) fn kind(&self) -> ExportKind {
        match self {
            Plan::Statement { .. } => ExportKind::Statement,
            Plan::Transactions { .. } => ExportKind::Transactions,
            Plan::Holds { .. } => ExportKind::Holds,
            Plan::Findings { .. } => ExportKind::Findings,
            Plan::Audit { .. } => ExportKind::Audit,
            Plan::Accounts { .. } => ExportKind::Accounts,
        }
    }

    /// Reads what the export needs before its first page, on its snapshot:
    /// a statement's wallet (`NOT_FOUND` if there is none) and its scale.
    pub(crate) async fn prepare(&mut self, tx: &mut Transaction<'static, Any>) -> LedgerResult<()> {
        if let Plan::Statement { wallet_id, scale, .. } = self {
            *scale = sqlx::query_scalar(
                "SELECT CAST(c.scale AS BIGINT) FROM wallets w JOIN currencies c ON c.code = w.currency WHERE w.id = $1",
            )
            .bind(wallet_id.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| LedgerError::NotFound { what: "wallet", id: wallet_id.chars().take(64).collect() })?;
        }
        Ok(())
    }
}

/// Checks `query` for `kind`.
pub(crate) fn check(kind: ExportKind, query: &ExportQuery, config: &ExportConfig) -> LedgerResult<Plan> {
    let mut checks = Checks::new();
    for name in query.given() {
        if !kind.filters().contains(&name) {
            checks.fail(name, format!("is not a filter of the {kind} export; it takes {}", kind.filters().join(", ")));
        }
    }
    let now = now_micros();
    let (from, to) = checks.time_range(query.from.as_deref(), query.to.as_deref());
    let plan = match kind {
        ExportKind::Statement => {
            let as_of = query.as_of.as_deref().and_then(|t| {
                let parsed = parse_rfc3339(t.trim());
                if parsed.is_none() {
                    checks.fail("as_of", "must be an RFC 3339 time, e.g. 2026-01-31T23:59:59Z");
                }
                parsed
            });
            let wallet_id = checks.exact_text("wallet_id", query.wallet_id.as_deref());
            if query.wallet_id.is_none() {
                checks.fail("wallet_id", "is required: the statement of which wallet");
            }
            Plan::Statement { wallet_id: wallet_id.unwrap_or_default(), scale: 0, from, to, as_of, running: [0, 0] }
        }
        ExportKind::Transactions => Plan::Transactions {
            kind: checks.exact_text("kind", query.kind.as_deref()),
            wallet_id: checks.exact_text("wallet_id", query.wallet_id.as_deref()),
            reference: checks.exact_text("reference", query.reference.as_deref()),
            from,
            to,
        },
        ExportKind::Holds => {
            checks.one_of("status", query.status.as_deref(), &HOLD_STATUSES);
            let created_before = checks.age_before("older_than_seconds", query.older_than_seconds, now);
            Plan::Holds {
                status: query.status.clone(),
                wallet_id: checks.exact_text("wallet_id", query.wallet_id.as_deref()),
                merchant_id: checks.exact_text("merchant_id", query.merchant_id.as_deref()),
                provider: checks.exact_text("provider", query.provider.as_deref()),
                currency: checks.exact_text("currency", query.currency.as_deref()),
                created_before,
                reference: checks.exact_text("reference", query.reference.as_deref()),
                now,
            }
        }
        ExportKind::Findings => {
            checks.one_of("gate", query.gate.as_deref(), &GATES);
            checks.one_of("status", query.status.as_deref(), &FINDING_STATUSES);
            Plan::Findings { gate: query.gate.clone(), status: query.status.clone() }
        }
        ExportKind::Audit => {
            checks.one_of("outcome", query.outcome.as_deref(), &AUDIT_OUTCOMES);
            Plan::Audit {
                actor: checks.exact_text("actor", query.actor.as_deref()),
                action: checks.exact_text("action", query.action.as_deref()),
                outcome: query.outcome.clone(),
                reference: checks.exact_text("reference", query.reference.as_deref()),
                from,
                to,
            }
        }
        ExportKind::Accounts => {
            checks.one_of("account_kind", query.account_kind.as_deref(), &ACCOUNT_KINDS);
            Plan::Accounts {
                account_kind: query.account_kind.clone(),
                currency: checks.exact_text("currency", query.currency.as_deref()),
                wallet_id: checks.exact_text("wallet_id", query.wallet_id.as_deref()),
                system: query.system,
            }
        }
    };
    checks.finish()?;
    check_range(from, to, now, config.max_days)?;
    Ok(plan)
}

/// A range must span at most `max_days`: an open `to` is now; an open
/// `from` with a `to` is unbounded, so too wide. No range at all is the
/// whole history (bounded by the row limit instead).
fn check_range(from: Option<i64>, to: Option<i64>, now: i64, max_days: i64) -> LedgerResult<()> {
    if from.is_none() && to.is_none() {
        return Ok(());
    }
    let span = match from {
        None => i64::MAX,
        Some(from) => to.unwrap_or(now).saturating_sub(from),
    };
    if span > max_days.saturating_mul(DAY_MICROS) {
        return Err(LedgerError::ExportRangeTooWide { max_days });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ExportConfig {
        ExportConfig { max_days: 31, ..ExportConfig::default() }
    }

    #[test]
    fn a_filter_the_kind_does_not_take_is_named() {
        let query = ExportQuery { gate: Some("wallet_drift".into()), ..Default::default() };
        let err = check(ExportKind::Holds, &query, &config()).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "gate", "{err}");
        let err = check(ExportKind::Statement, &ExportQuery::default(), &config()).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "wallet_id", "{err}");
        let query = ExportQuery { account_kind: Some("nope".into()), ..Default::default() };
        assert_eq!(check(ExportKind::Accounts, &query, &config()).unwrap_err().field_errors()[0].field, "account_kind");
    }

    #[test]
    fn ranges_are_bounded_by_the_limit() {
        let day = |d: i64| 1_767_225_600_000_000 + d * DAY_MICROS;
        assert!(check_range(None, None, day(400), 31).is_ok());
        assert!(check_range(Some(day(0)), Some(day(31)), day(400), 31).is_ok());
        for (from, to) in [(Some(day(0)), Some(day(32))), (None, Some(day(1))), (Some(day(0)), None)] {
            let err = check_range(from, to, day(400), 31).unwrap_err();
            assert_eq!(err.code(), ledgerdeck_client::ErrorCode::ExportRangeTooWide, "{from:?} {to:?}");
        }
    }
}
