//! The ledgerdeck wallet core: exact money, a double-entry ledger on SQLite
//! or PostgreSQL, payout holds, idempotent commands from one registry, and
//! the REST API (`api`) that exposes them.

pub mod access;
pub mod api;
pub mod audit;
pub mod caller;
pub mod changes;
pub mod commands;
pub mod delivery;
pub mod error;
pub mod events;
pub mod flags;
pub mod gates;
pub mod holds;
pub mod invariants;
pub mod ledger;
pub mod money;
pub mod outbox;
pub mod provider;
pub mod provider_events;
pub mod queries;
pub mod saga;
pub mod serve;
pub mod signature;
pub mod sso;
pub mod store;
pub mod time;

pub use caller::{Caller, SignIn};
pub use commands::{Ledger, LedgerConfig};
pub use error::{LedgerError, LedgerResult};
pub use store::{Backend, Store};
