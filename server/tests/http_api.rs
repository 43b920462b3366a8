//! The API through real HTTP on a random port, on SQLite and PostgreSQL:
//! the auth matrix, idempotent replay, every error code, probes, audit and
//! shutdown.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_server::Ledger;
use serde_json::{Value, json};

async fn auth_matrix(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let wallet_id = wallet(&ledger, "USD").await;
    let http = &server.http;

    // Probes need no token.
    for probe in ["/livez", "/readyz", "/healthz"] {
        assert_eq!(http.get(server.url(probe)).send().await.unwrap().status(), 200, "{probe}");
    }

    // Everything under /v1 needs a valid bearer token.
    let bad_tokens = ["", "Bearer", "Bearer nonsense", "Basic abc", "Bearer ldk_000000000000_secret"];
    for header in bad_tokens {
        let response = http.get(server.url("/v1/commands")).header("Authorization", header).send().await.unwrap();
        expect_problem(response, 401, "UNAUTHENTICATED").await;
    }
    let no_header = http.get(server.url("/v1/commands")).send().await.unwrap();
    expect_problem(no_header, 401, "UNAUTHENTICATED").await;
    // The right id with the wrong secret is refused too.
    let (id_part, _) = server.viewer.rsplit_once('_').unwrap();
    let forged = format!("{id_part}_{}", "0".repeat(48));
    expect_problem(server.get(&forged, "/v1/commands").await, 401, "UNAUTHENTICATED").await;

    // Reads: every role.
    for token in [&server.viewer, &server.operator, &server.admin] {
        assert_eq!(server.get(token, "/v1/commands").await.status(), 200);
    }

    // Operator commands: operator and admin, not viewer.
    let payin = json!({"wallet_id": wallet_id, "amount": "1.00", "provider": "p"});
    let denied = server.command(&server.viewer, "post_payin", &payin, Some(&key())).await;
    expect_problem(denied, 403, "FORBIDDEN").await;
    for token in [&server.operator, &server.admin] {
        assert_eq!(server.command(token, "post_payin", &payin, Some(&key())).await.status(), 200);
    }

    // Admin commands: admin only.
    let fund = json!({"currency": "USD", "amount": "100.00"});
    for token in [&server.viewer, &server.operator] {
        expect_problem(server.command(token, "fund_bank_account", &fund, Some(&key())).await, 403, "FORBIDDEN").await;
    }
    assert_eq!(server.command(&server.admin, "fund_bank_account", &fund, Some(&key())).await.status(), 200);

    // A revoked token stops working at once.
    ledgerdeck_server::access::revoke_token(ledger.store(), "viewer-vic", "test").await.unwrap();
    expect_problem(server.get(&server.viewer, "/v1/commands").await, 401, "UNAUTHENTICATED").await;
    server.stop().await;
}

async fn idempotent_replay_over_http(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let wallet_id = wallet(&ledger, "EUR").await;
    let body = json!({"wallet_id": wallet_id, "amount": "12.34", "provider": "sandbox"});

    let first = server.command(&server.operator, "post_payin", &body, Some("http-key-1")).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["replayed"], false);
    assert_eq!(first["balances"][0]["available"], "12.34");

    let again = server.command(&server.operator, "post_payin", &body, Some("http-key-1")).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers().get("idempotent-replayed").unwrap(), "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["replayed"], true);
    assert_eq!(again["transaction_ids"], first["transaction_ids"]);
    assert_eq!(balances(&ledger, &wallet_id).await, (1_234, 0), "posted once");

    let other = json!({"wallet_id": wallet_id, "amount": "12.35", "provider": "sandbox"});
    let reused = server.command(&server.operator, "post_payin", &other, Some("http-key-1")).await;
    expect_problem(reused, 422, "IDEMPOTENCY_KEY_REUSED").await;
    let missing = server.command(&server.operator, "post_payin", &body, None).await;
    expect_problem(missing, 400, "IDEMPOTENCY_KEY_MISSING").await;
    server.stop().await;
}

async fn every_error_code_over_http(ledger: Ledger) {
    let server = TestServer::start_with(
        Ledger::new(
            ledger.store().clone(),
            ledgerdeck_server::LedgerConfig {
                in_flight_wait: std::time::Duration::from_millis(50),
                ..Default::default()
            },
        ),
        Default::default(),
    )
    .await;
    let op = &server.operator.clone();
    let usd = wallet(&ledger, "USD").await;
    let eur = wallet(&ledger, "EUR").await;
    pay_in(&ledger, &usd, "10.00").await;
    let srv = &server;
    let cmd = |name: &'static str, body: Value| async move { srv.command(op, name, &body, Some(&key())).await };

    let invalid = cmd("post_payin", json!({"wallet_id": usd, "amount": "1.001", "provider": "p"})).await;
    let body = expect_problem(invalid, 422, "VALIDATION_FAILED").await;
    assert_eq!(body["errors"][0]["field"], "amount");
    expect_problem(cmd("create_wallet", json!({"merchant_id": "m", "currency": "XXX"})).await, 422, "CURRENCY_UNKNOWN")
        .await;
    let mismatch = cmd("transfer", json!({"from_wallet_id": usd, "to_wallet_id": eur, "amount": "1.00"})).await;
    expect_problem(mismatch, 422, "CURRENCY_MISMATCH").await;
    let usd2 = wallet(&ledger, "USD").await;
    let broke = cmd("transfer", json!({"from_wallet_id": usd, "to_wallet_id": usd2, "amount": "10.01"})).await;
    expect_problem(broke, 422, "INSUFFICIENT_FUNDS").await;
    let hold = reserve(&ledger, &usd, "1.00").await;
    let early = cmd("settle_hold", json!({"hold_id": hold, "reason": "paid"})).await;
    expect_problem(early, 409, "HOLD_WRONG_STATUS").await;
    to_review(&ledger, &hold).await;
    assert_eq!(cmd("settle_hold", json!({"hold_id": hold, "reason": "paid"})).await.status(), 200);
    expect_problem(cmd("release_hold", json!({"hold_id": hold, "reason": "no"})).await, 409, "HOLD_NOT_OPEN").await;
    let paid = pay_in(&ledger, &usd2, "1.00").await;
    let txn = paid.transaction_ids[0].clone();
    assert_eq!(cmd("reverse_transaction", json!({"transaction_id": txn, "reason": "dup"})).await.status(), 200);
    let twice = cmd("reverse_transaction", json!({"transaction_id": txn, "reason": "dup"})).await;
    expect_problem(twice, 409, "ALREADY_REVERSED").await;
    let reserve_txn: String = sqlx::query_scalar("SELECT reserve_txn_id FROM holds WHERE id = $1")
        .bind(&hold)
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    let not_reversible = cmd("reverse_transaction", json!({"transaction_id": reserve_txn, "reason": "x"})).await;
    expect_problem(not_reversible, 422, "NOT_REVERSIBLE").await;
    let unknown = cmd("post_payin", json!({"wallet_id": "nope", "amount": "1", "provider": "p"})).await;
    expect_problem(unknown, 404, "NOT_FOUND").await;
    expect_problem(server.get(op, "/v1/no/such/route").await, 404, "NOT_FOUND").await;
    let no_command = server.command(op, "no_such_command", &json!({}), Some(&key())).await;
    expect_problem(no_command, 404, "NOT_FOUND").await;

    // In flight: a claim another request holds.
    let body = json!({"wallet_id": usd, "amount": "1.00", "provider": "p"});
    assert_eq!(server.command(op, "post_payin", &body, Some("probe")).await.status(), 200);
    let hash: String = sqlx::query_scalar("SELECT request_hash FROM idempotency_keys WHERE idempotency_key = 'probe'")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO idempotency_keys (caller, idempotency_key, command, request_hash, state, claim_token, locked_until, created_at, expires_at) \
         VALUES ('ops-alice', 'busy', 'post_payin', $1, 'in_progress', 'other', $2, 0, $2)",
    )
    .bind(hash)
    .bind(ledgerdeck_server::store::now_micros() + 60_000_000)
    .execute(ledger.store().pool())
    .await
    .unwrap();
    expect_problem(server.command(op, "post_payin", &body, Some("busy")).await, 409, "IDEMPOTENCY_IN_PROGRESS").await;

    // Transport-level refusals share the shape.
    let url = server.url("/v1/commands/post_payin");
    let text = server.http.post(&url).bearer_auth(op).header("Idempotency-Key", key()).body("{}").send().await.unwrap();
    expect_problem(text, 415, "UNSUPPORTED_MEDIA_TYPE").await;
    let truncated = server
        .http
        .post(&url)
        .bearer_auth(op)
        .header("Idempotency-Key", key())
        .header("content-type", "application/json")
        .body("{\"wallet_id\": \"")
        .send()
        .await
        .unwrap();
    expect_problem(truncated, 400, "MALFORMED_REQUEST").await;
    let put = server.http.put(&url).bearer_auth(op).send().await.unwrap();
    expect_problem(put, 405, "METHOD_NOT_ALLOWED").await;
    server.stop().await;
}

async fn hostile_bodies_get_problems_and_write_nothing(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "5.00").await;
    let hold = reserve(&ledger, &usd, "1.00").await;
    let before = footprint(&ledger).await;
    let url = server.url("/v1/commands/post_payin");
    let raw = |body: Vec<u8>| {
        server
            .http
            .post(&url)
            .bearer_auth(&server.operator)
            .header("Idempotency-Key", key())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    for body in [
        "{",
        "{\"wallet_id\": 1,",
        "[]",
        "null",
        "\"text\"",
        "{\"wallet_id\": \"w\", \"amount\": 1e400, \"provider\": \"p\"}",
        "{\"wallet_id\": \"w\", \"amount\": 123456789012345678901234567890, \"provider\": \"p\"}",
        "\u{feff}{}",
    ] {
        let response = raw(body.as_bytes().to_vec()).await.unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{body:?} got {status}");
        let problem: Value = response.json().await.expect("problem JSON");
        assert!(problem["code"].is_string(), "{body:?}: {problem}");
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(raw(deep.into_bytes()).await.unwrap().status().is_client_error());
    let (status, problem) = send_oversize_body(&server, 10 * 1024 * 1024).await;
    assert_eq!(status, 413);
    assert_eq!(problem["code"], "PAYLOAD_TOO_LARGE");

    let op = &server.operator;
    let hostile = [
        ("post_payin", json!({"wallet_id": usd, "amount": "99999999999999999999999999999999", "provider": "p"})),
        ("post_payin", json!({"wallet_id": usd, "amount": "1.00", "provider": {"nested": true}})),
        ("post_payin", json!({"wallet_id": usd, "amount": ["1.00"], "provider": "p"})),
        ("post_payin", json!({"wallet_id": usd, "amount": "1.00", "provider": "p\u{0}x"})),
        ("post_payin", json!({"wallet_id": usd, "amount": "1.00", "provider": "p\u{1b}[31mred"})),
        ("post_payin", json!({"wallet_id": "ü🙂", "amount": "1.00", "provider": "p"})),
        ("post_payin", json!({"wallet_id": usd, "amount": "١٢", "provider": "p"})),
        ("settle_hold", json!({"hold_id": hold, "reason": "\u{7}\u{8}"})),
        ("settle_hold", json!({"hold_id": hold, "reason": "x".repeat(100_000)})),
        ("create_wallet", json!({"merchant_id": "m", "currency": "usd"})),
        ("create_wallet", json!({"merchant_id": "m", "currency": "USD", "extra": "field"})),
    ];
    for (command, body) in hostile {
        let response = server.command(op, command, &body, Some(&key())).await;
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{command} {body} got {status}");
        let problem: Value = response.json().await.unwrap();
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(!detail.chars().any(char::is_control), "control characters echoed: {detail:?}");
    }
    assert_eq!(footprint(&ledger).await, before, "a hostile body wrote something");
    server.stop().await;
}

/// Sends a body of `size` bytes over a raw connection, reading the answer
/// while still writing (the server may refuse on the headers alone and close).
async fn send_oversize_body(server: &TestServer, size: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = server.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /v1/commands/post_payin HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Idempotency-Key: big\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n",
        server.operator
    );
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..size / chunk.len() {
            writer.write_all(&chunk).await?;
        }
        Ok::<_, std::io::Error>(())
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), reader.read_to_end(&mut answer)).await;
    writing.abort();
    let text = String::from_utf8_lossy(&answer);
    let status: u16 = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert!(text.to_lowercase().contains("content-type: application/problem+json"), "{text}");
    (status, serde_json::from_str(body.trim()).expect("problem JSON"))
}

async fn probes_and_health(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let health: Value = server.http.get(server.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["ok"], true);
    assert_eq!(health["ready"], true);
    let names: Vec<&str> =
        health["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"database"), "{health}");

    // With the database gone, the process is still alive but not ready.
    ledger.store().close().await;
    assert_eq!(server.http.get(server.url("/livez")).send().await.unwrap().status(), 200);
    expect_problem(server.http.get(server.url("/readyz")).send().await.unwrap(), 503, "UNAVAILABLE").await;
    let health = server.http.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503);
    let health: Value = health.json().await.unwrap();
    assert_eq!((health["ok"].as_bool(), health["ready"].as_bool()), (Some(true), Some(false)));
    server.stop().await;
}

async fn every_attempt_is_audited(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let usd = wallet(&ledger, "USD").await;
    let body = json!({"wallet_id": usd, "amount": "2.00", "provider": "p"});
    server.command(&server.operator, "post_payin", &body, Some("audit-1")).await;
    server.command(&server.operator, "post_payin", &body, Some("audit-1")).await;
    server.command(&server.viewer, "post_payin", &body, Some("audit-2")).await;
    let broke = json!({"wallet_id": usd, "amount": "2.001", "provider": "p"});
    server.command(&server.operator, "post_payin", &broke, Some("audit-3")).await;
    type AuditRow = (String, String, Option<String>, String, Option<String>, i64);
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT actor, action, idempotency_key, outcome, error_code, duration_micros FROM audit_log \
         WHERE idempotency_key LIKE 'audit-%' ORDER BY id",
    )
    .fetch_all(ledger.store().pool())
    .await
    .unwrap();
    let summary: Vec<(&str, &str, &str, Option<&str>)> =
        rows.iter().map(|r| (r.0.as_str(), r.2.as_deref().unwrap(), r.3.as_str(), r.4.as_deref())).collect();
    assert_eq!(
        summary,
        [
            ("ops-alice", "audit-1", "posted", None),
            ("ops-alice", "audit-1", "replayed", None),
            ("viewer-vic", "audit-2", "refused", Some("FORBIDDEN")),
            ("ops-alice", "audit-3", "refused", Some("VALIDATION_FAILED")),
        ]
    );
    assert!(rows.iter().all(|r| r.1 == "post_payin" && r.5 >= 0));
    server.stop().await;
}

async fn shutdown_ends_event_streams_and_stops(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let stream = server.get(&server.viewer, "/v1/events").await;
    assert_eq!(stream.status(), 200);
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "an open event stream held up shutdown");
    drop(stream);
}

on_both_databases!(
    auth_matrix,
    idempotent_replay_over_http,
    every_error_code_over_http,
    hostile_bodies_get_problems_and_write_nothing,
    probes_and_health,
    every_attempt_is_audited,
    shutdown_ends_event_streams_and_stops,
);
