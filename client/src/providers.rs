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
