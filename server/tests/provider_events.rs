//! Provider events through real HTTP on SQLite and PostgreSQL: signature
//! check, the saga transitions they drive, deduplication, and the log.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_server::Ledger;
use ledgerdeck_server::api::ApiConfig;
use ledgerdeck_server::signature::sign;
use serde_json::{Value, json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn start(ledger: &Ledger) -> TestServer {
    let mut config = ApiConfig::default();
    config.provider_secrets.insert("sandbox".into(), SECRET.into());
    TestServer::start_with(ledger.clone(), config).await
}

async fn post_event(server: &TestServer, provider: &str, body: &Value, secret: &str) -> reqwest::Response {
    let raw = serde_json::to_vec(body).unwrap();
    let id = format!("msg_{}", key());
    let now = chrono::Utc::now().timestamp();
    let signature = sign(secret, &id, now, &raw).unwrap();
    server
        .http
        .post(server.url(&format!("/v1/providers/{provider}/events")))
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap()
}

async fn hold_status(ledger: &Ledger, hold: &str) -> String {
    sqlx::query_scalar("SELECT status FROM holds WHERE id = $1")
        .bind(hold)
        .fetch_one(ledger.store().pool())
        .await
        .unwrap()
}

async fn events_drive_holds_and_duplicates_change_nothing(ledger: Ledger) {
    let server = start(&ledger).await;
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let paid = reserve(&ledger, &w, "10.00").await;
    let failed = reserve(&ledger, &w, "20.00").await;
    let reviewed = reviewed_hold(&ledger, &w, "30.00").await;

    let event = json!({"reference": "evt-1", "hold_id": paid, "status": "paid", "provider_reference": "PRV-1"});
    let receipt: Value = post_event(&server, "sandbox", &event, SECRET).await.json().await.unwrap();
    assert_eq!(receipt["outcome"], "settled", "{receipt}");
    assert_eq!(hold_status(&ledger, &paid).await, "settled");

    // The same event again: nothing changes, not even a log row.
    let before = footprint(&ledger).await;
    let again: Value = post_event(&server, "sandbox", &event, SECRET).await.json().await.unwrap();
    assert_eq!(again["outcome"], "duplicate");
    assert_eq!(footprint(&ledger).await, before, "a duplicate event wrote something");

    let event = json!({"reference": "evt-2", "hold_id": failed, "status": "failed"});
    let receipt: Value = post_event(&server, "sandbox", &event, SECRET).await.json().await.unwrap();
    assert_eq!(receipt["outcome"], "released");
    assert_eq!(balances(&ledger, &w).await, (10_000 - 1_000 - 3_000, 3_000));

    // A hold in manual review is the operator's: the event is evidence only.
    let event = json!({"reference": "evt-3", "hold_id": reviewed, "status": "paid"});
    let receipt: Value = post_event(&server, "sandbox", &event, SECRET).await.json().await.unwrap();
    assert_eq!(receipt["outcome"], "recorded");
    assert_eq!(hold_status(&ledger, &reviewed).await, "manual_review");
    let evidence: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM hold_history WHERE hold_id = $1 AND kind = 'provider_event'",
    )
    .bind(&reviewed)
    .fetch_one(ledger.store().pool())
    .await
    .unwrap();
    assert_eq!(evidence, 1);

    // A contradiction raises an alert and moves nothing.
    let event = json!({"reference": "evt-4", "hold_id": paid, "status": "failed"});
    let receipt: Value = post_event(&server, "sandbox", &event, SECRET).await.json().await.unwrap();
    assert_eq!(receipt["outcome"], "conflict");
    assert_eq!(hold_status(&ledger, &paid).await, "settled");

    let log: Value = server.get(&server.viewer, "/v1/provider-events?provider=sandbox").await.json().await.unwrap();
    let outcomes: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["conflict", "recorded", "released", "settled"], "newest first");
    assert_sound(&ledger).await;
    server.stop().await;
}

async fn unsigned_or_wrongly_signed_events_are_refused(ledger: Ledger) {
    let server = start(&ledger).await;
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "10.00").await;
    let hold = reserve(&ledger, &w, "1.00").await;
    let event = json!({"reference": "evt-x", "hold_id": hold, "status": "paid"});
    let before = footprint(&ledger).await;

    let wrong_secret = post_event(&server, "sandbox", &event, "whsec_AAAAAAAAAAAAAAAAAAAAAAAA").await;
    expect_problem(wrong_secret, 401, "UNAUTHENTICATED").await;
    let unknown_provider = post_event(&server, "acme", &event, SECRET).await;
    expect_problem(unknown_provider, 401, "UNAUTHENTICATED").await;
    let unsigned = server.http.post(server.url("/v1/providers/sandbox/events")).json(&event).send().await.unwrap();
    expect_problem(unsigned, 401, "UNAUTHENTICATED").await;
    assert_eq!(footprint(&ledger).await, before);

    let bad = json!({"reference": "evt-y", "hold_id": hold, "status": "maybe"});
    expect_problem(post_event(&server, "sandbox", &bad, SECRET).await, 422, "VALIDATION_FAILED").await;
    let missing = json!({"reference": "evt-z", "hold_id": "no-such-hold", "status": "paid"});
    expect_problem(post_event(&server, "sandbox", &missing, SECRET).await, 404, "NOT_FOUND").await;
    assert_eq!(hold_status(&ledger, &hold).await, "reserved");
    server.stop().await;
}

on_both_databases!(events_drive_holds_and_duplicates_change_nothing, unsigned_or_wrongly_signed_events_are_refused);
