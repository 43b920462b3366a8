//! Wire types of the feature flags (`GET /v1/flags`).
//!
//! A flag row is one switch at one scope: `global` (with an empty
//! `scope_value`), or one `merchant`, `currency` or `provider`. An explicit
//! `enabled: false` at any scope a command touches denies it with
//! `FLAG_DENIED`; a flag's `mode` (on its global row) decides what happens
//! where no row says anything: `fail_open` allows, `fail_closed` denies
//! unless a merchant, currency or provider row says `enabled: true`.

use serde::{Deserialize, Serialize};

/// One stored feature flag row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeatureFlag {
    /// The flag, e.g. `core_wallet_enabled`.
    #[cfg_attr(feature = "openapi", schema(example = "core_wallet_enabled"))]
    pub name: String,
    /// `global`, `merchant`, `currency` or `provider`.
    #[cfg_attr(feature = "openapi", schema(example = "merchant"))]
    pub scope: String,
    /// The merchant id, currency code or provider name; empty for `global`.
    #[cfg_attr(feature = "openapi", schema(example = "m-1"))]
    pub scope_value: String,
    /// Whether the flag allows at this scope.
    pub enabled: bool,
    /// `fail_open` or `fail_closed` on a global row that sets one; `null`
    /// otherwise (a global row without a mode is `fail_open`).
    pub mode: Option<String>,
    /// When the row was last set (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub updated_at: String,
    /// Who last set it.
    pub updated_by: String,
}
