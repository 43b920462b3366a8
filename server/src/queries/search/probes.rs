//! The probes of a search: one statement per searched column, each an
//! equality on an indexed column (`id` primary keys, migration 0007 for the
//! rest), newest first, at most `per_probe` rows.

use super::{Found, one_line};
use crate::error::LedgerResult;
use crate::queries::merchants::has_holds;
use crate::queries::{money_at, time_at, wallets};
use ledgerdeck_client::{HitKind, SearchHit};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

const HOLD: &str = "SELECT h.id, h.wallet_id, h.merchant_id, h.currency, h.amount, h.status, h.provider, h.created_at, \
     CAST(c.scale AS BIGINT) AS scale FROM holds h JOIN currencies c ON c.code = h.currency";
/// A hold through a provider event of it (the provider's reference for a
/// payout still in review lives only there).
const HOLD_BY_EVENT: &str = "SELECT DISTINCT h.id, h.wallet_id, h.merchant_id, h.currency, h.amount, h.status, h.provider, \
     h.created_at, CAST(c.scale AS BIGINT) AS scale FROM provider_events e JOIN holds h ON h.id = e.hold_id \
     JOIN currencies c ON c.code = h.currency";
const TRANSACTION: &str = "SELECT id, kind, reference, hold_id, booked_at FROM ledger_transactions";
const OUTBOX: &str = "SELECT id, event_type, subject_id, status, created_at FROM outbox_messages";
const FINDING: &str = "SELECT id, gate, subject, code, status, severity, opened_at FROM gate_findings";
const AUDIT: &str = "SELECT id, at, actor, action, outcome, error_code, subject_id FROM audit_log";

/// Turns one row of a probe into a hit; the `&str` is the field matched.
type Read = fn(&AnyRow, &str) -> LedgerResult<Found>;

/// The searched columns: the field reported as matched, the statement's
/// head, the column compared (of the head's table) and how a row reads.
const PROBES: [(&str, &str, &str, Read); 13] = [
    ("id", HOLD, "h.id", hold),
    ("reference", HOLD, "h.reference", hold),
    ("provider_reference", HOLD, "h.provider_reference", hold),
    ("provider_reference", HOLD_BY_EVENT, "e.provider_reference", hold),
    ("id", TRANSACTION, "id", transaction),
    ("reference", TRANSACTION, "reference", transaction),
    ("id", OUTBOX, "id", outbox_message),
    ("subject_id", OUTBOX, "subject_id", outbox_message),
    ("id", FINDING, "id", finding),
    ("subject_id", FINDING, "subject", finding),
    ("id", AUDIT, "id", audit_entry),
    ("idempotency_key", AUDIT, "idempotency_key", audit_entry),
    ("subject_id", AUDIT, "subject_id", audit_entry),
];

/// Every probe's hits for `q`, at most `per_probe` each, each probe's newest
/// first; then the wallet and the merchant `q` names, if any.
pub(super) async fn run(conn: &mut AnyConnection, q: &str, per_probe: i64) -> LedgerResult<Vec<Found>> {
    let mut found = Vec::new();
    for (matched, head, column, read) in PROBES {
        // `id` is each head's first column, and only its table has one.
        let sql = format!("{head} WHERE {column} = $1 ORDER BY id DESC LIMIT $2");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(q).bind(per_probe).fetch_all(&mut *conn).await?;
        for row in &rows {
            found.push(read(row, matched)?);
        }
    }
    found.extend(wallet(conn, q).await?);
    found.extend(merchant(conn, q).await?);
    Ok(found)
}

/// A bare hit; `summary` is made one inert line.
fn hit(kind: HitKind, id: String, matched: &str, summary: &str, at: Option<String>) -> SearchHit {
    SearchHit {
        kind,
        id,
        matched: matched.to_string(),
        summary: one_line(summary),
        merchant_id: None,
        wallet_id: None,
        hold_id: None,
        transaction_id: None,
        gate: None,
        at,
    }
}

fn text(row: &AnyRow, col: &str) -> LedgerResult<String> {
    Ok(row.try_get(col)?)
}

/// `hold 125.50 USD manual_review · m-acme · sandbox`, in its wallet and merchant.
fn hold(row: &AnyRow, matched: &str) -> LedgerResult<Found> {
    let (merchant, wallet) = (text(row, "merchant_id")?, text(row, "wallet_id")?);
    let summary = format!(
        "hold {} {} {} · {merchant} · {}",
        money_at(row, "amount")?,
        text(row, "currency")?,
        text(row, "status")?,
        text(row, "provider")?
    );
    let id = text(row, "id")?;
    let mut hit = hit(HitKind::Hold, id.clone(), matched, &summary, Some(time_at(row, "created_at")?));
    (hit.merchant_id, hit.wallet_id, hit.hold_id) = (Some(merchant), Some(wallet), Some(id));
    Ok(Found::new(hit))
}

/// `transaction payin`, completed with its amounts and reference when placed.
fn transaction(row: &AnyRow, matched: &str) -> LedgerResult<Found> {
    let id = text(row, "id")?;
    let summary = format!("transaction {}", text(row, "kind")?);
    let mut hit = hit(HitKind::Transaction, id.clone(), matched, &summary, Some(time_at(row, "booked_at")?));
    (hit.hold_id, hit.transaction_id) = (row.try_get("hold_id")?, Some(id));
    Ok(Found { reference: row.try_get("reference")?, ..Found::new(hit) })
}

/// `outbox payout.settled dispatched`, placed by its subject.
fn outbox_message(row: &AnyRow, matched: &str) -> LedgerResult<Found> {
    let summary = format!("outbox {} {}", text(row, "event_type")?, text(row, "status")?);
    let hit = hit(HitKind::OutboxMessage, text(row, "id")?, matched, &summary, Some(time_at(row, "created_at")?));
    Ok(Found { subject: Some(text(row, "subject_id")?), ..Found::new(hit) })
}

/// `finding holds_drift holds_reserved_mismatch red OPEN`, placed by its subject.
fn finding(row: &AnyRow, matched: &str) -> LedgerResult<Found> {
    let gate = text(row, "gate")?;
    let summary = format!("finding {gate} {} {} {}", text(row, "code")?, text(row, "severity")?, text(row, "status")?);
    let mut hit = hit(HitKind::Finding, text(row, "id")?, matched, &summary, Some(time_at(row, "opened_at")?));
    hit.gate = Some(gate);
    Ok(Found { subject: Some(text(row, "subject")?), ..Found::new(hit) })
}

/// `audit transfer refused INSUFFICIENT_FUNDS · ops-alice`, placed by its subject.
fn audit_entry(row: &AnyRow, matched: &str) -> LedgerResult<Found> {
    let code: Option<String> = row.try_get("error_code")?;
    let code = code.map(|c| format!(" {c}")).unwrap_or_default();
    let summary = format!("audit {} {}{code} · {}", text(row, "action")?, text(row, "outcome")?, text(row, "actor")?);
    let hit = hit(HitKind::AuditEntry, text(row, "id")?, matched, &summary, Some(time_at(row, "at")?));
    Ok(Found { subject: row.try_get("subject_id")?, ..Found::new(hit) })
}

/// The wallet with id `q`: `wallet USD 1000.00 available, 250.00 reserved · m-acme`.
async fn wallet(conn: &mut AnyConnection, q: &str) -> LedgerResult<Option<Found>> {
    let Some(wallet) = wallets::find_wallet(conn, q).await? else { return Ok(None) };
    let label = wallet.label.as_deref().map(|l| format!(" · {l}")).unwrap_or_default();
    let summary = format!(
        "wallet {} {} available, {} reserved · {}{label}",
        wallet.currency, wallet.available, wallet.reserved, wallet.merchant_id
    );
    let mut hit = hit(HitKind::Wallet, wallet.id.clone(), "id", &summary, Some(wallet.created_at));
    (hit.merchant_id, hit.wallet_id) = (Some(wallet.merchant_id), Some(wallet.id));
    Ok(Some(Found::new(hit)))
}

/// The merchant `q`, if a wallet or a hold carries it: `merchant m-acme · 3
/// wallets (USD EUR NGN)`, currencies in the order its wallets were made.
async fn merchant(conn: &mut AnyConnection, q: &str) -> LedgerResult<Option<Found>> {
    let rows = sqlx::query(
        "SELECT currency, CAST(COUNT(*) AS BIGINT) AS n, MIN(id) AS first FROM wallets WHERE merchant_id = $1 \
         GROUP BY currency ORDER BY first",
    )
    .bind(q)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() && !has_holds(conn, q).await? {
        return Ok(None);
    }
    let mut wallets = 0;
    let mut currencies = Vec::with_capacity(rows.len());
    for row in &rows {
        wallets += row.try_get::<i64, _>("n")?;
        currencies.push(text(row, "currency")?);
    }
    let summary = match wallets {
        0 => format!("merchant {q} · no wallets"),
        1 => format!("merchant {q} · 1 wallet ({})", currencies.join(" ")),
        n => format!("merchant {q} · {n} wallets ({})", currencies.join(" ")),
    };
    let mut hit = hit(HitKind::Merchant, q.to_string(), "merchant_id", &summary, None);
    hit.merchant_id = Some(q.to_string());
    Ok(Some(Found::new(hit)))
}
