//! The read model (`queries`): filters, keyset paging without gaps or
//! repeats (also while rows are written between pages), money at the
//! currency's scale, hold history and the overview's counters. Each test
//! runs on SQLite and PostgreSQL, against the query functions directly.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{
    AccountQuery, AuditQuery, BalanceKind, ErrorCode, HoldQuery, Page, Role, StatementQuery, TransactionQuery,
    WalletQuery,
};
use ledgerdeck_server::gates::GateConfig;
use ledgerdeck_server::queries::{
    get_hold, get_transaction, get_wallet, list_accounts, list_audit, list_holds, list_transactions, list_wallets,
    overview_at, wallet_statement,
};
use ledgerdeck_server::{Ledger, LedgerError, LedgerResult};
use serde_json::json;
use std::collections::HashSet;
use std::future::Future;

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn assert_code<T: std::fmt::Debug>(result: LedgerResult<T>, code: ErrorCode, field: Option<&str>) {
    let err: LedgerError = result.expect_err("should be refused");
    assert_eq!(err.code(), code, "{err}");
    if let Some(field) = field {
        assert!(err.field_errors().iter().any(|f| f.field == field), "no error about {field}: {err}");
    }
}

fn parse_time(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text:?} is not RFC 3339: {e}"))
        .timestamp_micros()
}

/// Pages through a list to its end, `limit` at a time, running `between`
/// after each page; returns every item in order.
async fn page_all<T, F, Fut>(mut fetch: F, mut between: impl AsyncFnMut(usize)) -> Vec<T>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = LedgerResult<Page<T>>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    for n in 0.. {
        let page = fetch(cursor.clone()).await.expect("page");
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        between(n).await;
        assert!(n < 10_000, "paging does not end");
    }
    out
}

async fn make_wallet(ledger: &Ledger, merchant: &str, currency: &str, label: Option<&str>) -> String {
    run(ledger, &operator(), "create_wallet", json!({"merchant_id": merchant, "currency": currency, "label": label}))
        .await
        .expect("create wallet")
        .subject_id
        .expect("wallet id")
}

async fn wallets_with_balances_and_filters(ledger: Ledger) {
    let store = ledger.store();
    let usd = wallet(&ledger, "USD").await;
    let btc = make_wallet(&ledger, "m-2", "BTC", Some("cold")).await;
    pay_in(&ledger, &usd, "1250.00").await;
    pay_in(&ledger, &btc, "0.5").await;
    reserve(&ledger, &usd, "250").await;

    let one = get_wallet(store, &usd).await.unwrap();
    assert_eq!((one.available.to_string(), one.reserved.to_string()), ("1000.00".into(), "250.00".into()));
    assert_eq!((one.merchant_id.as_str(), one.currency.as_str(), one.label.as_deref()), ("m-1", "USD", None));
    let wire = serde_json::to_value(&one).unwrap();
    assert_eq!(wire["available"], json!("1000.00"), "money is a decimal string at scale: {wire}");
    assert_eq!(wire["reserved"], json!("250.00"));
    let created = parse_time(&one.created_at);
    assert!((now_micros() - created).abs() < 600_000_000, "created_at {} is not about now", one.created_at);

    let cold = get_wallet(store, &btc).await.unwrap();
    assert_eq!(cold.available.to_string(), "0.50000000");
    assert_eq!(serde_json::to_value(&cold).unwrap()["reserved"], json!("0.00000000"));
    assert_eq!(cold.label.as_deref(), Some("cold"));

    let all = list_wallets(store, &WalletQuery::default()).await.unwrap();
    assert_eq!(all.items.iter().map(|w| w.id.clone()).collect::<Vec<_>>(), vec![usd.clone(), btc.clone()]);
    assert_eq!(all.next_cursor, None);
    assert_eq!(all.items[0], one, "the list and the single read agree");

    let by_merchant = WalletQuery { merchant_id: Some("m-2".into()), ..Default::default() };
    assert_eq!(
        list_wallets(store, &by_merchant).await.unwrap().items.iter().map(|w| &w.id).collect::<Vec<_>>(),
        vec![&btc]
    );
    let by_currency = WalletQuery { currency: Some("USD".into()), ..Default::default() };
    assert_eq!(
        list_wallets(store, &by_currency).await.unwrap().items.iter().map(|w| &w.id).collect::<Vec<_>>(),
        vec![&usd]
    );
    let neither = WalletQuery { merchant_id: Some("m-2".into()), currency: Some("USD".into()), ..Default::default() };
    assert!(list_wallets(store, &neither).await.unwrap().items.is_empty());

    let first = list_wallets(store, &WalletQuery { limit: Some(1), ..Default::default() }).await.unwrap();
    assert_eq!(first.items[0].id, usd);
    let rest = WalletQuery { limit: Some(1), cursor: first.next_cursor, ..Default::default() };
    let rest = list_wallets(store, &rest).await.unwrap();
    assert_eq!(rest.items[0].id, btc);
    assert_eq!(rest.next_cursor, None, "an exactly full last page still ends the list");

    assert_code(get_wallet(store, "no-such-wallet").await, ErrorCode::NotFound, None);
}

async fn statement_newest_first_with_running_balances(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    let other = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    pay_in(&ledger, &other, "7.00").await;
    pay_in(&ledger, &w, "50").await;
    let hold = reserve(&ledger, &w, "30").await;

    let first = wallet_statement(store, &w, &StatementQuery { limit: Some(3), ..Default::default() }).await.unwrap();
    assert_eq!(first.items.len(), 3);
    let rest = StatementQuery { limit: Some(3), cursor: first.next_cursor.clone(), through_seq: None };
    let rest = wallet_statement(store, &w, &rest).await.unwrap();
    assert_eq!(rest.next_cursor, None);
    let lines: Vec<_> = first.items.iter().chain(rest.items.iter()).collect();
    let seen: Vec<(BalanceKind, String, String)> =
        lines.iter().map(|l| (l.account, l.amount.to_string(), l.balance_after.to_string())).collect();
    // The reservation's two legs, then the two pay-ins, newest first; the
    // other wallet's pay-in is not here.
    let mut expected_reservation = vec![
        (BalanceKind::Reserved, "30.00".to_string(), "30.00".to_string()),
        (BalanceKind::Available, "-30.00".to_string(), "120.00".to_string()),
    ];
    let mut got_reservation = seen[..2].to_vec();
    got_reservation.sort_by_key(|l| l.1.clone());
    expected_reservation.sort_by_key(|l| l.1.clone());
    assert_eq!(got_reservation, expected_reservation);
    assert_eq!(
        seen[2..],
        [
            (BalanceKind::Available, "50.00".to_string(), "150.00".to_string()),
            (BalanceKind::Available, "100.00".to_string(), "100.00".to_string()),
        ]
    );
    assert!(lines.windows(2).all(|p| p[0].posting_seq > p[1].posting_seq), "newest first, by posting");
    let reservation = get_hold(store, &hold).await.unwrap().hold.reserve_txn_id;
    assert_eq!(lines[0].transaction_id, reservation);
    assert!(lines[0].account_id.starts_with(&w));
    assert!(lines.iter().all(|l| parse_time(&l.booked_at) > 0 && parse_time(&l.effective_at) > 0));

    // From one line back: the 50.00 pay-in's line and everything older.
    let at = StatementQuery { through_seq: Some(lines[2].posting_seq), ..Default::default() };
    let from_line = wallet_statement(store, &w, &at).await.unwrap();
    let seqs: Vec<i64> = from_line.items.iter().map(|l| l.posting_seq).collect();
    assert_eq!(seqs, [lines[2].posting_seq, lines[3].posting_seq]);
    let paged = StatementQuery { limit: Some(1), ..at.clone() };
    let paged = wallet_statement(store, &w, &paged).await.unwrap();
    let next = StatementQuery { cursor: paged.next_cursor, ..at };
    let next = wallet_statement(store, &w, &next).await.unwrap();
    assert_eq!(
        next.items.iter().map(|l| l.posting_seq).collect::<Vec<_>>(),
        [lines[3].posting_seq],
        "pages keep the bound"
    );

    assert_code(wallet_statement(store, "nope", &StatementQuery::default()).await, ErrorCode::NotFound, None);
    let stolen = list_wallets(store, &WalletQuery { limit: Some(1), ..Default::default() }).await.unwrap();
    let bad = StatementQuery { cursor: stolen.next_cursor, ..Default::default() };
    assert_code(wallet_statement(store, &w, &bad).await, ErrorCode::ValidationFailed, Some("cursor"));
}

async fn transactions_carry_postings_links_and_filters(ledger: Ledger) {
    let store = ledger.store();
    let a = wallet(&ledger, "USD").await;
    let b = wallet(&ledger, "USD").await;
    let c = wallet(&ledger, "BTC").await;
    let payin = pay_in(&ledger, &a, "100.00").await.transaction_ids[0].clone();
    let moved = run(&ledger, &operator(), "transfer", json!({"from_wallet_id": a, "to_wallet_id": b, "amount": "40"}))
        .await
        .unwrap()
        .transaction_ids[0]
        .clone();
    let undone = run(&ledger, &operator(), "reverse_transaction", json!({"transaction_id": moved, "reason": "typo"}))
        .await
        .unwrap()
        .transaction_ids[0]
        .clone();
    let btc = pay_in(&ledger, &c, "0.5").await.transaction_ids[0].clone();
    let hold = reserve(&ledger, &a, "10").await;

    let all = list_transactions(store, &TransactionQuery::default()).await.unwrap();
    let ids: Vec<_> = all.items.iter().map(|t| t.id.clone()).collect();
    let reservation = all.items[0].id.clone();
    assert_eq!(ids, vec![reservation.clone(), btc.clone(), undone.clone(), moved.clone(), payin.clone()]);
    assert_eq!(all.items[0].hold_id.as_deref(), Some(hold.as_str()));
    assert_eq!(all.items[0].kind, "payout_reserve");

    let original = get_transaction(store, &moved).await.unwrap();
    assert_eq!(original.reversed_by.as_deref(), Some(undone.as_str()));
    assert_eq!(original.reverses_id, None);
    let reversal = get_transaction(store, &undone).await.unwrap();
    assert_eq!(reversal.reverses_id.as_deref(), Some(moved.as_str()));
    assert_eq!(reversal.kind, "reversal");
    let mut legs: Vec<_> = original.postings.iter().map(|p| (p.account_id.clone(), p.amount.to_string())).collect();
    legs.sort();
    let mut want = vec![(format!("{a}:available"), "-40.00".to_string()), (format!("{b}:available"), "40.00".into())];
    want.sort();
    assert_eq!(legs, want);
    assert!(
        reversal
            .postings
            .iter()
            .all(|p| original.postings.iter().any(|o| o.account_id == p.account_id && o.amount == -p.amount))
    );
    assert!(original.postings.windows(2).all(|p| p[0].seq < p[1].seq), "postings in posting order");

    let coins = get_transaction(store, &btc).await.unwrap();
    assert_eq!(coins.postings.len(), 2);
    assert!(coins.postings.iter().all(|p| p.currency == "BTC" && p.amount.abs().to_string() == "0.50000000"));
    let wire = serde_json::to_value(&coins).unwrap();
    assert!(wire["postings"][0]["amount"].as_str().unwrap().ends_with("0.50000000"), "{wire}");
    assert_eq!(all.items.iter().find(|t| t.id == btc), Some(&coins), "the list and the single read agree");

    let payins = TransactionQuery { kind: Some("payin".into()), ..Default::default() };
    let payins: Vec<_> = list_transactions(store, &payins).await.unwrap().items.into_iter().map(|t| t.id).collect();
    assert_eq!(payins, vec![btc.clone(), payin.clone()]);
    let of_b = TransactionQuery { wallet_id: Some(b.clone()), ..Default::default() };
    let of_b: Vec<_> = list_transactions(store, &of_b).await.unwrap().items.into_iter().map(|t| t.id).collect();
    assert_eq!(of_b, vec![undone.clone(), moved.clone()], "only transactions that post to the wallet");
    let both = TransactionQuery { wallet_id: Some(a.clone()), kind: Some("reversal".into()), ..Default::default() };
    assert_eq!(list_transactions(store, &both).await.unwrap().items.len(), 1);

    assert_code(get_transaction(store, "nope").await, ErrorCode::NotFound, None);
}

async fn newest_first_paging_survives_writes_between_pages(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    for _ in 0..23 {
        pay_in(&ledger, &w, "1.00").await;
    }
    let before: Vec<String> = list_transactions(store, &TransactionQuery { limit: Some(500), ..Default::default() })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(before.len(), 23);
    let ledger2 = ledger.clone();
    let wallet_id = w.clone();
    let seen = page_all(
        |cursor| async move {
            list_transactions(store, &TransactionQuery { limit: Some(4), cursor, ..Default::default() }).await
        },
        async |_| {
            pay_in(&ledger2, &wallet_id, "2.00").await;
        },
    )
    .await;
    let ids: Vec<String> = seen.iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids, before, "every transaction present at the start, once, newest first; none of the new ones");
    assert!(ids.windows(2).all(|p| p[0] > p[1]));
}

async fn holds_page_without_gaps_or_repeats(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "10000.00").await;
    let mut created = Vec::new();
    for _ in 0..120 {
        created.push(reserve(&ledger, &w, "1.00").await);
    }
    created.sort();

    let seen = page_all(
        |cursor| async move { list_holds(store, &HoldQuery { limit: Some(7), cursor, ..Default::default() }).await },
        async |_| {},
    )
    .await;
    let ids: Vec<String> = seen.iter().map(|h| h.id.clone()).collect();
    assert_eq!(ids, created, "every hold exactly once, oldest first");

    // Holds reserved while a reader pages come after everything seen, once.
    let ledger2 = ledger.clone();
    let wallet_id = w.clone();
    let added = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let added2 = added.clone();
    let seen = page_all(
        |cursor| async move { list_holds(store, &HoldQuery { limit: Some(7), cursor, ..Default::default() }).await },
        async |n| {
            if n % 3 == 0 {
                let id = reserve(&ledger2, &wallet_id, "1.00").await;
                added2.lock().await.push(id);
            }
        },
    )
    .await;
    let ids: Vec<String> = seen.iter().map(|h| h.id.clone()).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no hold repeats");
    assert!(ids.windows(2).all(|p| p[0] < p[1]), "strictly oldest first");
    let mut everything = created.clone();
    everything.extend(added.lock().await.iter().cloned());
    everything.sort();
    assert!(added.lock().await.len() >= 5);
    assert_eq!(ids, everything, "nothing skipped: the old holds and the ones reserved meanwhile");
}

async fn holds_filters(ledger: Ledger) {
    let store = ledger.store();
    let a = wallet(&ledger, "USD").await;
    let b = make_wallet(&ledger, "m-2", "NGN", None).await;
    pay_in(&ledger, &a, "100.00").await;
    pay_in(&ledger, &b, "100.00").await;
    let h1 = reviewed_hold(&ledger, &a, "10").await;
    let h2 = reviewed_hold(&ledger, &a, "20").await;
    let h3 = run(&ledger, &operator(), "reserve_payout", json!({"wallet_id": b, "amount": "30", "provider": "swift"}))
        .await
        .unwrap()
        .subject_id
        .unwrap();
    run(&ledger, &operator(), "settle_hold", json!({"hold_id": h1, "reason": "paid"})).await.unwrap();
    run(&ledger, &operator(), "release_hold", json!({"hold_id": h2, "reason": "bounced"})).await.unwrap();

    let ids = |page: Page<ledgerdeck_client::HoldView>| page.items.into_iter().map(|h| h.id).collect::<Vec<_>>();
    let q = |f: fn(&mut HoldQuery)| {
        let mut query = HoldQuery::default();
        f(&mut query);
        query
    };
    assert_eq!(ids(list_holds(store, &HoldQuery::default()).await.unwrap()), vec![h1.clone(), h2.clone(), h3.clone()]);
    assert_eq!(ids(list_holds(store, &q(|q| q.status = Some("settled".into()))).await.unwrap()), vec![h1.clone()]);
    assert_eq!(ids(list_holds(store, &q(|q| q.status = Some("released".into()))).await.unwrap()), vec![h2.clone()]);
    assert_eq!(ids(list_holds(store, &q(|q| q.status = Some("reserved".into()))).await.unwrap()), vec![h3.clone()]);
    assert!(list_holds(store, &q(|q| q.status = Some("submitted".into()))).await.unwrap().items.is_empty());
    let by_wallet = HoldQuery { wallet_id: Some(b.clone()), ..Default::default() };
    assert_eq!(ids(list_holds(store, &by_wallet).await.unwrap()), vec![h3.clone()]);
    assert_eq!(
        ids(list_holds(store, &q(|q| q.merchant_id = Some("m-1".into()))).await.unwrap()),
        vec![h1.clone(), h2.clone()]
    );
    assert_eq!(ids(list_holds(store, &q(|q| q.provider = Some("swift".into()))).await.unwrap()), vec![h3.clone()]);
    assert_eq!(ids(list_holds(store, &q(|q| q.currency = Some("NGN".into()))).await.unwrap()), vec![h3.clone()]);
    let none = HoldQuery { provider: Some("swift".into()), currency: Some("USD".into()), ..Default::default() };
    assert!(list_holds(store, &none).await.unwrap().items.is_empty());

    let settled = list_holds(store, &q(|q| q.status = Some("settled".into()))).await.unwrap().items.remove(0);
    assert_eq!(settled.amount.to_string(), "10.00");
    assert_eq!(settled.reason.as_deref(), Some("paid"));
    assert!(settled.final_txn_id.is_some());
    assert!(settled.age_seconds < 600);

    // Age: nothing is an hour old until one hold is made two hours old.
    assert!(list_holds(store, &q(|q| q.older_than_seconds = Some(3600))).await.unwrap().items.is_empty());
    assert_eq!(list_holds(store, &q(|q| q.older_than_seconds = Some(0))).await.unwrap().items.len(), 3);
    sqlx::query("UPDATE holds SET created_at = created_at - 7200000000 WHERE id = $1")
        .bind(&h2)
        .execute(store.pool())
        .await
        .unwrap();
    let old = list_holds(store, &q(|q| q.older_than_seconds = Some(3600))).await.unwrap().items;
    assert_eq!(old.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), vec![h2.clone()]);
    assert!((7200..7800).contains(&old[0].age_seconds), "age {}", old[0].age_seconds);

    assert_code(
        list_holds(store, &q(|q| q.status = Some("open".into()))).await,
        ErrorCode::ValidationFailed,
        Some("status"),
    );
    assert_code(
        list_holds(store, &q(|q| q.older_than_seconds = Some(-1))).await,
        ErrorCode::ValidationFailed,
        Some("older_than_seconds"),
    );
}

async fn hold_detail_with_history(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "BTC").await;
    pay_in(&ledger, &w, "1").await;
    let hold = reviewed_hold(&ledger, &w, "0.5").await;
    let settled = run(
        &ledger,
        &operator(),
        "settle_hold",
        json!({"hold_id": hold, "reason": "provider confirmed", "provider_reference": "prv-9"}),
    )
    .await
    .unwrap();

    let detail = get_hold(store, &hold).await.unwrap();
    assert_eq!(detail.hold.id, hold);
    assert_eq!(detail.hold.amount.to_string(), "0.50000000");
    assert_eq!(serde_json::to_value(&detail).unwrap()["hold"]["amount"], json!("0.50000000"));
    assert_eq!(detail.hold.status, "settled");
    assert_eq!(detail.hold.provider_reference.as_deref(), Some("prv-9"));
    assert_eq!(detail.hold.final_txn_id.as_deref(), Some(settled.transaction_ids[0].as_str()));
    assert_eq!(get_transaction(store, &detail.hold.reserve_txn_id).await.unwrap().kind, "payout_reserve");
    assert!(parse_time(&detail.hold.updated_at) >= parse_time(&detail.hold.created_at));
    let steps: Vec<_> = detail
        .history
        .iter()
        .map(|h| (h.from_status.as_deref(), h.to_status.as_str(), h.actor.as_str(), h.detail.as_deref()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (None, "reserved", "ops-alice", None),
            (Some("reserved"), "manual_review", "ops-alice", Some("provider silent")),
            (Some("manual_review"), "settled", "ops-alice", Some("provider confirmed")),
        ]
    );
    assert!(parse_time(&detail.history[0].at) <= parse_time(&detail.history[1].at));
    assert_code(get_hold(store, "no-such-hold").await, ErrorCode::NotFound, None);
}

async fn accounts_with_balances_and_filters(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let hold = reviewed_hold(&ledger, &w, "30").await;
    run(&ledger, &operator(), "settle_hold", json!({"hold_id": hold, "reason": "paid"})).await.unwrap();

    let clearing = AccountQuery { kind: Some("payout_clearing".into()), ..Default::default() };
    let clearing = list_accounts(store, &clearing).await.unwrap().items;
    assert_eq!(clearing.len(), 10, "one payout clearing account per seeded currency");
    let usd = clearing.iter().find(|a| a.currency == "USD").unwrap();
    assert_eq!(
        (usd.id.as_str(), usd.balance.to_string(), usd.allow_negative),
        ("sys:USD:payout_clearing", "30.00".into(), true)
    );
    let btc = clearing.iter().find(|a| a.currency == "BTC").unwrap();
    assert_eq!(btc.balance.to_string(), "0.00000000");
    assert_eq!(btc.wallet_id, None);

    let mine = list_accounts(store, &AccountQuery { wallet_id: Some(w.clone()), ..Default::default() }).await.unwrap();
    let mine: Vec<_> = mine.items.iter().map(|a| (a.kind.as_str(), a.balance.to_string(), a.allow_negative)).collect();
    assert_eq!(
        mine,
        vec![("wallet_available", "70.00".to_string(), false), ("wallet_reserved", "0.00".to_string(), false)]
    );
    let eur = AccountQuery { currency: Some("EUR".into()), kind: Some("fees".into()), ..Default::default() };
    assert_eq!(
        list_accounts(store, &eur).await.unwrap().items.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        vec!["sys:EUR:fees"]
    );

    let total: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM accounts").fetch_one(store.pool()).await.unwrap();
    let seen =
        page_all(
            |cursor| async move {
                list_accounts(store, &AccountQuery { limit: Some(7), cursor, ..Default::default() }).await
            },
            async |_| {},
        )
        .await;
    let ids: Vec<_> = seen.iter().map(|a| a.id.clone()).collect();
    assert_eq!(ids.len() as i64, total);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "no account repeats");
    let mut stored: Vec<String> = sqlx::query_scalar("SELECT id FROM accounts").fetch_all(store.pool()).await.unwrap();
    stored.sort();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, stored);
    assert_code(
        list_accounts(store, &AccountQuery { kind: Some("piggy_bank".into()), ..Default::default() }).await,
        ErrorCode::ValidationFailed,
        Some("kind"),
    );
}

async fn audit_newest_first_with_filters(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "5.00").await;
    let refused = run(&ledger, &viewer(), "create_wallet", json!({"merchant_id": "m", "currency": "USD"})).await;
    assert_eq!(refused.unwrap_err().code(), ErrorCode::Forbidden);

    let all = list_audit(store, &AuditQuery::default()).await.unwrap().items;
    assert_eq!(
        all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["create_wallet", "post_payin", "create_wallet"]
    );
    assert_eq!((all[0].actor.as_str(), all[0].outcome.as_str()), ("viewer-vic", "refused"));
    assert_eq!(all[0].error_code.as_deref(), Some("FORBIDDEN"));
    assert_eq!(all[2].subject_id.as_deref(), Some(w.as_str()));
    assert!(all[1].idempotency_key.is_some());
    assert!(all.windows(2).all(|p| p[0].id > p[1].id), "newest first");

    let q = |actor: Option<&str>, action: Option<&str>, outcome: Option<&str>| AuditQuery {
        actor: actor.map(str::to_string),
        action: action.map(str::to_string),
        outcome: outcome.map(str::to_string),
        ..Default::default()
    };
    assert_eq!(list_audit(store, &q(Some("ops-alice"), None, None)).await.unwrap().items.len(), 2);
    assert_eq!(list_audit(store, &q(None, Some("create_wallet"), None)).await.unwrap().items.len(), 2);
    let posted_wallets = list_audit(store, &q(None, Some("create_wallet"), Some("posted"))).await.unwrap().items;
    assert_eq!(posted_wallets.len(), 1);
    assert_eq!(posted_wallets[0].id, all[2].id);
    assert!(list_audit(store, &q(Some("viewer-vic"), None, Some("posted"))).await.unwrap().items.is_empty());
    assert_code(list_audit(store, &q(None, None, Some("won"))).await, ErrorCode::ValidationFailed, Some("outcome"));
}

async fn limits_and_cursors_are_checked(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "5.00").await;
    for limit in [0, -1, 501] {
        let q = HoldQuery { limit: Some(limit), ..Default::default() };
        assert_code(list_holds(store, &q).await, ErrorCode::ValidationFailed, Some("limit"));
        let q = AuditQuery { limit: Some(limit), ..Default::default() };
        assert_code(list_audit(store, &q).await, ErrorCode::ValidationFailed, Some("limit"));
        let q = TransactionQuery { limit: Some(limit), ..Default::default() };
        assert_code(list_transactions(store, &q).await, ErrorCode::ValidationFailed, Some("limit"));
    }
    assert!(list_holds(store, &HoldQuery { limit: Some(500), ..Default::default() }).await.is_ok());

    let audit_cursor =
        list_audit(store, &AuditQuery { limit: Some(1), ..Default::default() }).await.unwrap().next_cursor;
    assert!(audit_cursor.is_some());
    for cursor in [Some("garbage".to_string()), Some(w.clone()), Some(String::new()), audit_cursor.clone()] {
        let q = TransactionQuery { cursor: cursor.clone(), ..Default::default() };
        assert_code(list_transactions(store, &q).await, ErrorCode::ValidationFailed, Some("cursor"));
        let q = WalletQuery { cursor, ..Default::default() };
        assert_code(list_wallets(store, &q).await, ErrorCode::ValidationFailed, Some("cursor"));
    }
    // Every problem at once.
    let q = HoldQuery { limit: Some(0), cursor: Some("x".into()), status: Some("open".into()), ..Default::default() };
    let err = list_holds(store, &q).await.unwrap_err();
    let fields: Vec<_> = err.field_errors().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["limit", "cursor", "status"]);
    // A cursor resumes its own list.
    let q = AuditQuery { limit: Some(1), cursor: audit_cursor, ..Default::default() };
    assert_eq!(list_audit(store, &q).await.unwrap().items.len(), 1);
}

async fn overview_counts_commands_holds_and_outbox(ledger: Ledger) {
    let store = ledger.store();
    let empty = overview_at(store, &GateConfig::default(), now_micros()).await.unwrap();
    assert_eq!(empty.commands.last_24h.posted + empty.commands.last_24h.failed, 0);
    assert_eq!(empty.per_minute.len(), 30);
    assert!(empty.per_minute.iter().all(|m| m.posted == 0 && m.failed == 0));
    assert_eq!(empty.holds_by_status.len(), 5);
    assert!(empty.holds_by_status.values().all(|n| *n == 0));
    assert_eq!((empty.outbox.pending, empty.outbox.oldest_pending_age_seconds), (0, None));
    assert!(empty.open_findings.is_empty() && empty.recent_transactions.is_empty());

    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let h1 = reviewed_hold(&ledger, &w, "10").await;
    reserve(&ledger, &w, "20").await;
    run(&ledger, &operator(), "settle_hold", json!({"hold_id": h1, "reason": "paid"})).await.unwrap();
    let before = overview_at(store, &GateConfig::default(), now_micros()).await.unwrap();
    // create_wallet, post_payin, two reserve_payout, mark_manual_review, settle_hold.
    assert_eq!((before.commands.last_5m.posted, before.commands.last_5m.failed), (6, 0));

    // A refusal counts as failed, not posted.
    let overdraw = json!({"from_wallet_id": w, "to_wallet_id": w, "amount": "1000"});
    assert!(run(&ledger, &operator(), "transfer", overdraw).await.is_err());
    let after_refusal = overview_at(store, &GateConfig::default(), now_micros()).await.unwrap();
    assert_eq!(after_refusal.commands.last_5m.failed, before.commands.last_5m.failed + 1);
    assert_eq!(after_refusal.commands.last_5m.posted, before.commands.last_5m.posted);

    // A posted command counts as posted; its replay and token changes count as neither.
    let body = json!({"wallet_id": w, "amount": "1.00", "provider": "sandbox"});
    ledger.execute(&operator(), "post_payin", body.clone(), Some("once")).await.unwrap();
    assert!(ledger.execute(&operator(), "post_payin", body, Some("once")).await.unwrap().replayed);
    ledgerdeck_server::access::create_token(store, "bob", Role::Viewer, "root-admin").await.unwrap();
    let tokens: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE action LIKE 'token.%'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(tokens >= 1, "making a token is audited");

    // Older records fall out of the short windows; beyond a day out of all.
    let now = now_micros();
    for (age_micros, outcome) in
        [(2 * 3_600_000_000i64, "posted"), (30 * 60_000_000, "failed"), (25 * 3_600_000_000, "posted")]
    {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor, action, outcome, duration_micros) VALUES ($1, $2, 'old', 'transfer', $3, 0)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(now - age_micros)
        .bind(outcome)
        .execute(store.pool())
        .await
        .unwrap();
    }

    let o = overview_at(store, &GateConfig::default(), now_micros()).await.unwrap();
    let c = o.commands;
    assert_eq!((c.last_5m.posted, c.last_5m.failed), (before.commands.last_5m.posted + 1, 1));
    let posted_now = before.commands.last_5m.posted + 1;
    assert_eq!((c.last_1h.posted, c.last_1h.failed), (posted_now, 2));
    assert_eq!((c.last_24h.posted, c.last_24h.failed), (posted_now + 1, 2));

    assert_eq!(o.per_minute.len(), 30);
    let minute_starts: Vec<i64> = o.per_minute.iter().map(|m| parse_time(&m.minute_start)).collect();
    assert!(minute_starts.windows(2).all(|p| p[1] - p[0] == 60_000_000), "consecutive minutes");
    assert_eq!(
        minute_starts[29],
        parse_time(&o.as_of).div_euclid(60_000_000) * 60_000_000,
        "ends at the current minute"
    );
    let posted: i64 = o.per_minute.iter().map(|m| m.posted).sum();
    let failed: i64 = o.per_minute.iter().map(|m| m.failed).sum();
    assert_eq!((posted, failed), (posted_now, 1), "the 30-minute-old failure is outside the sparkline");

    let holds: Vec<_> = o.holds_by_status.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(holds, vec![("manual_review", 0), ("released", 0), ("reserved", 1), ("settled", 1), ("submitted", 0)]);

    let pending: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_messages WHERE status = 'pending'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(pending > 0);
    assert_eq!(o.outbox.pending, pending);
    sqlx::query("UPDATE outbox_messages SET created_at = created_at - 90000000").execute(store.pool()).await.unwrap();
    let aged = overview_at(store, &GateConfig::default(), now_micros()).await.unwrap().outbox;
    assert!((90..200).contains(&aged.oldest_pending_age_seconds.unwrap()), "{aged:?}");

    let newest = list_transactions(store, &TransactionQuery { limit: Some(10), ..Default::default() }).await.unwrap();
    assert_eq!(o.recent_transactions, newest.items);
    assert_eq!(o.recent_transactions.len(), 5);
    assert!(o.recent_transactions.iter().all(|t| t.postings.len() == 2));
    assert!(o.open_findings.is_empty());
}

on_both_databases!(
    wallets_with_balances_and_filters,
    statement_newest_first_with_running_balances,
    transactions_carry_postings_links_and_filters,
    newest_first_paging_survives_writes_between_pages,
    holds_page_without_gaps_or_repeats,
    holds_filters,
    hold_detail_with_history,
    accounts_with_balances_and_filters,
    audit_newest_first_with_filters,
    limits_and_cursors_are_checked,
    overview_counts_commands_holds_and_outbox,
);
