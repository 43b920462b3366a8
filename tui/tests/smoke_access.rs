//! `ledgerdeck smoke` when the server ends the event stream's access: a
//! stub server that passes every earlier check and then sends
//! `access.revoked` on `GET /v1/events`. The events check fails in words.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use ledgerdeck_tui::smoke::{self, Options, Outcome};
use std::time::Duration;

/// A server that is live, ready, refuses a request without a token, lists
/// no commands to one with a token, and ends every stream's access at once.
async fn revoking_server() -> String {
    let ok = || async { axum::Json(serde_json::json!({"status": "ok"})) };
    let commands = |headers: HeaderMap| async move {
        match headers.get("authorization") {
            Some(_) => axum::Json(serde_json::json!([])).into_response(),
            None => StatusCode::UNAUTHORIZED.into_response(),
        }
    };
    let events = || async {
        let body = "event: access.revoked\ndata: {\"reason\":\"the token was revoked\"}\n\n";
        ([("content-type", "text/event-stream")], body)
    };
    let router = Router::new()
        .route("/livez", get(ok))
        .route("/readyz", get(ok))
        .route("/v1/commands", get(commands))
        .route("/v1/events", get(events));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// The ended access is the events check's failure, with the reason and
/// how to get a working token, not a pass on the `access.revoked` event
/// and not "stopped unexpectedly".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_access_fails_the_events_check_in_words() {
    let url = revoking_server().await;
    let options = Options { stream_wait: Duration::from_secs(5), check_clock: false, ..Options::default() };
    let report = smoke::run(&url, Some("ldk_test_secret"), &options).await;
    assert_eq!(report.check("auth").map(|c| c.outcome), Some(Outcome::Pass), "{}", report.render());
    let events = report.check("events").expect("an events check");
    assert_eq!(events.outcome, Outcome::Fail, "{}", report.render());
    assert!(events.detail.contains("ended the event stream's access (the token was revoked)"), "{}", events.detail);
    assert!(events.detail.contains("ledgerdeck login"), "{}", events.detail);
    assert!(!report.passed());
}
