//! Property test: random sequences of commands, including refused ones,
//! reversals and replays, never break a ledger invariant. After every step:
//! each transaction balanced per currency, stored balances equal the sum of
//! postings, no wallet account negative, the statement read model equals the
//! ledger, open holds equal reserved balances.
//!
//! Cases per database: `LEDGERDECK_PROPTEST_CASES` (default 12).

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::CommandResult;
use ledgerdeck_server::{Ledger, LedgerError};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Wallets per case: three in USD (scale 2), one in BTC (scale 8).
const CURRENCIES: [(&str, u32); 4] = [("USD", 2), ("USD", 2), ("USD", 2), ("BTC", 8)];

#[derive(Debug, Clone)]
enum Op {
    Payin { wallet: usize, minor: i64 },
    Transfer { from: usize, to: usize, minor: i64 },
    Reserve { wallet: usize, minor: i64 },
    Settle { hold: usize },
    Release { hold: usize },
    Correction { wallet: usize, credit: bool, minor: i64 },
    Reverse { txn: usize },
    ReplayLast,
    TooManyDecimals { wallet: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let w = 0..CURRENCIES.len();
    let minor = 1i64..20_000;
    prop_oneof![
        3 => (w.clone(), minor.clone()).prop_map(|(wallet, minor)| Op::Payin { wallet, minor }),
        3 => (w.clone(), w.clone(), minor.clone()).prop_map(|(from, to, minor)| Op::Transfer { from, to, minor }),
        2 => (w.clone(), minor.clone()).prop_map(|(wallet, minor)| Op::Reserve { wallet, minor }),
        1 => (0usize..8).prop_map(|hold| Op::Settle { hold }),
        1 => (0usize..8).prop_map(|hold| Op::Release { hold }),
        1 => (w.clone(), any::<bool>(), minor).prop_map(|(wallet, credit, minor)| Op::Correction { wallet, credit, minor }),
        1 => (0usize..16).prop_map(|txn| Op::Reverse { txn }),
        1 => Just(Op::ReplayLast),
        1 => w.prop_map(|wallet| Op::TooManyDecimals { wallet }),
    ]
}

struct Case {
    wallets: Vec<String>,
    holds: Vec<String>,
    txns: Vec<String>,
    last: Option<(String, Value, String, Result<CommandResult, LedgerError>)>,
}

fn amount(wallet: usize, minor: i64) -> String {
    Decimal::new(minor, CURRENCIES[wallet].1).to_string()
}

impl Case {
    async fn step(&mut self, ledger: &Ledger, op: &Op) -> Result<(), TestCaseError> {
        let w = |i: usize| self.wallets[i].clone();
        let (command, body) = match op {
            Op::Payin { wallet, minor } => (
                "post_payin",
                json!({"wallet_id": w(*wallet), "amount": amount(*wallet, *minor), "provider": "sandbox"}),
            ),
            Op::Transfer { from, to, minor } => (
                "transfer",
                json!({"from_wallet_id": w(*from), "to_wallet_id": w(*to), "amount": amount(*from, *minor)}),
            ),
            Op::Reserve { wallet, minor } => (
                "reserve_payout",
                json!({"wallet_id": w(*wallet), "amount": amount(*wallet, *minor), "provider": "sandbox"}),
            ),
            Op::Settle { hold } | Op::Release { hold } if self.holds.is_empty() => {
                let _ = hold;
                return Ok(());
            }
            Op::Settle { hold } => {
                ("settle_hold", json!({"hold_id": self.holds[hold % self.holds.len()], "reason": "paid"}))
            }
            Op::Release { hold } => {
                ("release_hold", json!({"hold_id": self.holds[hold % self.holds.len()], "reason": "failed"}))
            }
            Op::Correction { wallet, credit, minor } => (
                "post_correction",
                json!({"wallet_id": w(*wallet), "direction": if *credit { "credit" } else { "debit" },
                       "amount": amount(*wallet, *minor), "reason": "property"}),
            ),
            Op::Reverse { txn } if self.txns.is_empty() => {
                let _ = txn;
                return Ok(());
            }
            Op::Reverse { txn } => (
                "reverse_transaction",
                json!({"transaction_id": self.txns[txn % self.txns.len()], "reason": "property"}),
            ),
            Op::TooManyDecimals { wallet } => {
                let too_fine = format!("{}1", amount(*wallet, 1_000_000));
                let body = json!({"wallet_id": w(*wallet), "amount": too_fine, "provider": "p"});
                let err = run(ledger, &operator(), "post_payin", body).await.expect_err("too many decimals accepted");
                prop_assert_eq!(err.code(), ledgerdeck_client::ErrorCode::ValidationFailed);
                return Ok(());
            }
            Op::ReplayLast => {
                let Some((command, body, key, first)) = &self.last else { return Ok(()) };
                let again = ledger.execute(&operator(), command, body.clone(), Some(key)).await;
                if let Ok(first) = first {
                    let again = again.map_err(|e| TestCaseError::fail(format!("replay of {command} failed: {e}")))?;
                    prop_assert!(again.replayed);
                    prop_assert_eq!(&again.transaction_ids, &first.transaction_ids);
                }
                return Ok(());
            }
        };
        let key = key();
        let outcome = ledger.execute(&operator(), command, body.clone(), Some(&key)).await;
        match &outcome {
            Ok(result) => {
                if command == "reserve_payout" {
                    self.holds.push(result.subject_id.clone().expect("hold id"));
                }
                self.txns.extend(result.transaction_ids.iter().cloned());
            }
            Err(e) => prop_assert!(e.is_refusal(), "{} failed with a storage error: {}", command, e),
        }
        self.last = Some((command.to_string(), body, key, outcome));
        Ok(())
    }
}

fn property_holds_on(runtime: tokio::runtime::Runtime, db: TestDb) {
    let cases = std::env::var("LEDGERDECK_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(12);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let ledger = db.ledger.clone();
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            runtime.block_on(async {
                let mut wallets = Vec::new();
                for (currency, _) in CURRENCIES {
                    wallets.push(wallet(&ledger, currency).await);
                }
                let mut case = Case { wallets, holds: Vec::new(), txns: Vec::new(), last: None };
                for op in &ops {
                    case.step(&ledger, op).await?;
                    let violations = ledgerdeck_server::invariants::check_all(ledger.store().pool()).await.unwrap();
                    prop_assert!(violations.is_empty(), "after {:?}: {:#?}", op, violations);
                }
                Ok(())
            })
        })
        .unwrap();
    runtime.block_on(db.finish());
}

#[test]
fn random_command_sequences_keep_the_ledger_sound_sqlite() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDb::sqlite());
    property_holds_on(runtime, db);
}

#[test]
fn random_command_sequences_keep_the_ledger_sound_postgres() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(TestDb::postgres("random_command_sequences_keep_the_ledger_sound")) else { return };
    property_holds_on(runtime, db);
}
