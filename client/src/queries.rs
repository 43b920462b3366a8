//! Query parameters of the read routes' lists (`GET /v1/wallets`,
//! `/v1/transactions`, `/v1/accounts`, `/v1/holds`, `/v1/audit`, a wallet's
//! statement). Every filter is optional and left out of the query string
//! when `None`, so an older server keeps answering a newer client that sets
//! none of the new ones. Text filters named `reference` match exactly
//! (trimmed, no wildcard); times are RFC 3339, `from` inclusive, `to`
//! exclusive.

use serde::{Deserialize, Serialize};

/// Query parameters of `GET /v1/wallets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct WalletQuery {
    /// Only this merchant's wallets.
    pub merchant_id: Option<String>,
    /// Only wallets in this currency.
    pub currency: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query parameters of `GET /v1/wallets/{id}/statement`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// Only lines of this posting and older ones: the statement from that
    /// line back (a finding's broken line, say).
    pub through_seq: Option<i64>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query parameters of `GET /v1/transactions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct TransactionQuery {
    /// Only transactions that post to this wallet's accounts.
    pub wallet_id: Option<String>,
    /// Only transactions of this kind, e.g. `payin`.
    pub kind: Option<String>,
    /// Only transactions with exactly this reference.
    pub reference: Option<String>,
    /// Only transactions booked at or after this time (RFC 3339).
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-01-31T09:30:00Z"))]
    pub from: Option<String>,
    /// Only transactions booked before this time (RFC 3339).
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-01-31T09:30:00Z"))]
    pub to: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query parameters of `GET /v1/accounts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// Only accounts of this kind, e.g. `payout_clearing`.
    pub kind: Option<String>,
    /// Only accounts in this currency.
    pub currency: Option<String>,
    /// Only this wallet's accounts.
    pub wallet_id: Option<String>,
    /// `true`: only system accounts (no wallet); `false`: only wallet accounts.
    pub system: Option<bool>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query parameters of `GET /v1/holds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct HoldQuery {
    /// Only holds in this status.
    pub status: Option<String>,
    /// Only this wallet's holds.
    pub wallet_id: Option<String>,
    /// Only this merchant's holds.
    pub merchant_id: Option<String>,
    /// Only holds paid out through this provider.
    pub provider: Option<String>,
    /// Only holds in this currency.
    pub currency: Option<String>,
    /// Only holds reserved more than this many seconds ago.
    pub older_than_seconds: Option<i64>,
    /// Only holds whose reference or provider reference is exactly this.
    pub reference: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Query parameters of `GET /v1/audit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this operator's records.
    pub actor: Option<String>,
    /// Only this action, e.g. `transfer`.
    pub action: Option<String>,
    /// Only this outcome: `posted`, `replayed`, `refused` or `failed`.
    pub outcome: Option<String>,
    /// Only records whose idempotency key or subject id is exactly this.
    pub reference: Option<String>,
    /// Only records at or after this time (RFC 3339).
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-01-31T09:30:00Z"))]
    pub from: Option<String>,
    /// Only records before this time (RFC 3339).
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-01-31T09:30:00Z"))]
    pub to: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
