//! The routes that say who and what at a glance, through the typed client
//! against the real server on SQLite and PostgreSQL: `GET /v1/me` for every
//! role, the overview's thresholds (from the configured `GateConfig`) and
//! manual-review queue, and the merchant summary with its 404.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{ApiClient, ClientConfig, ClientError, ErrorCode, Role};
use ledgerdeck_server::gates::GateConfig;
use ledgerdeck_server::{Ledger, LedgerConfig};
use serde_json::json;
use std::time::Duration;

fn api(server: &TestServer, token: &str) -> ApiClient {
    ApiClient::new(ClientConfig::new(&server.base).with_token(token)).expect("client")
}

fn refused(result: Result<impl std::fmt::Debug, ClientError>, status: u16, code: ErrorCode) {
    let error = result.expect_err("an error answer");
    assert_eq!((error.status(), error.code()), (Some(status), Some(code)), "{error}");
}

/// `/v1/me` answers each token's operator name and role; no token, or a
/// made-up one, is 401.
async fn me_names_the_caller_of_every_role(ledger: Ledger) {
    let server = TestServer::start(ledger).await;
    for (token, name, role) in [
        (&server.viewer, "viewer-vic", Role::Viewer),
        (&server.operator, "ops-alice", Role::Operator),
        (&server.admin, "root-admin", Role::Admin),
    ] {
        let me = api(&server, token).me().await.expect("me");
        assert_eq!((me.name.as_str(), me.role), (name, role));
    }
    let anonymous = ApiClient::new(ClientConfig::new(&server.base)).unwrap();
    refused(anonymous.me().await, 401, ErrorCode::Unauthenticated);
    refused(api(&server, "ldk_nope_nope").me().await, 401, ErrorCode::Unauthenticated);
    let raw = server.get(&server.viewer, "/v1/me").await;
    let viewer_id = ledgerdeck_server::access::token_id(&server.viewer).unwrap();
    assert_eq!(
        raw.json::<serde_json::Value>().await.unwrap(),
        json!({"name": "viewer-vic", "role": "viewer", "token_id": viewer_id, "sign_in": "token", "email": null,
            "expires_at": null})
    );
    server.stop().await;
}

/// The overview carries the thresholds of the server's own `GateConfig`
/// (not the defaults) and the manual-review queue's size and oldest age.
async fn overview_thresholds_and_manual_review(ledger: Ledger) {
    let gates = GateConfig {
        scheduled: false,
        hold_stuck_after: Duration::from_secs(60),
        manual_review_sla: Duration::from_secs(7200),
        ..GateConfig::default()
    };
    let configured = Ledger::new(ledger.store().clone(), LedgerConfig { gates, ..LedgerConfig::default() });
    let server = TestServer::start(configured).await;
    let client = api(&server, &server.viewer);
    let empty = client.overview().await.unwrap();
    assert_eq!((empty.thresholds.hold_stuck_after_secs, empty.thresholds.manual_review_sla_secs), (60, 7200));
    assert_eq!((empty.manual_review.count, empty.manual_review.oldest_age_seconds), (0, None));

    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let old = reviewed_hold(&ledger, &w, "1.00").await;
    reviewed_hold(&ledger, &w, "2.00").await;
    reserve(&ledger, &w, "3.00").await;
    let sql = "UPDATE holds SET updated_at = updated_at - 600000000 WHERE id = $1";
    sqlx::query(sql).bind(&old).execute(ledger.store().pool()).await.unwrap();
    let overview = client.overview().await.unwrap();
    assert_eq!(overview.manual_review.count, 2);
    assert!((600..660).contains(&overview.manual_review.oldest_age_seconds.unwrap()), "{:?}", overview.manual_review);
    assert_eq!(overview.holds_by_status["manual_review"], 2);
    server.stop().await;
}

/// An older server's overview (no thresholds, no queue) still reads, with
/// the defaults of `GateConfig`.
#[test]
fn an_overview_without_the_new_fields_reads_with_defaults() {
    let old = json!({"as_of": "2026-01-31T09:30:00.000000Z",
        "commands": {"last_5m": {"posted": 0, "failed": 0}, "last_1h": {"posted": 0, "failed": 0},
            "last_24h": {"posted": 0, "failed": 0}},
        "per_minute": [], "holds_by_status": {}, "outbox": {"pending": 0, "oldest_pending_age_seconds": null},
        "open_findings": {}, "recent_transactions": []});
    let overview: ledgerdeck_client::Overview = serde_json::from_value(old).expect("an older answer reads");
    let defaults = GateConfig::default();
    assert_eq!(overview.thresholds.hold_stuck_after_secs, defaults.hold_stuck_after.as_secs() as i64);
    assert_eq!(overview.thresholds.manual_review_sla_secs, defaults.manual_review_sla.as_secs() as i64);
    assert_eq!((overview.manual_review.count, overview.manual_review.oldest_age_seconds), (0, None));
}

async fn set_flag(ledger: &Ledger, name: &str, scope: &str, value: &str, enabled: &str) {
    let body = json!({"name": name, "scope": scope, "scope_value": value, "enabled": enabled});
    run(ledger, &admin(), "set_feature_flag", body).await.expect("set flag");
}

/// The merchant summary: its wallets by currency then id with balances, its
/// holds by status (every status present), exactly the flag rows that apply
/// (global, its merchant rows, its currencies' rows — not another
/// merchant's, another currency's or a provider's), and its ten newest
/// transactions, newest first, none of another merchant's. Unknown: 404.
async fn merchant_summary_and_its_404(ledger: Ledger) {
    let make = |merchant: &'static str, currency: &'static str| {
        let ledger = ledger.clone();
        async move {
            let body = json!({"merchant_id": merchant, "currency": currency});
            run(&ledger, &operator(), "create_wallet", body).await.unwrap().subject_id.unwrap()
        }
    };
    let usd = make("m-acme", "USD").await;
    let eur = make("m-acme", "EUR").await;
    let usd2 = make("m-acme", "USD").await;
    let other = make("m-other", "GBP").await;
    pay_in(&ledger, &usd, "100.00").await;
    pay_in(&ledger, &eur, "50.00").await;
    let mut mine = Vec::new();
    for i in 0..12 {
        let (from, to) = if i % 2 == 0 { (&usd, &usd2) } else { (&usd2, &usd) };
        let body = json!({"from_wallet_id": from, "to_wallet_id": to, "amount": "1.00"});
        mine.push(run(&ledger, &operator(), "transfer", body).await.unwrap().transaction_ids[0].clone());
        pay_in(&ledger, &other, "1.00").await;
    }
    reviewed_hold(&ledger, &usd, "5.00").await;
    reserve(&ledger, &eur, "5.00").await;
    reserve(&ledger, &other, "1.00").await;
    set_flag(&ledger, "payouts_enabled", "global", "", "true").await;
    set_flag(&ledger, "payouts_enabled", "merchant", "m-acme", "true").await;
    set_flag(&ledger, "payouts_enabled", "merchant", "m-other", "false").await;
    set_flag(&ledger, "payins_enabled", "currency", "EUR", "true").await;
    set_flag(&ledger, "payins_enabled", "currency", "GBP", "false").await;
    set_flag(&ledger, "payins_enabled", "provider", "sandbox", "true").await;

    let server = TestServer::start(ledger.clone()).await;
    let client = api(&server, &server.viewer);
    let view = client.merchant("m-acme").await.expect("merchant");
    assert_eq!(view.merchant_id, "m-acme");
    let mut usd_ids = [usd.clone(), usd2.clone()];
    usd_ids.sort();
    let wallets: Vec<(&str, &str)> = view.wallets.iter().map(|w| (w.currency.as_str(), w.id.as_str())).collect();
    assert_eq!(wallets, [("EUR", eur.as_str()), ("USD", usd_ids[0].as_str()), ("USD", usd_ids[1].as_str())]);
    let first_usd = view.wallets.iter().find(|w| w.id == usd).unwrap();
    assert_eq!((first_usd.available.to_string(), first_usd.reserved.to_string()), ("95.00".into(), "5.00".into()));
    let holds: Vec<(&str, i64)> = view.holds_by_status.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    assert_eq!(holds, [("manual_review", 1), ("released", 0), ("reserved", 1), ("settled", 0), ("submitted", 0)]);
    let flags: Vec<(&str, &str, &str)> =
        view.flags.iter().map(|f| (f.name.as_str(), f.scope.as_str(), f.scope_value.as_str())).collect();
    assert_eq!(
        flags,
        [
            ("payins_enabled", "currency", "EUR"),
            ("payouts_enabled", "global", ""),
            ("payouts_enabled", "merchant", "m-acme")
        ]
    );
    let recent: Vec<&str> = view.recent_transactions.iter().map(|t| t.id.as_str()).collect();
    let mut expected: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT p.transaction_id FROM postings p JOIN accounts a ON a.id = p.account_id \
         JOIN wallets w ON w.id = a.wallet_id WHERE w.merchant_id = 'm-acme'",
    )
    .fetch_all(ledger.store().pool())
    .await
    .unwrap();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    expected.truncate(10);
    assert_eq!(recent, expected.iter().map(String::as_str).collect::<Vec<_>>(), "the ten newest, newest first");
    assert_eq!(recent.len(), 10);
    assert!(mine.iter().rev().take(5).all(|t| recent.contains(&t.as_str())), "the last transfers are among them");
    assert!(view.recent_transactions.iter().all(|t| !t.postings.is_empty()), "with their postings");

    let quiet = client.merchant("m-other").await.expect("another merchant");
    assert_eq!(quiet.wallets.len(), 1);
    assert_eq!(quiet.flags.iter().filter(|f| f.scope != "global").count(), 2, "its merchant row and GBP's");
    refused(client.merchant("m-nobody").await, 404, ErrorCode::NotFound);
    refused(client.merchant("m-acme%").await, 404, ErrorCode::NotFound);
    let anonymous = ApiClient::new(ClientConfig::new(&server.base)).unwrap();
    refused(anonymous.merchant("m-acme").await, 401, ErrorCode::Unauthenticated);
    server.stop().await;
}

on_both_databases!(
    me_names_the_caller_of_every_role,
    overview_thresholds_and_manual_review,
    merchant_summary_and_its_404
);
