//! The command registry as served by `GET /v1/commands`, and command results.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An operator's role; each role includes the rights of the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything, writes nothing.
    Viewer,
    /// Runs commands.
    Operator,
    /// Manages flags, endpoints, access and rebuilds.
    Admin,
}

impl Role {
    /// Whether this role carries the rights `needed` asks for.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }

    /// The role's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// The type of a command field, which decides how a form edits and checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text on one line.
    Text,
    /// Free text that explains a decision (a reason); never empty.
    Reason,
    /// A positive decimal string with at most the currency's scale.
    Amount,
    /// A currency code such as `USD`.
    Currency,
    /// The id of a wallet.
    WalletId,
    /// The id of a payout hold.
    HoldId,
    /// The id of a ledger transaction.
    TransactionId,
    /// One of the field's `choices`.
    Choice,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// An `http://` or `https://` URL of at most 2,048 characters.
    Url,
}

/// One field of a command's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldSpec {
    /// The JSON member name.
    pub name: String,
    /// What kind of value it holds.
    pub kind: FieldKind,
    /// Whether the command refuses to run without it.
    pub required: bool,
    /// One line for the operator.
    pub help: String,
    /// The allowed values of a `choice` field; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
}

/// One entry of the command registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandSpec {
    /// The command's stable name, e.g. `settle_hold`.
    pub name: String,
    /// A title for menus.
    pub title: String,
    /// Its parameters.
    pub fields: Vec<FieldSpec>,
    /// The least role that may run it.
    pub role: Role,
    /// Whether it moves money (and so demands an idempotency key).
    pub moves_money: bool,
}

/// What a command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandStatus {
    /// Ledger transactions were written.
    Posted,
    /// A record (a wallet, an endpoint) was created.
    Created,
    /// A setting (a feature flag) was set: created or changed in place.
    Updated,
    /// An operation ran that moved no money (a gate run, a statement rebuild).
    Completed,
    /// The command falls under an approval policy: it did not run, it was
    /// stored as a proposal (its id is `subject_id`) for a second operator.
    PendingApproval,
}

/// A wallet's balances after a command, in the wallet's currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletBalance {
    /// The wallet.
    pub wallet_id: String,
    /// Its currency code.
    pub currency: String,
    /// Money the merchant can move.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1250.00"))]
    pub available: Decimal,
    /// Money held for payouts in flight.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub reserved: Decimal,
}

/// The result of a command, replayed verbatim (with `replayed: true`) for a
/// repeated idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandResult {
    /// What happened.
    pub status: CommandStatus,
    /// The command's name.
    pub command: String,
    /// The business reference of the change (the caller's, or one made up).
    pub reference: Option<String>,
    /// The record the command created or acted on (wallet, hold, transaction).
    pub subject_id: Option<String>,
    /// The ledger transactions it wrote, in order.
    pub transaction_ids: Vec<String>,
    /// The balances of every wallet it touched, after it.
    pub balances: Vec<WalletBalance>,
    /// Whether this is a replay of an earlier execution.
    pub replayed: bool,
}
