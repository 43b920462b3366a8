//! Provider events: what a payout provider posts to
//! `/v1/providers/{provider}/events`, the receipt it gets, and the log
//! operators read.

use serde::{Deserialize, Serialize};

/// An event from a payout provider about one payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProviderEventBody {
    /// The provider's id of this event (deduplication key with the provider).
    pub reference: String,
    /// The hold the payout belongs to.
    pub hold_id: String,
    /// `paid`, `failed` or `pending`.
    pub status: String,
    /// The provider's reference for the payout.
    #[serde(default)]
    pub provider_reference: Option<String>,
}

/// What the server did with a provider event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderEventReceipt {
    /// `settled`, `released`, `recorded` (pending, or evidence for a hold in
    /// manual review), `already_final`, `conflict` (contradicts how the hold
    /// ended; an alert is raised) or `duplicate` (seen before; nothing changed).
    pub outcome: String,
    /// The hold.
    pub hold_id: String,
    /// The hold's status after the event.
    pub hold_status: String,
}

/// A pay-in event from a provider, on the same signed route as payout
/// events, told apart by its `type`: `payin.succeeded` credits the wallet,
/// `payin.reversed` reverses that credit. Each pay-in is applied once per
/// `(provider, provider_reference)`, however often or by whichever path
/// it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PayinEventBody {
    /// `payin.succeeded` or `payin.reversed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The provider's id of this event (its replays are recognised by it).
    pub reference: String,
    /// The provider's reference of the pay-in itself.
    pub provider_reference: String,
    /// The wallet credited (`payin.succeeded`).
    #[serde(default)]
    pub wallet_id: Option<String>,
    /// The amount received, a decimal string at the wallet's currency
    /// scale (`payin.succeeded`).
    #[serde(default)]
    pub amount: Option<String>,
}

/// What the server did with a pay-in event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayinEventReceipt {
    /// `credited`, `reversed`, `duplicate` (applied before, by this event
    /// or another path; nothing changed), `conflict` (the same pay-in with
    /// other figures; nothing changed), `proposed` (held for a second
    /// operator) or `refused` (see `code`).
    pub outcome: String,
    /// The transaction that credited (or reversed) the pay-in, when known.
    pub transaction_id: Option<String>,
    /// Why it was refused (`FLAG_DENIED`, `NOT_FOUND`, `INSUFFICIENT_FUNDS` …).
    pub code: Option<String>,
}

/// The answer of `POST /v1/providers/{provider}/events`: a payout event's
/// receipt, or a pay-in event's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ProviderEventAnswer {
    /// A payout event's.
    Payout(ProviderEventReceipt),
    /// A pay-in event's.
    Payin(PayinEventReceipt),
}

/// One entry of the provider event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderEventView {
    /// The provider.
    pub provider: String,
    /// The provider's event id.
    pub reference: String,
    /// The hold.
    pub hold_id: String,
    /// What the provider said.
    pub status: String,
    /// The provider's payout reference.
    pub provider_reference: Option<String>,
    /// What the server did (see [`ProviderEventReceipt::outcome`]).
    pub outcome: String,
    /// When it arrived (RFC 3339, UTC).
    pub received_at: String,
}

/// Filters of the provider event log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ProviderEventQuery {
    /// Only this provider's events.
    pub provider: Option<String>,
    /// Only events whose reference or provider reference is exactly this.
    pub reference: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
