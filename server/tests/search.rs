//! Search (`queries::search`, `GET /v1/search`) on SQLite and PostgreSQL:
//! every kind is found by every field it is searched on, with the right ids
//! and where-it-lives fields; matching is exact and literal (no wildcard,
//! no case folding, control characters and quotes are plain text); bad
//! queries are `VALIDATION_FAILED`; limits truncate; nothing answers 5xx.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{ErrorCode, HitKind, SearchHit, SearchQuery, SearchResults};
use ledgerdeck_server::gates::{Gate, Mode};
use ledgerdeck_server::queries::search;
use ledgerdeck_server::{Ledger, LedgerResult};
use serde_json::{Value, json};
use std::time::Duration;

/// What the fixture made.
struct World {
    usd: String,
    eur: String,
    other: String,
    /// In manual review, reference `PSK-4411`.
    hold: String,
    /// Settled with provider reference `PAYSTACK-9`.
    settled: String,
    /// A transfer from `usd` to `other` (another merchant), reference `TR-77`,
    /// idempotency key `idem-search-1`.
    transfer: String,
}

async fn make_wallet(ledger: &Ledger, merchant: &str, currency: &str) -> String {
    run(ledger, &operator(), "create_wallet", json!({"merchant_id": merchant, "currency": currency}))
        .await
        .expect("create wallet")
        .subject_id
        .expect("wallet id")
}

/// Merchant `m-acme` with USD, EUR and NGN wallets; `m-other` with one; a
/// hold in review, a settled hold, a transfer between the merchants, and
/// findings about the EUR wallet's available account.
async fn world(ledger: &Ledger) -> World {
    let usd = make_wallet(ledger, "m-acme", "USD").await;
    let eur = make_wallet(ledger, "m-acme", "EUR").await;
    make_wallet(ledger, "m-acme", "NGN").await;
    let other = make_wallet(ledger, "m-other", "USD").await;
    pay_in(ledger, &usd, "1000.00").await;
    let hold = reserve_with(ledger, &usd, "125.50", "PSK-4411").await;
    to_review(ledger, &hold).await;
    let settled = reserve_with(ledger, &usd, "10.00", "PO-2").await;
    to_review(ledger, &settled).await;
    let body = json!({"hold_id": settled, "reason": "paid", "provider_reference": "PAYSTACK-9"});
    run(ledger, &operator(), "settle_hold", body).await.expect("settle");
    let body = json!({"from_wallet_id": usd, "to_wallet_id": other, "amount": "15.50", "reference": "TR-77"});
    let moved = ledger.execute(&operator(), "transfer", body, Some("idem-search-1")).await.expect("transfer");
    let transfer = moved.transaction_ids[0].clone();
    // A stored balance off its postings for one full run leaves findings.
    let account = format!("{eur}:available");
    let sql = "UPDATE accounts SET balance = balance + 1 WHERE id = $1";
    sqlx::query(sql).bind(&account).execute(ledger.store().pool()).await.unwrap();
    ledger.gates().run(&Gate::ALL, Mode::Full, "test", Duration::from_secs(10)).await.expect("gates");
    let sql = "UPDATE accounts SET balance = balance - 1 WHERE id = $1";
    sqlx::query(sql).bind(&account).execute(ledger.store().pool()).await.unwrap();
    World { usd, eur, other, hold, settled, transfer }
}

async fn find(ledger: &Ledger, q: &str) -> SearchResults {
    try_find(ledger, q, None).await.unwrap_or_else(|e| panic!("search {q:?}: {e}"))
}

async fn try_find(ledger: &Ledger, q: &str, limit: Option<i64>) -> LedgerResult<SearchResults> {
    search(ledger.store(), &SearchQuery { q: q.into(), limit }).await
}

/// The hits of `kind` matched on `matched`.
fn of<'a>(results: &'a SearchResults, kind: HitKind, matched: &str) -> Vec<&'a SearchHit> {
    results.hits.iter().filter(|h| h.kind == kind && h.matched == matched).collect()
}

fn place(hit: &SearchHit) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
    (hit.merchant_id.as_deref(), hit.wallet_id.as_deref(), hit.hold_id.as_deref(), hit.transaction_id.as_deref())
}

async fn one_id(ledger: &Ledger, sql: &str, bind: &str) -> String {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(bind)
        .fetch_one(ledger.store().pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Holds are found by id, reference and provider reference, first and with
/// their merchant, wallet and own id; the summary states amount at scale,
/// status, merchant and provider.
async fn holds_by_id_reference_and_provider_reference(ledger: Ledger) {
    let w = world(&ledger).await;
    let by_id = find(&ledger, &w.hold).await;
    let first = &by_id.hits[0];
    assert_eq!((first.kind, first.id.as_str(), first.matched.as_str()), (HitKind::Hold, w.hold.as_str(), "id"));
    assert_eq!(first.summary, "hold 125.50 USD manual_review · m-acme · sandbox");
    assert_eq!(place(first), (Some("m-acme"), Some(w.usd.as_str()), Some(w.hold.as_str()), None));
    assert!(first.at.as_deref().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()), "{first:?}");
    assert!(!by_id.truncated);

    // Its reference names the hold and its reservation transaction (same reference).
    let by_reference = find(&ledger, "PSK-4411").await;
    assert_eq!(by_reference.query, "PSK-4411");
    assert_eq!(by_reference.hits[0].kind, HitKind::Hold, "{:#?}", by_reference.hits);
    assert_eq!(
        (by_reference.hits[0].id.as_str(), by_reference.hits[0].matched.as_str()),
        (w.hold.as_str(), "reference")
    );
    let reservation = of(&by_reference, HitKind::Transaction, "reference");
    assert_eq!(reservation.len(), 1, "{:#?}", by_reference.hits);
    assert_eq!(reservation[0].summary, "transaction payout_reserve 125.50 USD · PSK-4411");
    assert_eq!(place(reservation[0]).0, Some("m-acme"));
    assert_eq!(place(reservation[0]).1, Some(w.usd.as_str()), "it touches one wallet");
    assert_eq!(place(reservation[0]).2, Some(w.hold.as_str()));

    let by_provider = find(&ledger, "PAYSTACK-9").await;
    assert_eq!(by_provider.hits.len(), 1, "{:#?}", by_provider.hits);
    let hit = &by_provider.hits[0];
    assert_eq!(
        (hit.kind, hit.id.as_str(), hit.matched.as_str()),
        (HitKind::Hold, w.settled.as_str(), "provider_reference")
    );
    assert_eq!(hit.summary, "hold 10.00 USD settled · m-acme · sandbox");
}

/// Transactions are found by id and reference; one touching two merchants'
/// wallets names neither wallet nor merchant; its audit entry is found by
/// its idempotency key and by its subject (the transaction).
async fn transactions_audit_entries_and_keys(ledger: Ledger) {
    let w = world(&ledger).await;
    let by_id = find(&ledger, &w.transfer).await;
    let first = &by_id.hits[0];
    assert_eq!((first.kind, first.matched.as_str()), (HitKind::Transaction, "id"));
    assert_eq!(first.summary, "transaction transfer 15.50 USD · TR-77");
    assert_eq!(place(first), (None, None, None, Some(w.transfer.as_str())), "two wallets of two merchants");
    let audited = of(&by_id, HitKind::AuditEntry, "subject_id");
    assert_eq!(audited.len(), 1, "{:#?}", by_id.hits);
    assert_eq!(audited[0].summary, "audit transfer posted · ops-alice");
    assert_eq!(place(audited[0]).3, Some(w.transfer.as_str()), "placed by its subject");
    let messages = of(&by_id, HitKind::OutboxMessage, "subject_id");
    assert_eq!(messages.len(), 1, "{:#?}", by_id.hits);
    assert_eq!(messages[0].summary, "outbox transfer.posted pending");

    let by_reference = find(&ledger, "TR-77").await;
    assert_eq!(
        by_reference.hits.iter().map(|h| (h.kind, h.id.as_str())).collect::<Vec<_>>(),
        [(HitKind::Transaction, w.transfer.as_str())]
    );

    let by_key = find(&ledger, "idem-search-1").await;
    assert_eq!(by_key.hits.len(), 1, "{:#?}", by_key.hits);
    let entry = &by_key.hits[0];
    assert_eq!((entry.kind, entry.matched.as_str()), (HitKind::AuditEntry, "idempotency_key"));
    let audit_id = one_id(&ledger, "SELECT id FROM audit_log WHERE idempotency_key = $1", "idem-search-1").await;
    assert_eq!(entry.id, audit_id);
    let by_audit_id = find(&ledger, &audit_id).await;
    assert_eq!((by_audit_id.hits[0].kind, by_audit_id.hits[0].matched.as_str()), (HitKind::AuditEntry, "id"));
    assert_eq!(by_audit_id.hits.len(), 1);

    // A reservation's transaction is placed in its one wallet, its merchant and its hold.
    let reserve = one_id(&ledger, "SELECT reserve_txn_id FROM holds WHERE id = $1", &w.hold).await;
    let hit = find(&ledger, &reserve).await.hits.remove(0);
    assert_eq!(place(&hit), (Some("m-acme"), Some(w.usd.as_str()), Some(w.hold.as_str()), Some(reserve.as_str())));
}

/// Wallets by id (then what is about them), merchants by merchant id (one
/// hit with its wallets' count and currencies), outbox messages by id and
/// subject, findings by id and subject with their gate and place.
async fn wallets_merchants_messages_and_findings(ledger: Ledger) {
    let w = world(&ledger).await;
    let by_wallet = find(&ledger, &w.usd).await;
    let first = &by_wallet.hits[0];
    assert_eq!((first.kind, first.matched.as_str()), (HitKind::Wallet, "id"));
    assert_eq!(first.summary, "wallet USD 849.00 available, 125.50 reserved · m-acme");
    assert_eq!(place(first), (Some("m-acme"), Some(w.usd.as_str()), None, None));
    assert!(by_wallet.hits[1..].iter().all(|h| h.matched == "subject_id"), "{:#?}", by_wallet.hits);
    let created = of(&by_wallet, HitKind::AuditEntry, "subject_id");
    assert!(created.iter().any(|h| h.summary == "audit create_wallet posted · ops-alice"), "{created:#?}");
    assert!(created.iter().all(|h| place(h).0 == Some("m-acme") && place(h).1 == Some(w.usd.as_str())));

    let merchant = find(&ledger, "m-acme").await;
    assert_eq!(merchant.hits.len(), 1, "{:#?}", merchant.hits);
    let hit = &merchant.hits[0];
    assert_eq!((hit.kind, hit.id.as_str(), hit.matched.as_str()), (HitKind::Merchant, "m-acme", "merchant_id"));
    assert_eq!(hit.summary, "merchant m-acme · 3 wallets (USD EUR NGN)");
    assert_eq!((hit.merchant_id.as_deref(), hit.at.as_deref()), (Some("m-acme"), None));
    assert_eq!(find(&ledger, "m-other").await.hits[0].summary, "merchant m-other · 1 wallet (USD)");

    let sql = "SELECT id FROM outbox_messages WHERE subject_id = $1 AND event_type = 'payout.reserved'";
    let message = one_id(&ledger, sql, &w.hold).await;
    let by_message = find(&ledger, &message).await;
    let hit = &by_message.hits[0];
    assert_eq!((hit.kind, hit.matched.as_str()), (HitKind::OutboxMessage, "id"));
    assert_eq!(hit.summary, "outbox payout.reserved pending");
    assert_eq!(place(hit), (Some("m-acme"), Some(w.usd.as_str()), Some(w.hold.as_str()), None));
    let about_hold = find(&ledger, &w.hold).await;
    let messages = of(&about_hold, HitKind::OutboxMessage, "subject_id");
    assert!(messages.iter().any(|m| m.id == message), "{:#?}", about_hold.hits);

    let account = format!("{}:available", w.eur);
    let about_account = find(&ledger, &account).await;
    let findings = of(&about_account, HitKind::Finding, "subject_id");
    assert!(!findings.is_empty(), "{:#?}", about_account.hits);
    for f in &findings {
        assert!(matches!(f.gate.as_deref(), Some("ledger_balanced" | "wallet_drift")), "{f:?}");
        assert!(f.summary.starts_with(&format!("finding {}", f.gate.as_deref().unwrap())), "{f:?}");
        assert_eq!(place(f), (Some("m-acme"), Some(w.eur.as_str()), None, None));
    }
    let summaries: Vec<&str> = findings.iter().map(|f| f.summary.as_str()).collect();
    assert!(summaries.contains(&"finding ledger_balanced balance_mismatch red OPEN"), "{summaries:?}");
    let by_finding = find(&ledger, &findings[0].id).await;
    assert_eq!((by_finding.hits[0].kind, by_finding.hits[0].matched.as_str()), (HitKind::Finding, "id"));
    // The other merchant's wallet is found by its id, and placed at that merchant.
    let other = find(&ledger, &w.other).await;
    assert_eq!((other.hits[0].kind, other.hits[0].matched.as_str()), (HitKind::Wallet, "id"));
    assert_eq!(place(&other.hits[0]), (Some("m-other"), Some(w.other.as_str()), None, None));
}

/// Matching is exact: near misses, other cases, wildcard characters,
/// quotes, backslashes and control characters find nothing; only
/// surrounding whitespace is trimmed; text with those characters stored is
/// found by exactly itself.
async fn matching_is_exact_and_literal(ledger: Ledger) {
    let w = world(&ledger).await;
    let tricky = "50%_off\\'\"*";
    let tricky_hold = reserve_with(&ledger, &w.usd, "1.00", tricky).await;
    for miss in [
        "PSK-441",
        "PSK-44110",
        "psk-4411",
        "PSK-441_",
        "PSK%",
        "%",
        "_",
        "*",
        "PSK-4411*",
        "PSK\u{7}4411",
        "'PSK-4411'",
        "\"PSK-4411\"",
        "PSK-4411\\",
        "50%",
        "50%_off",
        "\u{1b}[31m",
        "' OR 1=1 --",
        "m-acm",
        "M-ACME",
    ] {
        let results = find(&ledger, miss).await;
        assert!(results.hits.is_empty(), "{miss:?} found {:#?}", results.hits);
    }
    let padded = find(&ledger, "  PSK-4411\t\n").await;
    assert_eq!((padded.query.as_str(), padded.hits[0].id.as_str()), ("PSK-4411", w.hold.as_str()));
    let found = find(&ledger, tricky).await;
    assert_eq!(of(&found, HitKind::Hold, "reference").iter().map(|h| &h.id).collect::<Vec<_>>(), [&tricky_hold]);
}

/// An empty, blank or over-long query and a limit out of range are
/// `VALIDATION_FAILED` on their field; 512 characters are fine.
async fn bad_queries_are_validation_failures(ledger: Ledger) {
    for (q, limit, field) in [
        ("", None, "q"),
        ("   \t", None, "q"),
        (&"x".repeat(513) as &str, None, "q"),
        (&"x".repeat(10_000), None, "q"),
        ("PSK-4411", Some(0), "limit"),
        ("PSK-4411", Some(101), "limit"),
    ] {
        let err = try_find(&ledger, q, limit).await.expect_err("refused");
        assert_eq!(err.code(), ErrorCode::ValidationFailed, "{err}");
        assert_eq!(err.field_errors()[0].field, field, "{err}");
    }
    assert!(try_find(&ledger, &"é".repeat(512), Some(100)).await.unwrap().hits.is_empty());
}

/// `limit` keeps the most specific hits and says more exist; within a kind
/// the newest come first.
async fn limits_truncate_most_specific_first(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let mut holds = Vec::new();
    for _ in 0..5 {
        holds.push(reserve_with(&ledger, &w, "1.00", "BATCH-1").await);
    }
    let all = try_find(&ledger, "BATCH-1", None).await.unwrap();
    assert_eq!(all.hits.len(), 10, "five holds and their five reservations");
    assert!(!all.truncated);
    let newest_first: Vec<String> = holds.iter().rev().cloned().collect();
    let hold_ids: Vec<String> = all.hits[..5].iter().map(|h| h.id.clone()).collect();
    assert_eq!(hold_ids, newest_first, "holds first, newest first");
    assert!(all.hits[5..].iter().all(|h| h.kind == HitKind::Transaction));
    let three = try_find(&ledger, "BATCH-1", Some(3)).await.unwrap();
    assert_eq!(three.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), newest_first[..3]);
    assert!(three.truncated);
    let exactly = try_find(&ledger, "BATCH-1", Some(10)).await.unwrap();
    assert!(!exactly.truncated, "exactly as many as asked for is not truncated");
}

/// Over HTTP: any role may search, no token is 401, hostile queries are
/// answered 200 or a 4xx problem (a NUL 400 `MALFORMED_REQUEST`, a missing
/// `q` 400, an empty one 422), never 5xx.
async fn search_over_http_never_fails(ledger: Ledger) {
    let w = world(&ledger).await;
    let server = TestServer::start(ledger.clone()).await;
    for token in [&server.viewer, &server.operator, &server.admin] {
        let response = server.http.get(server.url("/v1/search")).query(&[("q", "PSK-4411")]).bearer_auth(token);
        let results: SearchResults = response.send().await.unwrap().json().await.unwrap();
        assert_eq!(results.hits[0].id, w.hold);
    }
    let anonymous = server.http.get(server.url("/v1/search?q=PSK-4411")).send().await.unwrap();
    expect_problem(anonymous, 401, "UNAUTHENTICATED").await;
    let long = "€".repeat(3_500);
    for q in ["%", "_", "*", "\\", "'", "\"", "\u{1b}[2J", "\u{202e}", "a\u{7f}b", "😀", "%zz", long.as_str()] {
        let response = server.http.get(server.url("/v1/search")).query(&[("q", q)]).bearer_auth(&server.viewer);
        let response = response.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert!(status == 200 || (400..500).contains(&status), "{q:?}: {status} {body}");
        if status == 200 {
            assert!(body["hits"].as_array().is_some_and(|h| h.is_empty()), "{q:?}: {body}");
        }
    }
    expect_problem(server.get(&server.viewer, "/v1/search?q=a%00b").await, 400, "MALFORMED_REQUEST").await;
    expect_problem(server.get(&server.viewer, "/v1/search").await, 400, "MALFORMED_REQUEST").await;
    let empty = expect_problem(server.get(&server.viewer, "/v1/search?q=").await, 422, "VALIDATION_FAILED").await;
    assert_eq!(empty["errors"][0]["field"], "q", "{empty}");
    let long = format!("/v1/search?q={}", "x".repeat(513));
    expect_problem(server.get(&server.viewer, &long).await, 422, "VALIDATION_FAILED").await;
    expect_problem(server.get(&server.viewer, "/v1/search?q=a&limit=x").await, 400, "MALFORMED_REQUEST").await;
    server.stop().await;
}

on_both_databases!(
    holds_by_id_reference_and_provider_reference,
    transactions_audit_entries_and_keys,
    wallets_merchants_messages_and_findings,
    matching_is_exact_and_literal,
    bad_queries_are_validation_failures,
    limits_truncate_most_specific_first,
    search_over_http_never_fails,
    a_provider_reference_known_only_from_an_event_finds_its_hold,
);

/// A payout in manual review carries no provider reference of its own; the
/// provider's reference an operator reads in the provider's portal arrives
/// with a provider event (kept as evidence). Searching it finds the hold.
async fn a_provider_reference_known_only_from_an_event_finds_its_hold(ledger: Ledger) {
    let w = world(&ledger).await;
    let event = ledgerdeck_client::providers::ProviderEventBody {
        reference: "evt-search-1".into(),
        hold_id: w.hold.clone(),
        status: "pending".into(),
        provider_reference: Some("PSP-REF-2024".into()),
    };
    ledgerdeck_server::provider_events::apply(ledger.store(), "sandbox", &event, "{}").await.expect("event kept");
    let found = find(&ledger, "PSP-REF-2024").await;
    let holds: Vec<(&str, &str)> =
        found.hits.iter().filter(|h| h.kind == HitKind::Hold).map(|h| (h.id.as_str(), h.matched.as_str())).collect();
    assert_eq!(holds, [(w.hold.as_str(), "provider_reference")], "{found:?}");
    assert!(find(&ledger, "PSP-REF-202").await.hits.is_empty(), "exact, not a prefix");
}
