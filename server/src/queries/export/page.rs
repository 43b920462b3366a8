//! One page of an export: the kind's keyset query on the export's snapshot,
//! rendered, and the cursor of the next page; and the bounded count that
//! decides whether an export is too large.

use super::cells::render;
use super::plan::{Cursor, Plan};
use super::statement;
use crate::error::LedgerResult;
use crate::queries::accounts::{self, AccountFilter};
use crate::queries::audit::{self, AuditFilter};
use crate::queries::gates::{FindingFilter, count_findings, fetch_findings};
use crate::queries::holds::{self, HoldFilter};
use crate::queries::transactions::{self, Filter as TxnFilter};
use ledgerdeck_client::ExportFormat;
use sqlx::{Any, Transaction};

/// How many records `plan` selects, counting at most `limit`.
pub(crate) async fn count(tx: &mut Transaction<'static, Any>, plan: &Plan, limit: i64) -> LedgerResult<i64> {
    let conn = &mut **tx;
    match plan {
        Plan::Statement { .. } => statement::count(conn, plan, limit).await,
        Plan::Transactions { .. } => transactions::count_postings(conn, &txn_filter(plan, &Cursor::Start), limit).await,
        Plan::Holds { .. } => holds::count(conn, &hold_filter(plan, &Cursor::Start), limit).await,
        Plan::Findings { .. } => count_findings(conn, &finding_filter(plan, &Cursor::Start), limit).await,
        Plan::Audit { .. } => audit::count(conn, &audit_filter(plan, &Cursor::Start), limit).await,
        Plan::Accounts { .. } => accounts::count(conn, &account_filter(plan, &Cursor::Start), limit).await,
    }
}

/// The page of `plan` from `cursor`, rendered (with the CSV header when
/// `first`), and the next page's cursor (`None` after the last).
pub(crate) async fn next(
    tx: &mut Transaction<'static, Any>,
    plan: &mut Plan,
    cursor: &Cursor,
    rows: i64,
    format: ExportFormat,
    first: bool,
) -> LedgerResult<(Vec<u8>, Option<Cursor>)> {
    let conn = &mut **tx;
    let more = |n: usize| n as i64 >= rows;
    match plan {
        Plan::Statement { .. } => {
            let (lines, next) = statement::page(conn, plan, cursor, rows).await?;
            Ok((render(&lines, format, first)?, next))
        }
        Plan::Transactions { .. } => {
            let items = transactions::fetch_page(conn, &txn_filter(plan, cursor), rows).await?;
            let next = items.last().filter(|_| more(items.len())).map(|t| Cursor::Id(t.id.clone()));
            Ok((render(&items, format, first)?, next))
        }
        Plan::Holds { now, .. } => {
            let now = *now;
            let items = holds::fetch(conn, &hold_filter(plan, cursor), now, rows).await?;
            let next = items.last().filter(|_| more(items.len())).map(|h| Cursor::Id(h.id.clone()));
            Ok((render(&items, format, first)?, next))
        }
        Plan::Findings { .. } => {
            let items = fetch_findings(conn, &finding_filter(plan, cursor), rows).await?;
            let next = items.last().filter(|_| more(items.len())).map(|f| Cursor::Id(f.id.clone()));
            Ok((render(&items, format, first)?, next))
        }
        Plan::Audit { .. } => {
            let items = audit::fetch(conn, &audit_filter(plan, cursor), rows).await?;
            let next = items.last().filter(|_| more(items.len())).map(|e| Cursor::Id(e.id.clone()));
            Ok((render(&items, format, first)?, next))
        }
        Plan::Accounts { .. } => {
            let items = accounts::fetch(conn, &account_filter(plan, cursor), rows).await?;
            let next = items.last().filter(|_| more(items.len())).map(|a| Cursor::Id(a.id.clone()));
            Ok((render(&items, format, first)?, next))
        }
    }
}

fn txn_filter<'a>(plan: &'a Plan, cursor: &'a Cursor) -> TxnFilter<'a> {
    match plan {
        Plan::Transactions { kind, wallet_id, reference, from, to } => TxnFilter {
            before: cursor.id(),
            kind: kind.as_deref(),
            wallet_id: wallet_id.as_deref(),
            reference: reference.as_deref(),
            from: *from,
            to: *to,
        },
        _ => unreachable!("a transactions plan"),
    }
}

fn hold_filter<'a>(plan: &'a Plan, cursor: &'a Cursor) -> HoldFilter<'a> {
    match plan {
        Plan::Holds { status, wallet_id, merchant_id, provider, currency, created_before, reference, .. } => {
            HoldFilter {
                after: cursor.id(),
                status: status.as_deref(),
                wallet_id: wallet_id.as_deref(),
                merchant_id: merchant_id.as_deref(),
                provider: provider.as_deref(),
                currency: currency.as_deref(),
                created_before: *created_before,
                reference: reference.as_deref(),
            }
        }
        _ => unreachable!("a holds plan"),
    }
}

fn finding_filter<'a>(plan: &'a Plan, cursor: &'a Cursor) -> FindingFilter<'a> {
    match plan {
        Plan::Findings { gate, status } => {
            FindingFilter { gate: gate.as_deref(), status: status.as_deref(), before: cursor.id() }
        }
        _ => unreachable!("a findings plan"),
    }
}

fn audit_filter<'a>(plan: &'a Plan, cursor: &'a Cursor) -> AuditFilter<'a> {
    match plan {
        Plan::Audit { actor, action, outcome, reference, from, to } => AuditFilter {
            before: cursor.id(),
            actor: actor.as_deref(),
            action: action.as_deref(),
            outcome: outcome.as_deref(),
            reference: reference.as_deref(),
            from: *from,
            to: *to,
        },
        _ => unreachable!("an audit plan"),
    }
}

fn account_filter<'a>(plan: &'a Plan, cursor: &'a Cursor) -> AccountFilter<'a> {
    match plan {
        Plan::Accounts { account_kind, currency, wallet_id, system } => AccountFilter {
            after: cursor.id(),
            kind: account_kind.as_deref(),
            currency: currency.as_deref(),
            wallet_id: wallet_id.as_deref(),
            system: *system,
        },
        _ => unreachable!("an accounts plan"),
    }
}
