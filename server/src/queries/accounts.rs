//! The chart of accounts with stored balances.

use super::paging::{Checks, page};
use super::{money_at, time_at};
use crate::error::LedgerResult;
use crate::store::Store;
use ledgerdeck_client::{AccountQuery, AccountView, Page};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

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
    let filter = AccountFilter {
        after: after.as_deref(),
        kind: query.kind.as_deref(),
        currency: query.currency.as_deref(),
        wallet_id: query.wallet_id.as_deref(),
        system: query.system,
    };
    let items = fetch(&mut *store.pool().acquire().await?, &filter, limit + 1).await?;
    Ok(page(items, limit, "accounts", |a| a.id.clone()))
}

const ACCOUNT_WHERE: &str = "WHERE ($1 IS NULL OR a.id > $1) AND ($2 IS NULL OR a.kind = $2) \
     AND ($3 IS NULL OR a.currency = $3) AND ($4 IS NULL OR a.wallet_id = $4) \
     AND ($5 IS NULL OR ($5 = 1 AND a.wallet_id IS NULL) OR ($5 = 0 AND a.wallet_id IS NOT NULL)) ";

/// What a page of accounts is filtered on (checked by the caller).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct AccountFilter<'a> {
    /// Only ids above this one (the cursor).
    pub(crate) after: Option<&'a str>,
    pub(crate) kind: Option<&'a str>,
    pub(crate) currency: Option<&'a str>,
    pub(crate) wallet_id: Option<&'a str>,
    pub(crate) system: Option<bool>,
}

fn bind_filter<'q>(query: Query<'q, Any, AnyArguments>, f: &AccountFilter<'q>) -> Query<'q, Any, AnyArguments> {
    query.bind(f.after).bind(f.kind).bind(f.currency).bind(f.wallet_id).bind(f.system.map(i64::from))
}

/// Up to `limit` accounts matching `filter`, in id order.
pub(crate) async fn fetch(
    conn: &mut AnyConnection,
    filter: &AccountFilter<'_>,
    limit: i64,
) -> LedgerResult<Vec<AccountView>> {
    let sql = format!(
        "SELECT a.id, a.kind, a.currency, a.wallet_id, a.balance, a.created_at, CAST(c.scale AS BIGINT) AS scale, \
         CAST(CASE WHEN a.allow_negative THEN 1 ELSE 0 END AS BIGINT) AS allow_negative \
         FROM accounts a JOIN currencies c ON c.code = a.currency {ACCOUNT_WHERE} ORDER BY a.id LIMIT $6"
    );
    let rows = bind_filter(sqlx::query(sqlx::AssertSqlSafe(sql)), filter).bind(limit).fetch_all(&mut *conn).await?;
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
    Ok(items)
}

/// How many accounts match `filter`, counting at most `limit`.
pub(crate) async fn count(conn: &mut AnyConnection, filter: &AccountFilter<'_>, limit: i64) -> LedgerResult<i64> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS one FROM accounts a {ACCOUNT_WHERE} LIMIT $6) counted"
    );
    let row = bind_filter(sqlx::query(sqlx::AssertSqlSafe(sql)), filter).bind(limit).fetch_one(&mut *conn).await?;
    Ok(row.try_get("n")?)
}
