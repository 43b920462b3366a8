//! The demo's starting world: merchants with wallets in USD, EUR and NGN,
//! treasury funding, opening balances and a webhook endpoint.

use ledgerdeck_client::{ApiClient, CommandResult, new_idempotency_key};
use serde_json::{Value, json};

/// A seeded wallet.
#[derive(Debug, Clone)]
pub struct Wallet {
    /// Its id.
    pub id: String,
    /// Its currency.
    pub currency: &'static str,
}

const MERCHANTS: [&str; 3] = ["m-acme", "m-bluebird", "m-cedar"];
const CURRENCIES: [(&str, &str); 3] = [("USD", "25000.00"), ("EUR", "18000.00"), ("NGN", "9000000.00")];

/// Runs a command as the admin, with a fresh idempotency key.
pub async fn command(client: &ApiClient, name: &str, body: Value) -> Result<CommandResult, String> {
    let key = new_idempotency_key();
    client.execute(name, &body, Some(&key)).await.map_err(|e| format!("{name}: {e}"))
}

/// Seeds the world; returns the wallets.
pub async fn seed(admin: &ApiClient, receiver_url: &str) -> Result<Vec<Wallet>, String> {
    command(admin, "create_webhook_endpoint", json!({"url": receiver_url, "event_types": "*"})).await?;
    for (currency, amount) in CURRENCIES {
        command(
            admin,
            "fund_bank_account",
            json!({"currency": currency, "amount": amount, "reference": "demo-funding"}),
        )
        .await?;
    }
    let mut wallets = Vec::new();
    for merchant in MERCHANTS {
        for (currency, _) in CURRENCIES {
            let label = format!("{merchant} {currency}");
            let created =
                command(admin, "create_wallet", json!({"merchant_id": merchant, "currency": currency, "label": label}))
                    .await?;
            let id = created.subject_id.ok_or("create_wallet answered without a wallet id")?;
            let opening = if currency == "NGN" { "250000.00" } else { "2000.00" };
            command(admin, "post_opening_balance", json!({"wallet_id": id, "amount": opening})).await?;
            wallets.push(Wallet { id, currency });
        }
    }
    Ok(wallets)
}
