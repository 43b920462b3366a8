//! The client's request rules against stub servers: reads are retried on
//! transport errors and 502/503/504 only, commands are sent exactly once,
//! deadlines hold, and error answers become typed errors.

mod common;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::*;
use ledgerdeck_client::{
    AccountQuery, ApiClient, ClientConfig, ClientError, ErrorCode, FieldError, HoldQuery, SearchQuery, StatementQuery,
    TransactionQuery, new_idempotency_key,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn wallet_json(id: &str) -> Value {
    json!({"id": id, "merchant_id": "m-1", "currency": "USD", "label": null, "available": "12.50",
        "reserved": "0.00", "created_at": "2026-01-31T09:30:00.000000Z"})
}

fn result_json(replayed: bool) -> Value {
    json!({"status": "posted", "command": "transfer", "reference": "r-1", "subject_id": "t-1",
        "transaction_ids": ["t-1"], "balances": [], "replayed": replayed})
}

/// A route that answers `failures` in turn, then the wallet, counting requests.
fn flaky_wallet(failures: Vec<Response>, counter: Counter) -> Router {
    let failures = std::sync::Arc::new(std::sync::Mutex::new(failures.into_iter()));
    Router::new().route(
        "/v1/wallets/{id}",
        get(move |Path(id): Path<String>| {
            let (failures, counter) = (failures.clone(), counter.clone());
            async move {
                counter.hit();
                let next = failures.lock().unwrap().next();
                next.unwrap_or_else(|| axum::Json(wallet_json(&id)).into_response())
            }
        }),
    )
}

#[tokio::test]
async fn a_read_is_retried_after_503_and_502_and_then_succeeds() {
    let counter = Counter::default();
    let html = (StatusCode::BAD_GATEWAY, [("content-type", "text/html")], "<html>bad gateway</html>").into_response();
    let failures = vec![problem(ErrorCode::Unavailable, 503, "draining", vec![]), html];
    let base = serve(flaky_wallet(failures, counter.clone())).await;
    let wallet = client(&base).wallet("w-1").await.expect("third attempt succeeds");
    assert_eq!((wallet.id.as_str(), wallet.available.to_string().as_str()), ("w-1", "12.50"));
    assert_eq!(counter.get(), 3);
}

#[tokio::test]
async fn a_read_gives_up_after_its_attempts_with_growing_waits() {
    let counter = Counter::default();
    let failures = (0..10).map(|_| StatusCode::GATEWAY_TIMEOUT.into_response()).collect();
    let base = serve(flaky_wallet(failures, counter.clone())).await;
    let started = Instant::now();
    let error = client(&base).wallet("w-1").await.expect_err("always 504");
    assert_eq!(counter.get(), 3, "get_attempts");
    assert!(started.elapsed() >= Duration::from_millis(60), "waits 20 ms, then 40 ms");
    let ClientError::Problem { status: 504, problem } = &error else { panic!("{error:?}") };
    assert_eq!((problem.code, problem.type_uri.as_str()), (ErrorCode::Unavailable, "about:blank"));
}

#[tokio::test]
async fn a_read_answered_404_or_422_is_not_retried() {
    let counter = Counter::default();
    let not_found = problem(ErrorCode::NotFound, 404, "no wallet w-1", vec![]);
    let base = serve(flaky_wallet(vec![not_found], counter.clone())).await;
    let error = client(&base).wallet("w-1").await.expect_err("404");
    assert_eq!((error.code(), error.status(), counter.get()), (Some(ErrorCode::NotFound), Some(404), 1));

    let counter = Counter::default();
    let invalid = problem(ErrorCode::ValidationFailed, 422, "bad", vec![FieldError::new("limit", "too big")]);
    let base = serve(flaky_wallet(vec![invalid], counter.clone())).await;
    let error = client(&base).wallet("w-1").await.expect_err("422");
    assert_eq!((error.code(), counter.get()), (Some(ErrorCode::ValidationFailed), 1));
}

#[tokio::test]
async fn a_command_answered_503_is_sent_once() {
    let counter = Counter::default();
    let seen = counter.clone();
    let router = Router::new().route(
        "/v1/commands/transfer",
        post(move || {
            seen.hit();
            async { problem(ErrorCode::StorageUnavailable, 503, "database unavailable", vec![]) }
        }),
    );
    let base = serve(router).await;
    let error = client(&base).execute("transfer", &json!({}), Some(&new_idempotency_key())).await.expect_err("503");
    assert_eq!((error.code(), error.is_transport()), (Some(ErrorCode::StorageUnavailable), false));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(counter.get(), 1, "a command is never retried by the client");
}

#[tokio::test]
async fn a_command_whose_connection_drops_is_sent_once_and_its_outcome_is_unknown() {
    let (base, counter) = hang_up_server().await;
    let error =
        client(&base).execute("transfer", &json!({"amount": "1.00"}), Some("key-1")).await.expect_err("no answer");
    assert!(matches!(error, ClientError::Transport { timed_out: false, .. }), "{error:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(counter.get(), 1, "sent exactly once");

    // A read over the same failure is retried, up to its attempts.
    let (base, counter) = hang_up_server().await;
    let error = client(&base).overview().await.expect_err("no answer");
    assert!(error.is_transport(), "{error:?}");
    assert_eq!(counter.get(), 3);
}

#[tokio::test]
async fn a_hanging_server_times_out_within_the_request_timeout() {
    let counter = Counter::default();
    let (reads, writes) = (counter.clone(), counter.clone());
    let hang = || tokio::time::sleep(Duration::from_secs(30));
    let router = Router::new()
        .route(
            "/v1/overview",
            get(move || async move {
                reads.hit();
                hang().await;
            }),
        )
        .route(
            "/v1/commands/transfer",
            post(move || async move {
                writes.hit();
                hang().await;
            }),
        );
    let base = serve(router).await;
    let config = ClientConfig { request_timeout: Duration::from_millis(300), get_attempts: 1, ..config(&base) };
    let api = ApiClient::new(config).unwrap();

    let started = Instant::now();
    let error = api.overview().await.expect_err("times out");
    let took = started.elapsed();
    assert!(matches!(error, ClientError::Transport { timed_out: true, .. }), "{error:?}");
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(2), "{took:?}");

    let started = Instant::now();
    let error = api.execute("transfer", &json!({}), Some("k")).await.expect_err("times out");
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(counter.get(), 2, "one read, one command");
}

#[tokio::test]
async fn nothing_listening_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = client(&base).execute("transfer", &json!({}), Some("k")).await.expect_err("refused");
    assert!(matches!(error, ClientError::Transport { timed_out: false, .. }), "{error:?}");
    assert!(error.to_string().starts_with("no answer from the server"), "{error}");
}

#[tokio::test]
async fn field_errors_arrive_as_a_validation_problem() {
    let errors = vec![FieldError::new("amount", "must be a positive decimal"), FieldError::new("to", "is required")];
    let router = Router::new().route(
        "/v1/commands/transfer",
        post(move || async move { problem(ErrorCode::ValidationFailed, 422, "2 fields are invalid", errors) }),
    );
    let base = serve(router).await;
    let error = client(&base).execute("transfer", &json!({"amount": "-1"}), Some("k")).await.expect_err("422");
    let ClientError::Problem { status, problem } = &error else { panic!("{error:?}") };
    assert_eq!(
        (*status, problem.code, problem.detail.as_str()),
        (422, ErrorCode::ValidationFailed, "2 fields are invalid")
    );
    let fields: Vec<(&str, &str)> =
        error.field_errors().iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
    assert_eq!(fields, [("amount", "must be a positive decimal"), ("to", "is required")]);
    assert_eq!(
        error.to_string(),
        "VALIDATION_FAILED (HTTP 422): 2 fields are invalid; amount: must be a positive decimal; to: is required"
    );
}

#[tokio::test]
async fn a_command_carries_its_key_token_and_body_and_reads_the_replay_header() {
    let router = Router::new().route(
        "/v1/commands/transfer",
        post(|headers: HeaderMap, axum::Json(body): axum::Json<Value>| async move {
            assert_eq!(headers["authorization"], "Bearer ldk_test_secret");
            assert_eq!(headers["idempotency-key"], "key-42");
            assert_eq!(body, json!({"amount": "1.00"}));
            ([("Idempotent-Replayed", "true")], axum::Json(result_json(false)))
        }),
    );
    let base = serve(router).await;
    let result = client(&base).execute("transfer", &json!({"amount": "1.00"}), Some("key-42")).await.unwrap();
    assert!(result.replayed, "the header marks a replay");
    assert_eq!(result.transaction_ids, ["t-1"]);

    let error = client(&base).execute("transfer", &json!({}), Some("bad\nkey")).await.expect_err("not a header");
    assert!(matches!(error, ClientError::Invalid { .. }), "{error:?}");
}

#[tokio::test]
async fn queries_skip_empty_fields_and_ids_stay_one_path_segment() {
    let router = Router::new().fallback(|uri: Uri, RawQuery(query): RawQuery| async move {
        let echo = json!({"path": uri.path(), "query": query});
        axum::Json(json!({"items": [], "next_cursor": echo.to_string()}))
    });
    let base = serve(router).await;
    let api = ApiClient::new(config(&format!("{base}/ledger/"))).unwrap();
    let echo = |cursor: Option<String>| serde_json::from_str::<Value>(&cursor.expect("echo")).unwrap();

    let query = HoldQuery { status: Some("manual_review".into()), limit: Some(5), ..HoldQuery::default() };
    let page = api.holds(&query).await.unwrap();
    assert_eq!(echo(page.next_cursor), json!({"path": "/ledger/v1/holds", "query": "status=manual_review&limit=5"}));

    let page = api.statement("a/b c", &StatementQuery::default()).await.unwrap();
    assert_eq!(echo(page.next_cursor), json!({"path": "/ledger/v1/wallets/a%2Fb%20c/statement", "query": null}));
    let at_line = StatementQuery { through_seq: Some(41), ..StatementQuery::default() };
    let page = api.statement("w1", &at_line).await.unwrap();
    assert_eq!(echo(page.next_cursor), json!({"path": "/ledger/v1/wallets/w1/statement", "query": "through_seq=41"}));

    for bad in ["", ".", ".."] {
        let error = api.wallet(bad).await.expect_err("not an id");
        assert!(matches!(error, ClientError::Invalid { .. }), "{bad:?}: {error:?}");
    }
}

#[tokio::test]
async fn search_sends_its_query_percent_encoded_and_new_filters_only_when_set() {
    let router = Router::new()
        .route(
            "/v1/search",
            get(|RawQuery(query): RawQuery| async move {
                axum::Json(json!({"query": query.unwrap_or_default(), "hits": [], "truncated": false}))
            }),
        )
        .fallback(|RawQuery(query): RawQuery| async move {
            axum::Json(json!({"items": [], "next_cursor": query.unwrap_or_default()}))
        });
    let base = serve(router).await;
    let api = client(&base);
    let sent = |q: &str, limit: Option<i64>| {
        let api = api.clone();
        let query = SearchQuery { q: q.into(), limit };
        async move { api.search(&query).await.expect("search").query }
    };
    // `%`, `_`, `&`, `=`, `+`, `#`, spaces and non-ASCII reach the server as
    // themselves: nothing is read as a wildcard, a separator or a fragment.
    assert_eq!(sent("PSK-4411", None).await, "q=PSK-4411");
    assert_eq!(sent("50%_off & more=+#", Some(5)).await, "q=50%25_off+%26+more%3D%2B%23&limit=5");
    assert_eq!(sent("café/ü", None).await, "q=caf%C3%A9%2F%C3%BC");
    assert_eq!(sent("", None).await, "q=", "an empty query is still sent, for the server to refuse");

    // The new list filters are left out unless set, so older servers keep answering.
    let page = api.transactions(&TransactionQuery::default()).await.unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some(""));
    let query = TransactionQuery {
        reference: Some("INV 1".into()),
        from: Some("2026-01-31T00:00:00Z".into()),
        to: Some("2026-02-01T00:00:00+01:00".into()),
        ..TransactionQuery::default()
    };
    let page = api.transactions(&query).await.unwrap();
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("reference=INV+1&from=2026-01-31T00%3A00%3A00Z&to=2026-02-01T00%3A00%3A00%2B01%3A00")
    );
    let page = api.accounts(&AccountQuery { system: Some(true), ..AccountQuery::default() }).await.unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some("system=true"));
    let page = api.holds(&HoldQuery { reference: Some("PO-1".into()), ..HoldQuery::default() }).await.unwrap();
    assert_eq!(page.next_cursor.as_deref(), Some("reference=PO-1"));
}

#[tokio::test]
async fn unexpected_bodies_are_decode_errors() {
    let router = Router::new()
        .route("/v1/overview", get(|| async { "not json" }))
        .route("/v1/flags", get(|| async { axum::Json(json!({"unexpected": true})) }));
    let base = serve(router).await;
    let error = client(&base).overview().await.expect_err("text");
    assert!(
        matches!(&error, ClientError::Decode { status: 200, message } if message.contains("not json")),
        "{error:?}"
    );
    let error = client(&base).flags().await.expect_err("wrong shape");
    assert_eq!(error.status(), Some(200));
}

#[tokio::test]
async fn probes_report_a_server_that_is_not_ready_without_retrying() {
    let counter = Counter::default();
    let (ready, health) = (counter.clone(), counter.clone());
    let report =
        json!({"ok": true, "ready": false, "components": [{"name": "database", "state": "down", "detail": "x"}]});
    let router = Router::new()
        .route("/livez", get(|| async { axum::Json(json!({"status": "ok"})) }))
        .route(
            "/readyz",
            get(move || async move {
                ready.hit();
                problem(ErrorCode::Unavailable, 503, "not ready: database: x", vec![])
            }),
        )
        .route(
            "/healthz",
            get(move || async move {
                health.hit();
                (StatusCode::SERVICE_UNAVAILABLE, axum::Json(report))
            }),
        );
    let base = serve(router).await;
    let api = client(&base);
    api.livez().await.expect("alive");
    assert_eq!(api.readyz().await.expect_err("not ready").code(), Some(ErrorCode::Unavailable));
    let report = api.healthz().await.expect("a 503 report is an answer");
    assert!(report.ok && !report.ready);
    assert_eq!(counter.get(), 2, "one request each");
}

#[test]
fn bad_configurations_are_refused_and_the_token_is_not_printed() {
    for base in ["not a url", "ftp://host", "mailto:x@y"] {
        let error = ApiClient::new(ClientConfig::new(base)).expect_err(base);
        assert!(matches!(error, ClientError::Invalid { .. }), "{base}: {error:?}");
    }
    let error = ApiClient::new(ClientConfig::new("http://h").with_token("a\nb")).expect_err("token");
    assert!(matches!(error, ClientError::Invalid { .. }));
    let printed = format!("{:?}", ClientConfig::new("http://h").with_token("ldk_secret"));
    assert!(!printed.contains("ldk_secret") && printed.contains("<redacted>"), "{printed}");
    let key = uuid::Uuid::parse_str(&new_idempotency_key()).expect("a UUID");
    assert_eq!(key.get_version_num(), 7);
}
