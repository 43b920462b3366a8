//! The double-entry ledger: accounts, balanced transactions of postings,
//! stored balances with a non-negative guard, the statement read model and
//! reversal. It knows SQL and money, nothing of HTTP.

pub mod accounts;
pub mod posting;
pub mod reversal;

pub use accounts::{Wallet, WalletAccount, load_wallet, load_wallets, wallet_balances};
pub use posting::{Leg, NewTransaction, post_transaction};
pub use reversal::reverse_transaction;
