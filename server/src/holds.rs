//! Payout holds as ledger primitives: reserve moves money from available to
//! reserved; settle moves it on to the provider's payout clearing account;
//! release moves it back. Each hold ends exactly once, and its row and its
//! postings change on one database transaction.

use crate::error::{LedgerError, LedgerResult};
use crate::ledger::accounts::{SystemAccount, WalletAccount};
use crate::ledger::{Leg, NewTransaction, Wallet, post_transaction};
use ledgerdeck_client::events::{HoldChange, LiveEvent};
use sqlx::{AnyConnection, Row};

/// Statuses in which a hold still holds money.
pub const OPEN_STATUSES: [&str; 3] = ["reserved", "submitted", "manual_review"];
/// Statuses the saga works on (an operator owns `manual_review`).
pub const SAGA_STATUSES: [&str; 2] = ["reserved", "submitted"];
/// The status from which only an operator may end a hold.
pub const REVIEW_STATUSES: [&str; 1] = ["manual_review"];

/// Who moves a hold and why: the actor its history records, and the cause
/// its `hold.changed` event names (the command, `saga` or `provider_event`).
#[derive(Debug, Clone, Copy)]
pub struct MovedBy<'a> {
    /// The operator's name, `saga:<worker>` or `provider:<name>`.
    pub actor: &'a str,
    /// What moved it.
    pub cause: &'a str,
}

/// How a hold ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldEnd {
    /// The provider paid: reserved → provider payout clearing.
    Settle,
    /// The provider failed: reserved → available.
    Release,
}

impl HoldEnd {
    /// The final status this end gives a hold.
    pub fn status(self) -> &'static str {
        match self {
            HoldEnd::Settle => "settled",
            HoldEnd::Release => "released",
        }
    }
}

/// A newly reserved hold.
#[derive(Debug, Clone)]
pub struct Reserved {
    /// The hold's id.
    pub hold_id: String,
    /// The reservation's ledger transaction.
    pub transaction_id: String,
}

/// What a hold is, as far as the ledger needs to know.
#[derive(Debug, Clone)]
pub struct HoldRecord {
    /// The hold's id.
    pub id: String,
    /// Its wallet.
    pub wallet_id: String,
    /// Minor units held.
    pub amount: i64,
    /// Its currency.
    pub currency: String,
    /// Its current status.
    pub status: String,
    /// The payout's business reference.
    pub reference: String,
    /// The payout provider.
    pub provider: String,
    /// The merchant (for flag scopes).
    pub merchant_id: String,
}

/// Reserves `amount` of `wallet` for a payout through `provider`.
pub async fn reserve(
    conn: &mut AnyConnection,
    wallet: &Wallet,
    amount: i64,
    provider: &str,
    reference: &str,
    by: MovedBy<'_>,
    now: i64,
) -> LedgerResult<Reserved> {
    let hold_id = uuid::Uuid::now_v7().to_string();
    let currency = wallet.currency.code.clone();
    let transaction_id = post_transaction(
        conn,
        NewTransaction {
            kind: "payout_reserve",
            reference: Some(reference.to_string()),
            description: format!("Payout {reference} reserved via {provider}"),
            hold_id: Some(hold_id.clone()),
            effective_at: now,
            reverses_id: None,
            legs: vec![
                Leg {
                    account_id: wallet.account_id(WalletAccount::Available),
                    currency: currency.clone(),
                    amount: -amount,
                },
                Leg { account_id: wallet.account_id(WalletAccount::Reserved), currency: currency.clone(), amount },
            ],
        },
        now,
    )
    .await?;
    sqlx::query(
        "INSERT INTO holds (id, wallet_id, merchant_id, currency, amount, provider, reference, status, \
         reserve_txn_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'reserved', $8, $9, $9)",
    )
    .bind(&hold_id)
    .bind(&wallet.id)
    .bind(&wallet.merchant_id)
    .bind(&currency)
    .bind(amount)
    .bind(provider)
    .bind(reference)
    .bind(&transaction_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    record_history(conn, &hold_id, None, "reserved", by, None, now).await?;
    Ok(Reserved { hold_id, transaction_id })
}

/// Loads a hold, or `NOT_FOUND`.
pub async fn load_hold(conn: &mut AnyConnection, hold_id: &str) -> LedgerResult<HoldRecord> {
    let row = sqlx::query(
        "SELECT id, wallet_id, amount, currency, status, reference, provider, merchant_id FROM holds WHERE id = $1",
    )
    .bind(hold_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| LedgerError::NotFound { what: "hold", id: hold_id.to_string() })?;
    Ok(HoldRecord {
        id: row.try_get("id")?,
        wallet_id: row.try_get("wallet_id")?,
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        status: row.try_get("status")?,
        reference: row.try_get("reference")?,
        provider: row.try_get("provider")?,
        merchant_id: row.try_get("merchant_id")?,
    })
}

/// Checks that `hold` may leave its status now: it must be open, and in one
/// of `from`.
fn check_may_leave(hold: &HoldRecord, from: &[&str]) -> LedgerResult<()> {
    if !OPEN_STATUSES.contains(&hold.status.as_str()) {
        return Err(LedgerError::HoldNotOpen { hold_id: hold.id.clone(), status: hold.status.clone() });
    }
    if !from.contains(&hold.status.as_str()) {
        return Err(LedgerError::HoldWrongStatus {
            hold_id: hold.id.clone(),
            status: hold.status.clone(),
            expected: from.join(" or "),
        });
    }
    Ok(())
}

/// Moves `hold` from the status just read (which must be one of `from`) to
/// `to`, with a conditional update: of two racing moves exactly one wins,
/// and the other (on PostgreSQL after waiting for the winner's row lock)
/// gets `HOLD_NOT_OPEN`.
async fn move_status(
    conn: &mut AnyConnection,
    hold: &HoldRecord,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
    provider_reference: Option<&str>,
    now: i64,
) -> LedgerResult<()> {
    check_may_leave(hold, from)?;
    let changed = sqlx::query(
        "UPDATE holds SET status = $1, reason = COALESCE($2, reason), \
         provider_reference = COALESCE($3, provider_reference), updated_at = $4 WHERE id = $5 AND status = $6",
    )
    .bind(to)
    .bind(reason)
    .bind(provider_reference)
    .bind(now)
    .bind(&hold.id)
    .bind(&hold.status)
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() != 1 {
        let status = load_hold(conn, &hold.id).await?.status;
        return Err(LedgerError::HoldNotOpen { hold_id: hold.id.clone(), status });
    }
    Ok(())
}

/// Moves a hold between open statuses without moving money (reserved →
/// submitted, → manual_review), from one of `from`, recording why.
pub async fn change_status(
    conn: &mut AnyConnection,
    hold_id: &str,
    from: &[&str],
    to: &str,
    by: MovedBy<'_>,
    detail: &str,
    now: i64,
) -> LedgerResult<HoldRecord> {
    let hold = load_hold(conn, hold_id).await?;
    move_status(conn, &hold, from, to, None, None, now).await?;
    record_history(conn, hold_id, Some(&hold.status), to, by, Some(detail), now).await?;
    Ok(HoldRecord { status: to.to_string(), ..hold })
}

/// Settles or releases an open hold whose status is one of `from` and
/// returns the ledger transaction; exactly one of racing ends wins.
#[allow(clippy::too_many_arguments)]
pub async fn finish(
    conn: &mut AnyConnection,
    hold_id: &str,
    end: HoldEnd,
    from: &[&str],
    by: MovedBy<'_>,
    reason: &str,
    provider_reference: Option<&str>,
    now: i64,
) -> LedgerResult<(HoldRecord, String)> {
    let hold = load_hold(conn, hold_id).await?;
    move_status(conn, &hold, from, end.status(), Some(reason), provider_reference, now).await?;

    let reserved = format!("{}:reserved", hold.wallet_id);
    let destination = match end {
        HoldEnd::Settle => SystemAccount::PayoutClearing.id(&hold.currency),
        HoldEnd::Release => format!("{}:available", hold.wallet_id),
    };
    let verb = end.status();
    let transaction_id = post_transaction(
        conn,
        NewTransaction {
            kind: if end == HoldEnd::Settle { "payout_settle" } else { "payout_release" },
            reference: Some(hold.reference.clone()),
            description: format!("Payout {} {verb}: {reason}", hold.reference),
            hold_id: Some(hold.id.clone()),
            effective_at: now,
            reverses_id: None,
            legs: vec![
                Leg { account_id: reserved, currency: hold.currency.clone(), amount: -hold.amount },
                Leg { account_id: destination, currency: hold.currency.clone(), amount: hold.amount },
            ],
        },
        now,
    )
    .await?;
    sqlx::query("UPDATE holds SET final_txn_id = $1 WHERE id = $2")
        .bind(&transaction_id)
        .bind(hold_id)
        .execute(&mut *conn)
        .await?;
    record_history(conn, hold_id, Some(&hold.status), verb, by, Some(reason), now).await?;
    Ok((HoldRecord { status: verb.to_string(), ..hold }, transaction_id))
}

/// Records a provider submission, query or event and its raw status in the
/// hold's history.
pub async fn record_provider_call(
    conn: &mut AnyConnection,
    hold_id: &str,
    kind: &str,
    status: &str,
    actor: &str,
    raw_status: &str,
    now: i64,
) -> LedgerResult<()> {
    let entry =
        HistoryEntry { kind, from: Some(status), to: status, actor, detail: None, provider_status: Some(raw_status) };
    insert_history(conn, hold_id, &entry, now).await
}

/// Appends a state change to a hold's history and announces it
/// (`hold.changed`) in the change log, on the same transaction: every
/// status change of a hold passes here.
async fn record_history(
    conn: &mut AnyConnection,
    hold_id: &str,
    from: Option<&str>,
    to: &str,
    by: MovedBy<'_>,
    detail: Option<&str>,
    now: i64,
) -> LedgerResult<()> {
    let entry = HistoryEntry { kind: "state_change", from, to, actor: by.actor, detail, provider_status: None };
    insert_history(conn, hold_id, &entry, now).await?;
    let change = HoldChange { hold_id: hold_id.to_string(), status: to.to_string(), command: by.cause.to_string() };
    crate::changes::record(conn, LiveEvent::HoldChanged(change), now).await
}

/// One row of a hold's history.
struct HistoryEntry<'a> {
    kind: &'a str,
    from: Option<&'a str>,
    to: &'a str,
    actor: &'a str,
    detail: Option<&'a str>,
    provider_status: Option<&'a str>,
}

async fn insert_history(
    conn: &mut AnyConnection,
    hold_id: &str,
    entry: &HistoryEntry<'_>,
    now: i64,
) -> LedgerResult<()> {
    sqlx::query(
        "INSERT INTO hold_history (hold_id, kind, from_status, to_status, actor, detail, provider_status, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hold_id)
    .bind(entry.kind)
    .bind(entry.from)
    .bind(entry.to)
    .bind(entry.actor)
    .bind(entry.detail)
    .bind(entry.provider_status)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Raises the alarm for a hold entering manual review: an `alert.manual_review`
/// outbox message in Slack's incoming-webhook shape, for the alert sink.
pub async fn alert_manual_review(conn: &mut AnyConnection, hold: &HoldRecord, why: &str, now: i64) -> LedgerResult<()> {
    let currency = crate::ledger::accounts::load_currency(conn, &hold.currency).await?;
    let text = format!(
        "Payout {} ({} {}, via {}) needs manual review: {why}",
        hold.reference,
        currency.to_decimal(hold.amount),
        hold.currency,
        hold.provider
    );
    let payload = serde_json::json!({
        "text": text,
        "hold_id": hold.id,
        "reference": hold.reference,
        "provider": hold.provider,
    });
    crate::outbox::enqueue(conn, "alert.manual_review", &hold.id, &payload, now).await?;
    Ok(())
}

/// Ends a hold on the provider's word (saga or provider event) and writes
/// its `payout.settled` / `payout.released` outbox event on the same
/// transaction.
#[allow(clippy::too_many_arguments)]
pub async fn finish_on_provider_word(
    conn: &mut AnyConnection,
    hold_id: &str,
    end: HoldEnd,
    from: &[&str],
    by: MovedBy<'_>,
    reason: &str,
    provider_reference: Option<&str>,
    now: i64,
) -> LedgerResult<HoldRecord> {
    let (record, transaction_id) = finish(conn, hold_id, end, from, by, reason, provider_reference, now).await?;
    let event = if end == HoldEnd::Settle { "payout.settled" } else { "payout.released" };
    let payload = serde_json::json!({"type": event, "actor": by.actor, "data": {
        "hold_id": record.id, "reference": record.reference, "status": end.status(),
        "transaction_id": transaction_id, "provider_reference": provider_reference,
    }});
    crate::outbox::enqueue(conn, event, hold_id, &payload, now).await?;
    Ok(record)
}
