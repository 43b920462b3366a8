//! The chart of accounts with stored balances.

use super::paging::{Checks, page};
use super::{money_at, time_at};
use crate::error::LedgerResult;
use crate::store::Store;
use ledgerdeck_client::{AccountQuery, AccountView, Page};
use sqlx::Row;

/// Every account kind the ledger has.
pub const ACCOUNT_KINDS: [&str; 8] = [
    "wallet_available",
    "wallet_reserved",
    "payin_clearing",
    "payout_clearing",
    "treasury_bank",
    "opening_equity",
    "corrections",
    "fees",
];

/// Accounts in id order, optionally of one kind, currency or wallet, or only
/// system accounts (`system: true`, no wallet) or only wallet accounts.
pub async fn list_accounts(store: &Store, query: &AccountQuery) -> LedgerResult<Page<AccountView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let after = checks.text_cursor("accounts", query.cursor.as_deref());
    checks.one_of("kind", query.kind.as_deref(), &ACCOUNT_KINDS);
    checks.finish()?;
    let rows = sqlx::query(
        "SELECT a.id, a.kind, a.currency, a.wallet_id, a.balance, a.created_at, CAST(c.scale AS BIGINT) AS scale, \
         CAST(CASE WHEN a.allow_negative THEN 1 ELSE 0 END AS BIGINT) AS allow_negative \
         FROM accounts a JOIN currencies c ON c.code = a.currency \
         WHERE ($1 IS NULL OR a.id > $1) AND ($2 IS NULL OR a.kind = $2) AND ($3 IS NULL OR a.currency = $3) \
         AND ($4 IS NULL OR a.wallet_id = $4) \
         AND ($5 IS NULL OR ($5 = 1 AND a.wallet_id IS NULL) OR ($5 = 0 AND a.wallet_id IS NOT NULL)) \
         ORDER BY a.id LIMIT $6",
    )
    .bind(after)
    .bind(query.kind.as_deref())
    .bind(query.currency.as_deref())
    .bind(query.wallet_id.as_deref())
    .bind(query.system.map(i64::from))
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(AccountView {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            currency: row.try_get("currency")?,
            wallet_id: row.try_get("wallet_id")?,
            balance: money_at(row, "balance")?,
            allow_negative: row.try_get::<i64, _>("allow_negative")? != 0,
            created_at: time_at(row, "created_at")?,
        });
    }
    Ok(page(items, limit, "accounts", |a| a.id.clone()))
}
