//! Reconciliation gates on SQLite and PostgreSQL: each invariant corrupted
//! on purpose in the database turns its gate red with a finding naming the
//! subject and both figures; repaired, the finding is RESOLVED; corrupted
//! again, the same finding is reopened. Routine runs see only what is new,
//! identical runs write nothing new, runs never touch the ledger, and only
//! one run holds the gates at a time.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{ErrorCode, FindingQuery, FindingView, GateStatus};
use ledgerdeck_server::Ledger;
use ledgerdeck_server::gates::{ADVISORY_KEY, Gate, Mode};
use ledgerdeck_server::queries::{get_finding, list_findings, list_gates};
use serde_json::json;
use std::time::Duration;

on_both_databases!(
    ledger_balanced_catches_an_unbalanced_transaction,
    ledger_balanced_catches_a_stored_balance_off_its_postings,
    wallet_drift_catches_statement_drift_and_rebuild_cures_it,
    holds_drift_catches_holds_off_the_reserved_balance,
    payout_finality_catches_stuck_holds_and_missing_transactions,
    deposit_reconciliation_finds_every_deposit_finding_and_resolves_it,
    identical_runs_write_nothing_new_and_gates_never_touch_the_ledger,
    routine_runs_see_what_is_new_but_only_full_runs_resolve,
    one_run_at_a_time,
);

/// A ledger with two funded wallets, a transfer, an open hold, a settled
/// hold and a hold in manual review. Returns (wallet a, wallet b, open hold, settled hold).
async fn busy_ledger(ledger: &Ledger) -> (String, String, String, String) {
    let a = wallet(ledger, "USD").await;
    let b = wallet(ledger, "USD").await;
    pay_in(ledger, &a, "500.00").await;
    pay_in(ledger, &b, "80.00").await;
    run(ledger, &operator(), "transfer", json!({"from_wallet_id": a, "to_wallet_id": b, "amount": "25.50"}))
        .await
        .expect("transfer");
    let open = reserve(ledger, &a, "40.00").await;
    let settled = reviewed_hold(ledger, &a, "10.00").await;
    run(ledger, &operator(), "settle_hold", json!({"hold_id": settled, "reason": "paid per provider portal"}))
        .await
        .expect("settle");
    reviewed_hold(ledger, &b, "5.00").await;
    (a, b, open, settled)
}

async fn full_run(ledger: &Ledger) {
    ledger.gates().run(&Gate::ALL, Mode::Full, "test", Duration::from_secs(5)).await.expect("gate run");
}

async fn status(ledger: &Ledger, gate: &str) -> GateStatus {
    let gates = list_gates(ledger.store()).await.expect("gates");
    gates.into_iter().find(|g| g.gate == gate).expect("gate listed").status
}

async fn findings(ledger: &Ledger, gate: &str, status: Option<&str>) -> Vec<FindingView> {
    let query = FindingQuery { status: status.map(str::to_string), ..FindingQuery::default() };
    list_findings(ledger.store(), gate, &query).await.expect("findings").items
}

async fn sql(ledger: &Ledger, statement: &str) {
    sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(ledger.store().pool()).await.expect(statement);
}

/// Corrupts, runs, and checks the gate is red with exactly one open finding
/// of `code` on `subject` with the figures given; repairs and sees it
/// resolved; corrupts again and sees the same finding reopened.
async fn lifecycle(
    ledger: &Ledger,
    gate: &str,
    (code, subject, expected, actual): (&str, &str, &str, &str),
    corrupt: &str,
    repair: &str,
    red: GateStatus,
) {
    full_run(ledger).await;
    assert_eq!(status(ledger, gate).await, GateStatus::Green, "{gate} starts green");
    sql(ledger, corrupt).await;
    full_run(ledger).await;
    assert_eq!(status(ledger, gate).await, red, "{gate} after corruption");
    let open = findings(ledger, gate, Some("OPEN")).await;
    let finding = open.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("{code} in {open:?}"));
    assert_eq!(
        (finding.subject.as_str(), finding.expected.as_str(), finding.actual.as_str()),
        (subject, expected, actual)
    );
    assert_eq!(finding.times_opened, 1);

    sql(ledger, repair).await;
    full_run(ledger).await;
    assert_eq!(status(ledger, gate).await, GateStatus::Green, "{gate} after repair");
    let resolved = get_finding(ledger.store(), &finding.id).await.expect("finding kept");
    assert_eq!(resolved.status, "RESOLVED");
    assert!(resolved.resolved_at.is_some());
    assert!(findings(ledger, gate, Some("OPEN")).await.is_empty());

    sql(ledger, corrupt).await;
    full_run(ledger).await;
    assert_eq!(status(ledger, gate).await, red);
    let reopened = get_finding(ledger.store(), &finding.id).await.expect("same finding");
    assert_eq!((reopened.status.as_str(), reopened.times_opened), ("OPEN", 2));
    let all = findings(ledger, gate, None).await;
    assert_eq!(all.iter().filter(|f| f.code == code && f.subject == subject).count(), 1, "reopened, not duplicated");
}

async fn ledger_balanced_catches_an_unbalanced_transaction(ledger: Ledger) {
    let (a, b, _, _) = busy_ledger(&ledger).await;
    let (seq, txn): (i64, String) = sqlx::query_as(
        "SELECT seq, transaction_id FROM postings WHERE account_id = $1 AND transaction_id IN \
         (SELECT transaction_id FROM postings WHERE account_id = $2) ORDER BY seq LIMIT 1",
    )
    .bind(format!("{b}:available"))
    .bind(format!("{a}:available"))
    .fetch_one(ledger.store().pool())
    .await
    .expect("the transfer's credit");
    lifecycle(
        &ledger,
        "ledger_balanced",
        ("transaction_unbalanced", &format!("{txn}/USD"), "0.00", "0.05"),
        &format!("UPDATE postings SET amount = amount + 5 WHERE seq = {seq}"),
        &format!("UPDATE postings SET amount = amount - 5 WHERE seq = {seq}"),
        GateStatus::Red,
    )
    .await;
}

async fn ledger_balanced_catches_a_stored_balance_off_its_postings(ledger: Ledger) {
    let (_, b, _, _) = busy_ledger(&ledger).await;
    let account = format!("{b}:available");
    lifecycle(
        &ledger,
        "ledger_balanced",
        ("balance_mismatch", &account, "100.50", "100.57"),
        &format!("UPDATE accounts SET balance = balance + 7 WHERE id = '{account}'"),
        &format!("UPDATE accounts SET balance = balance - 7 WHERE id = '{account}'"),
        GateStatus::Red,
    )
    .await;
}

async fn wallet_drift_catches_statement_drift_and_rebuild_cures_it(ledger: Ledger) {
    let (a, _, _, _) = busy_ledger(&ledger).await;
    let account = format!("{a}:available");
    let last_line = format!("(SELECT MAX(posting_seq) FROM statement_lines WHERE account_id = '{account}')");
    lifecycle(
        &ledger,
        "wallet_drift",
        ("statement_balance_mismatch", &account, "424.50", "424.53"),
        &format!("UPDATE statement_lines SET balance_after = balance_after + 3 WHERE posting_seq = {last_line}"),
        &format!("UPDATE statement_lines SET balance_after = balance_after - 3 WHERE posting_seq = {last_line}"),
        GateStatus::Red,
    )
    .await;

    // A middle line off: the closing balance is right, the running balance is not.
    sql(
        &ledger,
        &format!("UPDATE statement_lines SET balance_after = balance_after - 3 WHERE posting_seq = {last_line}"),
    )
    .await;
    let first_line = format!("(SELECT MIN(posting_seq) FROM statement_lines WHERE account_id = '{account}')");
    sql(&ledger, &format!("UPDATE statement_lines SET balance_after = 1 WHERE posting_seq = {first_line}")).await;
    full_run(&ledger).await;
    let open = findings(&ledger, "wallet_drift", Some("OPEN")).await;
    let codes: Vec<_> =
        open.iter().map(|f| (f.code.as_str(), f.subject.as_str(), f.expected.as_str(), f.actual.as_str())).collect();
    assert_eq!(codes, vec![("statement_running_balance", account.as_str(), "500.00", "0.01")]);
    // The finding names the broken line, so a client can open the statement there.
    let first: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT {first_line}")))
        .fetch_one(ledger.store().pool())
        .await
        .expect("the first line's seq");
    assert_eq!(open[0].posting_seq, Some(first));
    // A finding opened before findings carried their line gets it on the next run.
    sql(&ledger, "UPDATE gate_findings SET posting_seq = NULL").await;
    full_run(&ledger).await;
    assert_eq!(findings(&ledger, "wallet_drift", Some("OPEN")).await[0].posting_seq, Some(first));

    let denied = run(&ledger, &operator(), "rebuild_statements", json!({})).await.expect_err("admin only");
    assert_eq!(denied.code(), ErrorCode::Forbidden);
    let rebuilt = run(&ledger, &admin(), "rebuild_statements", json!({"wallet_id": a})).await.expect("rebuild");
    assert!(rebuilt.reference.as_deref().unwrap_or_default().starts_with("rebuilt "), "{rebuilt:?}");
    ledger.gates().run(&Gate::ALL, Mode::Routine, "test", Duration::from_secs(5)).await.expect("routine run");
    assert_eq!(findings(&ledger, "wallet_drift", Some("OPEN")).await.len(), 1, "only a full run resolves line checks");
    full_run(&ledger).await;
    assert_eq!(status(&ledger, "wallet_drift").await, GateStatus::Green);
    assert_sound(&ledger).await;
    let missing =
        run(&ledger, &admin(), "rebuild_statements", json!({"wallet_id": "nope"})).await.expect_err("unknown");
    assert_eq!(missing.code(), ErrorCode::NotFound);
}

async fn holds_drift_catches_holds_off_the_reserved_balance(ledger: Ledger) {
    let (a, _, open, _) = busy_ledger(&ledger).await;
    lifecycle(
        &ledger,
        "holds_drift",
        ("holds_reserved_mismatch", &a, "40.01", "40.00"),
        &format!("UPDATE holds SET amount = amount + 1 WHERE id = '{open}'"),
        &format!("UPDATE holds SET amount = amount - 1 WHERE id = '{open}'"),
        GateStatus::Red,
    )
    .await;
}

async fn payout_finality_catches_stuck_holds_and_missing_transactions(ledger: Ledger) {
    let (_, _, open, settled) = busy_ledger(&ledger).await;
    let final_txn: String = sqlx::query_scalar("SELECT final_txn_id FROM holds WHERE id = $1")
        .bind(&settled)
        .fetch_one(ledger.store().pool())
        .await
        .expect("final transaction");
    lifecycle(
        &ledger,
        "payout_finality",
        ("final_transaction_missing", &settled, "1", "0"),
        &format!("UPDATE holds SET final_txn_id = NULL WHERE id = '{settled}'"),
        &format!("UPDATE holds SET final_txn_id = '{final_txn}' WHERE id = '{settled}'"),
        GateStatus::Red,
    )
    .await;
    sql(&ledger, &format!("UPDATE holds SET final_txn_id = '{final_txn}' WHERE id = '{settled}'")).await;
    // Reserved two hours ago: past the 15-minute stuck threshold, amber.
    sql(&ledger, &format!("UPDATE holds SET updated_at = updated_at - 7200000000 WHERE id = '{open}'")).await;
    full_run(&ledger).await;
    assert_eq!(status(&ledger, "payout_finality").await, GateStatus::Amber);
    let stuck = findings(&ledger, "payout_finality", Some("OPEN")).await;
    assert_eq!(stuck.len(), 1, "{stuck:?}");
    assert_eq!(
        (stuck[0].code.as_str(), stuck[0].subject.as_str(), stuck[0].unit.as_str()),
        ("hold_stuck", open.as_str(), "seconds")
    );
    assert_eq!(stuck[0].expected, "900");
    assert!(stuck[0].actual.parse::<i64>().unwrap() >= 7200, "{:?}", stuck[0]);
}

/// A provider-confirmed deposit that loses its credit, one confirmed for
/// another amount, and a credit never confirmed past the grace period:
/// each finding opens, resolves once repaired, and reopens.
async fn deposit_reconciliation_finds_every_deposit_finding_and_resolves_it(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    let event = ledgerdeck_client::providers::PayinEventBody {
        kind: "payin.succeeded".into(),
        reference: "evt-1".into(),
        provider_reference: "PSP-A".into(),
        wallet_id: Some(w.clone()),
        amount: Some("10.00".into()),
    };
    let receipt = ledger.apply_payin_event("acq", &event, "{}").await.expect("event");
    let credit = receipt.transaction_id.expect("credited");
    let manual = json!({"wallet_id": w, "amount": "3.00", "provider": "acq", "provider_reference": "PSP-B"});
    run(&ledger, &operator(), "post_payin", manual).await.expect("manual pay-in");
    let (gate, a, b) = ("deposit_reconciliation", "provider_reference = 'PSP-A'", "provider_reference = 'PSP-B'");

    lifecycle(
        &ledger,
        gate,
        ("deposit_not_credited", "acq/PSP-A", "1", "0"),
        &format!("DELETE FROM payin_references WHERE {a}"),
        &format!(
            "INSERT INTO payin_references (provider, provider_reference, transaction_id, created_at) \
             VALUES ('acq', 'PSP-A', '{credit}', 0)"
        ),
        GateStatus::Red,
    )
    .await;
    sql(
        &ledger,
        &format!(
            "INSERT INTO payin_references (provider, provider_reference, transaction_id, created_at) \
             VALUES ('acq', 'PSP-A', '{credit}', 0)"
        ),
    )
    .await;
    lifecycle(
        &ledger,
        gate,
        ("deposit_amount_mismatch", "acq/PSP-A", "10.00", "12.00"),
        &format!("UPDATE payin_events SET amount = '12.00' WHERE {a}"),
        &format!("UPDATE payin_events SET amount = '10.00' WHERE {a}"),
        GateStatus::Red,
    )
    .await;
    sql(&ledger, &format!("UPDATE payin_events SET amount = '10.00' WHERE {a}")).await;
    // Credited two days ago and never confirmed: past the one-day grace.
    lifecycle(
        &ledger,
        gate,
        ("deposit_unconfirmed", "acq/PSP-B", "1", "0"),
        &format!("UPDATE payin_references SET created_at = created_at - 172800000000 WHERE {b}"),
        &format!("UPDATE payin_references SET created_at = created_at + 172800000000 WHERE {b}"),
        GateStatus::Amber,
    )
    .await;
}

/// Every row of the gates' findings and checkpoints, as text.
async fn gate_state(ledger: &Ledger) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["gate_findings ORDER BY id", "gate_checkpoints ORDER BY account_id", "gate_marks ORDER BY name"] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(ledger.store().pool())
            .await
            .expect("gate tables");
        for row in rows {
            use sqlx::Row;
            let cells: Vec<String> = (0..row.len())
                .map(|i| {
                    row.try_get::<String, _>(i)
                        .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                        .unwrap_or_else(|_| "NULL".into())
                })
                .collect();
            out.push(cells.join("|"));
        }
    }
    out
}

async fn identical_runs_write_nothing_new_and_gates_never_touch_the_ledger(ledger: Ledger) {
    let (a, _, open, _) = busy_ledger(&ledger).await;
    sql(&ledger, &format!("UPDATE accounts SET balance = balance + 1 WHERE id = '{a}:available'")).await;
    sql(&ledger, &format!("UPDATE holds SET updated_at = updated_at - 7200000000 WHERE id = '{open}'")).await;
    let ledger_before = footprint(&ledger).await;
    full_run(&ledger).await;
    let after_first = gate_state(&ledger).await;
    assert!(after_first.iter().any(|row| row.contains("balance_mismatch")));
    tokio::time::sleep(Duration::from_millis(1100)).await; // the stuck hold's age grows by a second
    full_run(&ledger).await;
    ledger.gates().run(&Gate::ALL, Mode::Routine, "test", Duration::from_secs(5)).await.expect("routine run");
    assert_eq!(gate_state(&ledger).await, after_first, "repeated runs rewrote findings or checkpoints");
    assert_eq!(footprint(&ledger).await, ledger_before, "a gate run wrote to the ledger");
    let runs: i64 = sqlx::query_scalar("SELECT CAST(COUNT(DISTINCT id) AS BIGINT) FROM gate_runs")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    assert_eq!(runs, 3, "each run is recorded");
}

async fn routine_runs_see_what_is_new_but_only_full_runs_resolve(ledger: Ledger) {
    let (a, b, _, _) = busy_ledger(&ledger).await;
    full_run(&ledger).await;
    // New activity after the checkpoint, with its statement line off.
    pay_in(&ledger, &b, "3.00").await;
    let line = format!("(SELECT MAX(posting_seq) FROM statement_lines WHERE account_id = '{b}:available')");
    sql(&ledger, &format!("UPDATE statement_lines SET balance_after = balance_after + 2 WHERE posting_seq = {line}"))
        .await;
    // And a posting written behind the ledger's back, unbalancing a new transaction.
    pay_in(&ledger, &a, "1.00").await;
    sql(&ledger, &format!(
        "UPDATE postings SET amount = amount + 9 WHERE seq = (SELECT MAX(seq) FROM postings WHERE account_id = '{a}:available')"
    ))
    .await;
    let summary =
        ledger.gates().run(&Gate::ALL, Mode::Routine, "test", Duration::from_secs(5)).await.expect("routine run");
    assert!(summary.gates.iter().all(|g| g.mode == "routine"));
    let drift: Vec<_> = findings(&ledger, "wallet_drift", Some("OPEN")).await.into_iter().map(|f| f.code).collect();
    assert!(drift.contains(&"statement_running_balance".to_string()), "{drift:?}");
    let ledger_codes: Vec<_> =
        findings(&ledger, "ledger_balanced", Some("OPEN")).await.into_iter().map(|f| f.code).collect();
    assert!(ledger_codes.contains(&"transaction_unbalanced".to_string()), "{ledger_codes:?}");
    assert!(ledger_codes.contains(&"balance_mismatch".to_string()), "{ledger_codes:?}");

    // Repaired: a routine run cannot vouch for every line, a full run can.
    sql(&ledger, &format!("UPDATE statement_lines SET balance_after = balance_after - 2 WHERE posting_seq = {line}"))
        .await;
    sql(&ledger, &format!(
        "UPDATE postings SET amount = amount - 9 WHERE seq = (SELECT MAX(seq) FROM postings WHERE account_id = '{a}:available')"
    ))
    .await;
    ledger.gates().run(&Gate::ALL, Mode::Routine, "test", Duration::from_secs(5)).await.expect("routine run");
    assert!(!findings(&ledger, "wallet_drift", Some("OPEN")).await.is_empty());
    full_run(&ledger).await;
    for gate in ledgerdeck_client::gates::GATES {
        assert_eq!(status(&ledger, gate).await, GateStatus::Green, "{gate}");
    }
}

async fn one_run_at_a_time(ledger: Ledger) {
    busy_ledger(&ledger).await;
    // Many runs at once: each waits its turn, none fails, none duplicates a finding.
    sql(&ledger, "UPDATE accounts SET balance = balance + 1 WHERE id = 'sys:USD:fees'").await;
    let runs = (0..6).map(|_| {
        let ledger = ledger.clone();
        tokio::spawn(async move { run(&ledger, &operator(), "run_gates", json!({"gate": "ledger_balanced"})).await })
    });
    for handle in runs {
        let result = handle.await.unwrap().expect("run_gates");
        assert_eq!(result.subject_id.as_ref().map(String::len), Some(36));
        assert!(result.reference.as_deref().unwrap_or_default().contains("ledger_balanced red (1 open)"), "{result:?}");
    }
    assert_eq!(findings(&ledger, "ledger_balanced", None).await.len(), 1);
    let viewer = run(&ledger, &viewer(), "run_gates", json!({})).await.expect_err("viewers only read");
    assert_eq!(viewer.code(), ErrorCode::Forbidden);
    let bad = run(&ledger, &operator(), "run_gates", json!({"gate": "nope"})).await.expect_err("unknown gate");
    assert_eq!(bad.code(), ErrorCode::ValidationFailed);

    if ledger.store().backend() == ledgerdeck_server::Backend::Postgres {
        // Another instance holds the advisory lock: the scheduler skips, an
        // on-demand run waits, then says GATE_RUN_IN_PROGRESS.
        use sqlx::Connection;
        let url = ledger_url(&ledger).await;
        let mut other = sqlx::PgConnection::connect(&url).await.expect("second session");
        sqlx::query("SELECT pg_advisory_lock($1)").bind(ADVISORY_KEY).execute(&mut other).await.unwrap();
        let skipped = ledger.gates().try_run(&Gate::ALL, Mode::Full, "schedule").await.expect("try run");
        assert!(skipped.is_none());
        let busy = ledger.gates().run(&Gate::ALL, Mode::Full, "test", Duration::from_millis(300)).await;
        assert_eq!(busy.expect_err("busy").code(), ErrorCode::GateRunInProgress);
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(ADVISORY_KEY).execute(&mut other).await.unwrap();
        assert!(ledger.gates().try_run(&Gate::ALL, Mode::Full, "schedule").await.expect("try run").is_some());
    }
}

/// The PostgreSQL URL of the ledger's own database.
async fn ledger_url(ledger: &Ledger) -> String {
    let name: String =
        sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)").fetch_one(ledger.store().pool()).await.unwrap();
    let admin = std::env::var("LEDGERDECK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
}
