//! Four eyes: a command under an approval policy becomes a proposal; its
//! proposer's key answers the same proposal and, once decided, the
//! decision; a second operator (judged by identity, not token) approves
//! and it executes once through the command's own path, or it fails with
//! the command's code when the world changed; two approvers at once
//! execute it once; an expired or decided proposal refuses. Each test runs
//! on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{CommandStatus, ErrorCode, ProposalQuery, ProposalStatus, Role};
use ledgerdeck_server::queries::{get_proposal, list_policies, list_proposals};
use ledgerdeck_server::{Caller, Ledger, LedgerConfig, LedgerError};
use serde_json::{Value, json};
use std::time::Duration;

fn bob() -> Caller {
    Caller::new("ops-bob", Role::Operator)
}

async fn set_policy(ledger: &Ledger, body: Value) {
    run(ledger, &admin(), "set_approval_policy", body).await.expect("set approval policy");
}

/// Settle and release need approval from 1,000.00 USD.
async fn thousand_usd_policy(ledger: &Ledger) {
    for command in ["settle_hold", "release_hold"] {
        set_policy(ledger, json!({"command": command, "threshold": "1000.00", "currency": "USD"})).await;
    }
}

fn approve_body(proposal: &str) -> Value {
    json!({"proposal_id": proposal, "reason": "checked the provider portal"})
}

fn code(result: Result<impl std::fmt::Debug, LedgerError>) -> ErrorCode {
    result.expect_err("a refusal").code()
}

async fn count(ledger: &Ledger, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).bind(bind).fetch_one(ledger.store().pool()).await.unwrap()
}

/// A settle above the threshold becomes a proposal; the proposer's replay
/// answers the same proposal; the proposer cannot approve it (nor can the
/// same person on another token, nor a viewer); a second operator approves
/// and it executes once, with one settle transaction and both names in the
/// audit; the proposer's key then answers the execution.
async fn a_large_settle_waits_for_a_second_operator_and_runs_once(ledger: Ledger) {
    thousand_usd_policy(&ledger).await;
    let wallet = wallet(&ledger, "USD").await;
    pay_in(&ledger, &wallet, "5000.00").await;
    let hold = reviewed_hold(&ledger, &wallet, "2500.00").await;
    let alice = operator();
    let alice_key = key();
    let settle = json!({"hold_id": hold, "reason": "provider portal shows paid"});
    let pending = ledger.execute(&alice, "settle_hold", settle.clone(), Some(&alice_key)).await.unwrap();
    assert_eq!(pending.status, CommandStatus::PendingApproval);
    assert!(pending.transaction_ids.is_empty());
    let proposal = pending.subject_id.clone().expect("the proposal id");
    assert!(proposal.starts_with("prop_"), "{proposal}");
    assert_eq!(hold_endings(&ledger, &hold).await, 0, "nothing moved");
    assert_eq!(balances(&ledger, &wallet).await, (250_000, 250_000));

    let again = ledger.execute(&alice, "settle_hold", settle.clone(), Some(&alice_key)).await.unwrap();
    assert_eq!((again.subject_id.as_deref(), again.replayed), (Some(proposal.as_str()), true), "the same proposal");
    assert_eq!(count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM approval_proposals WHERE $1 = $1", "").await, 1);

    assert_eq!(code(run(&ledger, &alice, "approve_proposal", approve_body(&proposal)).await), ErrorCode::SelfApproval);
    let alice_on_her_phone =
        Caller { email: Some("Alice@Example.com".into()), ..Caller::new("alice-phone", Role::Operator) };
    let alice_on_her_laptop =
        Caller { email: Some("alice@example.com".into()), ..Caller::new("alice-laptop", Role::Operator) };
    let body = json!({"hold_id": hold, "reason": "second try"});
    let by_email = run(&ledger, &alice_on_her_laptop, "settle_hold", body).await.unwrap().subject_id.unwrap();
    assert_eq!(
        code(run(&ledger, &alice_on_her_phone, "approve_proposal", approve_body(&by_email)).await),
        ErrorCode::SelfApproval,
        "one person (one email) with two tokens cannot approve themselves"
    );
    assert_eq!(code(run(&ledger, &viewer(), "approve_proposal", approve_body(&proposal)).await), ErrorCode::Forbidden);

    let executed = run(&ledger, &bob(), "approve_proposal", approve_body(&proposal)).await.unwrap();
    assert_eq!((executed.status, executed.command.as_str()), (CommandStatus::Posted, "settle_hold"));
    assert_eq!(executed.transaction_ids.len(), 1);
    assert_eq!(hold_endings(&ledger, &hold).await, 1);
    assert_eq!(balances(&ledger, &wallet).await, (250_000, 0));
    let settled_by_alice = count(
        &ledger,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'settle_hold' AND actor = 'ops-alice' \
         AND outcome = 'posted' AND detail LIKE $1",
        &format!("approved by ops-bob (proposal {proposal})%"),
    )
    .await;
    assert_eq!(settled_by_alice, 1, "the settle is in the proposer's name and names its approver");
    let approved_by_bob = count(
        &ledger,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action = 'approve_proposal' AND actor = $1 \
         AND outcome = 'posted'",
        "ops-bob",
    )
    .await;
    assert_eq!(approved_by_bob, 1);

    let replay = ledger.execute(&alice, "settle_hold", settle, Some(&alice_key)).await.unwrap();
    assert_eq!((replay.status, replay.replayed), (CommandStatus::Posted, true), "the key answers the decision");
    assert_eq!(replay.transaction_ids, executed.transaction_ids);
    let view = get_proposal(ledger.store(), &proposal).await.unwrap();
    assert_eq!((view.status, view.decided_by.as_deref()), (ProposalStatus::Executed, Some("ops-bob")));
    assert_eq!(view.amount, Some("2500.00".parse().unwrap()));
    assert!(view.summary.contains("2500.00 USD") && view.summary.contains("payout clearing"), "{}", view.summary);
    let carol = Caller::new("ops-carol", Role::Operator);
    let twice = run(&ledger, &carol, "approve_proposal", approve_body(&proposal)).await;
    assert_eq!(code(twice), ErrorCode::ApprovalAlreadyDecided);
    assert_eq!(hold_endings(&ledger, &hold).await, 1, "still once");
    assert_sound(&ledger).await;
}

/// Below the threshold, and in a currency the policy skips, a settle runs
/// at once; a policy on every call holds a flag change too.
async fn thresholds_apply_in_their_own_currency_only(ledger: Ledger) {
    set_policy(
        &ledger,
        json!({"command": "settle_hold", "threshold": "1000.00", "currency": "USD",
        "other_currencies": "skip"}),
    )
    .await;
    set_policy(&ledger, json!({"command": "set_feature_flag"})).await;
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "5000.00").await;
    let small = reviewed_hold(&ledger, &usd, "999.99").await;
    let body = json!({"hold_id": small, "reason": "paid"});
    assert_eq!(run(&ledger, &operator(), "settle_hold", body).await.unwrap().status, CommandStatus::Posted);
    let exact = reviewed_hold(&ledger, &usd, "1000.00").await;
    let body = json!({"hold_id": exact, "reason": "paid"});
    let held = run(&ledger, &operator(), "settle_hold", body).await.unwrap();
    assert_eq!(held.status, CommandStatus::PendingApproval, "at the threshold it needs approval");
    let eur = wallet(&ledger, "EUR").await;
    pay_in(&ledger, &eur, "90000.00").await;
    let large_eur = reviewed_hold(&ledger, &eur, "80000.00").await;
    let body = json!({"hold_id": large_eur, "reason": "paid"});
    assert_eq!(
        run(&ledger, &operator(), "settle_hold", body).await.unwrap().status,
        CommandStatus::Posted,
        "EUR skips"
    );
    let flag = json!({"name": "payouts_enabled", "scope": "global", "enabled": "false"});
    let flagged = run(&ledger, &admin(), "set_feature_flag", flag.clone()).await.unwrap();
    assert_eq!(flagged.status, CommandStatus::PendingApproval, "every call");
    let no_key = ledger.execute(&admin(), "set_feature_flag", flag, None).await;
    let Err(LedgerError::Validation(fields)) = no_key else { panic!("{no_key:?}") };
    assert_eq!(fields[0].field, "Idempotency-Key", "a governed call needs a key to find its proposal again");

    let policies = list_policies(ledger.store()).await.unwrap();
    let settle = policies.iter().find(|p| p.command == "settle_hold").unwrap();
    assert_eq!((settle.threshold, settle.other_currencies.as_str()), (Some("1000.00".parse().unwrap()), "skip"));
    let pending =
        list_proposals(ledger.store(), &ProposalQuery { status: Some("pending".into()), ..Default::default() })
            .await
            .unwrap();
    assert_eq!(pending.items.len(), 2);
    assert!(pending.items[0].id < pending.items[1].id, "the queue is oldest first");
    for bad in [
        json!({"command": "reverse_transaction", "threshold": "10.00", "currency": "USD"}),
        json!({"command": "settle_hold", "threshold": "10.00"}),
        json!({"command": "approve_proposal"}),
        json!({"command": "run_gates"}),
        json!({"command": "no_such_command"}),
        json!({"command": "settle_hold", "threshold": "-1", "currency": "USD"}),
        json!({"command": "settle_hold", "threshold": "10.00", "currency": "XXX"}),
    ] {
        let refused = run(&ledger, &admin(), "set_approval_policy", bad.clone()).await;
        assert_eq!(code(refused), ErrorCode::ValidationFailed, "{bad}");
    }
    assert_eq!(
        code(run(&ledger, &operator(), "set_approval_policy", json!({"command": "transfer"})).await),
        ErrorCode::Forbidden
    );
    assert_eq!(code(run(&ledger, &bob(), "approve_proposal", approve_body("prop_nope")).await), ErrorCode::NotFound);
    set_policy(&ledger, json!({"command": "set_feature_flag", "enabled": "false"})).await;
    let flag = json!({"name": "payouts_enabled", "scope": "global", "enabled": "true"});
    assert_eq!(
        run(&ledger, &admin(), "set_feature_flag", flag).await.unwrap().status,
        CommandStatus::Updated,
        "lifted"
    );
}

/// Eight approvers at once: one executes, the others are told it was decided.
async fn two_approvers_at_once_execute_once(ledger: Ledger) {
    thousand_usd_policy(&ledger).await;
    let wallet = wallet(&ledger, "USD").await;
    pay_in(&ledger, &wallet, "5000.00").await;
    let hold = reviewed_hold(&ledger, &wallet, "3000.00").await;
    let body = json!({"hold_id": hold, "reason": "paid"});
    let proposal = run(&ledger, &operator(), "settle_hold", body).await.unwrap().subject_id.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let ledger = ledger.clone();
            let proposal = proposal.clone();
            tokio::spawn(async move {
                let approver = Caller::new(format!("ops-{i}"), Role::Operator);
                run(&ledger, &approver, "approve_proposal", approve_body(&proposal)).await
            })
        })
        .collect();
    let mut executed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(result) => {
                assert_eq!(result.status, CommandStatus::Posted);
                executed += 1;
            }
            Err(e) => assert_eq!(e.code(), ErrorCode::ApprovalAlreadyDecided, "{e}"),
        }
    }
    assert_eq!(executed, 1);
    assert_eq!(hold_endings(&ledger, &hold).await, 1);
    assert_sound(&ledger).await;
}

/// The hold was released while the settle waited: approving it is refused
/// `HOLD_NOT_OPEN`, the proposal ends `failed` with that code, nothing else
/// is written, and the proposer's key answers the failure.
async fn an_approval_after_the_world_changed_ends_failed(ledger: Ledger) {
    set_policy(&ledger, json!({"command": "settle_hold", "threshold": "1000.00", "currency": "USD"})).await;
    let wallet = wallet(&ledger, "USD").await;
    pay_in(&ledger, &wallet, "5000.00").await;
    let hold = reviewed_hold(&ledger, &wallet, "2000.00").await;
    let alice_key = key();
    let settle = json!({"hold_id": hold, "reason": "paid"});
    let proposal =
        ledger.execute(&operator(), "settle_hold", settle.clone(), Some(&alice_key)).await.unwrap().subject_id.unwrap();
    let release = json!({"hold_id": hold, "reason": "provider says failed"});
    run(&ledger, &Caller::new("ops-carol", Role::Operator), "release_hold", release).await.expect("release");
    let before = footprint(&ledger).await;
    let refused = run(&ledger, &bob(), "approve_proposal", approve_body(&proposal)).await;
    assert_eq!(code(refused), ErrorCode::HoldNotOpen, "the command's own code");
    let view = get_proposal(ledger.store(), &proposal).await.unwrap();
    assert_eq!((view.status, view.error_code.as_deref()), (ProposalStatus::Failed, Some("HOLD_NOT_OPEN")));
    assert_eq!(hold_endings(&ledger, &hold).await, 1, "only the release");
    let after = footprint(&ledger).await;
    // Transactions, postings, statement lines, holds, their history, and the balances.
    let money = |f: &Vec<i64>| (f[2..7].to_vec(), f.last().copied());
    assert_eq!(money(&before), money(&after), "no money moved: {before:?} → {after:?}");
    let replay = ledger.execute(&operator(), "settle_hold", settle, Some(&alice_key)).await;
    assert_eq!(code(replay), ErrorCode::HoldNotOpen, "the proposer's key answers the failure");
    let again = run(&ledger, &bob(), "approve_proposal", approve_body(&proposal)).await;
    assert_eq!(code(again), ErrorCode::ApprovalAlreadyDecided);
    assert_sound(&ledger).await;
}

/// A rejection ends a proposal: it never runs, the proposer's key answers
/// the rejection, and it cannot be approved after.
async fn a_rejected_proposal_never_runs(ledger: Ledger) {
    thousand_usd_policy(&ledger).await;
    let wallet = wallet(&ledger, "USD").await;
    pay_in(&ledger, &wallet, "5000.00").await;
    let hold = reviewed_hold(&ledger, &wallet, "1500.00").await;
    let alice_key = key();
    let release = json!({"hold_id": hold, "reason": "failed"});
    let proposal = ledger
        .execute(&operator(), "release_hold", release.clone(), Some(&alice_key))
        .await
        .unwrap()
        .subject_id
        .unwrap();
    assert_eq!(
        code(run(&ledger, &operator(), "reject_proposal", approve_body(&proposal)).await),
        ErrorCode::SelfApproval
    );
    let rejected =
        run(&ledger, &bob(), "reject_proposal", json!({"proposal_id": proposal, "reason": "not failed"})).await;
    assert_eq!(rejected.unwrap().status, CommandStatus::Completed);
    assert_eq!(
        code(ledger.execute(&operator(), "release_hold", release, Some(&alice_key)).await),
        ErrorCode::ApprovalRejected
    );
    assert_eq!(
        code(run(&ledger, &bob(), "approve_proposal", approve_body(&proposal)).await),
        ErrorCode::ApprovalAlreadyDecided
    );
    assert_eq!(hold_endings(&ledger, &hold).await, 0);
}

/// Past its expiry a proposal cannot be approved, lists as expired, and
/// its proposer's key says so.
async fn an_expired_proposal_refuses(ledger: Ledger) {
    let config = LedgerConfig {
        approval_ttl: Duration::from_millis(300),
        in_flight_wait: Duration::from_secs(20),
        ..LedgerConfig::default()
    };
    let short = Ledger::new(ledger.store().clone(), config);
    thousand_usd_policy(&short).await;
    let wallet = wallet(&short, "USD").await;
    pay_in(&short, &wallet, "5000.00").await;
    let hold = reviewed_hold(&short, &wallet, "1500.00").await;
    let alice_key = key();
    let settle = json!({"hold_id": hold, "reason": "paid"});
    let proposal =
        short.execute(&operator(), "settle_hold", settle.clone(), Some(&alice_key)).await.unwrap().subject_id.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        code(run(&short, &bob(), "approve_proposal", approve_body(&proposal)).await),
        ErrorCode::ApprovalExpired
    );
    assert_eq!(
        code(short.execute(&operator(), "settle_hold", settle, Some(&alice_key)).await),
        ErrorCode::ApprovalExpired
    );
    let query = |status: &str| ProposalQuery { status: Some(status.into()), ..Default::default() };
    assert!(list_proposals(short.store(), &query("pending")).await.unwrap().items.is_empty());
    let expired = list_proposals(short.store(), &query("expired")).await.unwrap();
    assert_eq!(expired.items.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [proposal.as_str()]);
    assert_eq!(hold_endings(&short, &hold).await, 0);
}

/// Over HTTP: a held call answers 202 with `pending_approval`; the queue
/// and the policies are read routes; each step is an outbox event with its
/// `alert.*` twin in Slack's shape, and a live `approval.changed`.
async fn the_api_answers_202_and_announces_each_step(ledger: Ledger) {
    thousand_usd_policy(&ledger).await;
    let wallet = wallet(&ledger, "USD").await;
    pay_in(&ledger, &wallet, "5000.00").await;
    let hold = reviewed_hold(&ledger, &wallet, "1200.00").await;
    let server = TestServer::start(ledger.clone()).await;
    let body = json!({"hold_id": hold, "reason": "paid"});
    let answer = server.command(&server.operator, "settle_hold", &body, Some(&key())).await;
    assert_eq!(answer.status().as_u16(), 202);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["status"], "pending_approval", "{answer}");
    let proposal = answer["subject_id"].as_str().unwrap().to_string();
    let queue: Value = server.get(&server.viewer, "/v1/approvals?status=pending").await.json().await.unwrap();
    assert_eq!(queue["items"][0]["id"], proposal.as_str());
    assert_eq!(queue["items"][0]["amount"], "1200.00");
    let one = server.get(&server.viewer, &format!("/v1/approvals/{proposal}")).await;
    assert_eq!(one.status().as_u16(), 200);
    let policies: Value = server.get(&server.viewer, "/v1/approval-policies").await.json().await.unwrap();
    assert_eq!(policies.as_array().unwrap().len(), 2);
    expect_problem(server.get(&server.viewer, "/v1/approvals?status=maybe").await, 422, "VALIDATION_FAILED").await;
    expect_problem(server.get(&server.viewer, "/v1/approvals/prop_x").await, 404, "NOT_FOUND").await;
    let approve = approve_body(&proposal);
    let own = server.command(&server.operator, "approve_proposal", &approve, Some(&key())).await;
    expect_problem(own, 403, "SELF_APPROVAL").await;
    let approved = server.command(&server.admin, "approve_proposal", &approve, Some(&key())).await;
    assert_eq!(approved.status().as_u16(), 200);
    let again = server.command(&server.admin, "approve_proposal", &approve, Some(&key())).await;
    expect_problem(again, 409, "APPROVAL_ALREADY_DECIDED").await;
    for event in ["approval.requested", "alert.approval_requested", "approval.decided", "alert.approval_decided"] {
        let n =
            count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_messages WHERE event_type = $1", event).await;
        assert_eq!(n, 1, "{event}");
    }
    let alert: String =
        sqlx::query_scalar("SELECT payload FROM outbox_messages WHERE event_type = 'alert.approval_decided'")
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    let alert: Value = serde_json::from_str(&alert).unwrap();
    assert!(alert["text"].as_str().unwrap().starts_with("root-admin approved proposal"), "{alert}");
    let changes =
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM change_log WHERE kind = $1", "approval.changed").await;
    assert_eq!(changes, 2, "requested, then decided");
    server.stop().await;
}

on_both_databases!(
    a_large_settle_waits_for_a_second_operator_and_runs_once,
    thresholds_apply_in_their_own_currency_only,
    two_approvers_at_once_execute_once,
    an_approval_after_the_world_changed_ends_failed,
    a_rejected_proposal_never_runs,
    an_expired_proposal_refuses,
    the_api_answers_202_and_announces_each_step,
);
