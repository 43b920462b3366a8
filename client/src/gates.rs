//! Wire types of the reconciliation gates: each gate's status and last run,
//! run history, and findings with their expected and actual figures.

use serde::{Deserialize, Serialize};

/// The gates, in the order they are shown.
pub const GATES: [&str; 5] =
    ["ledger_balanced", "wallet_drift", "holds_drift", "payout_finality", "deposit_reconciliation"];

/// The statuses a finding can have.
pub const FINDING_STATUSES: [&str; 2] = ["OPEN", "RESOLVED"];

/// How a gate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    /// Nothing found.
    Green,
    /// Only warnings (a hold waiting too long), or the last run failed.
    Amber,
    /// Money does not add up somewhere.
    Red,
    /// The gate has never run.
    Unknown,
}

impl GateStatus {
    /// The status as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            GateStatus::Green => "green",
            GateStatus::Amber => "amber",
            GateStatus::Red => "red",
            GateStatus::Unknown => "unknown",
        }
    }

    /// Parses a stored status; anything unrecognised is `Unknown`.
    pub fn parse(text: &str) -> GateStatus {
        match text {
            "green" => GateStatus::Green,
            "amber" => GateStatus::Amber,
            "red" => GateStatus::Red,
            _ => GateStatus::Unknown,
        }
    }
}

/// One gate with its last run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateView {
    /// The gate's name, e.g. `wallet_drift`.
    pub gate: String,
    /// What it checks, for people.
    pub title: String,
    /// Its status after the last run (`unknown` before the first).
    pub status: GateStatus,
    /// Findings open now.
    pub open_findings: i64,
    /// The last run, if any.
    pub last_run: Option<GateRunView>,
}

/// One gate's part of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateRunView {
    /// The run's id (shared by the gates run together).
    pub run_id: String,
    /// The gate.
    pub gate: String,
    /// `full` (everything checked) or `routine` (only what changed since the last run).
    pub mode: String,
    /// `schedule`, or the operator who asked for it.
    pub trigger: String,
    /// The gate's status after this run.
    pub status: GateStatus,
    /// Subjects examined (accounts, wallets or holds).
    pub checked: i64,
    /// Findings open after the run.
    pub open: i64,
    /// Findings this run opened or reopened.
    pub flagged: i64,
    /// Findings this run resolved.
    pub resolved: i64,
    /// Why the run failed, if it did.
    pub error: Option<String>,
    /// When it started (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub started_at: String,
    /// How long the gate took, in microseconds.
    pub duration_micros: i64,
}

/// Everything one run did, as announced by the `gate.run_finished` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GateRunSummary {
    /// The run's id.
    pub run_id: String,
    /// `full` or `routine`.
    pub mode: String,
    /// `schedule`, or the operator who asked for it.
    pub trigger: String,
    /// Each gate's part, in gate order.
    pub gates: Vec<GateRunView>,
}

/// A finding: something a gate saw that does not add up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingView {
    /// The finding's id.
    pub id: String,
    /// The gate that raised it.
    pub gate: String,
    /// What it is about: a transaction, account, wallet, hold or currency.
    pub subject: String,
    /// What is wrong, e.g. `statement_balance_mismatch`.
    pub code: String,
    /// `OPEN` or `RESOLVED`.
    pub status: String,
    /// `red` (money does not add up) or `amber` (something waits too long).
    pub severity: String,
    /// The figures' unit: a currency code, `seconds` or `count`.
    pub unit: String,
    /// The figure it should be (a decimal string at the currency's scale).
    #[cfg_attr(feature = "openapi", schema(example = "1250.00"))]
    pub expected: String,
    /// The figure found.
    #[cfg_attr(feature = "openapi", schema(example = "1200.00"))]
    pub actual: String,
    /// A sentence for people.
    pub detail: String,
    /// When it was first seen (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub first_seen_at: String,
    /// When it was last opened (first seen, or reopened).
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub opened_at: String,
    /// When it was resolved, while it is.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2026-01-31T09:30:00.000000Z"))]
    pub resolved_at: Option<String>,
    /// How many times it has been opened (1, then more each time it recurs).
    pub times_opened: i64,
    /// The statement line a `wallet_drift` finding is about, by posting seq:
    /// the first broken line (`statement_running_balance`), or the last line
    /// (`statement_balance_mismatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posting_seq: Option<i64>,
}

/// Parameters of `GET /v1/gates/{gate}/findings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// Only `OPEN` or only `RESOLVED` findings.
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Parameters of `GET /v1/gates/runs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct GateRunQuery {
    /// Only this gate's runs.
    pub gate: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
