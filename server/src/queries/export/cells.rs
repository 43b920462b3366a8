//! Records as CSV rows and JSON lines.
//!
//! CSV goes through the `csv` crate (RFC 4180 quoting, CRLF record ends), a
//! header row first, one column per field of the list route's item (a
//! transaction's row per posting repeats the transaction's fields). Money
//! is the decimal string at the currency's scale, times RFC 3339 UTC, an
//! absent value an empty cell.
//!
//! Every CSV cell is [`neutralise`]d against spreadsheet formula injection.
//! JSON lines are not: they are not opened by spreadsheets, and a JSON
//! string is data to any JSON reader.

use crate::error::{LedgerError, LedgerResult};
use ledgerdeck_client::{AccountView, AuditEntry, FindingView, HoldView, StatementLine, TransactionView};
use serde::Serialize;

/// A cell that a spreadsheet would read as a formula gets a leading `'`
/// (the OWASP rule): one beginning with `=`, `+`, `-`, `@`, a tab or a
/// carriage return. A plain decimal number (`-12.50`: an optional minus,
/// digits, an optional point and digits) is left as it is, so negative
/// amounts stay numbers.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = matches!(cell.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    if risky && !is_plain_decimal(cell) { format!("'{cell}").into() } else { cell.into() }
}

fn is_plain_decimal(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// A record of an export: its CSV header, its rows, its JSON line.
pub(crate) trait Record: Serialize {
    /// The CSV header.
    const HEADER: &'static [&'static str];
    /// Its CSV rows (one, or one per posting).
    fn rows(&self, out: &mut Vec<Vec<String>>);
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

impl Record for StatementLine {
    const HEADER: &'static [&'static str] = &[
        "posting_seq",
        "account",
        "account_id",
        "transaction_id",
        "amount",
        "balance_after",
        "description",
        "booked_at",
        "effective_at",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        let account = match self.account {
            ledgerdeck_client::BalanceKind::Available => "available",
            ledgerdeck_client::BalanceKind::Reserved => "reserved",
        };
        out.push(vec![
            self.posting_seq.to_string(),
            account.into(),
            self.account_id.clone(),
            self.transaction_id.clone(),
            self.amount.to_string(),
            self.balance_after.to_string(),
            self.description.clone(),
            self.booked_at.clone(),
            self.effective_at.clone(),
        ]);
    }
}

impl Record for TransactionView {
    const HEADER: &'static [&'static str] = &[
        "id",
        "kind",
        "reference",
        "description",
        "hold_id",
        "reverses_id",
        "reversed_by",
        "booked_at",
        "effective_at",
        "posting_seq",
        "account_id",
        "currency",
        "amount",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        for posting in &self.postings {
            out.push(vec![
                self.id.clone(),
                self.kind.clone(),
                opt(&self.reference),
                self.description.clone(),
                opt(&self.hold_id),
                opt(&self.reverses_id),
                opt(&self.reversed_by),
                self.booked_at.clone(),
                self.effective_at.clone(),
                posting.seq.to_string(),
                posting.account_id.clone(),
                posting.currency.clone(),
                posting.amount.to_string(),
            ]);
        }
    }
}

impl Record for HoldView {
    const HEADER: &'static [&'static str] = &[
        "id",
        "wallet_id",
        "merchant_id",
        "currency",
        "amount",
        "provider",
        "reference",
        "status",
        "provider_reference",
        "reason",
        "reserve_txn_id",
        "final_txn_id",
        "created_at",
        "updated_at",
        "age_seconds",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.wallet_id.clone(),
            self.merchant_id.clone(),
            self.currency.clone(),
            self.amount.to_string(),
            self.provider.clone(),
            self.reference.clone(),
            self.status.clone(),
            opt(&self.provider_reference),
            opt(&self.reason),
            self.reserve_txn_id.clone(),
            opt(&self.final_txn_id),
            self.created_at.clone(),
            self.updated_at.clone(),
            self.age_seconds.to_string(),
        ]);
    }
}

impl Record for FindingView {
    const HEADER: &'static [&'static str] = &[
        "id",
        "gate",
        "subject",
        "code",
        "status",
        "severity",
        "unit",
        "expected",
        "actual",
        "detail",
        "first_seen_at",
        "opened_at",
        "resolved_at",
        "times_opened",
        "posting_seq",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.gate.clone(),
            self.subject.clone(),
            self.code.clone(),
            self.status.clone(),
            self.severity.clone(),
            self.unit.clone(),
            self.expected.clone(),
            self.actual.clone(),
            self.detail.clone(),
            self.first_seen_at.clone(),
            self.opened_at.clone(),
            opt(&self.resolved_at),
            self.times_opened.to_string(),
            self.posting_seq.map(|s| s.to_string()).unwrap_or_default(),
        ]);
    }
}

impl Record for AuditEntry {
    const HEADER: &'static [&'static str] = &[
        "id",
        "at",
        "actor",
        "action",
        "idempotency_key",
        "outcome",
        "error_code",
        "subject_id",
        "detail",
        "duration_micros",
    ];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.at.clone(),
            self.actor.clone(),
            self.action.clone(),
            opt(&self.idempotency_key),
            self.outcome.clone(),
            opt(&self.error_code),
            opt(&self.subject_id),
            opt(&self.detail),
            self.duration_micros.to_string(),
        ]);
    }
}

impl Record for AccountView {
    const HEADER: &'static [&'static str] =
        &["id", "kind", "currency", "wallet_id", "balance", "allow_negative", "created_at"];
    fn rows(&self, out: &mut Vec<Vec<String>>) {
        out.push(vec![
            self.id.clone(),
            self.kind.clone(),
            self.currency.clone(),
            opt(&self.wallet_id),
            self.balance.to_string(),
            self.allow_negative.to_string(),
            self.created_at.clone(),
        ]);
    }
}

/// `records` as CSV (after the header when `header`) or JSON lines.
pub(crate) fn render<R: Record>(
    records: &[R],
    format: ledgerdeck_client::ExportFormat,
    header: bool,
) -> LedgerResult<Vec<u8>> {
    let failed = |e: &dyn std::fmt::Display| LedgerError::Internal(format!("cannot render an export: {e}"));
    let mut out = Vec::new();
    match format {
        ledgerdeck_client::ExportFormat::Jsonl => {
            for record in records {
                serde_json::to_writer(&mut out, record).map_err(|e| failed(&e))?;
                out.push(b'\n');
            }
        }
        ledgerdeck_client::ExportFormat::Csv => {
            let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
            if header {
                writer.write_record(R::HEADER).map_err(|e| failed(&e))?;
            }
            let mut rows = Vec::new();
            for record in records {
                rows.clear();
                record.rows(&mut rows);
                for row in &rows {
                    writer
                        .write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
                        .map_err(|e| failed(&e))?;
                }
            }
            writer.flush().map_err(|e| failed(&e))?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_numbers_are_not() {
        for risky in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "@SUM(A1)", "-1+2", "\tx", "\rx", "-", "-.5", "=1"] {
            assert_eq!(neutralise(risky), format!("'{risky}"), "{risky:?}");
        }
        for plain in ["-12.50", "-0.05", "12.50", "-3", "hello", "", "a=b", "2026-01-31T09:30:00.000000Z"] {
            assert_eq!(neutralise(plain), plain, "{plain:?}");
        }
    }
}
