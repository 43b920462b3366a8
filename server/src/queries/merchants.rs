//! One merchant at a glance: its wallets, its holds by status, the flag rows
//! that apply to it and its newest transactions, read from one snapshot.
//!
//! A merchant has no row of its own: it exists while a wallet or a hold
//! carries its id.

use super::overview::holds_by_status;
use super::{snapshot, transactions, wallets};
use crate::error::{LedgerError, LedgerResult};
use crate::flags;
use crate::store::{Store, placeholders};
use ledgerdeck_client::MerchantView;
use sqlx::AnyConnection;

/// Accounts per candidate statement (one bind value each, far below either
/// database's limit).
const ACCOUNTS_PER_STATEMENT: usize = 200;

/// The merchant `merchant_id`, or `NOT_FOUND` when no wallet and no hold
/// carries that id.
pub async fn merchant(store: &Store, merchant_id: &str) -> LedgerResult<MerchantView> {
    let mut tx = snapshot(store).await?;
    let wallets = wallets::merchant_wallets(&mut tx, merchant_id).await?;
    if wallets.is_empty() && !has_holds(&mut tx, merchant_id).await? {
        tx.rollback().await?;
        return Err(LedgerError::NotFound { what: "merchant", id: merchant_id.chars().take(64).collect() });
    }
    let holds_by_status = holds_by_status(&mut tx, Some(merchant_id)).await?;
    let flags = flags::applying_to_merchant(&mut tx, merchant_id).await?;
    let newest = newest_transaction_ids(&mut tx, merchant_id).await?;
    let recent_transactions = transactions::by_ids(&mut tx, &newest).await?;
    tx.rollback().await?;
    Ok(MerchantView { merchant_id: merchant_id.to_string(), wallets, holds_by_status, flags, recent_transactions })
}

/// Whether any hold carries `merchant_id`.
pub(super) async fn has_holds(conn: &mut AnyConnection, merchant_id: &str) -> LedgerResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT CAST(1 AS BIGINT) FROM holds WHERE merchant_id = $1 LIMIT 1")
        .bind(merchant_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

/// The ids of the newest transactions posting to the merchant's wallets,
/// newest first. Each account's last postings are read from its index
/// (never a scan of the ledger): the newest transactions of the merchant are
/// among the last few of the accounts they post to. That rests on a
/// transaction posting at most once to an account (a transfer to the same
/// wallet is refused) and on posting order following id order (UUIDv7, made
/// as the transaction posts); where concurrent PostgreSQL commits interleave
/// the two, the list can miss one of several transactions of one instant.
async fn newest_transaction_ids(conn: &mut AnyConnection, merchant_id: &str) -> LedgerResult<Vec<String>> {
    let accounts: Vec<String> = sqlx::query_scalar(
        "SELECT a.id FROM accounts a JOIN wallets w ON w.id = a.wallet_id WHERE w.merchant_id = $1 ORDER BY a.id",
    )
    .bind(merchant_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut ids: Vec<String> = Vec::new();
    for chunk in accounts.chunks(ACCOUNTS_PER_STATEMENT) {
        let arms: Vec<String> = (1..=chunk.len())
            .map(|i| {
                format!(
                    "SELECT transaction_id FROM (SELECT transaction_id FROM postings WHERE account_id = {} \
                     ORDER BY seq DESC LIMIT {}) AS a{i}",
                    placeholders(i, 1),
                    transactions::RECENT
                )
            })
            .collect();
        let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(arms.join(" UNION ALL ")));
        for account in chunk {
            query = query.bind(account);
        }
        ids.extend(query.fetch_all(&mut *conn).await?);
    }
    // UUIDv7 ids sort by time.
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    ids.truncate(transactions::RECENT);
    Ok(ids)
}
