//! What one thing of the cockpit points to, and what an operator can take
//! from it: the targets a view can open, the links of a selection, and the
//! values it offers to copy or to fill a command's fields with.

use super::ViewId;

/// Something a view can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A payout hold (Payouts).
    Hold(String),
    /// A wallet's statement (Wallets), at one posting's line when given.
    Wallet {
        /// The wallet.
        id: String,
        /// The posting whose line to show first.
        line: Option<i64>,
    },
    /// A ledger transaction (Ledger).
    Transaction(String),
    /// A merchant's wallets, holds, flags and activity (Merchant).
    Merchant(String),
    /// An outbox message (Outbox).
    Message(String),
    /// A reconciliation finding (Gates).
    Finding {
        /// Its gate.
        gate: String,
        /// Its id.
        id: String,
    },
    /// An audit record (Audit).
    Audit(String),
}

impl Target {
    /// The view that shows this kind of thing.
    pub fn view(&self) -> ViewId {
        match self {
            Target::Hold(_) => ViewId::Payouts,
            Target::Wallet { .. } => ViewId::Wallets,
            Target::Transaction(_) => ViewId::Ledger,
            Target::Merchant(_) => ViewId::Merchant,
            Target::Message(_) => ViewId::Outbox,
            Target::Finding { .. } => ViewId::Gates,
            Target::Audit(_) => ViewId::Audit,
        }
    }

    /// The wallet an account id belongs to (`<wallet>:available`), if it is
    /// a wallet's (system accounts are `sys:<CUR>:<kind>`).
    pub fn wallet_of_account(account_id: &str) -> Option<&str> {
        let (wallet, kind) = account_id.rsplit_once(':')?;
        (matches!(kind, "available" | "reserved") && !account_id.starts_with("sys:")).then_some(wallet)
    }
}

impl Target {
    /// What an outbox message's subject is, by its event type.
    pub fn of_event(event_type: &str, subject: &str) -> Option<Target> {
        let family = event_type.split('.').next().unwrap_or_default();
        match (family, event_type) {
            ("payout" | "hold", _) | (_, "alert.manual_review" | "alert.provider_conflict") => {
                Some(Target::Hold(subject.into()))
            }
            ("wallet", _) => Some(Target::Wallet { id: subject.into(), line: None }),
            ("payin" | "transfer" | "correction" | "transaction" | "bank" | "opening_balance", _) => {
                Some(Target::Transaction(subject.into()))
            }
            _ => None,
        }
    }

    /// What an audit record's subject is, by its command.
    pub fn of_action(action: &str, subject: &str) -> Option<Target> {
        match action {
            "reserve_payout" | "settle_hold" | "release_hold" | "mark_manual_review" => {
                Some(Target::Hold(subject.into()))
            }
            "create_wallet" | "rebuild_statements" => Some(Target::Wallet { id: subject.into(), line: None }),
            "post_payin"
            | "transfer"
            | "post_correction"
            | "reverse_transaction"
            | "fund_bank_account"
            | "post_opening_balance" => Some(Target::Transaction(subject.into())),
            _ => None,
        }
    }

    /// What a finding is about: the transaction, the wallet (at the broken
    /// statement line when there is one) or the hold.
    pub fn of_finding(f: &ledgerdeck_client::FindingView) -> Option<Target> {
        match f.gate.as_str() {
            "ledger_balanced" if f.code == "transaction_unbalanced" => {
                f.subject.split_once('/').map(|(txn, _)| Target::Transaction(txn.into()))
            }
            "ledger_balanced" | "wallet_drift" => {
                Target::wallet_of_account(&f.subject).map(|w| Target::Wallet { id: w.into(), line: f.posting_seq })
            }
            "holds_drift" => Some(Target::Wallet { id: f.subject.clone(), line: None }),
            "payout_finality" => Some(Target::Hold(f.subject.clone())),
            _ => None,
        }
    }
}

/// A thing the selection points to, as a go-to chooser lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// What it is, for people: `wallet w_0194…`, `reserve transaction …`.
    pub label: String,
    /// Where it opens.
    pub target: Target,
}

impl Link {
    /// A link labelled `label` to `target`.
    pub fn new(label: impl Into<String>, target: Target) -> Link {
        Link { label: label.into(), target }
    }
}

/// A value of the selection an operator may copy, and which command fields
/// it fills when the palette opens on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// What it is: `id`, `reference`, `provider reference`, `wallet id` …
    pub label: &'static str,
    /// The command field it fills (`hold_id`, `wallet_id` …), if any.
    pub field: Option<&'static str>,
    /// The value itself, as the server sent it.
    pub value: String,
}

impl Value {
    /// A value that fills the command field `field`.
    pub fn field(label: &'static str, field: &'static str, value: impl Into<String>) -> Value {
        Value { label, field: Some(field), value: value.into() }
    }

    /// A value to copy only.
    pub fn copy(label: &'static str, value: impl Into<String>) -> Value {
        Value { label, field: None, value: value.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_accounts_name_their_wallet_and_system_accounts_none() {
        assert_eq!(Target::wallet_of_account("w_01:available"), Some("w_01"));
        assert_eq!(Target::wallet_of_account("0194-ab:reserved"), Some("0194-ab"));
        assert_eq!(Target::wallet_of_account("sys:USD:payout_clearing"), None);
        assert_eq!(Target::wallet_of_account("USD"), None);
    }
}
