//! Wire types of `GET /v1/search`: find anything by what the caller has — an
//! id, a payout reference, a provider reference, a merchant id or an
//! idempotency key — as typed hits across holds, transactions, wallets,
//! merchants, outbox messages, findings and audit entries.
//!
//! Matching is exact and case-sensitive on the trimmed query: no wildcards,
//! so `%`, `_` and `*` are ordinary characters.

use serde::{Deserialize, Serialize};

/// The longest query accepted, in characters (after trimming).
pub const MAX_QUERY_CHARS: usize = 512;
/// The number of hits when no `limit` is asked for.
pub const DEFAULT_SEARCH_LIMIT: i64 = 20;
/// The largest `limit` accepted.
pub const MAX_SEARCH_LIMIT: i64 = 100;

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A payout hold.
    Hold,
    /// A ledger transaction.
    Transaction,
    /// A wallet.
    Wallet,
    /// A merchant (the owner of wallets and holds).
    Merchant,
    /// An outbox message.
    OutboxMessage,
    /// A reconciliation finding.
    Finding,
    /// An audit record.
    AuditEntry,
}

/// One thing the query names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// What it is.
    pub kind: HitKind,
    /// The thing's id (a merchant's is its merchant id).
    pub id: String,
    /// Which of its fields matched: `id`, `reference`, `provider_reference`, `merchant_id`, `idempotency_key`, `subject_id`.
    #[cfg_attr(feature = "openapi", schema(example = "reference"))]
    pub matched: String,
    /// One line saying what it is, e.g. `hold 125.50 USD manual_review · m-acme · sandbox` (amounts at the currency's scale).
    #[cfg_attr(feature = "openapi", schema(example = "hold 125.50 USD manual_review · m-acme · sandbox"))]
    pub summary: String,
    /// Where it lives: the merchant it belongs to, when it has one.
    pub merchant_id: Option<String>,
    /// The wallet it belongs to, when it has one.
    pub wallet_id: Option<String>,
    /// The hold it belongs to, when it has one.
    pub hold_id: Option<String>,
    /// The ledger transaction it belongs to, when it has one.
    pub transaction_id: Option<String>,
    /// A finding's gate.
    pub gate: Option<String>,
    /// When it happened or was made (RFC 3339 UTC), when it has a time.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub at: Option<String>,
}

/// The answer to a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// The query as understood (trimmed).
    pub query: String,
    /// The hits, most specific first (exact id matches before references).
    pub hits: Vec<SearchHit>,
    /// Whether more hits exist than `limit`.
    pub truncated: bool,
}

/// `GET /v1/search` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// An id, a reference, a provider reference, a merchant id or an idempotency key.
    pub q: String,
    /// At most this many hits, 1 to 100 (default 20).
    pub limit: Option<i64>,
}
