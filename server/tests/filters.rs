//! The exact-match `reference` filters and the `from`/`to` ranges of the
//! lists, on SQLite and PostgreSQL: each keeps exactly the rows it names
//! (no wildcard), keyset paging through a filtered list has no gaps or
//! repeats, bad values are `VALIDATION_FAILED` naming the field, and
//! `accounts?system=` splits system and wallet accounts.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::outbox::OutboxMessageQuery;
use ledgerdeck_client::providers::ProviderEventQuery;
use ledgerdeck_client::{AccountQuery, AuditQuery, ErrorCode, HoldQuery, Page, TransactionQuery};
use ledgerdeck_server::queries::{
    list_accounts, list_audit, list_holds, list_outbox_messages, list_provider_events, list_transactions,
};
use ledgerdeck_server::{Ledger, LedgerResult};
use serde_json::json;
use std::future::Future;

/// 2026-01-31T00:00:00Z in microseconds.
const DAY: i64 = 1_769_817_600_000_000;
const HOUR: i64 = 3_600_000_000;

fn at(hours: i64) -> String {
    chrono::DateTime::from_timestamp_micros(DAY + hours * HOUR).unwrap().to_rfc3339()
}

/// Every item of a list, `limit` at a time, following the cursors.
async fn all_pages<T, F, Fut>(mut fetch: F) -> (Vec<T>, usize)
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = LedgerResult<Page<T>>>,
{
    let (mut items, mut pages, mut cursor) = (Vec::new(), 0, None);
    loop {
        let page = fetch(cursor.take()).await.expect("page");
        items.extend(page.items);
        pages += 1;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return (items, pages),
        }
        assert!(pages < 1000, "paging does not end");
    }
}

fn refused<T: std::fmt::Debug>(result: LedgerResult<T>, field: &str) {
    let err = result.expect_err("refused");
    assert_eq!(err.code(), ErrorCode::ValidationFailed, "{err}");
    assert!(err.field_errors().iter().any(|f| f.field == field), "no error about {field}: {err}");
}

async fn sql(ledger: &Ledger, statement: &str, binds: &[&str]) {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement.to_string()));
    for b in binds {
        query = query.bind(*b);
    }
    query.execute(ledger.store().pool()).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// `holds?reference=` matches the hold's reference or its provider
/// reference, exactly, and pages through the matches without gaps.
async fn holds_by_reference_or_provider_reference(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "100.00").await;
    let mut named = Vec::new();
    for _ in 0..5 {
        named.push(reserve_with(&ledger, &w, "1.00", "PO-7").await);
    }
    reserve_with(&ledger, &w, "1.00", "PO-70").await;
    let by_provider = reserve_with(&ledger, &w, "1.00", "PO-8").await;
    sql(&ledger, "UPDATE holds SET provider_reference = 'PO-7' WHERE id = $1", &[&by_provider]).await;
    named.push(by_provider);

    let (found, pages) = all_pages(|cursor| {
        let q = HoldQuery { reference: Some("PO-7".into()), limit: Some(2), cursor, ..Default::default() };
        async move { list_holds(store, &q).await }
    })
    .await;
    assert_eq!(found.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), named, "oldest first, each once");
    assert_eq!(pages, 3);
    let padded = HoldQuery { reference: Some(" PO-7 ".into()), ..Default::default() };
    assert_eq!(list_holds(store, &padded).await.unwrap().items.len(), 6, "trimmed like a search");
    for miss in ["PO-", "PO-%", "PO-_", "po-7"] {
        let q = HoldQuery { reference: Some(miss.into()), ..Default::default() };
        assert!(list_holds(store, &q).await.unwrap().items.is_empty(), "{miss}");
    }
    let both = HoldQuery { reference: Some("PO-7".into()), status: Some("settled".into()), ..Default::default() };
    assert!(list_holds(store, &both).await.unwrap().items.is_empty(), "filters combine");
    refused(list_holds(store, &HoldQuery { reference: Some(" ".into()), ..Default::default() }).await, "reference");
    let long = HoldQuery { reference: Some("r".repeat(513)), ..Default::default() };
    refused(list_holds(store, &long).await, "reference");
}

/// `transactions?reference=&from=&to=`: exact reference, booked time in
/// `[from, to)`, combined, paged newest first; bad times name their field.
async fn transactions_by_reference_and_booked_time(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    let mut made = Vec::new();
    for hour in 0..6 {
        let body = json!({"wallet_id": w, "amount": "1.00", "provider": "sandbox", "reference": "INV-1"});
        let txn = run(&ledger, &operator(), "post_payin", body).await.unwrap().transaction_ids[0].clone();
        let booked = (DAY + hour * HOUR).to_string();
        sql(&ledger, &format!("UPDATE ledger_transactions SET booked_at = {booked} WHERE id = $1"), &[&txn]).await;
        made.push(txn);
    }
    pay_in(&ledger, &w, "5.00").await;

    let by_reference = TransactionQuery { reference: Some("INV-1".into()), ..Default::default() };
    let items = list_transactions(store, &by_reference).await.unwrap().items;
    assert_eq!(items.len(), 6);
    assert!(items.iter().all(|t| t.reference.as_deref() == Some("INV-1")));

    let (found, pages) = all_pages(|cursor| {
        let q = TransactionQuery {
            reference: Some("INV-1".into()),
            from: Some(at(1)),
            to: Some(at(4)),
            limit: Some(1),
            cursor,
            ..Default::default()
        };
        async move { list_transactions(store, &q).await }
    })
    .await;
    let expected: Vec<String> = made[1..4].iter().rev().cloned().collect();
    assert_eq!(found.iter().map(|t| t.id.clone()).collect::<Vec<_>>(), expected, "from inclusive, to exclusive");
    assert_eq!(pages, 3);
    let offset = TransactionQuery { from: Some("2026-01-31T06:00:00+05:00".into()), ..by_reference.clone() };
    assert_eq!(list_transactions(store, &offset).await.unwrap().items.len(), 5, "01:00Z on");
    let to_only = TransactionQuery { to: Some(at(2)), ..Default::default() };
    assert_eq!(list_transactions(store, &to_only).await.unwrap().items.len(), 2);
    let (three, two) = (at(3), at(2));
    for (from, to, field) in [
        (Some("yesterday"), None, "from"),
        (None, Some("2026-01-31"), "to"),
        (Some(three.as_str()), Some(two.as_str()), "to"),
    ] {
        let q = TransactionQuery { from: from.map(Into::into), to: to.map(Into::into), ..Default::default() };
        refused(list_transactions(store, &q).await, field);
    }
    refused(
        list_transactions(store, &TransactionQuery { reference: Some(String::new()), ..Default::default() }).await,
        "reference",
    );
}

/// `audit?reference=` matches an idempotency key or a subject id;
/// `from`/`to` range over the record's time; paging through the filter.
async fn audit_by_key_subject_and_time(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    for i in 0..4 {
        let body = json!({"wallet_id": w, "amount": "1.00", "provider": "sandbox"});
        ledger.execute(&operator(), "post_payin", body, Some(&format!("audit-key-{i}"))).await.unwrap();
    }
    let sql_key = "UPDATE audit_log SET at = $1 WHERE idempotency_key = $2";
    for i in 0..4i64 {
        let q = sqlx::query(sql_key).bind(DAY + i * HOUR).bind(format!("audit-key-{i}"));
        q.execute(store.pool()).await.unwrap();
    }
    let by_key = AuditQuery { reference: Some("audit-key-2".into()), ..Default::default() };
    let items = list_audit(store, &by_key).await.unwrap().items;
    assert_eq!(items.iter().map(|e| e.idempotency_key.as_deref()).collect::<Vec<_>>(), [Some("audit-key-2")]);
    let by_subject = AuditQuery { reference: Some(w.clone()), ..Default::default() };
    let items = list_audit(store, &by_subject).await.unwrap().items;
    assert_eq!(items.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["create_wallet"]);

    let (found, pages) = all_pages(|cursor| {
        let q = AuditQuery { from: Some(at(1)), to: Some(at(3)), limit: Some(1), cursor, ..Default::default() };
        async move { list_audit(store, &q).await }
    })
    .await;
    let keys: Vec<_> = found.iter().map(|e| e.idempotency_key.clone().unwrap_or_default()).collect();
    assert_eq!(keys, ["audit-key-2", "audit-key-1"], "newest first, from inclusive, to exclusive");
    assert_eq!(pages, 2);
    refused(list_audit(store, &AuditQuery { from: Some("1700000000".into()), ..Default::default() }).await, "from");
    refused(
        list_audit(store, &AuditQuery { to: Some("2026-13-01T00:00:00Z".into()), ..Default::default() }).await,
        "to",
    );
}

/// `outbox/messages?reference=` keeps the messages about that subject.
async fn outbox_messages_by_subject(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "10.00").await;
    let hold = reserve(&ledger, &w, "1.00").await;
    to_review(&ledger, &hold).await;
    let (found, pages) = all_pages(|cursor| {
        let q = OutboxMessageQuery { reference: Some(hold.clone()), limit: Some(1), cursor, ..Default::default() };
        async move { list_outbox_messages(store, &q).await }
    })
    .await;
    let types: Vec<&str> = found.iter().map(|m| m.event_type.as_str()).collect();
    assert_eq!(types, ["payout.manual_review", "alert.manual_review", "payout.reserved"], "newest first");
    assert_eq!(pages, 3);
    assert!(found.iter().all(|m| m.subject_id == hold));
    let q = OutboxMessageQuery { reference: Some(w.clone()), ..Default::default() };
    assert_eq!(list_outbox_messages(store, &q).await.unwrap().items.len(), 1, "wallet.created");
    refused(
        list_outbox_messages(store, &OutboxMessageQuery { reference: Some("\t".into()), ..Default::default() }).await,
        "reference",
    );
}

/// `provider-events?reference=` matches the event's reference or the
/// provider's payout reference.
async fn provider_events_by_reference(ledger: Ledger) {
    let store = ledger.store();
    for (i, (reference, provider_reference)) in
        [("evt-1", Some("psk-1")), ("evt-2", Some("psk-1")), ("evt-3", None), ("psk-1", Some("psk-2"))]
            .into_iter()
            .enumerate()
    {
        sqlx::query(
            "INSERT INTO provider_events (provider, reference, hold_id, status, provider_reference, payload, outcome, \
             received_at) VALUES ('sandbox', $1, 'h-1', 'pending', $2, '{}', 'recorded', $3)",
        )
        .bind(reference)
        .bind(provider_reference)
        .bind(DAY + i as i64)
        .execute(store.pool())
        .await
        .unwrap();
    }
    let (found, pages) = all_pages(|cursor| {
        let q = ProviderEventQuery { reference: Some("psk-1".into()), limit: Some(2), cursor, ..Default::default() };
        async move { list_provider_events(store, &q).await }
    })
    .await;
    let references: Vec<&str> = found.iter().map(|e| e.reference.as_str()).collect();
    assert_eq!(references, ["psk-1", "evt-2", "evt-1"], "its own reference or the provider's, newest first");
    assert_eq!(pages, 2);
    let q = ProviderEventQuery { reference: Some("evt-3".into()), ..Default::default() };
    assert_eq!(list_provider_events(store, &q).await.unwrap().items.len(), 1);
    let q = ProviderEventQuery { reference: Some("evt-".into()), ..Default::default() };
    assert!(list_provider_events(store, &q).await.unwrap().items.is_empty());
}

/// `accounts?system=true` lists only system accounts (every currency's six),
/// `false` only wallet accounts.
async fn accounts_system_or_wallet(ledger: Ledger) {
    let store = ledger.store();
    let w = wallet(&ledger, "USD").await;
    let all = |system: Option<bool>| AccountQuery { system, limit: Some(500), ..Default::default() };
    let system = list_accounts(store, &all(Some(true))).await.unwrap().items;
    assert_eq!(system.len(), 60, "ten currencies, six system accounts each");
    assert!(system.iter().all(|a| a.wallet_id.is_none() && a.id.starts_with("sys:")));
    let usd = AccountQuery { currency: Some("USD".into()), ..all(Some(true)) };
    let kinds: Vec<String> = list_accounts(store, &usd).await.unwrap().items.into_iter().map(|a| a.kind).collect();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert!(kinds.contains(&"treasury_bank".to_string()));
    let wallets = list_accounts(store, &all(Some(false))).await.unwrap().items;
    assert_eq!(wallets.iter().map(|a| a.wallet_id.as_deref()).collect::<Vec<_>>(), [Some(w.as_str()); 2]);
    assert_eq!(list_accounts(store, &all(None)).await.unwrap().items.len(), 62);
}

/// Over HTTP the new parameters are accepted, and a bad one is a problem.
async fn filters_over_http(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let w = wallet(&ledger, "USD").await;
    pay_in(&ledger, &w, "10.00").await;
    for path in [
        "/v1/holds?reference=PO-1",
        "/v1/transactions?reference=x&from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z",
        "/v1/audit?reference=x&from=2026-01-01T00:00:00Z",
        "/v1/outbox/messages?reference=x",
        "/v1/provider-events?reference=x",
        "/v1/accounts?system=true",
    ] {
        let response = server.get(&server.viewer, path).await;
        assert_eq!(response.status(), 200, "{path}: {}", response.text().await.unwrap());
    }
    let bad = expect_problem(server.get(&server.viewer, "/v1/audit?from=soon").await, 422, "VALIDATION_FAILED").await;
    assert_eq!(bad["errors"][0]["field"], "from", "{bad}");
    expect_problem(server.get(&server.viewer, "/v1/accounts?system=maybe").await, 400, "MALFORMED_REQUEST").await;
    expect_problem(server.get(&server.viewer, "/v1/holds?reference=").await, 422, "VALIDATION_FAILED").await;
    server.stop().await;
}

on_both_databases!(
    holds_by_reference_or_provider_reference,
    transactions_by_reference_and_booked_time,
    audit_by_key_subject_and_time,
    outbox_messages_by_subject,
    provider_events_by_reference,
    accounts_system_or_wallet,
    filters_over_http,
);
