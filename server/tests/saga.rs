//! The payout saga with the sandbox provider, on SQLite and PostgreSQL:
//! every path, manual review and the operator's decision, two workers on
//! one database, and a worker that lost its lease.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::ErrorCode;
use ledgerdeck_server::Ledger;
use ledgerdeck_server::provider::sandbox::{Mix, SandboxProvider};
use ledgerdeck_server::provider::{PayoutProvider, PayoutRequest, ProviderFuture};
use ledgerdeck_server::saga::{Providers, Saga, SagaConfig, claim_due, run_step};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn sandbox() -> Providers {
    let mut providers = Providers::new();
    providers.insert("sandbox".into(), Arc::new(SandboxProvider::new("sandbox", 42, Mix::default())));
    providers
}

fn saga(ledger: &Ledger, providers: Providers, worker: &str) -> Saga {
    Saga::new(
        ledger.store().clone(),
        providers,
        SagaConfig {
            worker_id: worker.into(),
            max_requeries: 3,
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(4),
            lease: Duration::from_secs(10),
            poll: Duration::from_millis(2),
            ..SagaConfig::default()
        },
    )
}

async fn drive(saga: &Saga, rounds: usize) {
    for _ in 0..rounds {
        saga.round().await.expect("saga round");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn payout(ledger: &Ledger, wallet_id: &str, amount: &str, reference: &str, provider: &str) -> String {
    let body = json!({"wallet_id": wallet_id, "amount": amount, "provider": provider, "reference": reference});
    run(ledger, &operator(), "reserve_payout", body).await.expect("reserve").subject_id.unwrap()
}

async fn status(ledger: &Ledger, hold_id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM holds WHERE id = $1")
        .bind(hold_id)
        .fetch_one(ledger.store().pool())
        .await
        .unwrap()
}

async fn provider_statuses(ledger: &Ledger, hold_id: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT kind, provider_status FROM hold_history WHERE hold_id = $1 AND provider_status IS NOT NULL ORDER BY seq",
    )
    .bind(hold_id)
    .fetch_all(ledger.store().pool())
    .await
    .unwrap()
}

async fn every_saga_path(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "1000.00").await;
    let paid = payout(&ledger, &w, "10.00", "po-1 sandbox:paid", "sandbox").await;
    let failed = payout(&ledger, &w, "20.00", "po-2 sandbox:failed", "sandbox").await;
    let pending = payout(&ledger, &w, "30.00", "po-3 sandbox:pending2", "sandbox").await;
    let flaky = payout(&ledger, &w, "40.00", "po-4 sandbox:error1", "sandbox").await;
    let unknown_settle = payout(&ledger, &w, "50.00", "po-5 sandbox:unknown", "sandbox").await;
    let unknown_release = payout(&ledger, &w, "60.00", "po-6 sandbox:unknown", "sandbox").await;
    let worker = saga(&ledger, sandbox(), "w1");
    drive(&worker, 30).await;

    assert_eq!(status(&ledger, &paid).await, "settled");
    assert_eq!(status(&ledger, &failed).await, "released");
    assert_eq!(status(&ledger, &pending).await, "settled");
    assert_eq!(status(&ledger, &flaky).await, "settled");
    assert_eq!(status(&ledger, &unknown_settle).await, "manual_review");
    assert_eq!(status(&ledger, &unknown_release).await, "manual_review");

    let pending_calls = provider_statuses(&ledger, &pending).await;
    assert_eq!(
        pending_calls,
        [
            ("submission".to_string(), "PROCESSING".to_string()),
            ("query".to_string(), "PROCESSING".to_string()),
            ("query".to_string(), "PROCESSING".to_string()),
            ("query".to_string(), "PAID".to_string()),
        ],
        "every submission and query is in the hold's history with the raw status"
    );
    let unknown_calls = provider_statuses(&ledger, &unknown_settle).await;
    assert_eq!(unknown_calls.len(), 1 + 3, "one submission and the configured three requeries");

    // The operator decides the manual-review holds, with a reason.
    let settle =
        json!({"hold_id": unknown_settle, "reason": "bank statement shows it paid", "provider_reference": "BANK-9"});
    run(&ledger, &operator(), "settle_hold", settle).await.unwrap();
    let release = json!({"hold_id": unknown_release, "reason": "provider confirmed failure by phone"});
    run(&ledger, &operator(), "release_hold", release).await.unwrap();
    assert_eq!(status(&ledger, &unknown_settle).await, "settled");
    assert_eq!(status(&ledger, &unknown_release).await, "released");

    // Settled: 10 + 30 + 40 + 50 left; released money came back.
    assert_eq!(balances(&ledger, &w).await, (100_000 - 13_000, 0));
    let alerts: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_messages WHERE event_type = 'alert.manual_review'",
    )
    .fetch_one(ledger.store().pool())
    .await
    .unwrap();
    assert_eq!(alerts, 2, "each hold entering manual review raises one alert");
    let settled_events: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_messages WHERE event_type = 'payout.settled'")
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(settled_events, 4);

    // Further rounds change nothing.
    let before = footprint(&ledger).await;
    drive(&worker, 5).await;
    assert_eq!(footprint(&ledger).await, before);
    assert_sound(&ledger).await;
}

async fn unknown_provider_goes_to_manual_review(ledger: Ledger) {
    let w = wallet(&ledger, "EUR").await;
    pay_in(&ledger, &w, "10.00").await;
    let hold = payout(&ledger, &w, "1.00", "po-x", "acme-bank").await;
    drive(&saga(&ledger, sandbox(), "w1"), 3).await;
    assert_eq!(status(&ledger, &hold).await, "manual_review");
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM hold_history WHERE hold_id = $1 AND to_status = 'manual_review' AND kind = 'state_change'",
    )
    .bind(&hold)
    .fetch_one(ledger.store().pool())
    .await
    .unwrap();
    assert!(detail.contains("acme-bank"), "{detail}");
}

async fn a_worker_that_lost_its_lease_changes_nothing(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "10.00").await;
    let hold = payout(&ledger, &w, "5.00", "po sandbox:paid", "sandbox").await;
    let worker = saga(&ledger, sandbox(), "w1");
    let claimed = claim_due(ledger.store(), &worker.config).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // An operator sends it to review while the worker talks to the provider.
    to_review(&ledger, &hold).await;
    run_step(&worker, claimed.into_iter().next().unwrap()).await.unwrap();
    assert_eq!(status(&ledger, &hold).await, "manual_review", "the worker's late answer moved nothing");
    assert!(provider_statuses(&ledger, &hold).await.is_empty());
    // The operator's ending works; the saga never claims a hold in review.
    let err = run(&ledger, &operator(), "mark_manual_review", json!({"hold_id": hold, "reason": "again"})).await;
    assert_eq!(err.unwrap_err().code(), ErrorCode::HoldWrongStatus);
    drive(&worker, 3).await;
    assert_eq!(status(&ledger, &hold).await, "manual_review");
    assert_sound(&ledger).await;
}

/// Wraps a provider and records any moment two calls for one hold overlap.
#[derive(Debug)]
struct OverlapProbe {
    inner: SandboxProvider,
    in_flight: Mutex<HashSet<String>>,
    overlaps: Mutex<Vec<String>>,
}

impl OverlapProbe {
    fn call<'a>(&'a self, request: &'a PayoutRequest, submit: bool) -> ProviderFuture<'a> {
        Box::pin(async move {
            if !self.in_flight.lock().unwrap().insert(request.hold_id.clone()) {
                self.overlaps.lock().unwrap().push(request.hold_id.clone());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
            let answer = if submit { self.inner.submit(request).await } else { self.inner.query(request).await };
            self.in_flight.lock().unwrap().remove(&request.hold_id);
            answer
        })
    }
}

impl PayoutProvider for OverlapProbe {
    fn reachable(&self) -> ledgerdeck_server::provider::ReachFuture<'_> {
        self.inner.reachable()
    }
    fn name(&self) -> &str {
        "sandbox"
    }
    fn submit<'a>(&'a self, request: &'a PayoutRequest) -> ProviderFuture<'a> {
        self.call(request, true)
    }
    fn query<'a>(&'a self, request: &'a PayoutRequest) -> ProviderFuture<'a> {
        self.call(request, false)
    }
}

async fn two_workers_never_process_the_same_hold_at_once(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "1000.00").await;
    let mut holds = Vec::new();
    for i in 0..60 {
        let fate = ["sandbox:paid", "sandbox:failed", "sandbox:pending1"][i % 3];
        holds.push(payout(&ledger, &w, "1.00", &format!("po-{i} {fate}"), "sandbox").await);
    }
    let probe = Arc::new(OverlapProbe {
        inner: SandboxProvider::new("sandbox", 1, Mix::default()),
        in_flight: Mutex::new(HashSet::new()),
        overlaps: Mutex::new(Vec::new()),
    });
    let shared = || {
        let mut providers = Providers::new();
        providers.insert("sandbox".into(), probe.clone() as Arc<dyn PayoutProvider>);
        providers
    };
    let (a, b) = (saga(&ledger, shared(), "worker-a"), saga(&ledger, shared(), "worker-b"));
    let stop = tokio_util::sync::CancellationToken::new();
    let tasks = [
        tokio::spawn({
            let (a, stop) = (a.clone(), stop.clone());
            async move { a.run(stop).await }
        }),
        tokio::spawn({
            let (b, stop) = (b.clone(), stop.clone());
            async move { b.run(stop).await }
        }),
    ];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let open: i64 =
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM holds WHERE status IN ('reserved', 'submitted')")
                .fetch_one(ledger.store().pool())
                .await
                .unwrap();
        if open == 0 || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.cancel();
    for task in tasks {
        task.await.unwrap();
    }
    assert!(probe.overlaps.lock().unwrap().is_empty(), "overlapping calls: {:?}", probe.overlaps.lock().unwrap());
    let workers: Vec<String> = sqlx::query_scalar("SELECT DISTINCT actor FROM hold_history WHERE kind = 'submission'")
        .fetch_all(ledger.store().pool())
        .await
        .unwrap();
    assert_eq!(workers.len(), 2, "both workers took part: {workers:?}");
    for hold in &holds {
        let s = status(&ledger, hold).await;
        assert!(s == "settled" || s == "released", "{hold} is {s}");
        let finals = hold_endings(&ledger, hold).await;
        assert_eq!(finals, 1, "{hold} ended more than once");
    }
    assert_sound(&ledger).await;
}

async fn set_flag(ledger: &Ledger, name: &str, scope: &str, value: &str, enabled: bool) {
    let body = json!({"name": name, "scope": scope, "scope_value": value, "enabled": enabled.to_string()});
    run(ledger, &admin(), "set_feature_flag", body).await.expect("set flag");
}

async fn flags_gate_submissions_and_completions(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let held_back = payout(&ledger, &w, "1.00", "a sandbox:pending1", "sandbox").await;
    let worker = saga(&ledger, sandbox(), "w1");

    // Payouts switched off: nothing is submitted.
    set_flag(&ledger, "payouts_enabled", "global", "", false).await;
    drive(&worker, 3).await;
    assert_eq!(status(&ledger, &held_back).await, "reserved");
    assert!(provider_statuses(&ledger, &held_back).await.is_empty(), "submitted although payouts are off");

    // On again: submitted (the provider is still processing).
    set_flag(&ledger, "payouts_enabled", "global", "", true).await;
    worker.round().await.unwrap();
    assert_eq!(status(&ledger, &held_back).await, "submitted");

    // The merchant is frozen and completions are held back: the provider's
    // PAID is kept as evidence, no money moves.
    set_flag(&ledger, "core_wallet_enabled", "merchant", "m-1", false).await;
    set_flag(&ledger, "record_completions_while_frozen", "global", "", false).await;
    drive(&worker, 5).await;
    assert_eq!(status(&ledger, &held_back).await, "submitted");
    assert!(provider_statuses(&ledger, &held_back).await.iter().any(|(_, s)| s == "PAID"));
    assert_eq!(balances(&ledger, &w).await.1, 100, "still reserved");

    // Completions recorded while frozen (the default): the saga finishes.
    set_flag(&ledger, "record_completions_while_frozen", "global", "", true).await;
    drive(&worker, 5).await;
    assert_eq!(status(&ledger, &held_back).await, "settled");
    assert_sound(&ledger).await;
}

on_both_databases!(
    flags_gate_submissions_and_completions,
    every_saga_path,
    unknown_provider_goes_to_manual_review,
    a_worker_that_lost_its_lease_changes_nothing,
    two_workers_never_process_the_same_hold_at_once,
);
