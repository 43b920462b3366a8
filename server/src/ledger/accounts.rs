//! The chart of accounts: each wallet's available and reserved accounts and
//! the per-currency system accounts, whose ids are deterministic.

use crate::error::{LedgerError, LedgerResult};
use crate::money::Currency;
use crate::store::placeholders;
use ledgerdeck_client::WalletBalance;
use sqlx::{AnyConnection, Row};

/// Which of a wallet's two accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletAccount {
    /// Money the merchant can move.
    Available,
    /// Money held for payouts in flight.
    Reserved,
}

impl WalletAccount {
    /// The account kind as stored.
    pub fn kind(self) -> &'static str {
        match self {
            WalletAccount::Available => "wallet_available",
            WalletAccount::Reserved => "wallet_reserved",
        }
    }
}

/// The per-currency system accounts. They may carry any sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemAccount {
    /// Money received from pay-in providers, not yet swept to the bank.
    PayinClearing,
    /// Money owed to payout providers for settled payouts.
    PayoutClearing,
    /// The treasury's bank accounts.
    TreasuryBank,
    /// The counterpart of balances brought in from elsewhere.
    OpeningEquity,
    /// The counterpart of manual corrections.
    Corrections,
    /// Fees earned.
    Fees,
}

impl SystemAccount {
    /// The account kind as stored.
    pub fn kind(self) -> &'static str {
        match self {
            SystemAccount::PayinClearing => "payin_clearing",
            SystemAccount::PayoutClearing => "payout_clearing",
            SystemAccount::TreasuryBank => "treasury_bank",
            SystemAccount::OpeningEquity => "opening_equity",
            SystemAccount::Corrections => "corrections",
            SystemAccount::Fees => "fees",
        }
    }

    /// The id of this system account in `currency`.
    pub fn id(self, currency: &str) -> String {
        format!("sys:{currency}:{}", self.kind())
    }
}

/// A wallet with its currency.
#[derive(Debug, Clone)]
pub struct Wallet {
    /// The wallet's id.
    pub id: String,
    /// The merchant it belongs to.
    pub merchant_id: String,
    /// Its one currency.
    pub currency: Currency,
}

impl Wallet {
    /// The id of one of this wallet's accounts.
    pub fn account_id(&self, which: WalletAccount) -> String {
        wallet_account_id(&self.id, which)
    }
}

/// The id of one of a wallet's accounts.
pub fn wallet_account_id(wallet_id: &str, which: WalletAccount) -> String {
    match which {
        WalletAccount::Available => format!("{wallet_id}:available"),
        WalletAccount::Reserved => format!("{wallet_id}:reserved"),
    }
}

/// Loads a currency by code, or `CURRENCY_UNKNOWN`.
pub async fn load_currency(conn: &mut AnyConnection, code: &str) -> LedgerResult<Currency> {
    let row =
        sqlx::query("SELECT code, scale FROM currencies WHERE code = $1").bind(code).fetch_optional(&mut *conn).await?;
    match row {
        Some(row) => Ok(Currency { code: row.try_get("code")?, scale: scale_of(&row)? }),
        None => Err(LedgerError::CurrencyUnknown(code.to_string())),
    }
}

fn scale_of(row: &sqlx::any::AnyRow) -> LedgerResult<u32> {
    let scale: i32 = row.try_get("scale")?;
    u32::try_from(scale).map_err(|_| LedgerError::Internal(format!("negative scale {scale}")))
}

/// Loads a wallet by id, or `NOT_FOUND`.
pub async fn load_wallet(conn: &mut AnyConnection, wallet_id: &str) -> LedgerResult<Wallet> {
    let [wallet] = load_wallets(conn, [wallet_id]).await?;
    Ok(wallet)
}

/// Loads several wallets with one statement, in the order given; `NOT_FOUND`
/// names the first id (in that order) that does not exist.
pub async fn load_wallets<const N: usize>(conn: &mut AnyConnection, ids: [&str; N]) -> LedgerResult<[Wallet; N]> {
    let sql = format!(
        "SELECT w.id, w.merchant_id, c.code, c.scale FROM wallets w \
         JOIN currencies c ON c.code = w.currency WHERE w.id IN ({})",
        placeholders(1, N)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id);
    }
    let mut found = Vec::new();
    for row in query.fetch_all(&mut *conn).await? {
        found.push(Wallet {
            id: row.try_get("id")?,
            merchant_id: row.try_get("merchant_id")?,
            currency: Currency { code: row.try_get("code")?, scale: scale_of(&row)? },
        });
    }
    let mut wallets = Vec::with_capacity(N);
    for id in ids {
        match found.iter().find(|w| w.id == id) {
            Some(wallet) => wallets.push(wallet.clone()),
            None => return Err(LedgerError::NotFound { what: "wallet", id: id.to_string() }),
        }
    }
    wallets.try_into().map_err(|_| LedgerError::Internal("wallet count changed while loading".into()))
}

/// Creates a wallet and its two accounts.
pub async fn create_wallet(
    conn: &mut AnyConnection,
    merchant_id: &str,
    currency: &Currency,
    label: Option<&str>,
    now: i64,
) -> LedgerResult<Wallet> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query("INSERT INTO wallets (id, merchant_id, currency, label, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(merchant_id)
        .bind(&currency.code)
        .bind(label)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    for which in [WalletAccount::Available, WalletAccount::Reserved] {
        sqlx::query(
            "INSERT INTO accounts (id, kind, currency, wallet_id, balance, allow_negative, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $6)",
        )
        .bind(wallet_account_id(&id, which))
        .bind(which.kind())
        .bind(&currency.code)
        .bind(&id)
        .bind(false)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(Wallet { id, merchant_id: merchant_id.to_string(), currency: currency.clone() })
}

/// The current balances of the given wallets, in the order given.
pub async fn wallet_balances(conn: &mut AnyConnection, wallets: &[&Wallet]) -> LedgerResult<Vec<WalletBalance>> {
    if wallets.is_empty() {
        return Ok(Vec::new());
    }
    // One statement for all of them (a transfer touches two).
    let sql = format!(
        "SELECT wallet_id, kind, balance FROM accounts WHERE wallet_id IN ({})",
        placeholders(1, wallets.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for wallet in wallets {
        query = query.bind(&wallet.id);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(wallets.len());
    for wallet in wallets {
        let (mut available, mut reserved) = (0i64, 0i64);
        for row in &rows {
            if row.try_get::<String, _>("wallet_id")? != wallet.id {
                continue;
            }
            let kind: String = row.try_get("kind")?;
            let balance: i64 = row.try_get("balance")?;
            if kind == WalletAccount::Available.kind() {
                available = balance;
            } else if kind == WalletAccount::Reserved.kind() {
                reserved = balance;
            }
        }
        out.push(WalletBalance {
            wallet_id: wallet.id.clone(),
            currency: wallet.currency.code.clone(),
            available: wallet.currency.to_decimal(available),
            reserved: wallet.currency.to_decimal(reserved),
        });
    }
    Ok(out)
}
