//! Exports through real HTTP on both databases: every kind's CSV and JSON
//! lines equal its JSON list route's answer for the same filter; formula
//! payloads come out neutralised while negative amounts stay numbers; bad
//! filters, too-wide ranges, too-large exports and unacceptable formats are
//! refused with their codes before any byte; a statement as of a date is in
//! effective order with the running balance by effective time; and a reader
//! that hangs up stops the server's producer.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{ApiClient, ClientConfig, ExportFormat, ExportKind, ExportQuery};
use ledgerdeck_server::Ledger;
use ledgerdeck_server::api::ApiConfig;
use ledgerdeck_server::queries::export::ExportConfig;
use ledgerdeck_server::store::Backend;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Every item of a JSON list route, following its cursors.
async fn list_all(server: &TestServer, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=7&cursor={c}"),
            None => format!("{path}{sep}limit=7"),
        };
        let page: Value = server.get(&server.viewer, &url).await.json().await.unwrap();
        items.extend(page["items"].as_array().unwrap_or_else(|| panic!("{url}: {page}")).iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return items,
        }
    }
}

/// An export's raw body, through `GET /v1/exports/{kind}?{query}`.
async fn export_raw(server: &TestServer, kind: &str, query: &str, accept: &str) -> reqwest::Response {
    server
        .http
        .get(server.url(&format!("/v1/exports/{kind}?{query}")))
        .bearer_auth(&server.viewer)
        .header("Accept", accept)
        .send()
        .await
        .unwrap()
}

fn client(server: &TestServer) -> ApiClient {
    ApiClient::new(ClientConfig::new(&server.base).with_token(&server.viewer)).unwrap()
}

/// An export through the typed client, into memory, with its row count.
async fn export_via_client(
    server: &TestServer,
    kind: ExportKind,
    query: &ExportQuery,
    format: ExportFormat,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut calls = 0;
    let done = client(server)
        .export_to_writer(kind, query, format, &mut out, |_| calls += 1)
        .await
        .unwrap_or_else(|e| panic!("{kind} {format}: {e}"));
    assert_eq!(done.bytes, out.len() as u64);
    assert!(calls >= 1, "progress is reported");
    let records = match format {
        ExportFormat::Jsonl => out.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(),
        ExportFormat::Csv => csv::Reader::from_reader(&out[..]).records().count(),
    };
    assert_eq!(done.rows, records as u64, "{kind} {format}: the counted rows are the records");
    out
}

/// A JSON value as the CSV cell it becomes.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    ledgerdeck_server::queries::export::neutralise(&text).into_owned()
}

/// The CSV rows the list's items should become: one per item, or one per
/// posting (the transaction's fields repeated, `seq` as `posting_seq`).
fn expected_rows(kind: ExportKind, header: &[String], items: &[Value]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for item in items {
        let mut flat = Vec::new();
        if kind == ExportKind::Transactions {
            for posting in item["postings"].as_array().unwrap() {
                let mut merged = item.as_object().unwrap().clone();
                merged.remove("postings");
                merged.insert("posting_seq".into(), posting["seq"].clone());
                for field in ["account_id", "currency", "amount"] {
                    merged.insert(field.into(), posting[field].clone());
                }
                flat.push(Value::Object(merged));
            }
        } else {
            flat.push(item.clone());
        }
        for record in flat {
            let fields = record.as_object().unwrap();
            // One column per field (a field the JSON leaves out when absent is an empty cell).
            assert!(
                fields.keys().all(|k| header.contains(k)),
                "{kind}: a field without a column: {header:?} vs {record}"
            );
            rows.push(header.iter().map(|h| cell(&record[h.as_str()])).collect());
        }
    }
    rows
}

/// Drops `age_seconds` (it grows between two reads) after checking it is close.
fn without_age(mut a: Vec<Value>, b: &[Value]) -> Vec<Value> {
    for (x, y) in a.iter_mut().zip(b) {
        if let (Some(ax), Some(by)) = (x["age_seconds"].as_i64(), y["age_seconds"].as_i64()) {
            assert!((ax - by).abs() <= 5, "ages {ax} and {by}");
            x["age_seconds"] = y["age_seconds"].clone();
        }
    }
    a
}

/// Checks both formats of one export against the list route's items.
async fn check_kind(server: &TestServer, kind: ExportKind, query: ExportQuery, list: &str) {
    let items = list_all(server, list).await;
    assert!(!items.is_empty(), "{kind}: the fixture has records for {list}");
    let jsonl = export_via_client(server, kind, &query, ExportFormat::Jsonl).await;
    let lines: Vec<Value> =
        jsonl.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect();
    assert_eq!(without_age(lines, &items), items, "{kind} JSON lines equal {list}");

    let csv_bytes = export_via_client(server, kind, &query, ExportFormat::Csv).await;
    let mut reader = csv::Reader::from_reader(&csv_bytes[..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let got: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let mut expected = expected_rows(kind, &header, &items);
    if let Some(age) = header.iter().position(|h| h == "age_seconds") {
        for (e, g) in expected.iter_mut().zip(&got) {
            e[age] = g[age].clone();
        }
    }
    assert_eq!(got, expected, "{kind} CSV equals {list}");
}

/// Wallets, pay-ins (one with a formula for a reference), a transfer,
/// holds settled, released (with a formula for a reason) and open, and a
/// red gate with findings. Returns (wallet a, wallet b).
async fn fixture(ledger: &Ledger, server: &TestServer) -> (String, String) {
    let a = wallet(ledger, "USD").await;
    let b = wallet(ledger, "EUR").await;
    let payin = json!({"wallet_id": a, "amount": "500.00", "provider": "sandbox", "reference": "=HYPERLINK(\"http://evil\",\"x\")"});
    run(ledger, &operator(), "post_payin", payin).await.unwrap();
    pay_in(ledger, &b, "80.00").await;
    let c = wallet(ledger, "USD").await;
    run(ledger, &operator(), "transfer", json!({"from_wallet_id": a, "to_wallet_id": c, "amount": "12.50"}))
        .await
        .unwrap();
    for n in 0..9 {
        reserve_with(ledger, &a, "3.00", &format!("+{n}")).await;
    }
    let released = reviewed_hold(ledger, &a, "7.25").await;
    let reason = json!({"hold_id": released, "reason": "@SUM(A1:A9)"});
    run(ledger, &operator(), "release_hold", reason).await.unwrap();
    let settled = reviewed_hold(ledger, &b, "5.00").await;
    run(ledger, &operator(), "settle_hold", json!({"hold_id": settled, "reason": "paid"})).await.unwrap();
    // Commands refuse control characters; older or imported rows may hold them.
    let store = ledger.store();
    for (column, value, hold) in [("provider_reference", "\tPSK-tab", &released), ("reason", "\rpaid", &settled)] {
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE holds SET {column} = $1 WHERE id = $2")))
            .bind(value)
            .bind(hold.as_str())
            .execute(store.pool())
            .await
            .unwrap();
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE accounts SET balance = balance + 1 WHERE id = '{b}:available'")))
        .execute(store.pool())
        .await
        .unwrap();
    run(ledger, &operator(), "run_gates", json!({})).await.unwrap();
    let _ = server;
    (a, b)
}

async fn every_kind_equals_its_list_route(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let (a, b) = fixture(&ledger, &server).await;
    let q = ExportQuery::default;
    check_kind(&server, ExportKind::Transactions, q(), "/v1/transactions").await;
    let by_wallet = ExportQuery { wallet_id: Some(a.clone()), kind: Some("payout_reserve".into()), ..q() };
    check_kind(
        &server,
        ExportKind::Transactions,
        by_wallet,
        &format!("/v1/transactions?wallet_id={a}&kind=payout_reserve"),
    )
    .await;
    check_kind(&server, ExportKind::Holds, q(), "/v1/holds").await;
    let open = ExportQuery { status: Some("reserved".into()), wallet_id: Some(a.clone()), ..q() };
    check_kind(&server, ExportKind::Holds, open, &format!("/v1/holds?status=reserved&wallet_id={a}")).await;
    check_kind(&server, ExportKind::Audit, q(), "/v1/audit").await;
    let refused = ExportQuery { outcome: Some("posted".into()), action: Some("post_payin".into()), ..q() };
    check_kind(&server, ExportKind::Audit, refused, "/v1/audit?outcome=posted&action=post_payin").await;
    check_kind(&server, ExportKind::Accounts, q(), "/v1/accounts").await;
    let system = ExportQuery { system: Some(true), currency: Some("USD".into()), ..q() };
    check_kind(&server, ExportKind::Accounts, system, "/v1/accounts?system=true&currency=USD").await;
    let gate = ExportQuery { gate: Some("ledger_balanced".into()), status: Some("OPEN".into()), ..q() };
    check_kind(&server, ExportKind::Findings, gate, "/v1/gates/ledger_balanced/findings?status=OPEN").await;
    for w in [&a, &b] {
        let statement = ExportQuery { wallet_id: Some(w.clone()), ..q() };
        check_kind(&server, ExportKind::Statement, statement, &format!("/v1/wallets/{w}/statement")).await;
    }
    server.stop().await;
}

/// Formula payloads in a reference, a reason and a provider reference come
/// out with a leading `'`; negative amounts stay plain numbers.
async fn csv_injection_payloads_are_neutralised(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let (a, _) = fixture(&ledger, &server).await;
    let body = export_raw(&server, "transactions", &format!("wallet_id={a}"), "text/csv").await;
    assert_eq!(body.status(), 200);
    assert_eq!(body.headers()["content-type"], "text/csv");
    let bytes = body.bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let references: Vec<&str> = rows.iter().map(|r| &r[col("reference")]).collect();
    assert!(references.contains(&"'=HYPERLINK(\"http://evil\",\"x\")"), "{references:?}");
    assert!(references.contains(&"'+3"), "{references:?}");
    assert!(!references.iter().any(|r| r.starts_with(['=', '+', '-', '@', '\t', '\r'])), "{references:?}");
    let amounts: Vec<&str> = rows.iter().map(|r| &r[col("amount")]).collect();
    assert!(amounts.contains(&"-12.50"), "a negative amount stays a number: {amounts:?}");
    assert!(amounts.contains(&"-500.00"), "{amounts:?}");

    let holds = export_raw(&server, "holds", "", "text/csv").await.bytes().await.unwrap();
    let text = String::from_utf8(holds.to_vec()).unwrap();
    assert!(text.contains(",'@SUM(A1:A9),"), "{text}");
    assert!(text.contains(",'\tPSK-tab,"), "a leading tab is neutralised: {text}");
    assert!(text.contains("\"'\rpaid\""), "a leading CR is neutralised (and quoted): {text:?}");
    // JSON lines carry the text as it is: they are not spreadsheets.
    let lines = export_raw(&server, "holds", "", "application/jsonl").await.text().await.unwrap();
    assert!(lines.contains("\"reason\":\"@SUM(A1:A9)\""), "{lines}");
    server.stop().await;
}

/// Bad filters (a blank one among them), ranges and formats are refused
/// with their codes, as problem documents, before any export byte.
async fn bad_exports_are_refused_with_their_codes(ledger: Ledger) {
    let config =
        ApiConfig { export: ExportConfig { max_rows: 5, max_days: 31, ..Default::default() }, ..Default::default() };
    let server = TestServer::start_with(ledger.clone(), config).await;
    let (a, _) = fixture(&ledger, &server).await;
    let csv = "text/csv";
    for (kind, query, field) in [
        ("holds", "gate=wallet_drift", "gate"),
        ("holds", "status=lost", "status"),
        ("holds", "older_than_seconds=-1", "older_than_seconds"),
        ("statement", "", "wallet_id"),
        ("statement", &format!("wallet_id={a}&as_of=yesterday") as &str, "as_of"),
        ("audit", "from=2026-13-01T00:00:00Z", "from"),
        ("audit", "outcome=maybe", "outcome"),
        ("accounts", "account_kind=cash", "account_kind"),
        ("findings", "gate=nope", "gate"),
        ("transactions", "reference=%20", "reference"),
        // A blank filter would export everything; it is refused, not dropped.
        ("transactions", "wallet_id=", "wallet_id"),
        ("holds", "merchant_id=%20", "merchant_id"),
        ("audit", "actor=", "actor"),
        ("accounts", "currency=", "currency"),
        ("statement", "wallet_id=", "wallet_id"),
        ("accounts", "as_of=2026-01-01T00:00:00Z", "as_of"),
    ] {
        let body = expect_problem(export_raw(&server, kind, query, csv).await, 422, "VALIDATION_FAILED").await;
        assert_eq!(body["errors"][0]["field"], field, "{kind}?{query}: {body}");
    }
    for query in
        ["from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to=2026-01-01T00:00:00Z", "from=2020-01-01T00:00:00Z"]
    {
        expect_problem(export_raw(&server, "audit", query, csv).await, 422, "EXPORT_RANGE_TOO_WIDE").await;
    }
    expect_problem(export_raw(&server, "audit", "", csv).await, 422, "EXPORT_TOO_LARGE").await;
    expect_problem(export_raw(&server, "transactions", "", "application/x-ndjson").await, 422, "EXPORT_TOO_LARGE")
        .await;
    let small = export_raw(&server, "accounts", "system=false&currency=EUR", csv).await;
    assert_eq!(small.status(), 200, "within the row limit");
    for accept in ["application/json", "*/*", ""] {
        expect_problem(export_raw(&server, "accounts", "", accept).await, 406, "NOT_ACCEPTABLE").await;
    }
    expect_problem(export_raw(&server, "ledger", "", csv).await, 404, "NOT_FOUND").await;
    expect_problem(export_raw(&server, "statement", "wallet_id=nope", csv).await, 404, "NOT_FOUND").await;
    expect_problem(export_raw(&server, "holds", "stauts=reserved", csv).await, 400, "MALFORMED_REQUEST").await;
    let anonymous = server.http.get(server.url("/v1/exports/holds")).header("Accept", csv).send().await.unwrap();
    expect_problem(anonymous, 401, "UNAUTHENTICATED").await;
    // The typed client reports refusals as problems, like every route.
    let err = client(&server).export(ExportKind::Audit, &ExportQuery::default(), ExportFormat::Csv).await.unwrap_err();
    assert_eq!(err.code(), Some(ledgerdeck_client::ErrorCode::ExportTooLarge), "{err}");
    server.stop().await;
}

/// A statement as of a date holds only lines effective by then, in
/// effective order with the running balance by effective time; a back-dated
/// correction lands before the pay-in it was booked after.
async fn a_statement_as_of_a_date_runs_by_effective_time(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let back = "2020-06-01T00:00:00Z";
    let correction =
        json!({"wallet_id": w, "direction": "credit", "amount": "10.00", "reason": "fix", "effective_at": back});
    run(&ledger, &operator(), "post_correction", correction).await.unwrap();
    let lines = |body: String| -> Vec<(String, String)> {
        body.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|v| (v["amount"].as_str().unwrap().to_string(), v["balance_after"].as_str().unwrap().to_string()))
            .collect()
    };
    let jsonl = "application/x-ndjson";
    let plain = export_raw(&server, "statement", &format!("wallet_id={w}"), jsonl).await.text().await.unwrap();
    assert_eq!(lines(plain), [("10.00".into(), "110.00".into()), ("100.00".into(), "100.00".into())], "booked order");
    let now = export_raw(&server, "statement", &format!("wallet_id={w}&as_of=2100-01-01T00:00:00Z"), jsonl).await;
    let now = lines(now.text().await.unwrap());
    assert_eq!(now, [("10.00".into(), "10.00".into()), ("100.00".into(), "110.00".into())], "effective order");
    let then = export_raw(&server, "statement", &format!("wallet_id={w}&as_of=2021-01-01T00:00:00Z"), jsonl).await;
    assert_eq!(lines(then.text().await.unwrap()), [("10.00".into(), "10.00".into())], "only the back-dated line");
    let before = export_raw(&server, "statement", &format!("wallet_id={w}&as_of=2019-01-01T00:00:00Z"), jsonl).await;
    assert_eq!(before.text().await.unwrap(), "", "nothing was effective yet");
    server.stop().await;
}

/// A reader that takes the first chunk and hangs up stops the producer:
/// it reads no further pages, and counts as abandoned, not finished.
async fn a_reader_that_hangs_up_stops_the_producer(ledger: Ledger) {
    const ROWS: i64 = 60_000;
    const PAGE: i64 = 500;
    let store = ledger.store().clone();
    let numbers = match store.backend() {
        Backend::Sqlite => format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) "),
        Backend::Postgres => String::new(),
    };
    let from = match store.backend() {
        Backend::Sqlite => "FROM n".to_string(),
        Backend::Postgres => format!("FROM generate_series(CAST(1 AS BIGINT), CAST({ROWS} AS BIGINT)) AS n(i)"),
    };
    let id = match store.backend() {
        Backend::Sqlite => "'01930000-0000-7000-8000-' || printf('%012x', i)",
        Backend::Postgres => "'01930000-0000-7000-8000-' || lpad(to_hex(i), 12, '0')",
    };
    let sql = format!(
        "{numbers}INSERT INTO audit_log (id, at, actor, action, idempotency_key, outcome, subject_id, detail, duration_micros) \
         SELECT {id}, 1700000000000000 + i, 'bulk', 'transfer', 'key-' || i, 'posted', 'subject-' || i, \
         'a detail long enough to make the export several megabytes in all, padded out a little more', 0 {from}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(store.pool()).await.unwrap();
    let export = ExportConfig { page_rows: PAGE, ..Default::default() };
    let monitor = export.monitor.clone();
    let server = TestServer::start_with(ledger.clone(), ApiConfig { export, ..Default::default() }).await;
    let mut stream =
        client(&server).export(ExportKind::Audit, &ExportQuery::default(), ExportFormat::Csv).await.unwrap();
    let first = stream.next_chunk().await.expect("a first chunk").expect("bytes");
    assert!(!first.is_empty());
    assert_eq!(monitor.running(), 1, "the producer is working");
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(20);
    while monitor.running() > 0 {
        assert!(Instant::now() < deadline, "the producer still runs 20 s after the reader left");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pages = monitor.pages();
    assert_eq!((monitor.abandoned(), monitor.finished()), (1, 0), "stopped, not finished");
    assert!(pages < (ROWS / PAGE) as u64, "read {pages} of {} pages", ROWS / PAGE);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(monitor.pages(), pages, "no page is read after the stop");
    server.stop().await;
}

/// Exports at once are bounded (each holds a pool connection while it
/// streams): past the bound an export is refused `TOO_MANY_EXPORTS` (429)
/// before it takes a connection, and the slot comes back when one ends,
/// whether it finished or its reader hung up.
async fn exports_at_once_are_bounded(ledger: Ledger) {
    let export = ExportConfig { page_rows: 1, ..Default::default() }.at_once(1);
    let monitor = export.monitor.clone();
    let server = TestServer::start_with(ledger.clone(), ApiConfig { export, ..Default::default() }).await;
    let (wallet, _) = fixture(&ledger, &server).await;
    let query = ExportQuery { wallet_id: Some(wallet.clone()), ..ExportQuery::default() };
    let api = client(&server);
    let mut first = api.export(ExportKind::Statement, &query, ExportFormat::Csv).await.unwrap();
    first.next_chunk().await.expect("a first chunk").expect("bytes");
    let busy = export_raw(&server, "statement", &format!("wallet_id={wallet}"), "text/csv").await;
    assert_eq!(busy.status(), 429);
    let problem: Value = busy.json().await.unwrap();
    assert_eq!(problem["code"], "TOO_MANY_EXPORTS", "{problem}");

    drop(first);
    let deadline = Instant::now() + Duration::from_secs(20);
    while monitor.running() > 0 {
        assert!(Instant::now() < deadline, "the hung-up export still holds its slot");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let again = export_raw(&server, "statement", &format!("wallet_id={wallet}"), "text/csv").await;
    assert_eq!(again.status(), 200, "the slot came back");
    assert!(again.text().await.unwrap().lines().count() > 1);
    let after = export_raw(&server, "statement", &format!("wallet_id={wallet}"), "text/csv").await;
    assert_eq!(after.status(), 200, "a finished export gives its slot back too");
    server.stop().await;
}

on_both_databases!(
    every_kind_equals_its_list_route,
    csv_injection_payloads_are_neutralised,
    bad_exports_are_refused_with_their_codes,
    a_statement_as_of_a_date_runs_by_effective_time,
    a_reader_that_hangs_up_stops_the_producer,
    exports_at_once_are_bounded,
);
