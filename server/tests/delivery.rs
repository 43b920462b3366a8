//! Webhook delivery from the outbox, on SQLite and PostgreSQL, against a
//! real local receiver that verifies every signature: deliveries, retries
//! after 500s and timeouts with growing delays, dead after the schedule,
//! operator retries, test events, Retry-After, 410 Gone, a worker killed
//! mid-batch, and a fault test of 2,000 events.

#[macro_use]
mod common;
mod webhook_receiver;

use common::*;
use ledgerdeck_client::ErrorCode;
use ledgerdeck_server::Ledger;
use ledgerdeck_server::delivery::{AttemptResult, Delivery, DeliveryConfig, claim_due, record_attempt};
use ledgerdeck_server::queries::{get_outbox_message, list_webhook_endpoints, outbox_stats};
use serde_json::json;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use webhook_receiver::{Answer, Receiver};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(worker: &str, schedule: &[u64], timeout_ms: u64) -> DeliveryConfig {
    DeliveryConfig {
        worker_id: worker.into(),
        batch: 50,
        lease: ms(5_000),
        poll: ms(5),
        request_timeout: ms(timeout_ms),
        schedule: schedule.iter().map(|&n| ms(n)).collect(),
    }
}

async fn endpoint(ledger: &Ledger, url: &str, event_types: &str) -> String {
    let body = json!({"url": url, "event_types": event_types, "secret": SECRET});
    run(ledger, &admin(), "create_webhook_endpoint", body).await.unwrap().subject_id.unwrap()
}

async fn count(ledger: &Ledger, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(ledger.store().pool()).await.unwrap()
}

/// Runs rounds of `worker` until no delivery is pending and every message
/// is fanned out, or panics after `limit`.
async fn drain(ledger: &Ledger, worker: &Delivery, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        worker.round().await.unwrap();
        let open = count(
            ledger,
            "SELECT CAST((SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending') + \
             (SELECT COUNT(*) FROM outbox_messages WHERE status = 'pending') AS BIGINT)",
        )
        .await;
        if open == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{open} deliveries still open after {limit:?}");
        tokio::time::sleep(ms(2)).await;
    }
}

/// The single delivery of the newest message of `event_type`.
async fn delivery_of(ledger: &Ledger, event_type: &str) -> (String, String, String) {
    sqlx::query_as(
        "SELECT d.id, d.message_id, d.status FROM webhook_deliveries d WHERE d.event_type = $1 ORDER BY d.id DESC",
    )
    .bind(event_type)
    .fetch_one(ledger.store().pool())
    .await
    .unwrap()
}

fn gaps(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

async fn retries_500s_then_timeouts_with_growing_delays(ledger: Ledger) {
    // Three 500s, then a hang past the timeout, then 200.
    let receiver = Receiver::start(
        SECRET,
        ms(600),
        Box::new(|_, n| match n {
            0..=2 => Answer::Status(500),
            3 => Answer::Hang,
            _ => Answer::Status(204),
        }),
    )
    .await;
    endpoint(&ledger, &receiver.url, "wallet.*").await;
    wallet(&ledger, "USD").await;
    let worker = Delivery::new(ledger.store().clone(), config("w1", &[0, 40, 80, 160, 320, 640], 150));
    drain(&ledger, &worker, Duration::from_secs(15)).await;

    let (id, message, status) = delivery_of(&ledger, "wallet.created").await;
    assert_eq!(status, "delivered");
    let times = receiver.times_of(&id);
    assert_eq!(times.len(), 5, "{:?}", receiver.seen());
    let gaps = gaps(&times);
    // Each wait is at least 90 % of its step of the growing schedule (the
    // 4th also includes the timeout). Gaps are not compared with each other:
    // on a loaded machine an early gap can outlast a later one by polling
    // delay alone, which says nothing about the schedule.
    for (gap, step) in gaps.iter().zip([40u64, 80, 160, 320]) {
        assert!(*gap >= ms(step * 9 / 10), "gaps {gaps:?}");
    }
    let detail = get_outbox_message(ledger.store(), &message).await.unwrap();
    let log = &detail.deliveries[0].attempts_log;
    let statuses: Vec<Option<i32>> = log.iter().map(|a| a.http_status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(500), None, Some(204)]);
    assert_eq!(log[3].error.as_deref(), Some("timeout"));
    assert_eq!(log[0].response_excerpt, "answer", "the response body excerpt is kept");
    assert!(log[3].latency_ms >= 140, "{:?}", log[3]);
    assert_eq!(detail.deliveries[0].attempts, 5);
    assert_eq!(receiver.bad_signatures(), 0);
    let stats = outbox_stats(ledger.store()).await.unwrap();
    assert_eq!((stats.pending, stats.dead, stats.delivered_5m), (0, 0, 1), "{stats:?}");
}

async fn dead_after_the_schedule_then_operator_retries_deliver(ledger: Ledger) {
    let receiver = Receiver::start(SECRET, ms(10), Box::new(|_, _| Answer::Status(500))).await;
    let endpoint_id = endpoint(&ledger, &receiver.url, "wallet.created").await;
    wallet(&ledger, "USD").await;
    wallet(&ledger, "EUR").await;
    let worker = Delivery::new(ledger.store().clone(), config("w1", &[0, 10, 20], 500));
    drain(&ledger, &worker, Duration::from_secs(10)).await;
    assert_eq!(
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'dead'").await,
        2
    );
    assert_eq!(count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_attempts").await, 6, "three each");
    let stats = outbox_stats(ledger.store()).await.unwrap();
    assert_eq!((stats.pending, stats.dead, stats.failing), (0, 2, 0), "{stats:?}");

    // The receiver recovers; one message is retried, then the endpoint's rest.
    receiver.set_policy(Box::new(|_, _| Answer::Status(200)));
    let (id, message, _) = delivery_of(&ledger, "wallet.created").await;
    let retried = run(&ledger, &operator(), "retry_outbox_message", json!({"message_id": message})).await.unwrap();
    assert_eq!(retried.reference.as_deref(), Some("1 deliveries"));
    drain(&ledger, &worker, Duration::from_secs(10)).await;
    assert_eq!(delivery_of(&ledger, "wallet.created").await.2, "delivered");
    assert_eq!(receiver.times_of(&id).len(), 4, "the same webhook-id on every attempt");
    assert!(receiver.acknowledged().contains(&id));
    let again = run(&ledger, &operator(), "retry_outbox_message", json!({"message_id": message})).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::ValidationFailed, "nothing left to retry");

    let rest = run(&ledger, &operator(), "retry_dead_deliveries", json!({"endpoint_id": endpoint_id})).await.unwrap();
    assert_eq!(rest.reference.as_deref(), Some("1 deliveries"));
    drain(&ledger, &worker, Duration::from_secs(10)).await;
    assert_eq!(
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'delivered'").await,
        2
    );
    assert_eq!(receiver.acknowledged().len(), 2);
    assert_eq!(count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_attempts").await, 8);
    assert_eq!(receiver.bad_signatures(), 0);
}

async fn test_events_reach_only_their_endpoint(ledger: Ledger) {
    let a = Receiver::start(SECRET, ms(10), Box::new(|_, _| Answer::Status(200))).await;
    let b = Receiver::start(SECRET, ms(10), Box::new(|_, _| Answer::Status(200))).await;
    let created = run(&ledger, &admin(), "create_webhook_endpoint", json!({"url": a.url, "event_types": "none.*"}))
        .await
        .unwrap();
    let secret = created.reference.clone().unwrap();
    assert!(secret.starts_with("whsec_") && secret != SECRET, "a generated secret is shown once");
    let a_id = created.subject_id.unwrap();
    endpoint(&ledger, &b.url, "none.*").await;
    let listed = serde_json::to_string(&list_webhook_endpoints(ledger.store()).await.unwrap()).unwrap();
    assert!(!listed.contains(&secret) && !listed.contains(SECRET), "reads never show secrets: {listed}");

    // A uses the generated secret: point the receiver at it.
    let a = Receiver::start(&secret, ms(10), Box::new(|_, _| Answer::Status(200))).await;
    run(&ledger, &admin(), "set_webhook_endpoint_enabled", json!({"endpoint_id": a_id, "enabled": "false"}))
        .await
        .unwrap();
    let refused = run(&ledger, &operator(), "send_test_event", json!({"endpoint_id": a_id})).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ValidationFailed, "disabled endpoints get no test events");
    sqlx::query("UPDATE webhook_endpoints SET url = $1").bind(&a.url).execute(ledger.store().pool()).await.unwrap();
    sqlx::query("UPDATE webhook_endpoints SET secret = $1 WHERE id <> $2")
        .bind(SECRET)
        .bind(&a_id)
        .execute(ledger.store().pool())
        .await
        .unwrap();
    run(&ledger, &admin(), "set_webhook_endpoint_enabled", json!({"endpoint_id": a_id, "enabled": "true"}))
        .await
        .unwrap();
    let sent = run(&ledger, &operator(), "send_test_event", json!({"endpoint_id": a_id})).await.unwrap();
    let worker = Delivery::new(ledger.store().clone(), config("w1", &[0], 500));
    drain(&ledger, &worker, Duration::from_secs(10)).await;
    let detail = get_outbox_message(ledger.store(), &sent.reference.unwrap()).await.unwrap();
    assert_eq!(detail.deliveries.len(), 1, "only the targeted endpoint");
    assert_eq!(
        (detail.deliveries[0].endpoint_id.as_str(), detail.deliveries[0].status.as_str()),
        (a_id.as_str(), "delivered")
    );
    let tests: Vec<_> = a.seen().into_iter().filter(|s| s.event_type == "webhook.test").collect();
    assert_eq!(tests.len(), 1);
    assert_eq!(a.bad_signatures(), 0, "signed with the generated secret");
    let bad = run(&ledger, &admin(), "create_webhook_endpoint", json!({"url": "ftp://x"})).await.unwrap_err();
    assert_eq!(bad.code(), ErrorCode::ValidationFailed);
    let forbidden = run(&ledger, &operator(), "create_webhook_endpoint", json!({"url": a.url})).await.unwrap_err();
    assert_eq!(forbidden.code(), ErrorCode::Forbidden);
}

async fn retry_after_is_honoured_and_410_disables_the_endpoint(ledger: Ledger) {
    let slow = Receiver::start(
        SECRET,
        ms(10),
        Box::new(|_, n| if n == 0 { Answer::RetryAfter(429, 1) } else { Answer::Status(200) }),
    )
    .await;
    endpoint(&ledger, &slow.url, "wallet.created").await;
    let gone = Receiver::start(SECRET, ms(10), Box::new(|_, _| Answer::Status(410))).await;
    let gone_id = endpoint(&ledger, &gone.url, "wallet.*").await;
    wallet(&ledger, "USD").await;
    let worker = Delivery::new(ledger.store().clone(), config("w1", &[0, 10, 20], 500));
    drain(&ledger, &worker, Duration::from_secs(10)).await;

    let (id, _, status) = delivery_of(&ledger, "wallet.created").await;
    let _ = (id, status);
    let acked: Vec<String> = slow.acknowledged().into_iter().collect();
    assert_eq!(acked.len(), 1);
    let times = slow.times_of(&acked[0]);
    assert_eq!(times.len(), 2);
    assert!(gaps(&times)[0] >= ms(1_000), "Retry-After: 1 beats the 10 ms step: {:?}", gaps(&times));

    let endpoints = list_webhook_endpoints(ledger.store()).await.unwrap();
    let disabled = endpoints.iter().find(|e| e.id == gone_id).unwrap();
    assert!(
        !disabled.enabled && disabled.disabled_reason.as_deref().is_some_and(|r| r.contains("410")),
        "{disabled:?}"
    );
    assert_eq!(gone.seen().len(), 1, "no retry after 410");
    // Later events no longer go to it.
    wallet(&ledger, "EUR").await;
    drain(&ledger, &worker, Duration::from_secs(10)).await;
    assert_eq!(gone.seen().len(), 1);
    let to_gone: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE endpoint_id = $1")
            .bind(&gone_id)
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(to_gone, 1);
}

async fn a_worker_killed_mid_batch_is_taken_over_after_its_lease(ledger: Ledger) {
    let receiver = Receiver::start(SECRET, ms(10), Box::new(|_, _| Answer::Status(200))).await;
    endpoint(&ledger, &receiver.url, "wallet.created").await;
    for currency in ["USD", "EUR", "GBP", "KES", "NGN"] {
        wallet(&ledger, currency).await;
    }
    // The doomed worker fans out and claims all five, then "dies".
    let mut doomed_config = config("doomed", &[0, 10], 500);
    doomed_config.lease = ms(600);
    let doomed = Delivery::new(ledger.store().clone(), doomed_config);
    ledgerdeck_server::delivery::fan_out(ledger.store(), &doomed.config).await.unwrap();
    let claimed = claim_due(ledger.store(), &doomed.config).await.unwrap();
    assert_eq!(claimed.len(), 5);
    let claimed_at = Instant::now();

    let survivor = Delivery::new(ledger.store().clone(), config("survivor", &[0, 10], 500));
    assert_eq!(survivor.round().await.unwrap(), 0, "leased deliveries are not taken");
    assert!(receiver.seen().is_empty());
    drain(&ledger, &survivor, Duration::from_secs(10)).await;
    assert!(claimed_at.elapsed() >= ms(550), "taken over only after the lease");
    let ids: BTreeSet<String> = claimed.iter().map(|c| c.id.clone()).collect();
    assert_eq!(receiver.acknowledged(), ids);
    assert_eq!(receiver.seen().len(), 5, "each once");

    // The doomed worker's late answer records nothing.
    let late = AttemptResult {
        at: 0,
        http_status: Some(500),
        error: None,
        latency: Duration::ZERO,
        excerpt: String::new(),
        retry_after: None,
    };
    record_attempt(&doomed, &claimed[0], &late).await.unwrap();
    assert_eq!(count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_attempts").await, 5);
    assert_eq!(
        count(&ledger, "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'delivered'").await,
        5
    );
}

async fn the_operator_surface_over_http(ledger: Ledger) {
    let receiver =
        Receiver::start(SECRET, ms(10), Box::new(|_, n| Answer::Status(if n == 0 { 500 } else { 200 }))).await;
    let server = TestServer::start(ledger.clone()).await;
    let body = json!({"url": receiver.url, "event_types": "wallet.created", "secret": SECRET});
    let created: serde_json::Value =
        server.command(&server.admin, "create_webhook_endpoint", &body, None).await.json().await.unwrap();
    assert_eq!(created["reference"], SECRET, "the secret is shown once, in the result: {created}");
    let endpoint_id = created["subject_id"].as_str().unwrap().to_string();
    let refused = server.command(&server.operator, "create_webhook_endpoint", &body, None).await;
    expect_problem(refused, 403, "FORBIDDEN").await;
    let long = json!({"url": format!("https://example.com/{}", "a".repeat(2100))});
    expect_problem(
        server.command(&server.admin, "create_webhook_endpoint", &long, None).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    wallet(&ledger, "USD").await;
    let worker = Delivery::new(ledger.store().clone(), config("w1", &[0, 10], 500));
    drain(&ledger, &worker, Duration::from_secs(10)).await;

    let endpoints = server.get(&server.viewer, "/v1/webhook-endpoints").await.text().await.unwrap();
    assert!(endpoints.contains(&endpoint_id) && !endpoints.contains("whsec_"), "{endpoints}");
    let stats: serde_json::Value = server.get(&server.viewer, "/v1/outbox/stats").await.json().await.unwrap();
    assert_eq!((stats["pending"].as_i64(), stats["delivered_5m"].as_i64()), (Some(0), Some(1)), "{stats}");
    let path = format!("/v1/outbox/messages?endpoint_id={endpoint_id}&delivery_status=delivered&limit=1");
    let page: serde_json::Value = server.get(&server.viewer, &path).await.json().await.unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["event_type"], "wallet.created");
    let id = items[0]["id"].as_str().unwrap();
    let detail: serde_json::Value =
        server.get(&server.viewer, &format!("/v1/outbox/messages/{id}")).await.json().await.unwrap();
    let log = detail["deliveries"][0]["attempts_log"].as_array().unwrap();
    let statuses: Vec<i64> = log.iter().map(|a| a["http_status"].as_i64().unwrap()).collect();
    assert_eq!(statuses, [500, 200], "{detail}");
    // Paging: the full list pages by cursor without repeats.
    let first: serde_json::Value =
        server.get(&server.viewer, "/v1/outbox/messages?limit=1").await.json().await.unwrap();
    let cursor = first["next_cursor"].as_str().expect("more than one message");
    let second: serde_json::Value =
        server.get(&server.viewer, &format!("/v1/outbox/messages?limit=1&cursor={cursor}")).await.json().await.unwrap();
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    expect_problem(server.get(&server.viewer, "/v1/outbox/messages?status=lost").await, 422, "VALIDATION_FAILED").await;
    expect_problem(server.get(&server.viewer, "/v1/outbox/messages/nope").await, 404, "NOT_FOUND").await;
    let health: serde_json::Value = server.http.get(server.url("/healthz")).send().await.unwrap().json().await.unwrap();
    let delivery = health["components"].as_array().unwrap().iter().find(|c| c["name"] == "delivery").unwrap().clone();
    assert_eq!(delivery["state"], "ok", "{health}");
    sqlx::query("UPDATE webhook_deliveries SET status = 'dead'").execute(ledger.store().pool()).await.unwrap();
    let health: serde_json::Value = server.http.get(server.url("/healthz")).send().await.unwrap().json().await.unwrap();
    let delivery = health["components"].as_array().unwrap().iter().find(|c| c["name"] == "delivery").unwrap().clone();
    assert_eq!(delivery["state"], "degraded", "{health}");
    assert_eq!(receiver.bad_signatures(), 0);
    server.stop().await;
}

async fn manual_review_alerts_reach_an_alert_sink(ledger: Ledger) {
    // The alert sink is an endpoint subscribed to alert.* (a Slack incoming
    // webhook in production): it gets the alert, in Slack's `text` shape,
    // and nothing else.
    let sink = Receiver::start(SECRET, ms(10), Box::new(|_, _| Answer::Status(200))).await;
    endpoint(&ledger, &sink.url, "alert.*").await;
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "50.00").await;
    let hold = reviewed_hold(&ledger, &w, "12.50").await;
    let worker = Delivery::new(ledger.store().clone(), config("w1", &[0, 10], 500));
    drain(&ledger, &worker, Duration::from_secs(10)).await;
    assert_eq!(sink.seen().len(), 1, "only the alert reaches the sink");
    assert_eq!(sink.bad_signatures(), 0);
    let delivered = count(
        &ledger,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries WHERE status = 'delivered' AND event_type = 'alert.manual_review'",
    )
    .await;
    assert_eq!(delivered, 1);
    let payload: String =
        sqlx::query_scalar("SELECT payload FROM outbox_messages WHERE event_type = 'alert.manual_review'")
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    let text = payload["text"].as_str().unwrap();
    assert!(text.contains("12.50 USD") && text.contains("manual review"), "{text}");
    assert_eq!(payload["hold_id"], hold.as_str());
}

on_both_databases!(
    manual_review_alerts_reach_an_alert_sink,
    the_operator_surface_over_http,
    retries_500s_then_timeouts_with_growing_delays,
    dead_after_the_schedule_then_operator_retries_deliver,
    test_events_reach_only_their_endpoint,
    retry_after_is_honoured_and_410_disables_the_endpoint,
    a_worker_killed_mid_batch_is_taken_over_after_its_lease,
);
