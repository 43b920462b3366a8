//! Writing one balanced transaction: its row, its postings, the stored
//! balances (guarded) and the statement lines, all on the caller's
//! database transaction.

use crate::error::{LedgerError, LedgerResult};
use crate::money::MAX_BALANCE_MINOR;
use crate::store::placeholders;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// One leg: `amount` minor units credited to (positive) or debited from
/// (negative) an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    /// The account.
    pub account_id: String,
    /// Its currency (checked against the account).
    pub currency: String,
    /// Signed minor units; never zero.
    pub amount: i64,
}

/// A transaction to be written.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    /// What kind of business event it records (`payin`, `transfer`, …).
    pub kind: &'static str,
    /// The business reference, if any.
    pub reference: Option<String>,
    /// A line for statements.
    pub description: String,
    /// The hold it belongs to, if any.
    pub hold_id: Option<String>,
    /// When it takes economic effect (may be back-dated); booked time is now.
    pub effective_at: i64,
    /// The transaction it reverses, if it is a reversal.
    pub reverses_id: Option<String>,
    /// Its legs; distinct accounts, balanced per currency.
    pub legs: Vec<Leg>,
}

/// Checks that legs are non-zero, touch each account once and sum to zero in
/// every currency. An unbalanced transaction is a bug, never written.
pub fn check_balanced(legs: &[Leg]) -> LedgerResult<()> {
    if legs.len() < 2 {
        return Err(LedgerError::Internal("a transaction needs at least two legs".into()));
    }
    let mut sums: BTreeMap<&str, i128> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for leg in legs {
        if leg.amount == 0 {
            return Err(LedgerError::Internal(format!("zero leg on {}", leg.account_id)));
        }
        if !seen.insert(leg.account_id.as_str()) {
            return Err(LedgerError::Internal(format!("account {} appears twice", leg.account_id)));
        }
        *sums.entry(leg.currency.as_str()).or_default() += i128::from(leg.amount);
    }
    match sums.iter().find(|(_, sum)| **sum != 0) {
        Some((currency, sum)) => {
            Err(LedgerError::Internal(format!("unbalanced transaction: {currency} sums to {sum}")))
        }
        None => Ok(()),
    }
}

/// Writes `txn` and returns its id.
///
/// Balances are updated in ascending account-id order, so that on PostgreSQL
/// concurrent transactions lock accounts in one order and cannot deadlock.
/// Each update carries its own guard (`allow_negative OR balance + amount >=
/// 0`), evaluated under the row lock, so no interleaving can overdraw a wallet.
pub async fn post_transaction(conn: &mut AnyConnection, txn: NewTransaction, now: i64) -> LedgerResult<String> {
    check_balanced(&txn.legs)?;
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO ledger_transactions \
         (id, kind, reference, description, hold_id, booked_at, effective_at, reverses_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(txn.kind)
    .bind(&txn.reference)
    .bind(&txn.description)
    .bind(&txn.hold_id)
    .bind(now)
    .bind(txn.effective_at)
    .bind(&txn.reverses_id)
    .execute(&mut *conn)
    .await?;

    let mut legs = txn.legs;
    legs.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut wallet_legs = Vec::new();
    for leg in &legs {
        let updated = sqlx::query(
            "UPDATE accounts SET balance = balance + $1 \
             WHERE id = $2 AND currency = $3 \
               AND (allow_negative OR balance + $1 >= 0) \
               AND balance + $1 BETWEEN $4 AND $5 \
             RETURNING balance, wallet_id",
        )
        .bind(leg.amount)
        .bind(&leg.account_id)
        .bind(&leg.currency)
        .bind(-MAX_BALANCE_MINOR)
        .bind(MAX_BALANCE_MINOR)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(updated) = updated else {
            return Err(explain_refused_update(conn, leg).await);
        };
        if let Some(wallet_id) = updated.try_get::<Option<String>, _>("wallet_id")? {
            wallet_legs.push(WalletLeg { leg, wallet_id, balance_after: updated.try_get("balance")? });
        }
    }
    let seqs = insert_postings(conn, &id, &legs).await?;
    insert_statement_lines(conn, &id, &txn.description, now, txn.effective_at, &wallet_legs, &seqs).await?;
    Ok(id)
}

/// A leg on a wallet's account, with the balance its update left.
struct WalletLeg<'a> {
    leg: &'a Leg,
    wallet_id: String,
    balance_after: i64,
}

/// One `VALUES` row of `width` placeholders starting at `$first`.
fn row(first: usize, width: usize) -> String {
    format!("({})", placeholders(first, width))
}

/// Inserts every leg's posting with one statement; returns each account's
/// posting sequence number. Runs after the legs' balance updates, so an
/// account's postings are numbered in the order its row lock was taken.
async fn insert_postings(conn: &mut AnyConnection, id: &str, legs: &[Leg]) -> LedgerResult<BTreeMap<String, i64>> {
    let rows: Vec<String> = (0..legs.len()).map(|i| row(i * 4 + 1, 4)).collect();
    let sql = format!(
        "INSERT INTO postings (transaction_id, account_id, currency, amount) VALUES {} RETURNING seq, account_id",
        rows.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for leg in legs {
        query = query.bind(id).bind(&leg.account_id).bind(&leg.currency).bind(leg.amount);
    }
    let mut seqs = BTreeMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        seqs.insert(row.try_get("account_id")?, row.try_get("seq")?);
    }
    Ok(seqs)
}

/// Writes the statement lines of the wallet legs with one statement.
async fn insert_statement_lines(
    conn: &mut AnyConnection,
    id: &str,
    description: &str,
    now: i64,
    effective_at: i64,
    wallet_legs: &[WalletLeg<'_>],
    seqs: &BTreeMap<String, i64>,
) -> LedgerResult<()> {
    if wallet_legs.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..wallet_legs.len()).map(|i| row(i * 9 + 1, 9)).collect();
    let sql = format!(
        "INSERT INTO statement_lines \
         (posting_seq, wallet_id, account_id, transaction_id, amount, balance_after, description, booked_at, effective_at) \
         VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for w in wallet_legs {
        let seq = *seqs
            .get(&w.leg.account_id)
            .ok_or_else(|| LedgerError::Internal(format!("no posting returned for account {}", w.leg.account_id)))?;
        query = query
            .bind(seq)
            .bind(&w.wallet_id)
            .bind(&w.leg.account_id)
            .bind(id)
            .bind(w.leg.amount)
            .bind(w.balance_after)
            .bind(description)
            .bind(now)
            .bind(effective_at);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// Says why a guarded balance update touched no row.
///
/// The answer rests only on what never changes about the account (its
/// currency and whether it may go negative) and the leg's sign, never on a
/// second read of the balance: on PostgreSQL that read takes a newer snapshot
/// than the refused update did, and a credit committed in between would turn
/// an overdraft into a "limit exceeded".
async fn explain_refused_update(conn: &mut AnyConnection, leg: &Leg) -> LedgerError {
    let row = sqlx::query(
        "SELECT currency, CAST(CASE WHEN allow_negative THEN 1 ELSE 0 END AS BIGINT) AS allow_negative \
         FROM accounts WHERE id = $1",
    )
    .bind(&leg.account_id)
    .fetch_optional(&mut *conn)
    .await;
    let row = match row {
        Ok(Some(row)) => row,
        Ok(None) => return LedgerError::NotFound { what: "account", id: leg.account_id.clone() },
        Err(e) => return e.into(),
    };
    let currency: String = row.try_get("currency").unwrap_or_default();
    let allow_negative = row.try_get::<i64, _>("allow_negative").unwrap_or_default() != 0;
    refusal_reason(leg, &currency, allow_negative)
}

/// Why a leg on an account in `currency` was refused by the guarded update.
///
/// A debit on an account that may not go negative can only fail its guard
/// for lack of funds (a non-negative balance minus a legal amount never falls
/// below the limit); every other refusal is the balance limit.
fn refusal_reason(leg: &Leg, currency: &str, allow_negative: bool) -> LedgerError {
    if currency != leg.currency {
        LedgerError::CurrencyMismatch(format!("account {} is in {currency}, not {}", leg.account_id, leg.currency))
    } else if leg.amount < 0 && !allow_negative {
        LedgerError::InsufficientFunds { account: leg.account_id.clone() }
    } else {
        LedgerError::BalanceLimitExceeded { account: leg.account_id.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(account: &str, currency: &str, amount: i64) -> Leg {
        Leg { account_id: account.into(), currency: currency.into(), amount }
    }

    #[test]
    fn balanced_legs_pass() {
        assert!(check_balanced(&[leg("a", "USD", 5), leg("b", "USD", -5)]).is_ok());
        assert!(
            check_balanced(&[leg("a", "USD", 5), leg("b", "USD", -5), leg("c", "EUR", 1), leg("d", "EUR", -1)]).is_ok()
        );
    }

    #[test]
    fn unbalanced_zero_single_and_repeated_legs_are_refused() {
        assert!(check_balanced(&[leg("a", "USD", 5), leg("b", "USD", -4)]).is_err());
        assert!(check_balanced(&[leg("a", "USD", 5), leg("b", "EUR", -5)]).is_err());
        assert!(check_balanced(&[leg("a", "USD", 0), leg("b", "USD", 0)]).is_err());
        assert!(check_balanced(&[leg("a", "USD", 5)]).is_err());
        assert!(check_balanced(&[leg("a", "USD", 5), leg("a", "USD", -5)]).is_err());
    }

    /// A refused debit on a wallet account is always a lack of funds, even
    /// when the balance read afterwards would have covered it (a credit
    /// committed in between): the reason must not depend on that later read.
    #[test]
    fn refused_debits_and_credits_get_the_right_reason() {
        let code = |leg: &Leg, currency: &str, allow_negative: bool| {
            refusal_reason(leg, currency, allow_negative).code().as_str()
        };
        assert_eq!(code(&leg("w", "USD", -150), "USD", false), "INSUFFICIENT_FUNDS");
        assert_eq!(code(&leg("w", "USD", 150), "USD", false), "BALANCE_LIMIT_EXCEEDED");
        assert_eq!(code(&leg("c", "USD", -150), "USD", true), "BALANCE_LIMIT_EXCEEDED");
        assert_eq!(code(&leg("w", "USD", -150), "EUR", false), "CURRENCY_MISMATCH");
    }
}
