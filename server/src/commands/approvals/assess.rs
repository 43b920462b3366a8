//! What a command call moves, read before it runs: the amount and currency
//! a policy's threshold is compared with, and the sentence an approver
//! reads ("what will move where", as the settle confirmation says it).

use crate::commands::Params;
use crate::error::LedgerResult;
use crate::holds::load_hold;
use crate::ledger::accounts::{load_currency, load_wallet};
use crate::money::Currency;
use sqlx::AnyConnection;

/// The commands whose calls state an amount, so a policy on them may have a threshold.
pub const WITH_AMOUNT: [&str; 8] = [
    "post_payin",
    "transfer",
    "reserve_payout",
    "settle_hold",
    "release_hold",
    "post_correction",
    "fund_bank_account",
    "post_opening_balance",
];

/// A call, assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessed {
    /// What it moves, in minor units of `currency`, when it states an amount.
    pub amount: Option<(i64, Currency)>,
    /// What will move where, in words.
    pub summary: String,
}

/// Assesses `command` with `p` (already checked against its fields).
pub async fn assess(conn: &mut AnyConnection, command: &str, p: &Params) -> LedgerResult<Assessed> {
    let money = |minor: i64, currency: &Currency| format!("{} {}", currency.to_decimal(minor), currency.code);
    let (amount, summary) = match command {
        "settle_hold" | "release_hold" => {
            let hold = load_hold(conn, p.required("hold_id")?).await?;
            let currency = load_currency(conn, &hold.currency).await?;
            let whereto = if command == "settle_hold" {
                format!("to {} payout clearing (the provider paid)", hold.provider)
            } else {
                format!("back to wallet {}'s available balance (the provider failed)", hold.wallet_id)
            };
            let verb = if command == "settle_hold" { "Settle" } else { "Release" };
            let text = format!(
                "{verb} payout {} ({}): {} reserved in wallet {} goes {whereto}",
                hold.reference,
                hold.id,
                money(hold.amount, &currency),
                hold.wallet_id
            );
            (Some((hold.amount, currency)), text)
        }
        "transfer" => {
            let from = load_wallet(conn, p.required("from_wallet_id")?).await?;
            let minor = p.amount("amount", &from.currency)?;
            let to = p.required("to_wallet_id")?;
            let text = format!("Transfer {} from wallet {} to wallet {to}", money(minor, &from.currency), from.id);
            (Some((minor, from.currency)), text)
        }
        "post_payin" | "reserve_payout" | "post_correction" | "post_opening_balance" => {
            let wallet = load_wallet(conn, p.required("wallet_id")?).await?;
            let minor = p.amount("amount", &wallet.currency)?;
            let m = money(minor, &wallet.currency);
            let text = match command {
                "post_payin" => {
                    format!("Credit {m} to wallet {} (pay-in via {})", wallet.id, p.required("provider")?)
                }
                "reserve_payout" => {
                    format!("Reserve {m} of wallet {} for a payout via {}", wallet.id, p.required("provider")?)
                }
                "post_correction" => {
                    let direction = p.required("direction")?;
                    let verb = if direction == "credit" { "Credit" } else { "Debit" };
                    let dated = p.text("effective_at").map(|t| format!(", effective {t}")).unwrap_or_default();
                    format!("{verb} {m} to wallet {} as a correction{dated}", wallet.id)
                }
                _ => format!("Bring wallet {} in with an opening balance of {m}", wallet.id),
            };
            (Some((minor, wallet.currency)), text)
        }
        "fund_bank_account" => {
            let currency = load_currency(conn, p.required("currency")?).await?;
            let minor = p.amount("amount", &currency)?;
            (
                Some((minor, currency.clone())),
                format!("Fund the {} treasury bank account with {}", currency.code, money(minor, &currency)),
            )
        }
        "reverse_transaction" => (None, format!("Reverse transaction {}", p.required("transaction_id")?)),
        other => (None, format!("Run {other} with {}", p.canonical())),
    };
    Ok(Assessed { amount, summary })
}
