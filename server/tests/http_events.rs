//! `GET /v1/events` through real HTTP: a hold change arrives live, and a
//! client that reconnects with `Last-Event-ID` gets exactly what it missed.

#[macro_use]
mod common;

use common::sse::SseReader;
use common::*;
use ledgerdeck_server::Ledger;
use serde_json::{Value, json};
use std::time::Duration;

async fn hold_change_arrives_and_resumes_after_reconnect(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "50.00").await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);

    let reserve = json!({"wallet_id": usd, "amount": "5.00", "provider": "sandbox"});
    let reserved: Value =
        server.command(&server.operator, "reserve_payout", &reserve, Some(&key())).await.json().await.unwrap();
    let hold_id = reserved["subject_id"].as_str().unwrap().to_string();
    let seen = events.until("hold.changed", |d| d["hold_id"] == hold_id.as_str()).await;
    assert_eq!(seen.data["status"], "reserved");
    let last_id = seen.id.clone().expect("events carry ids");
    drop(events);

    // While disconnected: the hold goes to review and settles, and another
    // command posts.
    to_review(&ledger, &hold_id).await;
    let settle = json!({"hold_id": hold_id, "reason": "provider paid"});
    assert_eq!(server.command(&server.operator, "settle_hold", &settle, Some(&key())).await.status(), 200);
    let payin = json!({"wallet_id": usd, "amount": "1.00", "provider": "p"});
    assert_eq!(server.command(&server.operator, "post_payin", &payin, Some(&key())).await.status(), 200);

    let resumed = server
        .http
        .get(server.url("/v1/events"))
        .bearer_auth(&server.viewer)
        .header("Last-Event-ID", &last_id)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(resumed);
    let mut missed = Vec::new();
    while missed.len() < 6 {
        let e = events.next().await;
        // State snapshots (health, outbox backlog) may land in the gap too.
        if e.event == "outbox.stats" || e.event == "health.changed" {
            continue;
        }
        missed.push((e.event.clone(), e.data["command"].as_str().map(str::to_string), e.id.clone()));
    }
    let kinds: Vec<(&str, Option<&str>)> = missed.iter().map(|(k, c, _)| (k.as_str(), c.as_deref())).collect();
    // Every committed change is announced, however it was made (the review
    // went through the ledger directly, not HTTP); a command's hold change
    // and its `command.posted` share its transaction, in that order.
    assert_eq!(
        kinds,
        [
            ("command.posted", Some("reserve_payout")),
            ("hold.changed", Some("mark_manual_review")),
            ("command.posted", Some("mark_manual_review")),
            ("hold.changed", Some("settle_hold")),
            ("command.posted", Some("settle_hold")),
            ("command.posted", Some("post_payin"))
        ],
        "exactly the missed events, in order, nothing before them"
    );
    let ids: Vec<&str> = missed.iter().map(|(_, _, id)| id.as_deref().unwrap()).collect();
    assert!(ids.iter().all(|id| *id != last_id));

    // An id the server cannot resume from gets a reset.
    let stale = server
        .http
        .get(server.url("/v1/events"))
        .bearer_auth(&server.viewer)
        .header("Last-Event-ID", "another-process-7")
        .send()
        .await
        .unwrap();
    assert_eq!(SseReader::new(stale).next().await.event, "reset", "the reset comes first");
    server.stop().await;
}

async fn heartbeats_keep_a_quiet_stream_visible(ledger: Ledger) {
    let config = ledgerdeck_server::api::ApiConfig { heartbeat: Duration::from_millis(200), ..Default::default() };
    let server = TestServer::start_with(ledger, config).await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);
    let started = std::time::Instant::now();
    events.until("heartbeat", |_| true).await;
    events.until("heartbeat", |_| true).await;
    assert!(started.elapsed() >= Duration::from_millis(300), "heartbeats are paced, not a burst");
    drop(events);
    server.stop().await;
}

async fn outbox_backlog_and_health_changes_are_streamed(ledger: Ledger) {
    let config = ledgerdeck_server::api::ApiConfig {
        monitor_interval: Duration::from_millis(100),
        heartbeat: Duration::from_secs(60),
        ..Default::default()
    };
    let server = TestServer::start_with(ledger.clone(), config).await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);
    let health = events.until("health.changed", |_| true).await;
    assert_eq!(health.data["ready"], true);
    let before = events.until("outbox.stats", |_| true).await.data["pending"].as_i64().unwrap();
    // A command writes an outbox event; the backlog grows and is announced.
    wallet(&ledger, "USD").await;
    let after = events.until("outbox.stats", |d| d["pending"].as_i64() != Some(before)).await;
    assert_eq!(after.data["pending"].as_i64(), Some(before + 1));
    drop(events);
    server.stop().await;
}

on_both_databases!(
    gate_runs_are_announced_and_readable,
    the_scheduler_runs_gates_and_announces_them,
    hold_change_arrives_and_resumes_after_reconnect,
    heartbeats_keep_a_quiet_stream_visible,
    outbox_backlog_and_health_changes_are_streamed,
    every_event_reads_back_as_the_clients_type,
);

/// What the server streams is what the client's typed `LiveEvent` reads:
/// every event of a command's path decodes to its variant (none falls back
/// to `Unknown`), and setting a flag is announced as `flag.changed`.
async fn every_event_reads_back_as_the_clients_type(ledger: Ledger) {
    use ledgerdeck_client::events::{FlagChange, LiveEvent};
    let server = TestServer::start(ledger.clone()).await;
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "50.00").await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);
    let reserve = json!({"wallet_id": usd, "amount": "5.00", "provider": "sandbox"});
    assert_eq!(server.command(&server.operator, "reserve_payout", &reserve, Some(&key())).await.status(), 200);
    let flag = json!({"name": "payouts_enabled", "scope": "merchant", "scope_value": "m-1", "enabled": "false"});
    assert_eq!(server.command(&server.admin, "set_feature_flag", &flag, Some(&key())).await.status(), 200);
    let mut seen = Vec::new();
    loop {
        let e = events.next().await;
        let typed = LiveEvent::from_parts(&e.event, e.data.clone());
        assert!(!matches!(typed, LiveEvent::Unknown { .. }), "{} did not read as its type: {}", e.event, e.data);
        seen.push(e.event.clone());
        if let LiveEvent::FlagChanged(change) = typed {
            let want =
                FlagChange { name: "payouts_enabled".into(), scope: "merchant".into(), scope_value: "m-1".into() };
            assert_eq!(change, want);
            break;
        }
    }
    for kind in ["command.posted", "hold.changed"] {
        assert!(seen.iter().any(|k| k == kind), "{kind} in {seen:?}");
    }
    server.stop().await;
}

async fn gate_runs_are_announced_and_readable(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "50.00").await;
    sqlx::query("UPDATE accounts SET balance = balance + 25 WHERE id = $1")
        .bind(format!("{usd}:available"))
        .execute(ledger.store().pool())
        .await
        .unwrap();
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);

    let viewer_run = server.command(&server.viewer, "run_gates", &json!({}), None).await;
    expect_problem(viewer_run, 403, "FORBIDDEN").await;
    let ran = server.command(&server.operator, "run_gates", &json!({}), None).await;
    assert_eq!(ran.status(), 200);
    let result: Value = ran.json().await.unwrap();
    assert_eq!(result["status"], "completed");
    let run_id = result["subject_id"].as_str().unwrap().to_string();

    let announced = events.until("gate.run_finished", |d| d["run_id"] == run_id.as_str()).await;
    let gates = announced.data["gates"].as_array().unwrap();
    let names: Vec<_> = gates.iter().map(|g| g["gate"].as_str().unwrap()).collect();
    assert_eq!(names, ledgerdeck_client::gates::GATES);
    assert_eq!(gates[0]["status"], "red");
    assert_eq!(gates[0]["trigger"], "ops-alice");
    assert_eq!(gates[2]["status"], "green");

    let listed: Value = server.get(&server.viewer, "/v1/gates").await.json().await.unwrap();
    assert_eq!(listed[0]["status"], "red");
    assert_eq!(listed[0]["last_run"]["run_id"], run_id.as_str());
    assert!(listed[0]["last_run"]["duration_micros"].as_i64().unwrap() >= 0);

    let open: Value =
        server.get(&server.viewer, "/v1/gates/ledger_balanced/findings?status=OPEN").await.json().await.unwrap();
    let finding = &open["items"][0];
    assert_eq!(finding["code"], "balance_mismatch");
    assert_eq!(finding["subject"], format!("{usd}:available"));
    assert_eq!((finding["expected"].as_str(), finding["actual"].as_str()), (Some("50.00"), Some("50.25")));
    let one: Value = server
        .get(&server.viewer, &format!("/v1/findings/{}", finding["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(&one, finding);

    let overview: Value = server.get(&server.viewer, "/v1/overview").await.json().await.unwrap();
    assert!(overview["open_findings"]["ledger_balanced"].as_i64().unwrap() >= 1, "{overview}");

    let page: Value = server.get(&server.viewer, "/v1/gates/runs?limit=3").await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let next = page["next_cursor"].as_str().unwrap();
    let rest: Value = server.get(&server.viewer, &format!("/v1/gates/runs?cursor={next}")).await.json().await.unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2, "five gates per run, paged 3 + 2");
    assert_eq!(rest["next_cursor"], Value::Null);

    expect_problem(server.get(&server.viewer, "/v1/gates/nope/findings").await, 404, "NOT_FOUND").await;
    expect_problem(
        server.get(&server.viewer, "/v1/gates/wallet_drift/findings?status=open").await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    expect_problem(server.get(&server.viewer, "/v1/gates/runs?gate=nope").await, 422, "VALIDATION_FAILED").await;
    expect_problem(server.get(&server.viewer, "/v1/findings/nope").await, 404, "NOT_FOUND").await;
    server.stop().await;
}

async fn the_scheduler_runs_gates_and_announces_them(ledger: Ledger) {
    use ledgerdeck_server::gates::GateConfig;
    let config = ledgerdeck_server::LedgerConfig {
        gates: GateConfig { interval: Duration::from_millis(200), full_every: 3, ..GateConfig::default() },
        ..ledgerdeck_server::LedgerConfig::default()
    };
    let scheduled = Ledger::new(ledger.store().clone(), config);
    let server = TestServer::start(scheduled).await;
    let mut events = SseReader::new(server.get(&server.viewer, "/v1/events").await);
    let announced = events.until("gate.run_finished", |_| true).await;
    assert_eq!(announced.data["trigger"], "schedule");
    events.until("gate.run_finished", |_| true).await;
    let runs: Value = server.get(&server.viewer, "/v1/gates/runs?gate=holds_drift").await.json().await.unwrap();
    let modes: Vec<_> = runs["items"].as_array().unwrap().iter().rev().map(|r| r["mode"].as_str().unwrap()).collect();
    assert!(modes.len() >= 2, "{modes:?}");
    assert_eq!(modes[..2], ["full", "routine"], "the first scheduled run is full, then routine ones");
    let health: Value = server.get(&server.viewer, "/healthz").await.json().await.unwrap();
    let gates = health["components"].as_array().unwrap().iter().find(|c| c["name"] == "gates").cloned().unwrap();
    assert_eq!(gates["state"], "ok", "{health}");
    server.stop().await;
}
