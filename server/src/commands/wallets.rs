//! Wallet commands, and the result builder every command shares.

use super::{CommandContext, Params};
use crate::error::LedgerResult;
use crate::ledger::accounts::{create_wallet as insert_wallet, load_currency};
use crate::ledger::{Wallet, wallet_balances};
use crate::outbox;
use ledgerdeck_client::{CommandResult, CommandStatus};
use sqlx::AnyConnection;

/// `create_wallet`: a wallet for a merchant in one currency.
pub async fn create_wallet(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let currency = load_currency(conn, p.required("currency")?).await?;
    let wallet = insert_wallet(conn, p.required("merchant_id")?, &currency, p.text("label"), cx.now).await?;
    Outcome { status: CommandStatus::Created, event: "wallet.created", reference: None, subject_id: wallet.id.clone() }
        .record(conn, cx, Vec::new(), &[&wallet])
        .await
}

/// What a command did, before balances are read and its event is written.
pub struct Outcome {
    /// Posted or created.
    pub status: CommandStatus,
    /// The outbox event type announcing it.
    pub event: &'static str,
    /// The business reference.
    pub reference: Option<String>,
    /// The record created or acted on.
    pub subject_id: String,
}

impl Outcome {
    /// Reads the touched wallets' balances, writes the outbox event (on the
    /// command's transaction) and returns the command's result.
    pub async fn record(
        self,
        conn: &mut AnyConnection,
        cx: &CommandContext<'_>,
        transaction_ids: Vec<String>,
        wallets: &[&Wallet],
    ) -> LedgerResult<CommandResult> {
        let result = CommandResult {
            status: self.status,
            command: cx.command.to_string(),
            reference: self.reference,
            subject_id: Some(self.subject_id.clone()),
            transaction_ids,
            balances: wallet_balances(conn, wallets).await?,
            replayed: false,
        };
        let payload = serde_json::json!({
            "type": self.event,
            "actor": cx.caller.name,
            "data": result,
        });
        outbox::enqueue(conn, self.event, &self.subject_id, &payload, cx.now).await?;
        Ok(result)
    }
}
