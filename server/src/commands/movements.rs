//! Commands that move money between accounts outside the payout lifecycle.

use super::wallets::Outcome;
use super::{CommandContext, Params};
use crate::error::{LedgerError, LedgerResult};
use crate::flags::{self, FlagScope, MONEY_GATES, PAYIN_GATES};
use crate::ledger::accounts::{SystemAccount, WalletAccount, load_currency};
use crate::ledger::{Leg, NewTransaction, Wallet, load_wallet, load_wallets, post_transaction};
use ledgerdeck_client::{CommandResult, CommandStatus};
use sqlx::AnyConnection;

/// Two legs moving `amount` from `from` to `to` in `currency`.
fn legs(from: String, to: String, currency: &str, amount: i64) -> Vec<Leg> {
    vec![
        Leg { account_id: from, currency: currency.to_string(), amount: -amount },
        Leg { account_id: to, currency: currency.to_string(), amount },
    ]
}

fn plain(kind: &'static str, reference: Option<&str>, description: String, now: i64, legs: Vec<Leg>) -> NewTransaction {
    NewTransaction {
        kind,
        reference: reference.map(str::to_string),
        description,
        hold_id: None,
        effective_at: now,
        reverses_id: None,
        legs,
    }
}

fn posted(event: &'static str, reference: Option<&str>, subject_id: &str) -> Outcome {
    Outcome {
        status: CommandStatus::Posted,
        event,
        reference: reference.map(str::to_string),
        subject_id: subject_id.to_string(),
    }
}

/// `post_payin`: money received by a provider for a wallet. With the
/// provider's own reference it is credited once per `(provider,
/// provider_reference)`, whatever the idempotency key.
pub async fn post_payin(conn: &mut AnyConnection, p: &Params, cx: &CommandContext<'_>) -> LedgerResult<CommandResult> {
    let wallet = load_wallet(conn, p.required("wallet_id")?).await?;
    let provider = p.required("provider")?;
    flags::check(conn, &PAYIN_GATES, &FlagScope::wallet(&wallet).with_provider(provider)).await?;
    let amount = p.amount("amount", &wallet.currency)?;
    let reference = p.text("reference");
    let code = &wallet.currency.code;
    let txn = plain(
        "payin",
        reference,
        format!("Pay-in via {provider}"),
        cx.now,
        legs(SystemAccount::PayinClearing.id(code), wallet.account_id(WalletAccount::Available), code, amount),
    );
    let id = post_transaction(conn, txn, cx.now).await?;
    if let Some(provider_reference) = p.text("provider_reference") {
        claim_provider_reference(conn, provider, provider_reference, &id, cx.now).await?;
    }
    posted("payin.posted", reference, &id).record(conn, cx, vec![id.clone()], &[&wallet]).await
}

/// Records that `transaction_id` credited the pay-in `(provider,
/// provider_reference)`, on the pay-in's own transaction. The primary key
/// decides: a second pay-in of the same reference, under any key and at any
/// moment (a concurrent one waits for the first to commit), inserts nothing
/// and is refused, naming the first, so the whole command rolls back.
async fn claim_provider_reference(
    conn: &mut AnyConnection,
    provider: &str,
    provider_reference: &str,
    transaction_id: &str,
    now: i64,
) -> LedgerResult<()> {
    let claimed = sqlx::query(
        "INSERT INTO payin_references (provider, provider_reference, transaction_id, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (provider, provider_reference) DO NOTHING",
    )
    .bind(provider)
    .bind(provider_reference)
    .bind(transaction_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if claimed.rows_affected() == 1 {
        return Ok(());
    }
    let first = credited_by(&mut *conn, provider, provider_reference).await?;
    Err(LedgerError::DuplicateProviderReference {
        provider: provider.to_string(),
        provider_reference: provider_reference.to_string(),
        transaction_id: first.ok_or_else(|| LedgerError::Internal("a claimed pay-in reference has no row".into()))?,
    })
}

/// The transaction that credited the pay-in `(provider, provider_reference)`,
/// if any: on the pool, or on a command's own transaction.
pub(super) async fn credited_by<'e, E>(
    executor: E,
    provider: &str,
    provider_reference: &str,
) -> LedgerResult<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let first = sqlx::query_scalar(
        "SELECT transaction_id FROM payin_references WHERE provider = $1 AND provider_reference = $2",
    )
    .bind(provider)
    .bind(provider_reference)
    .fetch_optional(executor)
    .await?;
    Ok(first)
}

/// `transfer`: from one wallet's available balance to another's, same currency.
pub async fn transfer(conn: &mut AnyConnection, p: &Params, cx: &CommandContext<'_>) -> LedgerResult<CommandResult> {
    let (from_id, to_id) = (p.required("from_wallet_id")?, p.required("to_wallet_id")?);
    if from_id == to_id {
        return Err(LedgerError::field("to_wallet_id", "must differ from from_wallet_id"));
    }
    let [from, to] = load_wallets(conn, [from_id, to_id]).await?;
    if from.currency != to.currency {
        return Err(LedgerError::CurrencyMismatch(format!(
            "wallet {} is in {} and wallet {} in {}",
            from.id, from.currency.code, to.id, to.currency.code
        )));
    }
    // Both merchants' money moves: either one frozen refuses the transfer.
    flags::check_each(conn, &MONEY_GATES, &[FlagScope::wallet(&from), FlagScope::wallet(&to)]).await?;
    let amount = p.amount("amount", &from.currency)?;
    let reference = p.text("reference");
    let txn = plain(
        "transfer",
        reference,
        format!("Transfer from {} to {}", from.id, to.id),
        cx.now,
        legs(
            from.account_id(WalletAccount::Available),
            to.account_id(WalletAccount::Available),
            &from.currency.code,
            amount,
        ),
    );
    let id = post_transaction(conn, txn, cx.now).await?;
    posted("transfer.posted", reference, &id).record(conn, cx, vec![id.clone()], &[&from, &to]).await
}

/// `post_correction`: credit or debit a wallet against the corrections
/// account, with a reason, optionally back-dated.
pub async fn post_correction(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let wallet = load_wallet(conn, p.required("wallet_id")?).await?;
    flags::check(conn, &MONEY_GATES, &FlagScope::wallet(&wallet)).await?;
    let amount = p.amount("amount", &wallet.currency)?;
    let reason = p.required("reason")?;
    let effective_at = p.timestamp("effective_at")?.unwrap_or(cx.now);
    if effective_at > cx.now {
        return Err(LedgerError::field("effective_at", "must not be in the future"));
    }
    let code = &wallet.currency.code;
    let (wallet_account, corrections) =
        (wallet.account_id(WalletAccount::Available), SystemAccount::Corrections.id(code));
    let direction = p.required("direction")?;
    let legs = match direction {
        "credit" => legs(corrections, wallet_account, code, amount),
        _ => legs(wallet_account, corrections, code, amount),
    };
    let mut txn = plain("correction", None, format!("Correction ({direction}): {reason}"), cx.now, legs);
    txn.effective_at = effective_at;
    let id = post_transaction(conn, txn, cx.now).await?;
    posted("correction.posted", None, &id).record(conn, cx, vec![id.clone()], &[&wallet]).await
}

/// `reverse_transaction`: undo a transaction leg for leg, once.
pub async fn reverse_transaction(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let original = p.required("transaction_id")?;
    // The reversal touches the original's wallets; each one's merchant and
    // currency must be unfrozen. A transaction between system accounts only
    // is checked for its currency.
    let wallets = wallets_touched_by(conn, original).await?;
    if wallets.is_empty() {
        let currency: Option<String> =
            sqlx::query_scalar("SELECT MIN(currency) FROM postings WHERE transaction_id = $1")
                .bind(original)
                .fetch_one(&mut *conn)
                .await?;
        flags::check(conn, &MONEY_GATES, &FlagScope { currency: currency.as_deref(), ..FlagScope::global() }).await?;
    }
    for wallet in &wallets {
        flags::check(conn, &MONEY_GATES, &FlagScope::wallet(wallet)).await?;
    }
    let id = crate::ledger::reverse_transaction(conn, original, p.required("reason")?, cx.now).await?;
    let touched: Vec<&Wallet> = wallets.iter().collect();
    posted("transaction.reversed", None, original).record(conn, cx, vec![id], &touched).await
}

async fn wallets_touched_by(conn: &mut AnyConnection, transaction_id: &str) -> LedgerResult<Vec<Wallet>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT a.wallet_id FROM postings p JOIN accounts a ON a.id = p.account_id \
         WHERE p.transaction_id = $1 AND a.wallet_id IS NOT NULL ORDER BY a.wallet_id",
    )
    .bind(transaction_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut wallets = Vec::with_capacity(ids.len());
    for id in ids {
        wallets.push(load_wallet(conn, &id).await?);
    }
    Ok(wallets)
}

/// `fund_bank_account`: money deposited in a treasury bank account, against
/// opening equity.
pub async fn fund_bank_account(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let currency = load_currency(conn, p.required("currency")?).await?;
    flags::check(conn, &MONEY_GATES, &FlagScope { currency: Some(&currency.code), ..FlagScope::global() }).await?;
    let amount = p.amount("amount", &currency)?;
    let reference = p.text("reference");
    let code = &currency.code;
    let txn = plain(
        "bank_funding",
        reference,
        format!("Treasury bank funded in {code}"),
        cx.now,
        legs(SystemAccount::OpeningEquity.id(code), SystemAccount::TreasuryBank.id(code), code, amount),
    );
    let id = post_transaction(conn, txn, cx.now).await?;
    posted("bank.funded", reference, &id).record(conn, cx, vec![id.clone()], &[]).await
}

/// `post_opening_balance`: a wallet's balance brought in from elsewhere,
/// against opening equity.
pub async fn post_opening_balance(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let wallet = load_wallet(conn, p.required("wallet_id")?).await?;
    flags::check(conn, &MONEY_GATES, &FlagScope::wallet(&wallet)).await?;
    let amount = p.amount("amount", &wallet.currency)?;
    let reference = p.text("reference");
    let code = &wallet.currency.code;
    let txn = plain(
        "opening_balance",
        reference,
        "Opening balance".to_string(),
        cx.now,
        legs(SystemAccount::OpeningEquity.id(code), wallet.account_id(WalletAccount::Available), code, amount),
    );
    let id = post_transaction(conn, txn, cx.now).await?;
    posted("opening_balance.posted", reference, &id).record(conn, cx, vec![id.clone()], &[&wallet]).await
}
