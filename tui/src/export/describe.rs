//! What an export is, in words and in a file name: `holds · status
//! manual_review · merchant m-acme`, `ledgerdeck-holds-20260131-093000.csv`.

use crate::data::{ExportFormat, ExportKind, ExportQuery};
use chrono::{DateTime, Utc};

/// The other format.
pub fn toggled(format: ExportFormat) -> ExportFormat {
    match format {
        ExportFormat::Csv => ExportFormat::Jsonl,
        ExportFormat::Jsonl => ExportFormat::Csv,
    }
}

/// The filters of `query` in words, in the order the prompt says them.
pub fn filters(query: &ExportQuery) -> Vec<String> {
    let text = [
        ("wallet", &query.wallet_id),
        ("from", &query.from),
        ("to", &query.to),
        ("as of", &query.as_of),
        ("kind", &query.kind),
        ("status", &query.status),
        ("merchant", &query.merchant_id),
        ("provider", &query.provider),
        ("currency", &query.currency),
        ("reference", &query.reference),
        ("gate", &query.gate),
        ("actor", &query.actor),
        ("action", &query.action),
        ("outcome", &query.outcome),
        ("account kind", &query.account_kind),
    ];
    let mut out: Vec<String> = text
        .iter()
        .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {}", crate::sanitize::clean(v))))
        .collect();
    if let Some(secs) = query.older_than_seconds {
        out.push(format!("older than {}", crate::widgets::age(secs)));
    }
    match query.system {
        Some(true) => out.push("system accounts".into()),
        Some(false) => out.push("wallet accounts".into()),
        None => {}
    }
    out
}

/// What is exported, in one line: the kind, then its filters (or "all").
pub fn describe(kind: ExportKind, query: &ExportQuery) -> String {
    let filters = filters(query);
    let filters = if filters.is_empty() { "all".to_string() } else { filters.join(" · ") };
    format!("{} · {filters}", kind.as_str())
}

/// The file name an export starts with: `ledgerdeck-<kind>-<YYYYMMDD-HHMMSS>.<ext>`, at `now` (UTC).
pub fn file_name(kind: ExportKind, format: ExportFormat, now: DateTime<Utc>) -> String {
    format!("ledgerdeck-{}-{}.{}", kind.as_str(), now.format("%Y%m%d-%H%M%S"), format.extension())
}

/// `path` with its extension following `format`, if it ends in the other
/// format's (a name the operator chose otherwise is kept).
pub fn with_extension(path: &str, format: ExportFormat) -> String {
    let other = toggled(format).extension();
    match path.strip_suffix(&format!(".{other}")) {
        Some(stem) => format!("{stem}.{}", format.extension()),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prompt names the kind and every filter that applies, and says
    /// "all" when none does.
    #[test]
    fn an_export_is_described_by_its_kind_and_filters() {
        let query = ExportQuery {
            status: Some("manual_review".into()),
            merchant_id: Some("m-acme".into()),
            older_than_seconds: Some(7200),
            ..ExportQuery::default()
        };
        assert_eq!(
            describe(ExportKind::Holds, &query),
            "holds · status manual_review · merchant m-acme · older than 2h 00m"
        );
        assert_eq!(describe(ExportKind::Audit, &ExportQuery::default()), "audit · all");
        let system = ExportQuery { system: Some(true), ..ExportQuery::default() };
        assert_eq!(describe(ExportKind::Accounts, &system), "accounts · system accounts");
    }

    /// Server text in a filter is drawn inert.
    #[test]
    fn filter_text_is_made_inert() {
        let query = ExportQuery { actor: Some("ops\x1b[2J-alice".into()), ..ExportQuery::default() };
        assert_eq!(describe(ExportKind::Audit, &query), "audit · actor ops-alice");
    }

    /// The default name carries the kind, the time and the format; the
    /// extension follows the format only when it is the other format's.
    #[test]
    fn names_and_extensions() {
        let now = DateTime::parse_from_rfc3339("2026-01-31T09:30:05Z").unwrap().with_timezone(&Utc);
        assert_eq!(file_name(ExportKind::Holds, ExportFormat::Csv, now), "ledgerdeck-holds-20260131-093005.csv");
        assert_eq!(with_extension("/tmp/a.csv", ExportFormat::Jsonl), "/tmp/a.jsonl");
        assert_eq!(with_extension("/tmp/a.jsonl", ExportFormat::Csv), "/tmp/a.csv");
        assert_eq!(with_extension("/tmp/a.txt", ExportFormat::Jsonl), "/tmp/a.txt");
    }
}
