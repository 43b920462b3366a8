//! Single sign-on against a local OIDC issuer the test starts itself
//! (`support/oidc_issuer.rs`: discovery, JWKS, device and token endpoints,
//! an EC P-256 key made for the test): a verified, listed email gets a
//! session token; every forged, expired, misdirected, unsigned or unverified
//! ID token and every unlisted email is refused with its code and writes
//! nothing; removing an email ends its requests and its open stream.

#[macro_use]
mod common;

#[path = "../../support/oidc_issuer.rs"]
mod oidc_issuer;

use common::sse::SseReader;
use common::*;
use ledgerdeck_server::Ledger;
use ledgerdeck_server::api::ApiConfig;
use ledgerdeck_server::sso::{Sso, SsoConfig, allowlist};
use oidc_issuer::{CLIENT_ID, Issuer, TestKey, hmac_signed, now_secs, unsigned};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn sso_config(issuer: &Issuer) -> SsoConfig {
    let mut config = SsoConfig::new(issuer.url.clone(), vec!["another-client".into(), CLIENT_ID.into()]);
    config.jwks_min_refresh = Duration::from_millis(400);
    config.leeway = Duration::from_secs(5);
    config
}

async fn start(ledger: &Ledger, issuer: &Issuer, heartbeat: Duration) -> TestServer {
    let api = ApiConfig { heartbeat, ..ApiConfig::default() };
    TestServer::start_with_sso(ledger.clone(), api, Some(Sso::new(sso_config(issuer)))).await
}

async fn sign_in(server: &TestServer, id_token: &str) -> reqwest::Response {
    server.http.post(server.url("/v1/sso/session")).json(&json!({"id_token": id_token})).send().await.unwrap()
}

async fn allow(server: &TestServer, email: &str, role: &str) {
    let body = json!({"email": email, "role": role});
    let answer = server.command(&server.admin, "allow_sso_email", &body, None).await;
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
}

/// Token rows, and audit rows: what a refusal must not add to.
async fn written(ledger: &Ledger) -> (i64, i64) {
    let pool = ledger.store().pool();
    let tokens = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens").fetch_one(pool).await.unwrap();
    let audit = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log").fetch_one(pool).await.unwrap();
    (tokens, audit)
}

async fn login_issues_a_session_bound_to_the_email(ledger: Ledger) {
    let issuer = Issuer::start().await;
    let server = start(&ledger, &issuer, Duration::from_secs(10)).await;
    allow(&server, "Ana@Example.com", "operator").await;

    let started = now_secs();
    let answer = sign_in(&server, &issuer.sign(&issuer.claims("ANA@example.com"))).await;
    assert_eq!(answer.status(), 201);
    let session: Value = answer.json().await.unwrap();
    assert_eq!(session["email"], "ana@example.com");
    assert_eq!(session["role"], "operator");
    let token = session["token"].as_str().unwrap();
    assert!(token.starts_with("ldk_"), "{session}");

    let me: Value = server.get(token, "/v1/me").await.json().await.unwrap();
    assert_eq!(me["name"], "ana@example.com");
    assert_eq!(me["role"], "operator");
    let row: (String, Option<String>, Option<i64>, String) =
        sqlx::query_as("SELECT sign_in, email, expires_at, role FROM api_tokens WHERE name = 'ana@example.com'")
            .fetch_one(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!((row.0.as_str(), row.1.as_deref(), row.3.as_str()), ("sso", Some("ana@example.com"), "operator"));
    let ttl_secs = row.2.unwrap() / 1_000_000 - started;
    assert!((12 * 3600 - 5..=12 * 3600 + 5).contains(&ttl_secs), "a 12 h session, not {ttl_secs} s");
    let wallet = json!({"merchant_id": "m-sso", "currency": "USD"});
    assert_eq!(server.command(token, "create_wallet", &wallet, None).await.status(), 200);

    // The list's role, not more: moved to viewers, the same session reads only.
    allow(&server, "ana@example.com", "viewer").await;
    let me: Value = server.get(token, "/v1/me").await.json().await.unwrap();
    assert_eq!(me["role"], "viewer");
    expect_problem(server.command(token, "create_wallet", &wallet, None).await, 403, "FORBIDDEN").await;

    let list: Value = server.get(&server.admin, "/v1/sso/allowlist").await.json().await.unwrap();
    assert_eq!(list[0]["email"], "ana@example.com");
    assert_eq!(list[0]["role"], "viewer");
    assert_eq!(list[0]["added_by"], "root-admin");
    expect_problem(server.get(&server.operator, "/v1/sso/allowlist").await, 403, "FORBIDDEN").await;
    let audit: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE '%sso%' ORDER BY at")
        .fetch_all(ledger.store().pool())
        .await
        .unwrap();
    assert_eq!(audit.iter().filter(|a| a.contains("allow_sso_email")).count(), 2, "{audit:?}");
    server.stop().await;
}

async fn every_attack_is_refused_and_writes_nothing(ledger: Ledger) {
    let issuer = Issuer::start().await;
    let server = start(&ledger, &issuer, Duration::from_secs(10)).await;
    allow(&server, "ana@example.com", "admin").await;
    let good = issuer.claims("ana@example.com");
    let (kid, jwk) = issuer.published();
    let stranger = TestKey::generate(&kid);
    let with = |changes: Value| {
        let mut claims = good.clone();
        for (k, v) in changes.as_object().unwrap() {
            claims[k] = v.clone();
        }
        claims
    };
    let without_email = {
        let mut claims = good.clone();
        claims.as_object_mut().unwrap().remove("email");
        claims
    };
    let attacks: Vec<(&str, String, u16, &str)> = vec![
        ("signed by another key, same kid", stranger.sign(&good), 401, "SSO_TOKEN_INVALID"),
        ("signed by another key, its own kid", stranger.sign_as("stranger", &good), 401, "SSO_TOKEN_INVALID"),
        (
            "expired",
            issuer.sign(&with(json!({"exp": now_secs() - 600, "iat": now_secs() - 4200}))),
            401,
            "SSO_TOKEN_EXPIRED",
        ),
        ("for another audience", issuer.sign(&with(json!({"aud": "someone-else"}))), 401, "SSO_WRONG_AUDIENCE"),
        ("from another issuer", issuer.sign(&with(json!({"iss": "https://evil.example"}))), 401, "SSO_WRONG_AUDIENCE"),
        ("alg none", unsigned(&good), 401, "SSO_TOKEN_INVALID"),
        (
            "HS256 keyed with the public key",
            hmac_signed(&kid, jwk.to_string().as_bytes(), &good),
            401,
            "SSO_TOKEN_INVALID",
        ),
        ("not a JWT", "not.a.jwt".to_string(), 401, "SSO_TOKEN_INVALID"),
        ("unverified email", issuer.sign(&with(json!({"email_verified": false}))), 403, "SSO_EMAIL_UNVERIFIED"),
        ("no email", issuer.sign(&without_email), 403, "SSO_EMAIL_UNVERIFIED"),
        ("an email on no list", issuer.sign(&issuer.claims("mallory@example.com")), 403, "SSO_EMAIL_NOT_ALLOWED"),
    ];
    let before = written(&ledger).await;
    for (what, id_token, status, code) in &attacks {
        let answer = sign_in(&server, id_token).await;
        assert_eq!(answer.status().as_u16(), *status, "{what}");
        expect_problem(answer, *status, code).await;
        assert_eq!(written(&ledger).await, before, "{what} wrote something");
    }
    // The same good token signs in, so the refusals above were the attacks'.
    assert_eq!(sign_in(&server, &issuer.sign(&good)).await.status(), 201);
    server.stop().await;
}

async fn empty_lists_fail_closed_unless_dev_mode(ledger: Ledger) {
    let issuer = Issuer::start().await;
    let store = ledger.store();
    let id_token = issuer.sign(&issuer.claims("dev@example.com"));
    let closed = Sso::new(sso_config(&issuer));
    let refused = ledgerdeck_server::sso::sign_in(store, Some(&closed), &id_token).await.unwrap_err();
    assert_eq!(refused.code().as_str(), "SSO_EMAIL_NOT_ALLOWED");
    let refused = ledgerdeck_server::sso::sign_in(store, None, &id_token).await.unwrap_err();
    assert_eq!(refused.code().as_str(), "SSO_NOT_CONFIGURED");

    let mut config = sso_config(&issuer);
    config.dev_open = true;
    let open = Sso::new(config);
    let session = ledgerdeck_server::sso::sign_in(store, Some(&open), &id_token).await.unwrap();
    assert_eq!(session.role, ledgerdeck_client::Role::Viewer);
    // Dev mode admits only while every list is empty; a seeded list closes it.
    let seed = vec![("Boss@Example.com".to_string(), ledgerdeck_client::Role::Admin)];
    assert_eq!(allowlist::seed(store, &seed).await.unwrap(), 1);
    assert_eq!(allowlist::seed(store, &seed).await.unwrap(), 0, "seeding again changes nothing");
    let refused = ledgerdeck_server::sso::sign_in(store, Some(&open), &id_token).await.unwrap_err();
    assert_eq!(refused.code().as_str(), "SSO_EMAIL_NOT_ALLOWED");
    assert!(ledgerdeck_server::sso::authenticate(store, true, &session.token).await.unwrap().is_none());
    let boss = issuer.sign(&issuer.claims("boss@example.com"));
    let session = ledgerdeck_server::sso::sign_in(store, Some(&open), &boss).await.unwrap();
    assert_eq!(session.role, ledgerdeck_client::Role::Admin);
}

async fn rotated_keys_are_fetched_and_unknown_ones_rate_limited(ledger: Ledger) {
    let issuer = Issuer::start().await;
    let server = start(&ledger, &issuer, Duration::from_secs(10)).await;
    allow(&server, "ana@example.com", "viewer").await;
    assert_eq!(sign_in(&server, &issuer.sign(&issuer.claims("ana@example.com"))).await.status(), 201);
    assert_eq!(sign_in(&server, &issuer.sign(&issuer.claims("ana@example.com"))).await.status(), 201);
    assert_eq!(issuer.jwks_fetches(), 1, "the keys are cached");

    tokio::time::sleep(Duration::from_millis(450)).await;
    issuer.rotate("test-key-2");
    assert_eq!(sign_in(&server, &issuer.sign(&issuer.claims("ana@example.com"))).await.status(), 201);
    assert_eq!(issuer.jwks_fetches(), 2, "an unknown kid fetched the keys again");
    let forger = TestKey::generate("forged");
    for _ in 0..5 {
        let answer = sign_in(&server, &forger.sign(&issuer.claims("ana@example.com"))).await;
        expect_problem(answer, 401, "SSO_TOKEN_INVALID").await;
    }
    assert_eq!(issuer.jwks_fetches(), 2, "unknown kids do not fetch again within the refresh pause");
    server.stop().await;
}

async fn removing_the_email_ends_requests_and_streams(ledger: Ledger) {
    let issuer = Issuer::start().await;
    let heartbeat = Duration::from_millis(300);
    let server = start(&ledger, &issuer, heartbeat).await;
    allow(&server, "ana@example.com", "operator").await;
    allow(&server, "bo@example.com", "operator").await;
    let token_of = |answer: Value| answer["token"].as_str().unwrap().to_string();
    let ana = token_of(sign_in(&server, &issuer.sign(&issuer.claims("ana@example.com"))).await.json().await.unwrap());
    let bo = token_of(sign_in(&server, &issuer.sign(&issuer.claims("bo@example.com"))).await.json().await.unwrap());
    let mut ana_events = SseReader::new(server.get(&ana, "/v1/events").await);
    let mut bo_events = SseReader::new(server.get(&bo, "/v1/events").await);
    ana_events.until("heartbeat", |_| true).await;
    bo_events.until("heartbeat", |_| true).await;

    // Through the admin command: requests are refused at once, the stream ends.
    let removed = Instant::now();
    let body = json!({"email": "ana@example.com"});
    assert_eq!(server.command(&server.admin, "remove_sso_email", &body, None).await.status(), 200);
    expect_problem(server.get(&ana, "/v1/me").await, 401, "UNAUTHENTICATED").await;
    ana_events.until("access.revoked", |_| true).await;
    assert!(ana_events.next_or_end().await.is_none(), "the stream ends");
    assert!(removed.elapsed() < heartbeat * 3, "ended within a heartbeat: {:?}", removed.elapsed());
    let again = server.command(&server.admin, "remove_sso_email", &body, None).await;
    expect_problem(again, 404, "NOT_FOUND").await;

    // Taken off the list behind the server's back (no change row): the next
    // heartbeat's re-check ends the stream.
    sqlx::query("DELETE FROM sso_allowlist WHERE email = 'bo@example.com'")
        .execute(ledger.store().pool())
        .await
        .unwrap();
    let removed = Instant::now();
    bo_events.until("access.revoked", |_| true).await;
    assert!(bo_events.next_or_end().await.is_none(), "the stream ends");
    assert!(removed.elapsed() < heartbeat * 3, "ended within a heartbeat: {:?}", removed.elapsed());
    expect_problem(server.get(&bo, "/v1/me").await, 401, "UNAUTHENTICATED").await;
    // Plain tokens are not affected.
    assert_eq!(server.get(&server.viewer, "/v1/me").await.status(), 200);
    server.stop().await;
}

async fn without_sso_the_route_says_so(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let answer = sign_in(&server, "a.b.c").await;
    expect_problem(answer, 404, "SSO_NOT_CONFIGURED").await;
    let bad = json!({"email": "not-an-email", "role": "viewer"});
    let answer = server.command(&server.admin, "allow_sso_email", &bad, None).await;
    expect_problem(answer, 422, "VALIDATION_FAILED").await;
    let good = json!({"email": "x@example.com", "role": "viewer"});
    expect_problem(server.command(&server.operator, "allow_sso_email", &good, None).await, 403, "FORBIDDEN").await;
    server.stop().await;
}

on_both_databases!(
    login_issues_a_session_bound_to_the_email,
    every_attack_is_refused_and_writes_nothing,
    empty_lists_fail_closed_unless_dev_mode,
    rotated_keys_are_fetched_and_unknown_ones_rate_limited,
    removing_the_email_ends_requests_and_streams,
    without_sso_the_route_says_so,
);
