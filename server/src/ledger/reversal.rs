//! Reversal: a new transaction with every leg negated, written once.

use super::posting::{Leg, NewTransaction, post_transaction};
use crate::error::{LedgerError, LedgerResult};
use sqlx::{AnyConnection, Row};

/// Reverses transaction `id` leg for leg and returns the reversal's id.
///
/// A transaction can be reversed exactly once: the original is marked with a
/// conditional update in the same database transaction, so of two racing
/// reversals one wins and the other gets `ALREADY_REVERSED`. Hold movements
/// and reversals themselves are not reversible (the hold's lifecycle owns
/// them).
pub async fn reverse_transaction(conn: &mut AnyConnection, id: &str, reason: &str, now: i64) -> LedgerResult<String> {
    let original =
        sqlx::query("SELECT kind, reference, hold_id, reverses_id, reversed_by FROM ledger_transactions WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| LedgerError::NotFound { what: "transaction", id: id.to_string() })?;
    let kind: String = original.try_get("kind")?;
    let hold_id: Option<String> = original.try_get("hold_id")?;
    let reverses_id: Option<String> = original.try_get("reverses_id")?;
    let reversed_by: Option<String> = original.try_get("reversed_by")?;
    if reversed_by.is_some() {
        return Err(LedgerError::AlreadyReversed(id.to_string()));
    }
    if reverses_id.is_some() {
        return Err(LedgerError::NotReversible { id: id.to_string(), why: "it is itself a reversal".into() });
    }
    if hold_id.is_some() {
        return Err(LedgerError::NotReversible {
            id: id.to_string(),
            why: "it belongs to a payout hold; settle or release the hold instead".into(),
        });
    }

    // Take the original's row lock before writing anything: a racing
    // reversal waits here, then sees `reversed_by` set and stops.
    let claimed = sqlx::query("UPDATE ledger_transactions SET kind = kind WHERE id = $1 AND reversed_by IS NULL")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if claimed.rows_affected() != 1 {
        return Err(LedgerError::AlreadyReversed(id.to_string()));
    }

    let legs = sqlx::query("SELECT account_id, currency, amount FROM postings WHERE transaction_id = $1 ORDER BY seq")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(Leg {
                account_id: row.try_get("account_id")?,
                currency: row.try_get("currency")?,
                amount: -row.try_get::<i64, _>("amount")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;

    let reversal_id = post_transaction(
        conn,
        NewTransaction {
            kind: "reversal",
            reference: original.try_get("reference")?,
            description: format!("Reversal of {kind} {id}: {reason}"),
            hold_id: None,
            effective_at: now,
            reverses_id: Some(id.to_string()),
            legs,
        },
        now,
    )
    .await?;

    let marked = sqlx::query("UPDATE ledger_transactions SET reversed_by = $1 WHERE id = $2 AND reversed_by IS NULL")
        .bind(&reversal_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if marked.rows_affected() != 1 {
        return Err(LedgerError::AlreadyReversed(id.to_string()));
    }
    Ok(reversal_id)
}
