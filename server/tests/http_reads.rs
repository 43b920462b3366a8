//! Reads through real HTTP: paging through 1,000 holds, filters, and the
//! overview.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_server::Ledger;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn paging_through_1000_holds_has_no_gaps_or_repeats(ledger: Ledger) {
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100000.00").await;
    let mut made = Vec::new();
    for _ in 0..1000 {
        made.push(reserve(&ledger, &w, "1.00").await);
    }
    let server = TestServer::start(ledger.clone()).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/holds?limit=77&status=reserved&cursor={c}"),
            None => "/v1/holds?limit=77&status=reserved".to_string(),
        };
        let response = server.get(&server.viewer, &path).await;
        assert_eq!(response.status(), 200);
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 77);
        seen.extend(items.iter().map(|h| h["id"].as_str().unwrap().to_string()));
        pages += 1;
        // A hold made mid-way must not disturb what is still to come.
        if pages == 3 {
            made.push(reserve(&ledger, &w, "1.00").await);
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a hold appeared twice");
    assert_eq!(seen, made, "every hold exactly once, oldest first");
    assert_eq!(pages, 1001usize.div_ceil(77));

    let bad_cursor = server.get(&server.viewer, "/v1/holds?cursor=not-a-cursor").await;
    expect_problem(bad_cursor, 422, "VALIDATION_FAILED").await;
    let bad_limit = server.get(&server.viewer, "/v1/holds?limit=abc").await;
    expect_problem(bad_limit, 400, "MALFORMED_REQUEST").await;
    let typo = server.get(&server.viewer, "/v1/holds?stauts=reserved").await;
    expect_problem(typo, 400, "MALFORMED_REQUEST").await;
    server.stop().await;
}

async fn reads_and_overview_over_http(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let a = wallet(&ledger, "USD").await;
    let b = wallet(&ledger, "USD").await;
    pay_in(&ledger, &a, "40.00").await;
    let body = json!({"from_wallet_id": a, "to_wallet_id": b, "amount": "15.50"});
    let moved: Value = server.command(&server.operator, "transfer", &body, Some(&key())).await.json().await.unwrap();
    let hold = reserve(&ledger, &a, "4.50").await;

    let one: Value = server.get(&server.viewer, &format!("/v1/wallets/{a}")).await.json().await.unwrap();
    assert_eq!(one["available"], "20.00", "{one}");
    assert_eq!(one["reserved"], "4.50", "{one}");
    let txn_id = moved["transaction_ids"][0].as_str().unwrap();
    let txn: Value = server.get(&server.viewer, &format!("/v1/transactions/{txn_id}")).await.json().await.unwrap();
    assert_eq!(txn["postings"].as_array().unwrap().len(), 2, "{txn}");
    let statement: Value =
        server.get(&server.viewer, &format!("/v1/wallets/{b}/statement")).await.json().await.unwrap();
    assert_eq!(statement["items"][0]["balance_after"], "15.50", "{statement}");
    let detail: Value = server.get(&server.viewer, &format!("/v1/holds/{hold}")).await.json().await.unwrap();
    assert_eq!(detail["hold"]["status"], "reserved", "{detail}");
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);
    for path in ["/v1/wallets", "/v1/transactions", "/v1/accounts", "/v1/holds", "/v1/audit"] {
        let page: Value = server.get(&server.viewer, path).await.json().await.unwrap();
        assert!(page["items"].as_array().is_some_and(|i| !i.is_empty()), "{path}: {page}");
    }
    expect_problem(server.get(&server.viewer, "/v1/wallets/no-such-wallet").await, 404, "NOT_FOUND").await;
    expect_problem(server.get(&server.viewer, "/v1/holds/no-such-hold").await, 404, "NOT_FOUND").await;

    let overview: Value = server.get(&server.viewer, "/v1/overview").await.json().await.unwrap();
    assert_eq!(overview["holds_by_status"]["reserved"], 1, "{overview}");
    assert!(overview["recent_transactions"].as_array().is_some_and(|t| !t.is_empty()), "{overview}");
    assert!(overview["outbox"]["pending"].as_i64().is_some_and(|n| n > 0), "{overview}");
    assert!(overview["commands"]["last_5m"]["posted"].as_i64().is_some_and(|n| n >= 1), "{overview}");
    server.stop().await;
}

on_both_databases!(paging_through_1000_holds_has_no_gaps_or_repeats, reads_and_overview_over_http);
