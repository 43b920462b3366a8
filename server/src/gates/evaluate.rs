//! Turning what the scans read into each gate's findings: pure functions.

use super::scan::{BrokenLine, DepositScan, FinalityScan, LedgerScan, ReservedFigures, Scan, StatementScan, Timed};
use super::{Gate, Mode};
use std::collections::{BTreeMap, HashMap};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Severity {
    /// Money does not add up.
    Red,
    /// Something waits too long.
    Amber,
}

impl Severity {
    pub(super) fn name(self) -> &'static str {
        match self {
            Severity::Red => "red",
            Severity::Amber => "amber",
        }
    }
}

/// A finding as a scan saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Observed {
    pub subject: String,
    pub code: &'static str,
    pub severity: Severity,
    /// A currency code (figures in its minor units), `seconds` or `count`.
    pub unit: String,
    pub expected: i64,
    pub actual: i64,
    pub detail: String,
    /// The statement line it is about (wallet_drift), by posting seq.
    pub line: Option<i64>,
}

/// One gate's part of a run.
#[derive(Debug, Clone)]
pub(super) struct GateResult {
    pub gate: Gate,
    /// Subjects examined.
    pub checked: i64,
    pub observed: Vec<Observed>,
    /// The codes this run checked over everything, so may resolve.
    pub complete: Vec<&'static str>,
    /// Why the scan failed, if it did (then nothing is resolved).
    pub error: Option<String>,
    pub micros: i64,
}

/// The finding codes of each gate: the ones a routine run also checks
/// completely come second.
fn codes(gate: Gate, mode: Mode) -> Vec<&'static str> {
    let (always, full_only): (&[&str], &[&str]) = match gate {
        Gate::LedgerBalanced => (&[], &["transaction_unbalanced", "currency_unbalanced", "balance_mismatch"]),
        Gate::WalletDrift => (&[], &["statement_running_balance", "statement_balance_mismatch"]),
        Gate::HoldsDrift => (&["holds_reserved_mismatch"], &[]),
        Gate::PayoutFinality => (&["hold_stuck", "manual_review_overdue"], &["final_transaction_missing"]),
        Gate::DepositReconciliation => {
            (&["deposit_not_credited", "deposit_unconfirmed", "deposit_amount_mismatch"], &[])
        }
    };
    let mut codes = always.to_vec();
    if mode == Mode::Full {
        codes.extend_from_slice(full_only);
    }
    codes
}

/// Evaluates `gate` from `scan`.
pub(super) fn gate(gate: Gate, mode: Mode, scan: &Scan) -> GateResult {
    let outcome = match gate {
        Gate::LedgerBalanced => from(&scan.ledger, ledger_balanced),
        Gate::WalletDrift => from(&scan.statements, wallet_drift),
        Gate::HoldsDrift => from(&scan.holds, |h| holds_drift(h)),
        Gate::PayoutFinality => from(&scan.finality, payout_finality),
        Gate::DepositReconciliation => from(&scan.deposits, deposit_reconciliation),
    };
    let (checked, observed, error, micros) = outcome;
    let complete = if error.is_some() { Vec::new() } else { codes(gate, mode) };
    GateResult { gate, checked, observed, complete, error, micros }
}

type Evaluated = (i64, Vec<Observed>, Option<String>, i64);

fn from<T>(timed: &Option<Timed<T>>, evaluate: impl Fn(&T) -> (i64, Vec<Observed>)) -> Evaluated {
    match timed {
        None => (0, Vec::new(), Some("not scanned".into()), 0),
        Some(Timed { data: Ok(data), micros }) => {
            let (checked, observed) = evaluate(data);
            (checked, observed, None, *micros)
        }
        Some(Timed { data: Err(e), micros }) => (0, Vec::new(), Some(e.to_string()), *micros),
    }
}

fn money(subject: String, code: &'static str, currency: &str, expected: i64, actual: i64, detail: String) -> Observed {
    Observed { subject, code, severity: Severity::Red, unit: currency.into(), expected, actual, detail, line: None }
}

fn ledger_balanced(scan: &LedgerScan) -> (i64, Vec<Observed>) {
    let mut found: Vec<Observed> = scan
        .unbalanced
        .iter()
        .map(|(txn, currency, total)| {
            let detail = format!("the postings of transaction {txn} in {currency} do not sum to zero");
            money(format!("{txn}/{currency}"), "transaction_unbalanced", currency, 0, *total, detail)
        })
        .collect();
    let mut by_currency: BTreeMap<&str, i128> = BTreeMap::new();
    for account in &scan.accounts {
        *by_currency.entry(&account.currency).or_default() += i128::from(account.posting_sum);
        if account.balance != account.posting_sum {
            let detail = "the stored balance differs from the sum of the account's postings".to_string();
            found.push(money(
                account.account_id.clone(),
                "balance_mismatch",
                &account.currency,
                account.posting_sum,
                account.balance,
                detail,
            ));
        }
    }
    for (currency, total) in by_currency.into_iter().filter(|(_, t)| *t != 0) {
        let total = i64::try_from(total).unwrap_or(if total > 0 { i64::MAX } else { i64::MIN });
        let detail = format!("all postings in {currency} together do not sum to zero");
        found.push(money(currency.to_string(), "currency_unbalanced", currency, 0, total, detail));
    }
    (scan.accounts.len() as i64, found)
}

fn wallet_drift(scan: &StatementScan) -> (i64, Vec<Observed>) {
    let currency_of: HashMap<&str, &str> =
        scan.ends.iter().map(|e| (e.account_id.as_str(), e.currency.as_str())).collect();
    let mut found = Vec::new();
    let mut first_broken: BTreeMap<&str, &BrokenLine> = BTreeMap::new();
    for line in &scan.broken {
        let earliest = first_broken.entry(&line.account_id).or_insert(line);
        if line.posting_seq < earliest.posting_seq {
            *earliest = line;
        }
    }
    for (account, line) in first_broken {
        let currency = currency_of.get(account).copied().unwrap_or("");
        let detail = format!(
            "statement line of posting #{} does not equal the previous balance plus its amount",
            line.posting_seq
        );
        let broken = money(account.into(), "statement_running_balance", currency, line.expected, line.actual, detail);
        found.push(Observed { line: Some(line.posting_seq), ..broken });
    }
    for end in scan.ends.iter().filter(|e| e.balance != e.last_line.1) {
        let detail = "the statement's closing balance differs from the ledger balance".to_string();
        let off = money(
            end.account_id.clone(),
            "statement_balance_mismatch",
            &end.currency,
            end.balance,
            end.last_line.1,
            detail,
        );
        found.push(Observed { line: (end.last_line.0 > 0).then_some(end.last_line.0), ..off });
    }
    (scan.ends.len() as i64, found)
}

fn holds_drift(wallets: &[ReservedFigures]) -> (i64, Vec<Observed>) {
    let found = wallets
        .iter()
        .filter(|w| w.open_holds != w.reserved)
        .map(|w| {
            let detail = "the wallet's open holds do not sum to its reserved balance".to_string();
            money(w.wallet_id.clone(), "holds_reserved_mismatch", &w.currency, w.open_holds, w.reserved, detail)
        })
        .collect();
    (wallets.len() as i64, found)
}

fn payout_finality(scan: &FinalityScan) -> (i64, Vec<Observed>) {
    let seconds = |micros: i64| micros / 1_000_000;
    let mut found = Vec::new();
    for hold in &scan.flagged {
        let age = seconds(scan.now - hold.since);
        let (code, severity, unit, expected, actual, detail) = match hold.status.as_str() {
            "settled" | "released" if !hold.has_final_txn => (
                "final_transaction_missing",
                Severity::Red,
                "count",
                1,
                0,
                format!("the hold is {} but its ledger transaction is missing", hold.status),
            ),
            "reserved" | "submitted" if hold.since < scan.stuck_before => (
                "hold_stuck",
                Severity::Amber,
                "seconds",
                seconds(scan.now - scan.stuck_before),
                age,
                format!("the hold has been {} longer than the stuck threshold", hold.status),
            ),
            "manual_review" if hold.since < scan.overdue_before => (
                "manual_review_overdue",
                Severity::Amber,
                "seconds",
                seconds(scan.now - scan.overdue_before),
                age,
                "the hold has waited in manual review longer than its SLA".to_string(),
            ),
            _ => continue,
        };
        found.push(Observed {
            subject: hold.hold_id.clone(),
            code,
            severity,
            unit: unit.into(),
            expected,
            actual,
            detail,
            line: None,
        });
    }
    (scan.holds, found)
}

/// The provider's confirmed amount in minor units at `scale`, if it reads
/// as one exactly.
fn minor_units(text: &str, scale: u32) -> Option<i64> {
    // The ledger's own amount rule; the code only names the currency in a
    // message that is not kept.
    let currency = crate::money::Currency { code: String::new(), scale };
    currency.parse_positive("amount", text.trim()).ok()
}

fn deposit_reconciliation(scan: &DepositScan) -> (i64, Vec<Observed>) {
    let mut found = Vec::new();
    for d in &scan.seen {
        let subject = format!("{}/{}", d.provider, d.provider_reference);
        let count = |code, severity, detail: String| Observed {
            subject: subject.clone(),
            code,
            severity,
            unit: "count".into(),
            expected: 1,
            actual: 0,
            detail,
            line: None,
        };
        let confirmed = d.confirmed.first();
        match (confirmed, &d.credited) {
            (Some(amount), None) => found.push(count(
                "deposit_not_credited",
                Severity::Red,
                format!("{} confirmed a deposit of {amount} that the ledger never credited", d.provider),
            )),
            (None, Some(_)) if d.credited_at.is_some_and(|at| at < scan.unconfirmed_before) => found.push(count(
                "deposit_unconfirmed",
                Severity::Amber,
                format!("credited, but {} never confirmed it within the grace period", d.provider),
            )),
            (Some(_), Some((credited, currency, scale))) => {
                let differs = d.confirmed.iter().find(|a| minor_units(a, *scale) != Some(*credited));
                if let Some(amount) = differs {
                    found.push(Observed {
                        subject,
                        code: "deposit_amount_mismatch",
                        severity: Severity::Red,
                        unit: currency.clone(),
                        expected: *credited,
                        actual: minor_units(amount, *scale).unwrap_or(0),
                        detail: format!(
                            "{} confirmed {amount} {currency}; the ledger credited another amount",
                            d.provider
                        ),
                        line: None,
                    });
                }
            }
            _ => {}
        }
    }
    (scan.deposits, found)
}

#[cfg(test)]
mod tests {
    use super::super::scan::{AccountFigures, LateHold, StatementEnd};
    use super::*;

    fn account(id: &str, balance: i64, sum: i64) -> AccountFigures {
        AccountFigures {
            account_id: id.into(),
            currency: "USD".into(),
            balance,
            posting_sum: sum,
            posting_seq: 1,
            checkpoint: None,
        }
    }

    #[test]
    fn ledger_balanced_flags_accounts_transactions_and_currencies() {
        let scan = LedgerScan {
            unbalanced: vec![("t1".into(), "USD".into(), 5)],
            through_seq: 9,
            accounts: vec![account("a", 10, 10), account("b", 7, -5)],
        };
        let (checked, found) = ledger_balanced(&scan);
        assert_eq!(checked, 2);
        let codes: Vec<_> = found.iter().map(|f| (f.code, f.subject.as_str(), f.expected, f.actual)).collect();
        assert_eq!(
            codes,
            vec![
                ("transaction_unbalanced", "t1/USD", 0, 5),
                ("balance_mismatch", "b", -5, 7),
                ("currency_unbalanced", "USD", 0, 5),
            ]
        );
    }

    #[test]
    fn wallet_drift_reports_the_first_broken_line_per_account() {
        let line = |seq, expected, actual| BrokenLine { account_id: "w".into(), posting_seq: seq, expected, actual };
        let scan = StatementScan {
            through_seq: 9,
            broken: vec![line(9, 1, 2), line(4, 30, 31)],
            ends: vec![StatementEnd {
                account_id: "w".into(),
                currency: "EUR".into(),
                balance: 100,
                last_line: (9, 90),
                checkpoint: None,
            }],
        };
        let (checked, found) = wallet_drift(&scan);
        assert_eq!(checked, 1);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].code, found[0].expected, found[0].actual), ("statement_running_balance", 30, 31));
        assert!(found[0].detail.contains("#4"));
        assert_eq!((found[1].code, found[1].expected, found[1].actual), ("statement_balance_mismatch", 100, 90));
        assert_eq!(found[1].unit, "EUR");
    }

    #[test]
    fn only_complete_codes_may_resolve_and_a_failed_scan_resolves_nothing() {
        assert!(codes(Gate::LedgerBalanced, Mode::Routine).is_empty());
        assert!(codes(Gate::WalletDrift, Mode::Routine).is_empty());
        assert_eq!(codes(Gate::HoldsDrift, Mode::Routine), vec!["holds_reserved_mismatch"]);
        assert_eq!(codes(Gate::WalletDrift, Mode::Full).len(), 2);
        let failed = Scan {
            holds: Some(Timed { data: Err(crate::LedgerError::Internal("x".into())), micros: 3 }),
            ..Scan::default()
        };
        let result = gate(Gate::HoldsDrift, Mode::Full, &failed);
        assert!(result.error.is_some());
        assert!(result.complete.is_empty());
    }

    #[test]
    fn confirmed_amounts_read_exactly_in_minor_units_or_not_at_all() {
        assert_eq!(minor_units("10.00", 2), Some(1_000));
        assert_eq!(minor_units(" 10.5 ", 2), Some(1_050));
        assert_eq!(minor_units("7", 0), Some(7));
        assert_eq!(minor_units("0.000001", 6), Some(1));
        assert_eq!(minor_units("10.001", 2), None, "finer than the currency: no exact amount");
        assert_eq!(minor_units("ten", 2), None);
        assert_eq!(minor_units("99999999999999999999999", 2), None, "past i64");
    }

    #[test]
    fn payout_finality_sorts_holds_into_their_codes() {
        let hold = |id: &str, status: &str, since, has_final_txn| LateHold {
            hold_id: id.into(),
            status: status.into(),
            since,
            has_final_txn,
        };
        let now = 10_000_000_000;
        let scan = FinalityScan {
            holds: 4,
            flagged: vec![
                hold("s", "settled", now - 1, false),
                hold("r", "submitted", now - 1_000_000_000, true),
                hold("m", "manual_review", now - 5_000_000_000, false),
            ],
            stuck_before: now - 900_000_000,
            overdue_before: now - 4_000_000_000,
            now,
        };
        let (_, found) = payout_finality(&scan);
        let got: Vec<_> =
            found.iter().map(|f| (f.subject.as_str(), f.code, f.severity, f.expected, f.actual)).collect();
        assert_eq!(
            got,
            vec![
                ("s", "final_transaction_missing", Severity::Red, 1, 0),
                ("r", "hold_stuck", Severity::Amber, 900, 1000),
                ("m", "manual_review_overdue", Severity::Amber, 4000, 5000),
            ]
        );
    }
}
