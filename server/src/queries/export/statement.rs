//! A wallet's statement lines for an export.
//!
//! Without `as_of`: the lines as `GET /v1/wallets/{id}/statement` has them
//! (balance after each posting in posting order), newest first, `from`/`to`
//! on the booked time.
//!
//! With `as_of`: only the lines whose effective time is at or before
//! `as_of`, oldest first by (effective time, posting seq), each with its
//! account's running balance in that order — the balance as the ledger
//! stood by effective time, so a back-dated correction shows where it
//! lands. `from`/`to` then choose which of those lines are written (by
//! booked time); the running balance counts every earlier line all the same.

use super::plan::{Cursor, Plan};
use crate::error::{LedgerError, LedgerResult};
use crate::queries::{money, time_at};
use ledgerdeck_client::{BalanceKind, StatementLine};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

const COLUMNS: &str = "SELECT CAST(s.posting_seq AS BIGINT) AS posting_seq, s.account_id, a.kind, s.transaction_id, \
     s.amount, s.balance_after, s.description, s.booked_at, s.effective_at \
     FROM statement_lines s JOIN accounts a ON a.id = s.account_id ";

/// How many lines the statement export writes, counting at most `limit`.
pub(crate) async fn count(conn: &mut AnyConnection, plan: &Plan, limit: i64) -> LedgerResult<i64> {
    let Plan::Statement { wallet_id, from, to, as_of, .. } = plan else { unreachable!("a statement plan") };
    let row = sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS one FROM statement_lines s WHERE s.wallet_id = $1 \
         AND ($2 IS NULL OR s.booked_at >= $2) AND ($3 IS NULL OR s.booked_at < $3) \
         AND ($4 IS NULL OR s.effective_at <= $4) LIMIT $5) counted",
    )
    .bind(wallet_id.as_str())
    .bind(*from)
    .bind(*to)
    .bind(*as_of)
    .bind(limit)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// The next page of lines and the cursor after it.
pub(crate) async fn page(
    conn: &mut AnyConnection,
    plan: &mut Plan,
    cursor: &Cursor,
    rows: i64,
) -> LedgerResult<(Vec<StatementLine>, Option<Cursor>)> {
    let Plan::Statement { wallet_id, scale, from, to, as_of, running } = plan else { unreachable!("a statement plan") };
    let scale = *scale;
    let Some(as_of) = *as_of else {
        let before = match cursor {
            Cursor::Seq(seq) => Some(*seq),
            _ => None,
        };
        let fetched = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE s.wallet_id = $1 AND ($2 IS NULL OR s.posting_seq < $2) \
             AND ($3 IS NULL OR s.booked_at >= $3) AND ($4 IS NULL OR s.booked_at < $4) \
             ORDER BY s.posting_seq DESC LIMIT $5"
        )))
        .bind(wallet_id.as_str())
        .bind(before)
        .bind(*from)
        .bind(*to)
        .bind(rows)
        .fetch_all(&mut *conn)
        .await?;
        let mut lines = Vec::with_capacity(fetched.len());
        for row in &fetched {
            let balance: i64 = row.try_get("balance_after")?;
            lines.push(line(row, scale, balance)?);
        }
        let next = lines.last().filter(|_| fetched.len() as i64 >= rows).map(|l| Cursor::Seq(l.posting_seq));
        return Ok((lines, next));
    };
    let (after_effective, after_seq) = match cursor {
        Cursor::Effective(at, seq) => (Some(*at), Some(*seq)),
        _ => (None, None),
    };
    let fetched = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE s.wallet_id = $1 AND s.effective_at <= $2 \
         AND ($3 IS NULL OR s.effective_at > $3 OR (s.effective_at = $3 AND s.posting_seq > $4)) \
         ORDER BY s.effective_at, s.posting_seq LIMIT $5"
    )))
    .bind(wallet_id.as_str())
    .bind(as_of)
    .bind(after_effective)
    .bind(after_seq)
    .bind(rows)
    .fetch_all(&mut *conn)
    .await?;
    let mut lines = Vec::new();
    let mut last = None;
    for row in &fetched {
        let amount: i64 = row.try_get("amount")?;
        let index = usize::from(account(row)? == BalanceKind::Reserved);
        running[index] = running[index]
            .checked_add(amount)
            .ok_or_else(|| LedgerError::Internal("a statement's running balance overflowed".into()))?;
        let booked: i64 = row.try_get("booked_at")?;
        let effective: i64 = row.try_get("effective_at")?;
        last = Some(Cursor::Effective(effective, row.try_get("posting_seq")?));
        if from.is_none_or(|f| booked >= f) && to.is_none_or(|t| booked < t) {
            lines.push(line(row, scale, running[index])?);
        }
    }
    let next = last.filter(|_| fetched.len() as i64 >= rows);
    Ok((lines, next))
}

fn account(row: &AnyRow) -> LedgerResult<BalanceKind> {
    let kind: String = row.try_get("kind")?;
    match kind.as_str() {
        "wallet_available" => Ok(BalanceKind::Available),
        "wallet_reserved" => Ok(BalanceKind::Reserved),
        other => Err(LedgerError::Internal(format!("statement line on a {other} account"))),
    }
}

fn line(row: &AnyRow, scale: i64, balance_after: i64) -> LedgerResult<StatementLine> {
    Ok(StatementLine {
        posting_seq: row.try_get("posting_seq")?,
        account: account(row)?,
        account_id: row.try_get("account_id")?,
        transaction_id: row.try_get("transaction_id")?,
        amount: money(row.try_get("amount")?, scale)?,
        balance_after: money(balance_after, scale)?,
        description: row.try_get("description")?,
        booked_at: time_at(row, "booked_at")?,
        effective_at: time_at(row, "effective_at")?,
    })
}
