//! Wallets with their balances, and a wallet's statement.

use super::paging::{Checks, page};
use super::{money, money_at, time_at};
use crate::error::{LedgerError, LedgerResult};
use crate::store::Store;
use ledgerdeck_client::{BalanceKind, Page, StatementLine, StatementQuery, WalletQuery, WalletView};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

macro_rules! wallet_select {
    () => {
        "SELECT w.id, w.merchant_id, w.currency, w.label, w.created_at, c.scale, \
         CAST(COALESCE(av.balance, 0) AS BIGINT) AS available, CAST(COALESCE(rs.balance, 0) AS BIGINT) AS reserved \
         FROM wallets w JOIN currencies c ON c.code = w.currency \
         LEFT JOIN accounts av ON av.wallet_id = w.id AND av.kind = 'wallet_available' \
         LEFT JOIN accounts rs ON rs.wallet_id = w.id AND rs.kind = 'wallet_reserved' "
    };
}

/// Wallets with balances, oldest first, optionally of one merchant or currency.
pub async fn list_wallets(store: &Store, query: &WalletQuery) -> LedgerResult<Page<WalletView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let after = checks.id_cursor("wallets", query.cursor.as_deref());
    checks.finish()?;
    let rows = sqlx::query(concat!(
        wallet_select!(),
        "WHERE ($1 IS NULL OR w.id > $1) AND ($2 IS NULL OR w.merchant_id = $2) AND ($3 IS NULL OR w.currency = $3) \
         ORDER BY w.id LIMIT $4"
    ))
    .bind(after)
    .bind(query.merchant_id.as_deref())
    .bind(query.currency.as_deref())
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let items = rows.iter().map(wallet_view).collect::<LedgerResult<Vec<_>>>()?;
    Ok(page(items, limit, "wallets", |w| w.id.clone()))
}

/// One wallet with its balances, or `NOT_FOUND`.
pub async fn get_wallet(store: &Store, id: &str) -> LedgerResult<WalletView> {
    find_wallet(store.pool().acquire().await?.as_mut(), id)
        .await?
        .ok_or_else(|| LedgerError::NotFound { what: "wallet", id: id.to_string() })
}

/// One wallet with its balances on `conn`, if it exists.
pub(crate) async fn find_wallet(conn: &mut AnyConnection, id: &str) -> LedgerResult<Option<WalletView>> {
    let row = sqlx::query(concat!(wallet_select!(), "WHERE w.id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(wallet_view).transpose()
}

/// A merchant's wallets with balances, by currency then id.
pub(crate) async fn merchant_wallets(conn: &mut AnyConnection, merchant_id: &str) -> LedgerResult<Vec<WalletView>> {
    let rows = sqlx::query(concat!(wallet_select!(), "WHERE w.merchant_id = $1 ORDER BY w.currency, w.id"))
        .bind(merchant_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(wallet_view).collect()
}

fn wallet_view(row: &AnyRow) -> LedgerResult<WalletView> {
    Ok(WalletView {
        id: row.try_get("id")?,
        merchant_id: row.try_get("merchant_id")?,
        currency: row.try_get("currency")?,
        label: row.try_get("label")?,
        available: money_at(row, "available")?,
        reserved: money_at(row, "reserved")?,
        created_at: time_at(row, "created_at")?,
    })
}

/// A wallet's statement lines (both accounts), newest first, or `NOT_FOUND`.
pub async fn wallet_statement(
    store: &Store,
    wallet_id: &str,
    query: &StatementQuery,
) -> LedgerResult<Page<StatementLine>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let before = checks.seq_cursor("statement", query.cursor.as_deref());
    checks.finish()?;
    let scale: i64 = sqlx::query_scalar(
        "SELECT CAST(c.scale AS BIGINT) FROM wallets w JOIN currencies c ON c.code = w.currency WHERE w.id = $1",
    )
    .bind(wallet_id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| LedgerError::NotFound { what: "wallet", id: wallet_id.to_string() })?;
    let rows = sqlx::query(
        "SELECT CAST(s.posting_seq AS BIGINT) AS posting_seq, s.account_id, a.kind, s.transaction_id, s.amount, \
         s.balance_after, s.description, s.booked_at, s.effective_at \
         FROM statement_lines s JOIN accounts a ON a.id = s.account_id \
         WHERE s.wallet_id = $1 AND ($2 IS NULL OR s.posting_seq < $2) AND ($4 IS NULL OR s.posting_seq <= $4) \
         ORDER BY s.posting_seq DESC LIMIT $3",
    )
    .bind(wallet_id)
    .bind(before)
    .bind(limit + 1)
    .bind(query.through_seq)
    .fetch_all(store.pool())
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        let account = match kind.as_str() {
            "wallet_available" => BalanceKind::Available,
            "wallet_reserved" => BalanceKind::Reserved,
            other => return Err(LedgerError::Internal(format!("statement line on a {other} account"))),
        };
        items.push(StatementLine {
            posting_seq: row.try_get("posting_seq")?,
            account,
            account_id: row.try_get("account_id")?,
            transaction_id: row.try_get("transaction_id")?,
            amount: money(row.try_get("amount")?, scale)?,
            balance_after: money(row.try_get("balance_after")?, scale)?,
            description: row.try_get("description")?,
            booked_at: time_at(row, "booked_at")?,
            effective_at: time_at(row, "effective_at")?,
        });
    }
    Ok(page(items, limit, "statement", |line| line.posting_seq.to_string()))
}
