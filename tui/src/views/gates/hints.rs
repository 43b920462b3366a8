//! A one-line runbook hint for every finding code: what it means and what
//! to do first.

/// The hint for a finding's code.
pub fn hint(code: &str) -> &'static str {
    match code {
        "transaction_unbalanced" => {
            "A transaction's legs do not balance: escalate to engineering; post nothing on a guess."
        }
        "balance_mismatch" => "A stored balance is off its postings: stop writes to the account and escalate.",
        "currency_unbalanced" => "Money in this currency does not sum to zero: escalate; check recent corrections.",
        "statement_running_balance" | "statement_balance_mismatch" => {
            "The statement read model drifted: f rebuilds this wallet's statements and re-runs the gate."
        }
        "holds_reserved_mismatch" => {
            "Open holds and the reserved balance disagree: open the wallet, compare, escalate."
        }
        "final_transaction_missing" => "A finished hold has no ledger transaction: escalate; never settle it again.",
        "hold_stuck" => "The payout saga has not moved it: Enter opens the hold, m sends it to manual review.",
        "manual_review_overdue" => {
            "A person must decide: Enter opens the hold; check the provider's portal, then settle or release."
        }
        "deposit_not_credited" => {
            "The provider confirmed a deposit the ledger never credited: check the event's outcome, then re-send it."
        }
        "deposit_unconfirmed" => {
            "Credited, but the provider never confirmed it: check the provider's portal before the money moves on."
        }
        "deposit_amount_mismatch" => {
            "The provider confirmed another amount: compare with the portal; correct with post_correction and a reason."
        }
        _ => "No runbook entry for this code yet: read the detail and escalate.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_the_gates_raise_has_its_own_hint() {
        let codes = [
            "transaction_unbalanced",
            "balance_mismatch",
            "currency_unbalanced",
            "statement_running_balance",
            "statement_balance_mismatch",
            "holds_reserved_mismatch",
            "final_transaction_missing",
            "hold_stuck",
            "manual_review_overdue",
            "deposit_not_credited",
            "deposit_unconfirmed",
            "deposit_amount_mismatch",
        ];
        for code in codes {
            assert_ne!(hint(code), hint("not_a_code"), "{code}");
        }
    }
}
