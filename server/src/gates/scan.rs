//! What the gates' scans read: plain data, produced by `checks.rs`, judged
//! by `evaluate.rs` and checkpointed by `record.rs`. It imports nothing but
//! the error type, so all three can name it without importing each other.

use crate::error::LedgerResult;

/// One account's ledger figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AccountFigures {
    /// The account.
    pub account_id: String,
    /// Its currency.
    pub currency: String,
    /// The stored balance.
    pub balance: i64,
    /// The sum of its postings (through `posting_seq`).
    pub posting_sum: i64,
    /// Its last posting seen.
    pub posting_seq: i64,
    /// The checkpoint it had before this run: `(posting_seq, posting_sum)`.
    pub checkpoint: Option<(i64, i64)>,
}

/// A statement line whose balance is not the previous balance plus its amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BrokenLine {
    /// The wallet account whose statement it is.
    pub account_id: String,
    /// The posting the line belongs to.
    pub posting_seq: i64,
    /// The previous balance plus the line's amount.
    pub expected: i64,
    /// The balance the line states.
    pub actual: i64,
}

/// A wallet account's last statement line next to its ledger balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StatementEnd {
    /// The wallet account.
    pub account_id: String,
    /// Its currency.
    pub currency: String,
    /// Its stored ledger balance.
    pub balance: i64,
    /// `(posting_seq, balance_after)` of the last line; `(0, 0)` for none.
    pub last_line: (i64, i64),
    /// The checkpoint it had before this run: `(line_seq, line_balance)`.
    pub checkpoint: Option<(i64, i64)>,
}

/// What `wallet_drift` read.
#[derive(Debug, Clone, Default)]
pub(super) struct StatementScan {
    /// Every broken line seen.
    pub broken: Vec<BrokenLine>,
    /// The last statement line now checked.
    pub through_seq: i64,
    /// Every wallet account's last line next to its balance.
    pub ends: Vec<StatementEnd>,
}

/// What `ledger_balanced` read.
#[derive(Debug, Clone, Default)]
pub(super) struct LedgerScan {
    /// `(transaction, currency, sum)` of every unbalanced transaction seen.
    pub unbalanced: Vec<(String, String, i64)>,
    /// The last posting whose transaction is now checked.
    pub through_seq: i64,
    /// Every account's figures.
    pub accounts: Vec<AccountFigures>,
}

/// A wallet's open holds next to its reserved balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ReservedFigures {
    /// The wallet.
    pub wallet_id: String,
    /// The currency of its reserved account.
    pub currency: String,
    /// The sum of its open holds.
    pub open_holds: i64,
    /// Its reserved balance.
    pub reserved: i64,
}

/// A hold that `payout_finality` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LateHold {
    /// The hold.
    pub hold_id: String,
    /// Its status.
    pub status: String,
    /// When it entered its status, µs since the epoch.
    pub since: i64,
    /// Whether its final ledger transaction exists.
    pub has_final_txn: bool,
}

/// What `payout_finality` read.
#[derive(Debug, Clone, Default)]
pub(super) struct FinalityScan {
    /// How many holds there are.
    pub holds: i64,
    /// The holds flagged.
    pub flagged: Vec<LateHold>,
    /// A hold reserved or submitted since before this is stuck.
    pub stuck_before: i64,
    /// A hold in manual review since before this is overdue.
    pub overdue_before: i64,
    /// When the scan ran, µs since the epoch.
    pub now: i64,
}

/// A provider's confirmed deposit next to the ledger's pay-in, as
/// `deposit_reconciliation` reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Deposit {
    /// The provider.
    pub provider: String,
    /// The provider's reference of the pay-in.
    pub provider_reference: String,
    /// The amounts the provider confirmed, as it sent them (the lowest and
    /// highest text when its events differ); empty: never confirmed.
    pub confirmed: Vec<String>,
    /// The credit's amount in minor units, currency and scale (`None`: never credited).
    pub credited: Option<(i64, String, u32)>,
    /// When it was credited, µs since the epoch.
    pub credited_at: Option<i64>,
}

/// What `deposit_reconciliation` read.
#[derive(Debug, Clone, Default)]
pub(super) struct DepositScan {
    /// How many pay-ins with a provider reference there are, confirmed or credited.
    pub deposits: i64,
    /// Each of them.
    pub seen: Vec<Deposit>,
    /// A credit from before this that no confirmation matches is flagged.
    pub unconfirmed_before: i64,
}

/// A gate's scan: its data or why it failed, and how long it took.
#[derive(Debug)]
pub(super) struct Timed<T> {
    /// What the scan read, or why it failed.
    pub data: LedgerResult<T>,
    /// How long it took.
    pub micros: i64,
}

/// Everything a run read, per selected gate.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// `ledger_balanced`'s scan, if selected.
    pub ledger: Option<Timed<LedgerScan>>,
    /// `wallet_drift`'s scan, if selected.
    pub statements: Option<Timed<StatementScan>>,
    /// `holds_drift`'s scan, if selected.
    pub holds: Option<Timed<Vec<ReservedFigures>>>,
    /// `payout_finality`'s scan, if selected.
    pub finality: Option<Timed<FinalityScan>>,
    /// `deposit_reconciliation`'s scan, if selected.
    pub deposits: Option<Timed<DepositScan>>,
}
