//! Tokens as a managed resource, over HTTP and the typed client on SQLite
//! and PostgreSQL: admins create (the token shown once), list (never a
//! secret) and revoke; bad input and non-admins are refused with nothing
//! written; an expired token is refused like a revoked one and its open
//! stream ends at its expiry; a use is noted as `last_used_at`; `/v1/me`
//! answers the token's id, expiry and sign-in.

#[macro_use]
mod common;

use common::sse::SseReader;
use common::*;
use ledgerdeck_client::{ApiClient, ClientConfig, CreateToken, ErrorCode, Role, SignIn};
use ledgerdeck_server::Ledger;
use ledgerdeck_server::access::{self, NewToken};
use ledgerdeck_server::api::ApiConfig;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn api(server: &TestServer, token: &str) -> ApiClient {
    ApiClient::new(ClientConfig::new(&server.base).with_token(token)).expect("client")
}

async fn post(server: &TestServer, token: &str, path: &str, body: &Value) -> reqwest::Response {
    server.http.post(server.url(path)).bearer_auth(token).json(body).send().await.expect("send post")
}

async fn token_rows(ledger: &Ledger) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap()
}

async fn audit_actions(ledger: &Ledger, actor: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE actor = $1 ORDER BY at")
        .bind(actor)
        .fetch_all(ledger.store().pool())
        .await
        .unwrap()
}

/// An admin makes a token (shown once, with its expiry), it works and says
/// who it is, the list shows it without its secret, and revoking it by id
/// locks it out; a second revoke answers it unchanged; an unknown id is 404.
async fn admins_create_list_and_revoke(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let admin = api(&server, &server.admin);
    let body = CreateToken { name: "night-shift".into(), role: Role::Operator, expires_in_seconds: Some(3600) };
    let made = admin.create_token(&body).await.expect("create");
    let secret = made.token.rsplit('_').next().unwrap().to_string();
    assert!(made.token.starts_with(&format!("ldk_{}_", made.info.id)), "{made:?}");
    assert_eq!(
        (made.info.name.as_str(), made.info.role, made.info.sign_in),
        ("night-shift", Role::Operator, SignIn::Token)
    );
    assert!(made.info.expires_at.is_some() && made.info.revoked_at.is_none() && made.info.last_used_at.is_none());

    let me = api(&server, &made.token).me().await.expect("the new token works");
    assert_eq!((me.name.as_str(), me.role, me.sign_in), ("night-shift", Role::Operator, SignIn::Token));
    assert_eq!(
        (me.token_id.as_deref(), me.expires_at.as_deref()),
        (Some(made.info.id.as_str()), made.info.expires_at.as_deref())
    );
    assert_eq!(me.email, None);

    let listing = server.get(&server.admin, "/v1/tokens").await.text().await.unwrap();
    assert!(!listing.contains(&secret) && !listing.contains("secret"), "never a secret: {listing}");
    let listed = admin.tokens().await.unwrap();
    assert_eq!(listed.len(), 4, "the three of the harness and the new one");
    let newest = ledgerdeck_client::TokenView { last_used_at: None, ..listed[0].clone() };
    assert_eq!(newest, made.info, "newest first, as the create answered it (and since used)");

    let revoked = admin.revoke_token(&made.info.id).await.expect("revoke");
    assert!(revoked.revoked_at.is_some());
    let refused = api(&server, &made.token).me().await.expect_err("revoked");
    assert_eq!((refused.status(), refused.code()), (Some(401), Some(ErrorCode::Unauthenticated)));
    let again = admin.revoke_token(&made.info.id).await.expect("revoking twice is harmless");
    assert_eq!(again.revoked_at, revoked.revoked_at);
    expect_problem(post(&server, &server.admin, "/v1/tokens/0123456789ab/revoke", &json!({})).await, 404, "NOT_FOUND")
        .await;
    expect_problem(post(&server, &server.admin, "/v1/tokens/ops-alice/revoke", &json!({})).await, 404, "NOT_FOUND")
        .await;
    api(&server, &server.operator).me().await.expect("the route revokes by id, never by name");
    assert_eq!(audit_actions(&ledger, "root-admin").await, ["token.create", "token.revoke"], "each change once");
    server.stop().await;
}

/// Bad bodies are VALIDATION_FAILED with every bad field named, and write
/// nothing.
async fn bad_input_names_its_fields_and_writes_nothing(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let before = token_rows(&ledger).await;
    for (body, fields) in [
        (json!({}), vec!["name", "role"]),
        (json!({"name": "  ", "role": "root"}), vec!["name", "role"]),
        (json!({"name": "x".repeat(65), "role": "viewer"}), vec!["name"]),
        (json!({"name": "bell\u{7}", "role": "viewer"}), vec!["name"]),
        (json!({"name": "a", "role": "viewer", "expires_in_seconds": 0}), vec!["expires_in_seconds"]),
        (json!({"name": "a", "role": "viewer", "expires_in_seconds": 1.5}), vec!["expires_in_seconds"]),
        (json!({"name": "a", "role": "viewer", "expires_in_seconds": "1h"}), vec!["expires_in_seconds"]),
        (json!({"name": "a", "role": "viewer", "expires_in_seconds": 400_000_000}), vec!["expires_in_seconds"]),
        (json!({"name": 7, "role": ["admin"]}), vec!["name", "role"]),
        (json!([1, 2]), vec!["body"]),
    ] {
        let problem =
            expect_problem(post(&server, &server.admin, "/v1/tokens", &body).await, 422, "VALIDATION_FAILED").await;
        let named: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(named, fields, "{body}");
    }
    let raw = server.http.post(server.url("/v1/tokens")).bearer_auth(&server.admin).body("{").send().await.unwrap();
    assert_eq!(raw.status().as_u16(), 415, "not JSON");
    assert_eq!(token_rows(&ledger).await, before, "nothing made");
    assert!(audit_actions(&ledger, "root-admin").await.is_empty(), "nothing audited");
    server.stop().await;
}

/// Viewers and operators are refused every token route with 403, and
/// nothing is written or revoked.
async fn non_admins_are_refused(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let victim = access::list_tokens(ledger.store()).await.unwrap()[0].id.clone();
    let before = token_rows(&ledger).await;
    for token in [&server.viewer, &server.operator] {
        expect_problem(server.get(token, "/v1/tokens").await, 403, "FORBIDDEN").await;
        let body = json!({"name": "sneaky", "role": "admin"});
        expect_problem(post(&server, token, "/v1/tokens", &body).await, 403, "FORBIDDEN").await;
        let path = format!("/v1/tokens/{victim}/revoke");
        expect_problem(post(&server, token, &path, &json!({})).await, 403, "FORBIDDEN").await;
    }
    assert_eq!(token_rows(&ledger).await, before);
    assert!(access::list_tokens(ledger.store()).await.unwrap().iter().all(|t| t.revoked_at.is_none()));
    expect_problem(server.get("ldk_nope_nope", "/v1/tokens").await, 401, "UNAUTHENTICATED").await;
    server.stop().await;
}

/// A token past its expiry is refused with the same 401 as a revoked one,
/// on every route, and no longer counts as live.
async fn an_expired_token_is_refused_like_a_revoked_one(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let store = ledger.store();
    let past = ledgerdeck_server::store::now_micros() - 1;
    let expired = NewToken { expires_at: Some(past), ..NewToken::named("yesterday", Role::Admin) };
    let (expired_id, expired) = access::issue_token(store, &expired, "test").await.unwrap();
    let revoked = access::create_token(store, "fired", Role::Admin, "test").await.unwrap();
    access::revoke_token(store, "fired", "test").await.unwrap();
    for path in ["/v1/me", "/v1/tokens", "/v1/overview", "/v1/events"] {
        let a = expect_problem(server.get(&expired, path).await, 401, "UNAUTHENTICATED").await;
        let b = expect_problem(server.get(&revoked, path).await, 401, "UNAUTHENTICATED").await;
        assert_eq!(a, b, "{path}: an expired token is told exactly what a revoked one is");
    }
    let listed = access::list_tokens(store).await.unwrap();
    let info = listed.iter().find(|t| t.id == expired_id).unwrap();
    assert!(!info.is_live(ledgerdeck_server::store::now_micros()) && info.revoked_at.is_none());
    assert_eq!(access::live_token_count(store).await.unwrap(), 3, "only the harness's three");

    // One made with a second to live works, then stops.
    let body = CreateToken { name: "brief".into(), role: Role::Viewer, expires_in_seconds: Some(1) };
    let brief = api(&server, &server.admin).create_token(&body).await.unwrap();
    api(&server, &brief.token).me().await.expect("works before its expiry");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let error = api(&server, &brief.token).me().await.expect_err("expired");
    assert_eq!((error.status(), error.code()), (Some(401), Some(ErrorCode::Unauthenticated)));
    server.stop().await;
}

/// An open stream of an expiring token ends at its expiry with
/// `access.revoked`, long before a heartbeat would re-check it; another
/// token's stream goes on.
async fn an_expiring_tokens_stream_ends_at_expiry(ledger: Ledger) {
    let config = ApiConfig { heartbeat: Duration::from_secs(60), ..ApiConfig::default() };
    let server = TestServer::start_with(ledger.clone(), config).await;
    let body = CreateToken { name: "brief".into(), role: Role::Viewer, expires_in_seconds: Some(2) };
    let made = Instant::now();
    let brief = api(&server, &server.admin).create_token(&body).await.unwrap();
    let open = |token: String| {
        let http = server.http.clone();
        let url = server.url("/v1/events");
        async move { SseReader::new(http.get(url).bearer_auth(token).send().await.unwrap()) }
    };
    let mut stream = open(brief.token.clone()).await;
    let mut other = open(server.viewer.clone()).await;
    let ended = stream.until("access.revoked", |_| true).await;
    let at = made.elapsed();
    assert_eq!(ended.data["reason"], "the token expired");
    assert!(at >= Duration::from_millis(1900) && at < Duration::from_secs(5), "ended at its expiry: {at:?}");
    assert!(stream.next_or_end().await.is_none(), "nothing after the end");
    wallet(&ledger, "USD").await;
    other.until("command.posted", |_| true).await;
    server.stop().await;
}

/// A use is noted as `last_used_at` soon after the request (not on its
/// path), and a second use within the minute writes nothing new.
async fn last_use_is_recorded_once_a_minute(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let store = ledger.store();
    let (id, token) = access::issue_token(store, &NewToken::named("user", Role::Viewer), "test").await.unwrap();
    let last_used = || async { access::token_info(store, &id).await.unwrap().unwrap().last_used_at };
    assert_eq!(last_used().await, None, "never used");
    let before = ledgerdeck_server::store::now_micros();
    api(&server, &token).me().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let first = loop {
        if let Some(at) = last_used().await {
            break at;
        }
        assert!(Instant::now() < deadline, "last_used_at written within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(first >= before, "the use's own time");
    api(&server, &token).me().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(last_used().await, Some(first), "within the minute: no second write");
    let listed = api(&server, &server.admin).tokens().await.unwrap();
    assert!(listed.iter().find(|t| t.id == id).unwrap().last_used_at.is_some(), "the list shows it");
    server.stop().await;
}

on_both_databases!(
    admins_create_list_and_revoke,
    bad_input_names_its_fields_and_writes_nothing,
    non_admins_are_refused,
    an_expired_token_is_refused_like_a_revoked_one,
    an_expiring_tokens_stream_ends_at_expiry,
    last_use_is_recorded_once_a_minute,
);
