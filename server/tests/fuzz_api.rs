//! API fuzz test on SQLite and PostgreSQL: for every operation of the OpenAPI
//! document the server serves, proptest generates whole requests (schema-valid
//! and deliberately broken: wrong types, missing and extra fields, hostile
//! amounts and strings, malformed JSON, wrong media types, bad tokens and
//! idempotency keys, unsigned provider events) against a real in-process
//! server holding real wallets, holds, transactions, outbox messages and a
//! finding. It protects the contract that no request gets a 5xx, every 4xx is
//! a problem document with a code, every 2xx is JSON, and that afterwards the
//! ledger invariants hold and the money gates are green.
//!
//! Budget: `LEDGERDECK_FUZZ_CASES` cases per route (default 24, for CI);
//! locally e.g. `LEDGERDECK_FUZZ_CASES=2000 cargo test -p ledgerdeck-server
//! --test fuzz_api -- --nocapture`. `LEDGERDECK_FUZZ_SEED` replays a run's
//! request stream (printed at the start and with every failure);
//! `LEDGERDECK_FUZZ_ROUTES` keeps only routes whose label contains it;
//! `LEDGERDECK_FUZZ_VERBOSE=1` prints every answer.

#[macro_use]
mod common;
mod fuzz;

use common::*;
use fuzz::request::{self, FuzzRequest, Operation, PROVIDER_SECRET};
use fuzz::values::Pools;
use ledgerdeck_client::GateStatus;
use ledgerdeck_server::Ledger;
use ledgerdeck_server::api::ApiConfig;
use ledgerdeck_server::gates::{Gate, Mode};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

on_both_databases!(fuzz_every_route, nul_characters_are_refused_not_storage_failures);

fn cases_per_route() -> u32 {
    std::env::var("LEDGERDECK_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

fn seed() -> u64 {
    match std::env::var("LEDGERDECK_FUZZ_SEED") {
        Ok(v) => v.parse().expect("LEDGERDECK_FUZZ_SEED is a u64"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    }
}

/// A per-route rng: the run's seed mixed with the route's label.
fn rng_for(seed: u64, label: &str) -> TestRng {
    let mut mixed = seed ^ 0x9e37_79b9_7f4a_7c15;
    for byte in label.bytes() {
        mixed = (mixed ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&mixed.rotate_left(i as u32 * 16).wrapping_add(i as u64).to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

async fn sql(ledger: &Ledger, statement: &str) {
    sqlx::query(sqlx::AssertSqlSafe(statement.to_string())).execute(ledger.store().pool()).await.expect(statement);
}

async fn full_gate_run(ledger: &Ledger) {
    ledger.gates().run(&Gate::ALL, Mode::Full, "fuzz", Duration::from_secs(30)).await.expect("gate run");
}

/// Funded wallets in three currencies, a transfer, an open hold, six holds in
/// manual review, a webhook endpoint (so commands leave outbox messages) and
/// one resolved finding.
async fn setup(ledger: &Ledger) {
    run(ledger, &admin(), "create_webhook_endpoint", json!({"url": "http://127.0.0.1:9/hook"}))
        .await
        .expect("webhook endpoint");
    let a = wallet(ledger, "USD").await;
    let b = wallet(ledger, "USD").await;
    let eur = wallet(ledger, "EUR").await;
    let btc = wallet(ledger, "BTC").await;
    pay_in(ledger, &a, "1000.00").await;
    pay_in(ledger, &b, "500.00").await;
    pay_in(ledger, &eur, "300.00").await;
    pay_in(ledger, &btc, "0.5").await;
    run(ledger, &operator(), "transfer", json!({"from_wallet_id": a, "to_wallet_id": b, "amount": "10.00"}))
        .await
        .expect("transfer");
    reserve(ledger, &a, "50.00").await;
    for amount in ["20.00", "3.00", "1.50"] {
        reviewed_hold(ledger, &a, amount).await;
        reviewed_hold(ledger, &b, amount).await;
    }
    // A stored balance off its postings for one full run leaves a finding,
    // resolved by the next run once repaired.
    sql(ledger, &format!("UPDATE accounts SET balance = balance + 1 WHERE id = '{a}:available'")).await;
    full_gate_run(ledger).await;
    sql(ledger, &format!("UPDATE accounts SET balance = balance - 1 WHERE id = '{a}:available'")).await;
    full_gate_run(ledger).await;
}

async fn ids(ledger: &Ledger, table: &str) -> Vec<String> {
    let mut out = Vec::new();
    // The oldest (the set-up fixtures) and the newest (what the fuzz made).
    for order in ["ASC", "DESC"] {
        let query = format!("SELECT id FROM {table} ORDER BY id {order} LIMIT 12");
        let found: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(query)).fetch_all(ledger.store().pool()).await.expect("read ids");
        out.extend(found.into_iter().filter(|id| !out.contains(id)).collect::<Vec<_>>());
    }
    out
}

async fn pools(ledger: &Ledger) -> Pools {
    Pools {
        wallets: ids(ledger, "wallets").await,
        holds: ids(ledger, "holds").await,
        transactions: ids(ledger, "ledger_transactions").await,
        messages: ids(ledger, "outbox_messages").await,
        endpoints: ids(ledger, "webhook_endpoints").await,
        findings: ids(ledger, "gate_findings").await,
    }
}

/// Commands first, in the order a hold's life runs (what creates wallets and
/// money, then holds, then what reviews and ends holds), so each finds real
/// objects in the state it needs; reads next; feature flags last, since a
/// flag turned off refuses later commands.
fn ordered(mut ops: Vec<Operation>) -> Vec<Operation> {
    const LIFE: [&str; 6] =
        ["create_", "post_payin", "reserve_payout", "mark_manual_review", "settle_hold", "release_hold"];
    ops.sort_by_key(|op| {
        let stage = LIFE.iter().position(|s| op.path.contains(s)).unwrap_or(LIFE.len());
        (op.path.contains("set_feature_flag"), op.method == "GET", stage)
    });
    ops
}

/// What one route saw.
struct RouteReport {
    label: String,
    cases: u32,
    statuses: BTreeMap<u16, u32>,
    elapsed: Duration,
}

/// Fuzzes every route; returns the per-route reports and every failure.
fn fuzz_routes(
    runtime: &tokio::runtime::Handle,
    server: &TestServer,
    ledger: &Ledger,
    seed: u64,
) -> (Vec<RouteReport>, Vec<String>) {
    let doc = serde_json::to_value(ledgerdeck_server::api::openapi()).expect("document as JSON");
    let only = std::env::var("LEDGERDECK_FUZZ_ROUTES").unwrap_or_default();
    let cases = cases_per_route();
    let verbose = std::env::var_os("LEDGERDECK_FUZZ_VERBOSE").is_some();
    let db = format!("{:?}", ledger.store().backend()).to_lowercase();
    eprintln!("[{db}] {:<50} {:>6} {:>8}  statuses", "route", "cases", "ms");
    let reused_keys: Vec<String> = (1..=4).map(|i| format!("fuzz-reused-key-{i}")).collect();
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for op in ordered(request::operations(&doc)) {
        let label = op.label();
        if !label.contains(&only) {
            continue;
        }
        let started = Instant::now();
        let pools = runtime.block_on(pools(ledger));
        let strategy = request::strategy(&op, &doc, &pools, &reused_keys);
        let config = Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 256,
            max_shrink_time: 30_000,
            ..Config::default()
        };
        let mut runner = TestRunner::new_with_rng(config, rng_for(seed, &label));
        let statuses = Mutex::new(BTreeMap::<u16, u32>::new());
        let outcome = runner.run(&strategy, |request: FuzzRequest| {
            let answer = runtime.block_on(request::send(server, &request)).map_err(TestCaseError::fail)?;
            *statuses.lock().unwrap().entry(answer.status).or_default() += 1;
            if verbose {
                eprintln!("{label} -> {} {}", answer.status, cut(String::from_utf8_lossy(&answer.body).into_owned()));
            }
            request::check(&request, &answer).map_err(TestCaseError::fail)
        });
        match outcome {
            Ok(()) => {}
            Err(TestError::Fail(why, request)) => failures.push(format!(
                "{label} (LEDGERDECK_FUZZ_SEED={seed}): {}\n  minimal request: {}",
                cut(why.to_string()),
                describe(&request)
            )),
            Err(TestError::Abort(why)) => {
                failures.push(format!("{label} (LEDGERDECK_FUZZ_SEED={seed}): aborted: {why}"))
            }
        }
        let statuses = statuses.into_inner().unwrap();
        let report = RouteReport { label, cases: statuses.values().sum(), statuses, elapsed: started.elapsed() };
        print_report(&db, &report);
        reports.push(report);
    }
    (reports, failures)
}

/// `text`, cut short when long.
fn cut(text: String) -> String {
    if text.len() > 400 {
        format!("{}… ({} bytes)", &text[..text.floor_char_boundary(400)], text.len())
    } else {
        text
    }
}

/// A request as one line, with long values cut short.
fn describe(request: &FuzzRequest) -> String {
    let headers: Vec<String> =
        request.headers.iter().map(|(k, v)| format!("{k}: {}", cut(String::from_utf8_lossy(v).into_owned()))).collect();
    let body = match &request.body {
        request::Body::None => "none".to_string(),
        request::Body::Json(v) => cut(v.to_string()),
        request::Body::Raw { content_type, bytes } => {
            format!("{content_type:?} {}", cut(String::from_utf8_lossy(bytes).into_owned()))
        }
    };
    format!(
        "{} {} query={:?} headers={headers:?} auth={:?} signing={:?} body={body}",
        request.method,
        cut(request.path.clone()),
        request.query.iter().map(|(k, v)| (k.clone(), cut(v.clone()))).collect::<Vec<_>>(),
        request.auth,
        request.signing
    )
}

/// One line per route, printed as each route finishes; `db` tells the two
/// databases' lines apart when both tests run at once.
fn print_report(db: &str, report: &RouteReport) {
    let statuses: Vec<String> = report.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
    eprintln!(
        "[{db}] {:<50} {:>6} {:>8}  {}",
        report.label,
        report.cases,
        report.elapsed.as_millis(),
        statuses.join(" ")
    );
}

async fn fuzz_every_route(ledger: Ledger) {
    let seed = seed();
    eprintln!("fuzz seed {seed}: replay with LEDGERDECK_FUZZ_SEED={seed}; {} cases per route", cases_per_route());
    setup(&ledger).await;
    let mut config = ApiConfig::default();
    config.provider_secrets.insert("sandbox".into(), PROVIDER_SECRET.into());
    let server = Arc::new(TestServer::start_with(ledger.clone(), config).await);
    let started = Instant::now();
    let runtime = tokio::runtime::Handle::current();
    let (reports, failures) = {
        let (server, ledger) = (server.clone(), ledger.clone());
        tokio::task::spawn_blocking(move || fuzz_routes(&runtime, &server, &ledger, seed)).await.expect("fuzz thread")
    };
    let total: u32 = reports.iter().map(|r| r.cases).sum();
    let db = format!("{:?}", ledger.store().backend()).to_lowercase();
    eprintln!("[{db}] {total} requests over {} routes in {:.1} s", reports.len(), started.elapsed().as_secs_f64());
    assert!(failures.is_empty(), "{} route(s) broke the contract:\n{}", failures.len(), failures.join("\n"));

    assert_sound(&ledger).await;
    full_gate_run(&ledger).await;
    let gates = ledgerdeck_server::queries::list_gates(ledger.store()).await.expect("gates");
    let status = |name: &str| gates.iter().find(|g| g.gate == name).map(|g| g.status).expect("gate listed");
    for gate in ["ledger_balanced", "wallet_drift", "holds_drift"] {
        assert_eq!(status(gate), GateStatus::Green, "{gate} after the fuzz (seed {seed}): {gates:#?}");
    }
    assert_ne!(status("payout_finality"), GateStatus::Red, "payout_finality after the fuzz (seed {seed}): {gates:#?}");
    Arc::into_inner(server).expect("the only server handle").stop().await;
}

/// Regression for what the fuzz found first: a NUL character in an id or a
/// filter reached PostgreSQL, which refuses NUL in text, and the refusal came
/// back as 503 STORAGE_UNAVAILABLE ("retrying is safe") instead of a 4xx.
/// Every documented GET gets NUL in each path and string query parameter,
/// and every command gets NUL in every field.
async fn nul_characters_are_refused_not_storage_failures(ledger: Ledger) {
    setup(&ledger).await;
    let mut config = ApiConfig::default();
    config.provider_secrets.insert("sandbox".into(), PROVIDER_SECRET.into());
    let server = TestServer::start_with(ledger.clone(), config).await;
    let doc = serde_json::to_value(ledgerdeck_server::api::openapi()).expect("document as JSON");
    let mut checked = 0;
    for op in request::operations(&doc) {
        let mut requests = Vec::new();
        if op.method == "GET" && op.path != "/v1/events" {
            let path = op.params.iter().filter(|p| p.location == "path").fold(op.path.clone(), |path, p| {
                let value = if p.name == "gate" { "wallet_drift" } else { "a%00b" };
                path.replace(&format!("{{{}}}", p.name), value)
            });
            if path != op.path {
                requests.push(server.http.get(server.url(&path.replace("wallet_drift", "wallet%00drift"))));
            }
            for param in op.params.iter().filter(|p| p.location == "query" && p.schema["type"] == "string") {
                requests.push(server.http.get(server.url(&path)).query(&[(param.name.as_str(), "a\0b")]));
            }
        }
        if let (Some(schema), true) = (&op.body, op.path.starts_with("/v1/commands/")) {
            let body: serde_json::Map<String, serde_json::Value> = schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, _)| (name.clone(), json!("a\0b")))
                .collect();
            requests.push(server.http.post(server.url(&op.path)).header("Idempotency-Key", key()).json(&body));
        }
        for builder in requests {
            let request = builder.bearer_auth(&server.admin).build().expect("request");
            let shown = format!("{} {}", request.method(), request.url());
            let response = server.http.execute(request).await.expect("send");
            let status = response.status().as_u16();
            let content_type = response.headers().get("content-type").cloned();
            let body = response.text().await.unwrap_or_default();
            // The URL is refused up front; a command refuses the field.
            let expected = if op.method == "GET" { 400 } else { 422 };
            assert_eq!(status, expected, "{shown}: {body}");
            assert!(
                content_type.is_some_and(|c| c.to_str().unwrap_or_default().starts_with("application/problem+json")),
                "{shown}: {body}"
            );
            checked += 1;
        }
    }
    // A signed provider event with NUL in every text field.
    let hold: String = sqlx::query_scalar("SELECT id FROM holds ORDER BY id LIMIT 1")
        .fetch_one(ledger.store().pool())
        .await
        .expect("a hold");
    for field in ["reference", "hold_id", "status", "provider_reference"] {
        let mut event = json!({"reference": "evt-nul", "hold_id": hold, "status": "failed", "provider_reference": "p"});
        event[field] = json!(format!("{}\0", event[field].as_str().unwrap()));
        let request = FuzzRequest {
            method: "POST".into(),
            path: "/v1/providers/sandbox/events".into(),
            query: vec![],
            headers: vec![],
            auth: request::Auth::None,
            body: request::Body::Json(event),
            signing: request::Signing::Valid,
        };
        let answer = request::send(&server, &request).await.expect("send");
        assert!((400..500).contains(&answer.status), "NUL in {field}: {answer:?}");
        request::check(&request, &answer).expect("a problem document");
        checked += 1;
    }
    assert!(checked > 40, "only {checked} requests were checked");
    assert_sound(&ledger).await;
    server.stop().await;
}
