//! Wire types of the exports (`GET /v1/exports/{kind}`): what can be
//! exported, in which format, with which filters, and how far an export has
//! come ([`ExportProgress`], counted by [`RecordCounter`]).
//!
//! An export streams every record its filter selects, as CSV (`Accept:
//! text/csv`, a header row, RFC 4180 quoting) or JSON lines (`Accept:
//! application/x-ndjson`, one JSON object per line). Each record is the
//! list route's item: `/v1/wallets/{id}/statement`, `/v1/transactions`,
//! `/v1/holds`, `/v1/gates/{gate}/findings`, `/v1/audit`, `/v1/accounts`.

use serde::{Deserialize, Serialize};

/// What an export reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// A wallet's statement lines (`wallet_id` required).
    Statement,
    /// Ledger transactions with their postings (CSV: one row per posting).
    Transactions,
    /// Payout holds.
    Holds,
    /// Reconciliation findings of every gate, or of one.
    Findings,
    /// The audit log.
    Audit,
    /// The chart of accounts with balances.
    Accounts,
}

impl ExportKind {
    /// Every kind, in the order above.
    pub const ALL: [ExportKind; 6] = [
        ExportKind::Statement,
        ExportKind::Transactions,
        ExportKind::Holds,
        ExportKind::Findings,
        ExportKind::Audit,
        ExportKind::Accounts,
    ];

    /// The kind as it stands in the route.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Statement => "statement",
            ExportKind::Transactions => "transactions",
            ExportKind::Holds => "holds",
            ExportKind::Findings => "findings",
            ExportKind::Audit => "audit",
            ExportKind::Accounts => "accounts",
        }
    }

    /// The filters of [`ExportQuery`] this kind takes; any other one given is
    /// refused with `VALIDATION_FAILED` naming it.
    pub fn filters(self) -> &'static [&'static str] {
        match self {
            ExportKind::Statement => &["wallet_id", "from", "to", "as_of"],
            ExportKind::Transactions => &["wallet_id", "from", "to", "kind", "reference"],
            ExportKind::Holds => {
                &["wallet_id", "status", "merchant_id", "provider", "currency", "older_than_seconds", "reference"]
            }
            ExportKind::Findings => &["gate", "status"],
            ExportKind::Audit => &["from", "to", "actor", "action", "outcome", "reference"],
            ExportKind::Accounts => &["wallet_id", "currency", "account_kind", "system"],
        }
    }
}

impl std::fmt::Display for ExportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ExportKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ExportKind::ALL.into_iter().find(|k| k.as_str() == text).ok_or_else(|| {
            let names: Vec<&str> = ExportKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("{text:?} is not an export kind; one of {}", names.join(", "))
        })
    }
}

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// CSV with a header row (`text/csv`).
    Csv,
    /// One JSON object per line (`application/x-ndjson`).
    Jsonl,
}

impl ExportFormat {
    /// The media type asked for in `Accept` and answered in `Content-Type`.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv",
            ExportFormat::Jsonl => "application/x-ndjson",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The format an `Accept` header asks for: `text/csv`,
    /// `application/x-ndjson` or `application/jsonl` (parameters and
    /// case ignored; the first one listed that is known wins). `None` when
    /// it names neither.
    pub fn from_accept(accept: &str) -> Option<ExportFormat> {
        accept.split(',').find_map(|part| {
            let media = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            match media.as_str() {
                "text/csv" => Some(ExportFormat::Csv),
                "application/x-ndjson" | "application/jsonl" => Some(ExportFormat::Jsonl),
                _ => None,
            }
        })
    }
}

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" | "ndjson" => Ok(ExportFormat::Jsonl),
            other => Err(format!("{other:?} is not an export format; csv or jsonl")),
        }
    }
}

/// The filters of every export kind; each kind takes the ones
/// [`ExportKind::filters`] lists. `None` fields are left out of the query
/// string. Times are RFC 3339, `from` inclusive and `to` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// statement (required), transactions, holds, accounts: only this wallet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<String>,
    /// statement, transactions (booked time), audit: at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-01-01T00:00:00Z"))]
    pub from: Option<String>,
    /// statement, transactions (booked time), audit: before this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-02-01T00:00:00Z"))]
    pub to: Option<String>,
    /// statement: only lines whose effective time is at or before this, in
    /// effective order, with the running balance by effective time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(format = DateTime, example = "2026-01-31T23:59:59Z"))]
    pub as_of: Option<String>,
    /// transactions: only this transaction kind, e.g. `payin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// holds: a hold status; findings: `OPEN` or `RESOLVED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// holds: only this merchant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    /// holds: only this provider's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// holds, accounts: only this currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// holds: only those reserved more than this many seconds ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub older_than_seconds: Option<i64>,
    /// transactions, holds, audit: the list's exact `reference` filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// findings: only this gate's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    /// audit: only this operator's records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// audit: only this action, e.g. `release_hold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// audit: `posted`, `replayed`, `refused` or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// accounts: only this account kind, e.g. `payout_clearing`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_kind: Option<String>,
    /// accounts: `true` only system accounts, `false` only wallet accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<bool>,
}

impl ExportQuery {
    /// The names of the filters that are set, in field order.
    pub fn given(&self) -> Vec<&'static str> {
        let set = [
            ("wallet_id", self.wallet_id.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("as_of", self.as_of.is_some()),
            ("kind", self.kind.is_some()),
            ("status", self.status.is_some()),
            ("merchant_id", self.merchant_id.is_some()),
            ("provider", self.provider.is_some()),
            ("currency", self.currency.is_some()),
            ("older_than_seconds", self.older_than_seconds.is_some()),
            ("reference", self.reference.is_some()),
            ("gate", self.gate.is_some()),
            ("actor", self.actor.is_some()),
            ("action", self.action.is_some()),
            ("outcome", self.outcome.is_some()),
            ("account_kind", self.account_kind.is_some()),
            ("system", self.system.is_some()),
        ];
        set.into_iter().filter(|(_, on)| *on).map(|(name, _)| name).collect()
    }
}

/// How far an export has come: records and bytes received so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportProgress {
    /// Records received (CSV: rows after the header; JSON lines: lines).
    pub rows: u64,
    /// Bytes received.
    pub bytes: u64,
}

/// Counts the records of an export as its bytes pass, chunk by chunk: for
/// CSV a record ends at a line feed outside quotes (a quoted cell may hold
/// line feeds) and the header is not counted; for JSON lines every line
/// feed ends one (JSON strings escape theirs).
#[derive(Debug, Clone)]
pub struct RecordCounter {
    format: ExportFormat,
    in_quotes: bool,
    header_done: bool,
    progress: ExportProgress,
}

impl RecordCounter {
    /// A counter for an export in `format`.
    pub fn new(format: ExportFormat) -> Self {
        RecordCounter { format, in_quotes: false, header_done: false, progress: ExportProgress::default() }
    }

    /// Counts `chunk`, the next bytes of the export.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.progress.bytes += chunk.len() as u64;
        match self.format {
            ExportFormat::Jsonl => {
                self.progress.rows += chunk.iter().filter(|b| **b == b'\n').count() as u64;
            }
            ExportFormat::Csv => {
                for byte in chunk {
                    match byte {
                        // A doubled quote inside quotes toggles twice: no change.
                        b'"' => self.in_quotes = !self.in_quotes,
                        b'\n' if !self.in_quotes => {
                            if self.header_done {
                                self.progress.rows += 1;
                            } else {
                                self.header_done = true;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Records and bytes counted so far.
    pub fn progress(&self) -> ExportProgress {
        self.progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_formats_round_trip_through_text() {
        for kind in ExportKind::ALL {
            assert_eq!(kind.to_string().parse::<ExportKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert!("ledger".parse::<ExportKind>().is_err());
        assert_eq!("csv".parse::<ExportFormat>(), Ok(ExportFormat::Csv));
        assert_eq!("jsonl".parse::<ExportFormat>(), Ok(ExportFormat::Jsonl));
        assert!("xlsx".parse::<ExportFormat>().is_err());
    }

    #[test]
    fn accept_headers_choose_the_format() {
        assert_eq!(ExportFormat::from_accept("text/csv"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::from_accept("Text/CSV; charset=utf-8"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::from_accept("application/x-ndjson"), Some(ExportFormat::Jsonl));
        assert_eq!(ExportFormat::from_accept("application/jsonl"), Some(ExportFormat::Jsonl));
        assert_eq!(ExportFormat::from_accept("text/html, application/jsonl"), Some(ExportFormat::Jsonl));
        assert_eq!(ExportFormat::from_accept("application/json"), None);
        assert_eq!(ExportFormat::from_accept("*/*"), None);
    }

    #[test]
    fn unset_filters_stay_out_of_the_query_string() {
        let query = ExportQuery { wallet_id: Some("w-1".into()), system: Some(false), ..Default::default() };
        assert_eq!(serde_json::to_value(&query).unwrap(), serde_json::json!({"wallet_id": "w-1", "system": false}));
        assert_eq!(query.given(), ["wallet_id", "system"]);
    }

    /// Rows are counted at record ends outside quotes, across chunk
    /// boundaries, without the header.
    #[test]
    fn csv_records_are_counted_outside_quotes_and_without_the_header() {
        let text = b"id,label\n1,\"two\nlines\"\n2,\"say \"\"hi\"\"\n\"\n3,plain\n";
        for split in 0..text.len() {
            let mut counter = RecordCounter::new(ExportFormat::Csv);
            counter.feed(&text[..split]);
            counter.feed(&text[split..]);
            assert_eq!(counter.progress(), ExportProgress { rows: 3, bytes: text.len() as u64 }, "split {split}");
        }
        let mut lines = RecordCounter::new(ExportFormat::Jsonl);
        lines.feed(b"{\"a\":\"x\\ny\"}\n{\"a\":1}\n");
        assert_eq!(lines.progress().rows, 2);
    }
}
