//! Wire types of the read routes: wallets, statements, transactions,
//! accounts, holds, the audit log, the overview, merchants and the caller
//! (`/v1/me`). The query parameters each list accepts live in
//! [`crate::queries`] and are re-exported here.
//!
//! Money is a decimal string at the currency's scale (`"1250.00"`, BTC
//! `"0.50000000"`); times are RFC 3339 strings in UTC with microseconds.
//! Lists are pages of `{items, next_cursor}`; pass `next_cursor` back as
//! `cursor` for the next page, and stop when it is `null`.

use crate::commands::Role;
use crate::flags::FeatureFlag;
pub use crate::queries::{AccountQuery, AuditQuery, HoldQuery, StatementQuery, TransactionQuery, WalletQuery};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The page size when none is asked for.
pub const DEFAULT_PAGE_LIMIT: i64 = 50;
/// The largest page size accepted.
pub const MAX_PAGE_LIMIT: i64 = 500;

/// The statuses a payout hold can have, in lifecycle order.
pub const HOLD_STATUSES: [&str; 5] = ["reserved", "submitted", "manual_review", "settled", "released"];

/// One page of a list. `next_cursor` is `null` on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// The opaque cursor of the next page, or `null` at the end.
    pub next_cursor: Option<String>,
}

/// A wallet with its balances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletView {
    /// The wallet's id.
    pub id: String,
    /// The merchant it belongs to.
    pub merchant_id: String,
    /// Its one currency.
    pub currency: String,
    /// A name for people.
    pub label: Option<String>,
    /// Money the merchant can move.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1250.00"))]
    pub available: Decimal,
    /// Money held for payouts in flight.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "0.00"))]
    pub reserved: Decimal,
    /// When it was created (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub created_at: String,
}

/// Which of a wallet's two accounts a statement line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BalanceKind {
    /// Money the merchant can move.
    Available,
    /// Money held for payouts in flight.
    Reserved,
}

/// One posting to a wallet account, with the account's balance after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementLine {
    /// The posting's sequence number (the statement's order).
    pub posting_seq: i64,
    /// Which of the wallet's accounts moved.
    pub account: BalanceKind,
    /// The account's id.
    pub account_id: String,
    /// The ledger transaction the posting belongs to.
    pub transaction_id: String,
    /// The signed amount (positive credits the account).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "-20.00"))]
    pub amount: Decimal,
    /// The account's balance after this posting.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "980.00"))]
    pub balance_after: Decimal,
    /// What the transaction was.
    pub description: String,
    /// When it was written (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub booked_at: String,
    /// When it counts from (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub effective_at: String,
}

/// One leg of a ledger transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostingLine {
    /// The posting's sequence number.
    pub seq: i64,
    /// The account moved.
    pub account_id: String,
    /// Its currency.
    pub currency: String,
    /// The signed amount (positive credits the account).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1250.00"))]
    pub amount: Decimal,
}

/// A ledger transaction with its postings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransactionView {
    /// The transaction's id.
    pub id: String,
    /// What kind of movement it is, e.g. `payin`, `payout_reserve`.
    pub kind: String,
    /// The business reference.
    pub reference: Option<String>,
    /// What it was, for people.
    pub description: String,
    /// The hold it belongs to, if any.
    pub hold_id: Option<String>,
    /// The transaction this one reverses, if it is a reversal.
    pub reverses_id: Option<String>,
    /// The reversal of this transaction, if it was reversed.
    pub reversed_by: Option<String>,
    /// When it was written (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub booked_at: String,
    /// When it counts from (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub effective_at: String,
    /// Its legs, in posting order.
    pub postings: Vec<PostingLine>,
}

/// An account of the chart, with its stored balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    /// The account's id (`<wallet>:available`, `sys:USD:fees`, …).
    pub id: String,
    /// Its kind, e.g. `wallet_available`, `payout_clearing`.
    pub kind: String,
    /// Its currency.
    pub currency: String,
    /// The wallet it belongs to; `null` for system accounts.
    pub wallet_id: Option<String>,
    /// Its balance (system accounts may be negative).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "1250.00"))]
    pub balance: Decimal,
    /// Whether it may go negative.
    pub allow_negative: bool,
    /// When it was created (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub created_at: String,
}

/// A payout hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldView {
    /// The hold's id.
    pub id: String,
    /// The wallet paying out.
    pub wallet_id: String,
    /// The wallet's merchant.
    pub merchant_id: String,
    /// The currency.
    pub currency: String,
    /// The amount held.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "30.00"))]
    pub amount: Decimal,
    /// The payout provider.
    pub provider: String,
    /// The payout's business reference.
    pub reference: String,
    /// `reserved`, `submitted`, `manual_review`, `settled` or `released`.
    pub status: String,
    /// The provider's reference, once known.
    pub provider_reference: Option<String>,
    /// Why it ended as it did.
    pub reason: Option<String>,
    /// The transaction that reserved the money.
    pub reserve_txn_id: String,
    /// The transaction that settled or released it.
    pub final_txn_id: Option<String>,
    /// When it was reserved (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub created_at: String,
    /// When it last changed (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub updated_at: String,
    /// Seconds since it was reserved, when read.
    pub age_seconds: i64,
}

/// One change of a hold's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldHistoryEntry {
    /// `state_change`, `submission` (to the provider), `query` (of the
    /// provider) or `provider_event` (received from it).
    pub kind: String,
    /// The status before (`null` for the reservation).
    pub from_status: Option<String>,
    /// The status after.
    pub to_status: String,
    /// Who changed it.
    pub actor: String,
    /// Why, or evidence.
    pub detail: Option<String>,
    /// The provider's raw status, for submissions, queries and provider events.
    pub provider_status: Option<String>,
    /// When (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub at: String,
}

/// A hold and every change of its status, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldDetail {
    /// The hold.
    pub hold: HoldView,
    /// Its status changes, in order.
    pub history: Vec<HoldHistoryEntry>,
}

/// One audit record: a command attempt or an access change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// The record's id.
    pub id: String,
    /// When the attempt started (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub at: String,
    /// Who.
    pub actor: String,
    /// The command or access action, e.g. `transfer`, `token.create`.
    pub action: String,
    /// The idempotency key, if any.
    pub idempotency_key: Option<String>,
    /// `posted`, `replayed`, `refused` or `failed`.
    pub outcome: String,
    /// The error code of a refusal or failure.
    pub error_code: Option<String>,
    /// The record acted on.
    pub subject_id: Option<String>,
    /// What went wrong, or what changed.
    pub detail: Option<String>,
    /// How long it took, in microseconds.
    pub duration_micros: i64,
}

/// Command outcomes counted over one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandCounts {
    /// Commands that posted.
    pub posted: i64,
    /// Commands refused or failed.
    pub failed: i64,
}

/// Command outcomes over the last 5 minutes, hour and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandWindows {
    /// The last 5 minutes.
    pub last_5m: CommandCounts,
    /// The last hour.
    pub last_1h: CommandCounts,
    /// The last 24 hours.
    pub last_24h: CommandCounts,
}

/// Command outcomes in one minute, for a sparkline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinuteCounts {
    /// The minute's start (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub minute_start: String,
    /// Commands that posted in it.
    pub posted: i64,
    /// Commands refused or failed in it.
    pub failed: i64,
}

/// The outbox and its webhook deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxSummary {
    /// Work not yet done: messages not yet fanned out to endpoints plus
    /// deliveries neither delivered nor dead.
    pub pending: i64,
    /// Age in seconds of the oldest of those (by the message's creation);
    /// `null` when there is none.
    pub oldest_pending_age_seconds: Option<i64>,
    /// Pending deliveries with at least one failed attempt.
    #[serde(default)]
    pub failing: i64,
    /// Deliveries that gave up (schedule used up, 410 Gone, endpoint disabled).
    #[serde(default)]
    pub dead: i64,
    /// Deliveries delivered in the last 5 minutes.
    #[serde(default)]
    pub delivered_5m: i64,
    /// Deliveries delivered in the last hour.
    #[serde(default)]
    pub delivered_1h: i64,
    /// Deliveries delivered in the last 24 hours.
    #[serde(default)]
    pub delivered_24h: i64,
}

/// The cockpit's first screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Overview {
    /// When the figures were taken (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub as_of: String,
    /// Posted and failed commands (token changes excluded) per window.
    pub commands: CommandWindows,
    /// Posted and failed commands per minute over the last 30 minutes,
    /// oldest first, zero-filled (30 entries, the last is the current minute).
    pub per_minute: Vec<MinuteCounts>,
    /// How many holds are in each status (every status present).
    pub holds_by_status: BTreeMap<String, i64>,
    /// The outbox's backlog.
    pub outbox: OutboxSummary,
    /// Open reconciliation findings per gate (empty until gates exist).
    pub open_findings: BTreeMap<String, i64>,
    /// The 10 newest ledger transactions with their postings.
    pub recent_transactions: Vec<TransactionView>,
    /// The thresholds the server's gates use, so clients colour ages the same way.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The manual-review queue at a glance.
    #[serde(default)]
    pub manual_review: ManualReview,
}

/// The ages past which the `payout_finality` gate flags a hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thresholds {
    /// A hold `reserved` or `submitted` longer than this many seconds is stuck.
    pub hold_stuck_after_secs: i64,
    /// A hold in `manual_review` longer than this many seconds is past its SLA.
    pub manual_review_sla_secs: i64,
}

impl Thresholds {
    /// The server's defaults (its `GateConfig` and flags start from these):
    /// 15 minutes and 4 hours.
    pub const DEFAULT: Thresholds = Thresholds { hold_stuck_after_secs: 900, manual_review_sla_secs: 14_400 };
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds::DEFAULT
    }
}

/// The manual-review queue at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualReview {
    /// Holds in `manual_review` now.
    pub count: i64,
    /// Seconds the longest-waiting of them has been there (since its last
    /// change, as the gate counts it); `null` when the queue is empty.
    pub oldest_age_seconds: Option<i64>,
}

/// Who the caller is (`GET /v1/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// The token's operator name.
    pub name: String,
    /// The token's role.
    pub role: Role,
    /// The id of the token that answered (`ldk_<id>_…`); `null` for an
    /// older server that does not say.
    #[serde(default)]
    pub token_id: Option<String>,
    /// How the caller signed in: `token` or `sso`.
    #[serde(default)]
    pub sign_in: crate::tokens::SignIn,
    /// The verified email an SSO session is bound to.
    #[serde(default)]
    pub email: Option<String>,
    /// When the token stops working (RFC 3339); `null`: never.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// One merchant at a glance (`GET /v1/merchants/{merchant_id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantView {
    /// The merchant's id.
    pub merchant_id: String,
    /// Its wallets with their balances, by currency then id.
    pub wallets: Vec<WalletView>,
    /// How many of its holds are in each status.
    pub holds_by_status: BTreeMap<String, i64>,
    /// The flag rows that apply to it: global ones, its merchant rows, and the currency rows of its wallets' currencies.
    pub flags: Vec<FeatureFlag>,
    /// Its ten newest ledger transactions (those touching its wallets), newest first.
    pub recent_transactions: Vec<TransactionView>,
}
