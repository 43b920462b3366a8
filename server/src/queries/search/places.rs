//! Where the hits kept live: a transaction's amounts, wallet and merchant
//! from its postings; the hold, wallet, merchant or transaction an outbox
//! message, finding or audit entry is about, from its subject. Two batched
//! statements at most, whatever the number of hits.

use super::{Found, one_line};
use crate::error::LedgerResult;
use crate::queries::money;
use crate::store::placeholders;
use ledgerdeck_client::{HitKind, SearchHit};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::{BTreeSet, HashMap};

/// Completes the transactions' summaries and fills each hit's where-it-lives
/// fields that its own row did not give.
pub(super) async fn place(conn: &mut AnyConnection, hits: &mut [Found]) -> LedgerResult<()> {
    let transactions: Vec<String> =
        hits.iter().filter(|f| f.hit.kind == HitKind::Transaction).map(|f| f.hit.id.clone()).collect();
    let legs = legs(conn, &transactions).await?;
    for found in hits.iter_mut().filter(|f| f.hit.kind == HitKind::Transaction) {
        let legs = legs.get(&found.hit.id).map(Vec::as_slice).unwrap_or_default();
        complete_transaction(found, legs)?;
    }
    let subjects: BTreeSet<String> = hits.iter().filter_map(|f| f.subject.as_deref()).flat_map(candidates).collect();
    let places = subjects_places(conn, &subjects.into_iter().collect::<Vec<_>>()).await?;
    for found in hits.iter_mut() {
        let Some(subject) = found.subject.as_deref() else { continue };
        if let Some(place) = candidates(subject).iter().find_map(|c| places.get(c)) {
            fill(&mut found.hit, place);
        }
    }
    Ok(())
}

/// The ids a subject may be: itself, and for a finding's `<transaction>/<currency>` the transaction.
fn candidates(subject: &str) -> Vec<String> {
    let mut out = vec![subject.to_string()];
    if let Some((txn, _)) = subject.split_once('/') {
        out.push(txn.to_string());
    }
    out
}

/// One posting as placing a transaction needs it.
#[derive(Debug)]
struct Leg {
    currency: String,
    scale: i64,
    amount: i64,
    wallet_id: Option<String>,
    merchant_id: Option<String>,
}

async fn legs(conn: &mut AnyConnection, ids: &[String]) -> LedgerResult<HashMap<String, Vec<Leg>>> {
    let mut out: HashMap<String, Vec<Leg>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT p.transaction_id, p.currency, p.amount, CAST(c.scale AS BIGINT) AS scale, a.wallet_id, w.merchant_id \
         FROM postings p JOIN currencies c ON c.code = p.currency JOIN accounts a ON a.id = p.account_id \
         LEFT JOIN wallets w ON w.id = a.wallet_id WHERE p.transaction_id IN ({}) ORDER BY p.seq",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id);
    }
    for row in query.fetch_all(&mut *conn).await? {
        out.entry(row.try_get("transaction_id")?).or_default().push(Leg {
            currency: row.try_get("currency")?,
            scale: row.try_get("scale")?,
            amount: row.try_get("amount")?,
            wallet_id: row.try_get("wallet_id")?,
            merchant_id: row.try_get("merchant_id")?,
        });
    }
    Ok(out)
}

/// `transaction transfer 15.50 USD · TR-1`: what it moved per currency (the
/// sum of its credits), and its wallet and merchant when it touches one only.
fn complete_transaction(found: &mut Found, legs: &[Leg]) -> LedgerResult<()> {
    let mut moved: Vec<(&str, i64, i64)> = Vec::new();
    for leg in legs.iter().filter(|l| l.amount > 0) {
        match moved.iter_mut().find(|(c, _, _)| *c == leg.currency) {
            Some((_, total, _)) => *total = total.saturating_add(leg.amount),
            None => moved.push((&leg.currency, leg.amount, leg.scale)),
        }
    }
    let mut summary = found.hit.summary.clone();
    let amounts = moved
        .iter()
        .map(|(currency, total, scale)| Ok(format!("{} {currency}", money(*total, *scale)?)))
        .collect::<LedgerResult<Vec<_>>>()?;
    if !amounts.is_empty() {
        summary = format!("{summary} {}", amounts.join(" + "));
    }
    if let Some(reference) = &found.reference {
        summary = format!("{summary} · {reference}");
    }
    found.hit.summary = one_line(&summary);
    let only = |values: BTreeSet<&String>| (values.len() == 1).then(|| values.into_iter().next().cloned()).flatten();
    found.hit.wallet_id = only(legs.iter().filter_map(|l| l.wallet_id.as_ref()).collect());
    found.hit.merchant_id = only(legs.iter().filter_map(|l| l.merchant_id.as_ref()).collect());
    Ok(())
}

/// Where a subject lives.
#[derive(Debug, Default)]
struct Place {
    merchant_id: Option<String>,
    wallet_id: Option<String>,
    hold_id: Option<String>,
    transaction_id: Option<String>,
}

/// The place of each id that is a hold, a wallet, a wallet's account or a
/// transaction (with its hold's wallet and merchant).
async fn subjects_places(conn: &mut AnyConnection, ids: &[String]) -> LedgerResult<HashMap<String, Place>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = placeholders(1, ids.len());
    let none = "CAST(NULL AS TEXT)";
    let sql = format!(
        "SELECT h.id AS subject, h.id AS hold_id, h.wallet_id, h.merchant_id, {none} AS transaction_id \
         FROM holds h WHERE h.id IN ({list}) \
         UNION ALL SELECT w.id, {none}, w.id, w.merchant_id, {none} FROM wallets w WHERE w.id IN ({list}) \
         UNION ALL SELECT a.id, {none}, w.id, w.merchant_id, {none} FROM accounts a \
           JOIN wallets w ON w.id = a.wallet_id WHERE a.id IN ({list}) \
         UNION ALL SELECT t.id, t.hold_id, h.wallet_id, h.merchant_id, t.id FROM ledger_transactions t \
           LEFT JOIN holds h ON h.id = t.hold_id WHERE t.id IN ({list})"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id);
    }
    for row in query.fetch_all(&mut *conn).await? {
        let place = Place {
            merchant_id: row.try_get("merchant_id")?,
            wallet_id: row.try_get("wallet_id")?,
            hold_id: row.try_get("hold_id")?,
            transaction_id: row.try_get("transaction_id")?,
        };
        out.insert(row.try_get("subject")?, place);
    }
    Ok(out)
}

/// Sets the fields of `hit` that `place` knows and the hit does not.
fn fill(hit: &mut SearchHit, place: &Place) {
    for (field, value) in [
        (&mut hit.merchant_id, &place.merchant_id),
        (&mut hit.wallet_id, &place.wallet_id),
        (&mut hit.hold_id, &place.hold_id),
        (&mut hit.transaction_id, &place.transaction_id),
    ] {
        if field.is_none() {
            field.clone_from(value);
        }
    }
}
