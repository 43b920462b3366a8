//! Four eyes on the wire: the approval policies that put commands under a
//! second operator's approval, and the proposals those commands become.

use crate::CommandResult;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A policy putting a command under approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalPolicy {
    /// The command governed.
    pub command: String,
    /// Only calls moving at least this much in `currency` need approval;
    /// `None`: every call does.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "1000.00"))]
    pub threshold: Option<Decimal>,
    /// The threshold's currency.
    pub currency: Option<String>,
    /// For calls in another currency than the threshold's: `apply` (they
    /// need approval) or `skip` (they do not).
    pub other_currencies: String,
    /// Who set it.
    pub set_by: String,
    /// When (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub set_at: String,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Waiting for a second operator.
    Pending,
    /// Approved and executed.
    Executed,
    /// Rejected.
    Rejected,
    /// Approved, but its execution was refused (its code is kept).
    Failed,
    /// Not decided in time; it can no longer be approved.
    Expired,
}

impl ProposalStatus {
    /// The status as it stands on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Executed => "executed",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Failed => "failed",
            ProposalStatus::Expired => "expired",
        }
    }
}

/// A command waiting for (or past) a second operator's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalView {
    /// The proposal's id (`prop_…`).
    pub id: String,
    /// The command proposed.
    pub command: String,
    /// Its exact parameters, as they will run.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: serde_json::Value,
    /// What it will move where, in words.
    pub summary: String,
    /// The amount it moves, when it states one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "250000.00"))]
    pub amount: Option<Decimal>,
    /// That amount's currency.
    pub currency: Option<String>,
    /// Who proposed it.
    pub proposer: String,
    /// Where it stands.
    pub status: ProposalStatus,
    /// When it was proposed (RFC 3339, UTC).
    pub created_at: String,
    /// When it can no longer be approved (RFC 3339, UTC).
    pub expires_at: String,
    /// Who decided it.
    pub decided_by: Option<String>,
    /// When (RFC 3339, UTC).
    pub decided_at: Option<String>,
    /// The decider's reason.
    pub decision_reason: Option<String>,
    /// The code its execution was refused with (`failed`).
    pub error_code: Option<String>,
    /// Why, for people.
    pub error_detail: Option<String>,
    /// What its execution did (`executed`).
    pub result: Option<CommandResult>,
}

/// Query parameters of `GET /v1/approvals`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    /// Only proposals in this status (`pending` lists the queue, oldest first;
    /// otherwise newest first).
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
