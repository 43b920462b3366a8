//! A wallet's balances as of a time (`GET /v1/wallets/{id}/balance`), by
//! effective time and by booked time in one answer, so a back-dated
//! correction shows where it lands: it counts by effective time from the
//! date it was back-dated to, and by booked time only from when it was posted.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Query parameters of `GET /v1/wallets/{id}/balance`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct BalanceQuery {
    /// The time the balances are taken at, inclusive (RFC 3339, any offset);
    /// now when left out.
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-01-31T23:59:59.999999Z"))]
    pub as_of: Option<String>,
}

/// A wallet's two balances and their sum at one time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BalanceFigures {
    /// Money the merchant could move.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1250.00"))]
    pub available: Decimal,
    /// Money held for payouts in flight.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub reserved: Decimal,
    /// `available + reserved`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1250.00"))]
    pub total: Decimal,
}

/// A wallet's balances as of a time: every statement line with an
/// effective (`effective`) or booked (`booked`) time at or before `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletBalanceAsOf {
    /// The wallet's id.
    pub wallet_id: String,
    /// Its currency; the figures are at its scale.
    pub currency: String,
    /// The time asked for (or now), RFC 3339 in UTC.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T23:59:59.999999Z"))]
    pub as_of: String,
    /// By the time each movement takes effect (a back-dated correction
    /// counts from the date it names).
    pub effective: BalanceFigures,
    /// By the time each movement was posted.
    pub booked: BalanceFigures,
}
