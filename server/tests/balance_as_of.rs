//! Balances as of a time (`GET /v1/wallets/{id}/balance`): a correction
//! back-dated before its booking shows by effective time from the date it
//! names and by booked time only from when it was posted; bad times and
//! unknown wallets are typed problems. Each test runs on SQLite and
//! PostgreSQL.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{ApiClient, BalanceFigures, ClientConfig, ClientError, ErrorCode, WalletBalanceAsOf};
use ledgerdeck_server::queries::wallet_balance_as_of;
use ledgerdeck_server::{Ledger, LedgerError};
use serde_json::json;
use std::time::Duration;

/// Now, as RFC 3339 with microseconds, after a pause that keeps stored
/// times (microseconds) strictly apart.
async fn mark() -> String {
    tokio::time::sleep(Duration::from_millis(5)).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(Duration::from_millis(5)).await;
    at
}

fn figures(available: &str, reserved: &str, total: &str) -> BalanceFigures {
    BalanceFigures {
        available: available.parse().unwrap(),
        reserved: reserved.parse().unwrap(),
        total: total.parse().unwrap(),
    }
}

fn pair(balance: &WalletBalanceAsOf) -> (BalanceFigures, BalanceFigures) {
    (balance.effective.clone(), balance.booked.clone())
}

/// A pay-in at t0, then (at t_booked) a credit correction back-dated to t1,
/// t0 < t1 < t_mid < t_booked, then a reservation. Returns the wallet and
/// the marks before t0, between t0 and t1, at t_mid.
async fn back_dated_history(ledger: &Ledger) -> (String, [String; 3]) {
    let wallet = wallet(ledger, "USD").await;
    let before = mark().await;
    pay_in(ledger, &wallet, "100.00").await;
    let after_payin = mark().await;
    let t1 = mark().await;
    let mid = mark().await;
    let body = json!({"wallet_id": wallet, "direction": "credit", "amount": "25.50", "reason": "missed fee refund",
        "effective_at": t1});
    run(ledger, &operator(), "post_correction", body).await.expect("back-dated correction");
    reserve(ledger, &wallet, "30.00").await;
    (wallet, [before, after_payin, mid])
}

/// `as_of` before and after a back-dated correction gives the two balances:
/// by effective time it counts from its date, by booked time from its posting.
async fn a_back_dated_correction_lands_by_effective_time_only(ledger: Ledger) {
    let store = ledger.store();
    let (wallet, [before, after_payin, mid]) = back_dated_history(&ledger).await;
    let zero = figures("0.00", "0.00", "0.00");

    let at = wallet_balance_as_of(store, &wallet, Some(&before)).await.unwrap();
    assert_eq!((at.wallet_id.as_str(), at.currency.as_str()), (wallet.as_str(), "USD"));
    assert_eq!(pair(&at), (zero.clone(), zero), "before the pay-in nothing");

    let at = wallet_balance_as_of(store, &wallet, Some(&after_payin)).await.unwrap();
    let payin_only = figures("100.00", "0.00", "100.00");
    assert_eq!(pair(&at), (payin_only.clone(), payin_only.clone()), "before t1 only the pay-in, both ways");

    let at = wallet_balance_as_of(store, &wallet, Some(&mid)).await.unwrap();
    assert_eq!(
        pair(&at),
        (figures("125.50", "0.00", "125.50"), payin_only),
        "between t1 and the booking: the correction counts by effective time only"
    );

    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let at = wallet_balance_as_of(store, &wallet, Some(&later)).await.unwrap();
    let now = figures("95.50", "30.00", "125.50");
    assert_eq!(pair(&at), (now.clone(), now.clone()), "after everything both agree");

    let current = wallet_balance_as_of(store, &wallet, None).await.unwrap();
    assert_eq!(pair(&current), (now.clone(), now), "no as_of means now");
    assert_sound(&ledger).await;
}

/// `as_of` is echoed in UTC with microseconds, whatever offset it came with.
async fn as_of_is_echoed_in_utc(ledger: Ledger) {
    let wallet = wallet(&ledger, "BTC").await;
    pay_in(&ledger, &wallet, "0.5").await;
    let at = wallet_balance_as_of(ledger.store(), &wallet, Some("2020-01-01T02:00:00+02:00")).await.unwrap();
    assert_eq!(at.as_of, "2020-01-01T00:00:00.000000Z");
    assert_eq!(at.effective, figures("0.00000000", "0.00000000", "0.00000000"));
    assert_eq!(at.effective.total.to_string(), "0.00000000", "figures keep the currency's scale");
}

/// A bad time is `VALIDATION_FAILED` naming `as_of` (checked before the
/// wallet is looked up); an unknown wallet is `NOT_FOUND`.
async fn bad_times_and_unknown_wallets_are_refused(ledger: Ledger) {
    let store = ledger.store();
    let wallet = wallet(&ledger, "USD").await;
    for bad in ["", "yesterday", "2026-01-31", "2026-02-30T00:00:00Z", "1700000000"] {
        let err: LedgerError = wallet_balance_as_of(store, &wallet, Some(bad)).await.expect_err(bad);
        assert_eq!(err.code(), ErrorCode::ValidationFailed, "{bad:?}: {err}");
        assert!(err.field_errors().iter().any(|f| f.field == "as_of"), "{bad:?}: {err}");
        let err = wallet_balance_as_of(store, "no-such-wallet", Some(bad)).await.expect_err(bad);
        assert_eq!(err.code(), ErrorCode::ValidationFailed, "{bad:?} on an unknown wallet: {err}");
    }
    let err = wallet_balance_as_of(store, "no-such-wallet", None).await.expect_err("unknown");
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
}

/// Through HTTP and the typed client: the viewer reads both figures; bad
/// input is problem+json with the right status and code.
async fn the_route_and_the_client_answer_both_figures(ledger: Ledger) {
    let (wallet, [_, _, mid]) = back_dated_history(&ledger).await;
    let server = TestServer::start(ledger).await;
    let viewer = ApiClient::new(ClientConfig::new(&server.base).with_token(&server.viewer)).unwrap();
    let at = viewer.wallet_balance(&wallet, Some(&mid)).await.expect("viewer reads the balance");
    assert_eq!(pair(&at), (figures("125.50", "0.00", "125.50"), figures("100.00", "0.00", "100.00")));
    let now = viewer.wallet_balance(&wallet, None).await.unwrap();
    assert_eq!(now.booked, figures("95.50", "30.00", "125.50"));

    let raw = server.get(&server.viewer, &format!("/v1/wallets/{wallet}/balance?as_of={mid}")).await;
    assert_eq!(raw.status().as_u16(), 200);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["effective"]["available"], "125.50", "money is a decimal string: {body}");
    assert_eq!(body["booked"]["total"], "100.00", "{body}");

    let bad = server.get(&server.viewer, &format!("/v1/wallets/{wallet}/balance?as_of=tomorrow")).await;
    let problem = expect_problem(bad, 422, "VALIDATION_FAILED").await;
    assert!(problem.to_string().contains("as_of"), "{problem}");
    expect_problem(server.get(&server.viewer, "/v1/wallets/nope/balance").await, 404, "NOT_FOUND").await;
    expect_problem(
        server.get(&server.viewer, &format!("/v1/wallets/{wallet}/balance?asof=x")).await,
        400,
        "MALFORMED_REQUEST",
    )
    .await;
    match viewer.wallet_balance("nope", None).await {
        Err(ClientError::Problem { problem, .. }) => assert_eq!(problem.code, ErrorCode::NotFound),
        other => panic!("expected NOT_FOUND, got {other:?}"),
    }
    server.stop().await;
}

on_both_databases!(
    a_back_dated_correction_lands_by_effective_time_only,
    as_of_is_echoed_in_utc,
    bad_times_and_unknown_wallets_are_refused,
    the_route_and_the_client_answer_both_figures,
);
