//! `/healthz`'s moving parts: the `saga` component from worker heartbeats
//! (on SQLite and PostgreSQL), the `provider` component from reachability
//! probes, and the `events` component from the stream's own account; and
//! which of them feed `ready`.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{ComponentHealth, ComponentState, HealthReport};
use ledgerdeck_server::Ledger;
use ledgerdeck_server::api::probes::health;
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::provider::probe::ProviderProbe;
use ledgerdeck_server::provider::sandbox::{Mix, SandboxProvider};
use ledgerdeck_server::saga::{Providers, Saga, SagaConfig};
use ledgerdeck_server::store::now_micros;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

fn worker(ledger: &Ledger, id: &str, instance: &str) -> Saga {
    let mut providers = Providers::new();
    providers.insert("sandbox".into(), Arc::new(SandboxProvider::new("sandbox", 1, Mix::default())));
    let config = SagaConfig {
        worker_id: id.into(),
        instance: instance.into(),
        poll: Duration::from_millis(10),
        call_timeout: Duration::from_secs(1),
        ..SagaConfig::default()
    };
    Saga::new(ledger.store().clone(), providers, config)
}

fn part<'a>(report: &'a HealthReport, name: &str) -> &'a ComponentHealth {
    report.components.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name} component: {report:?}"))
}

async fn report(ledger: &Ledger) -> HealthReport {
    health(&AppState::new(ledger.clone(), ApiConfig::default())).await
}

/// Moves a worker's last beat `secs` into the past, as if it had crashed then.
async fn age_worker(ledger: &Ledger, id: &str, secs: i64) {
    sqlx::query("UPDATE worker_heartbeats SET last_round_at = last_round_at - $1 WHERE worker_id = $2")
        .bind(secs * 1_000_000)
        .bind(id)
        .execute(ledger.store().pool())
        .await
        .unwrap();
}

/// A saga round writes its worker's row (id, instance, a fresh beat), and
/// `/healthz` then lists that worker as live with the saga ok; over HTTP the
/// worker is in the report's structured `workers` list.
async fn a_round_writes_the_workers_heartbeat(ledger: Ledger) {
    assert!(report(&ledger).await.workers.is_empty());
    worker(&ledger, "w-a", "host-a:11").round().await.unwrap();
    let health = report(&ledger).await;
    assert_eq!(health.workers.len(), 1, "{health:?}");
    let w = &health.workers[0];
    assert_eq!((w.worker_id.as_str(), w.instance.as_str(), w.live), ("w-a", "host-a:11", true));
    assert!(w.last_round_age_ms < 5_000, "{w:?}");
    assert_eq!(part(&health, "saga").state, ComponentState::Ok);
    assert_eq!(part(&health, "saga").detail, "1 live worker, due holds current");

    let server = TestServer::start(ledger.clone()).await;
    let body: Value = server.http.get(server.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["workers"][0]["instance"], "host-a:11", "{body}");
    assert_eq!(body["workers"][0]["live"], true, "{body}");
    server.stop().await;
}

/// Two workers on one database are both listed, each with its instance.
async fn two_workers_are_both_listed(ledger: Ledger) {
    worker(&ledger, "w-a", "host-a:11").round().await.unwrap();
    worker(&ledger, "w-b", "host-b:22").round().await.unwrap();
    let health = report(&ledger).await;
    let mut seen: Vec<(&str, &str, bool)> =
        health.workers.iter().map(|w| (w.worker_id.as_str(), w.instance.as_str(), w.live)).collect();
    seen.sort();
    assert_eq!(seen, [("w-a", "host-a:11", true), ("w-b", "host-b:22", true)]);
    assert_eq!(part(&health, "saga").detail, "2 live workers, due holds current");
}

/// A worker whose beat is older than its own staleness window is reported
/// gone; with a hold due and no live worker the saga is down — yet `ready`
/// stays true, because the saga does not feed readiness. A worker that
/// beats again is live again and the saga recovers.
async fn a_stale_worker_is_gone_and_due_holds_without_a_worker_are_down(ledger: Ledger) {
    let w = worker(&ledger, "w-old", "host-a:11");
    w.round().await.unwrap();
    age_worker(&ledger, "w-old", 30).await;
    let health = report(&ledger).await;
    assert!(!health.workers[0].live, "{health:?}");
    assert_eq!(part(&health, "saga").state, ComponentState::Degraded, "{health:?}");
    assert_eq!(part(&health, "saga").detail, "no live saga worker (1 gone); no hold due");

    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "10.00").await;
    reserve(&ledger, &usd, "1.00").await;
    let health = report(&ledger).await;
    let saga = part(&health, "saga");
    assert_eq!(saga.state, ComponentState::Down, "{health:?}");
    assert_eq!(saga.detail, "1 hold due and no live saga worker: payouts are not moving; 1 gone");
    assert!(health.ready, "the saga never makes the instance unready: {health:?}");

    let fresh = worker(&ledger, "w-new", "host-b:22");
    fresh.round().await.unwrap();
    let health = report(&ledger).await;
    assert_eq!(part(&health, "saga").state, ComponentState::Ok, "{health:?}");
    assert_eq!(
        health.workers.iter().map(|w| (w.worker_id.as_str(), w.live)).collect::<Vec<_>>(),
        [("w-new", true), ("w-old", false)]
    );
}

/// How far behind: a beat measures how long the oldest due hold nobody has
/// taken has waited, and a wait past the limit degrades the saga.
async fn a_due_hold_waiting_too_long_degrades_the_saga(ledger: Ledger) {
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "10.00").await;
    let hold = reserve(&ledger, &usd, "1.00").await;
    sqlx::query("UPDATE holds SET next_attempt_at = $1 WHERE id = $2")
        .bind(now_micros() - 120_000_000)
        .bind(&hold)
        .execute(ledger.store().pool())
        .await
        .unwrap();
    let w = worker(&ledger, "w-a", "host-a:11");
    w.heartbeat.tick(ledger.store(), 0).await.unwrap();
    let health = report(&ledger).await;
    let behind = health.workers[0].behind_ms;
    assert!((120_000..130_000).contains(&behind), "behind {behind} ms");
    let saga = part(&health, "saga");
    assert_eq!(saga.state, ComponentState::Degraded, "{health:?}");
    assert!(saga.detail.starts_with("1 hold due, the oldest waiting 12"), "{}", saga.detail);

    // The worker takes it: nothing is waiting at its next beat.
    w.round().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    w.heartbeat.tick(ledger.store(), 0).await.unwrap();
    let health = report(&ledger).await;
    assert_eq!(health.workers[0].behind_ms, 0, "{health:?}");
    assert_eq!(part(&health, "saga").state, ComponentState::Ok, "{health:?}");
}

/// Rows an hour past their last beat are pruned by a worker's beat, and a
/// worker that stops cleanly removes its own row.
async fn old_rows_are_pruned_and_a_clean_stop_leaves(ledger: Ledger) {
    worker(&ledger, "w-ancient", "host-a:11").round().await.unwrap();
    age_worker(&ledger, "w-ancient", 2 * 3600).await;
    let w = worker(&ledger, "w-a", "host-b:22");
    w.round().await.unwrap();
    let ids: Vec<String> = report(&ledger).await.workers.into_iter().map(|w| w.worker_id).collect();
    assert_eq!(ids, ["w-a"]);

    let stop = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn({
        let (w, stop) = (w.clone(), stop.clone());
        async move { w.run(stop).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.cancel();
    task.await.unwrap();
    assert!(report(&ledger).await.workers.is_empty());
}

on_both_databases!(
    a_round_writes_the_workers_heartbeat,
    two_workers_are_both_listed,
    a_stale_worker_is_gone_and_due_holds_without_a_worker_are_down,
    a_due_hold_waiting_too_long_degrades_the_saga,
    old_rows_are_pruned_and_a_clean_stop_leaves,
);

fn probe_of(providers: &[Arc<SandboxProvider>], timeout: Duration, cache: Duration) -> ProviderProbe {
    let mut map = Providers::new();
    for p in providers {
        map.insert(ledgerdeck_server::provider::PayoutProvider::name(p.as_ref()).to_string(), p.clone() as _);
    }
    ProviderProbe::with_timing(Arc::new(map), timeout, cache)
}

/// Each configured provider is probed: reachable ones are ok with a
/// latency; an unreachable one makes the component down with its name and
/// why — and `ready` stays true (the saga retries in the background) while
/// `/readyz` still answers 200.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_is_down_without_unreadying() {
    let db = TestDb::sqlite().await;
    let acme = Arc::new(SandboxProvider::new("acme", 1, Mix::default()).with_latency(Duration::from_millis(5)));
    let sandbox = Arc::new(SandboxProvider::new("sandbox", 1, Mix::default()));
    let state = AppState::new(db.ledger.clone(), ApiConfig::default()).with_providers(probe_of(
        &[acme.clone(), sandbox],
        Duration::from_secs(1),
        Duration::ZERO,
    ));
    let health = health(&state).await;
    assert_eq!(part(&health, "provider").state, ComponentState::Ok);
    assert_eq!(part(&health, "provider").detail, "reachable: acme, sandbox");
    assert_eq!(health.providers.len(), 2);
    assert!(health.providers[0].reachable && health.providers[0].latency_ms.is_some(), "{health:?}");

    acme.set_reachable(false);
    let health = ledgerdeck_server::api::probes::health(&state).await;
    let provider = part(&health, "provider");
    assert_eq!(provider.state, ComponentState::Down, "{health:?}");
    assert_eq!(
        provider.detail,
        "acme unreachable (provider unavailable: connection to acme refused): payouts cannot be submitted"
    );
    assert_eq!(health.providers[0].error.as_deref(), Some("provider unavailable: connection to acme refused"));
    assert!(!health.providers[0].reachable && health.providers[1].reachable);
    assert!(health.ready, "{health:?}");
    db.finish().await;
}

/// A provider that does not answer within the probe's timeout counts as
/// unreachable; answers are cached, so a provider that goes away is seen
/// only once the cache expires (health checks do not call providers each time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_time_out_and_are_cached() {
    let db = TestDb::sqlite().await;
    let slow = Arc::new(SandboxProvider::new("slow", 1, Mix::default()).with_latency(Duration::from_secs(5)));
    let state = AppState::new(db.ledger.clone(), ApiConfig::default()).with_providers(probe_of(
        &[slow],
        Duration::from_millis(100),
        Duration::ZERO,
    ));
    let started = std::time::Instant::now();
    let health = health(&state).await;
    assert!(started.elapsed() < Duration::from_secs(2), "the probe is bounded: {:?}", started.elapsed());
    assert_eq!(part(&health, "provider").state, ComponentState::Down);
    assert_eq!(health.providers[0].error.as_deref(), Some("no answer within 100 ms"));

    let acme = Arc::new(SandboxProvider::new("acme", 1, Mix::default()));
    let cached = AppState::new(db.ledger.clone(), ApiConfig::default()).with_providers(probe_of(
        std::slice::from_ref(&acme),
        Duration::from_secs(1),
        Duration::from_millis(400),
    ));
    assert_eq!(part(&health_of(&cached).await, "provider").state, ComponentState::Ok);
    acme.set_reachable(false);
    assert_eq!(part(&health_of(&cached).await, "provider").state, ComponentState::Ok, "cached answer");
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(part(&health_of(&cached).await, "provider").state, ComponentState::Down, "cache expired");
    db.finish().await;
}

async fn health_of(state: &AppState) -> HealthReport {
    health(state).await
}

/// Without providers the component says so and is ok; a server running the
/// saga probes the saga's own providers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serving_saga_s_providers_are_probed() {
    let db = TestDb::sqlite().await;
    let health = report(&db.ledger).await;
    assert_eq!(part(&health, "provider").detail, "no payout provider configured on this instance");
    assert!(health.providers.is_empty());

    let state = AppState::new(db.ledger.clone(), ApiConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/healthz", listener.local_addr().unwrap());
    let saga = worker(&db.ledger, "w-a", "host-a:11");
    let task = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), Some(saga), None));
    let body: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(body["providers"][0]["name"], "sandbox", "{body}");
    assert_eq!(body["providers"][0]["reachable"], true, "{body}");
    state.shutdown.cancel();
    task.await.unwrap().unwrap();
    db.finish().await;
}

/// The `events` component: degraded while the tailer has not read the change
/// log; once it runs, ok with the number of open streams, counting a stream
/// while it is open; never affecting `ready`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_component_counts_streams_and_watches_the_tailer() {
    let db = TestDb::sqlite().await;
    let health = report(&db.ledger).await;
    let events = part(&health, "events");
    assert_eq!(events.state, ComponentState::Degraded, "no tailer runs here: {health:?}");
    assert_eq!(events.detail, "0 streams open; the change log was not read yet");
    assert!(health.ready);

    let server = TestServer::start(db.ledger.clone()).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let health = health_of(&server.state).await;
    assert_eq!(part(&health, "events").state, ComponentState::Ok, "{health:?}");
    assert_eq!(part(&health, "events").detail, "0 streams open; delivery current");
    let stream = server.get(&server.viewer, "/v1/events").await;
    assert_eq!(stream.status(), 200);
    let health = health_of(&server.state).await;
    assert_eq!(part(&health, "events").detail, "1 stream open; delivery current");
    drop(stream);
    server.stop().await;
    db.finish().await;
}
