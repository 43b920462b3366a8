//! The typed client (`ledgerdeck_client::http`) against the real server on
//! SQLite and PostgreSQL: every method is called at least once and its
//! typed answer checked against what was written; error answers arrive as
//! typed problems; the event subscription follows commands and resumes.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::http::WebhookSignature;
use ledgerdeck_client::outbox::OutboxMessageQuery;
use ledgerdeck_client::providers::{ProviderEventAnswer, ProviderEventQuery};
use ledgerdeck_client::{
    AccountQuery, ApiClient, AuditQuery, ClientConfig, ClientError, CommandResult, CommandStatus, ConnectionState,
    ErrorCode, EventSubscription, FindingQuery, GateRunQuery, GateStatus, HitKind, HoldQuery, SearchQuery, ServerEvent,
    StatementQuery, StreamItem, TransactionQuery, WalletQuery, new_idempotency_key,
};
use ledgerdeck_server::Ledger;
use ledgerdeck_server::api::ApiConfig;
use rust_decimal::Decimal;
use serde_json::json;
use std::time::Duration;

const PROVIDER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn start(ledger: &Ledger) -> TestServer {
    let mut config = ApiConfig::default();
    config.provider_secrets.insert("sandbox".into(), PROVIDER_SECRET.into());
    TestServer::start_with(ledger.clone(), config).await
}

fn api(server: &TestServer, token: &str) -> ApiClient {
    ApiClient::new(ClientConfig::new(&server.base).with_token(token)).expect("client")
}

fn money(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

/// Runs a command through the client with a fresh key.
async fn execute(client: &ApiClient, command: &str, body: serde_json::Value) -> CommandResult {
    let key = new_idempotency_key();
    client.execute(command, &body, Some(&key)).await.unwrap_or_else(|e| panic!("{command}: {e}"))
}

fn expect_code(result: Result<impl std::fmt::Debug, ClientError>, status: u16, code: ErrorCode) -> ClientError {
    let error = result.expect_err("an error answer");
    assert_eq!((error.status(), error.code()), (Some(status), Some(code)), "{error}");
    error
}

async fn commands_and_reads_round_trip(ledger: Ledger) {
    let server = start(&ledger).await;
    let (viewer, operator) = (api(&server, &server.viewer), api(&server, &server.operator));

    viewer.livez().await.expect("alive");
    viewer.readyz().await.expect("ready");
    let health = ApiClient::new(ClientConfig::new(&server.base)).unwrap().healthz().await.expect("no token needed");
    assert!(health.ok && health.ready, "{health:?}");
    let specs = viewer.commands().await.unwrap();
    let reserve = specs.iter().find(|s| s.name == "reserve_payout").expect("reserve_payout");
    assert!(reserve.moves_money && reserve.fields.iter().any(|f| f.name == "amount" && f.required));

    // A wallet made through the client reads back as written.
    let created =
        execute(&operator, "create_wallet", json!({"merchant_id": "m-client", "currency": "USD", "label": "Till"}))
            .await;
    assert_eq!((created.status, created.replayed), (CommandStatus::Created, false));
    let wallet_id = created.subject_id.expect("wallet id");
    let wallet = viewer.wallet(&wallet_id).await.unwrap();
    assert_eq!(
        (wallet.merchant_id.as_str(), wallet.currency.as_str(), wallet.label.as_deref()),
        ("m-client", "USD", Some("Till"))
    );
    let paid_in =
        execute(&operator, "post_payin", json!({"wallet_id": wallet_id, "amount": "100.00", "provider": "sandbox"}))
            .await;
    assert_eq!(paid_in.balances[0].available, money("100.00"));

    // A reservation replayed with its key is the same reservation.
    let key = new_idempotency_key();
    let body = json!({"wallet_id": wallet_id, "amount": "30.00", "provider": "sandbox"});
    let first = operator.execute("reserve_payout", &body, Some(&key)).await.unwrap();
    let again = operator.execute("reserve_payout", &body, Some(&key)).await.unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!((&again.subject_id, &again.transaction_ids), (&first.subject_id, &first.transaction_ids));
    let hold_id = first.subject_id.clone().expect("hold id");
    let other = json!({"wallet_id": wallet_id, "amount": "31.00", "provider": "sandbox"});
    expect_code(operator.execute("reserve_payout", &other, Some(&key)).await, 422, ErrorCode::IdempotencyKeyReused);

    // Refusals are typed problems.
    expect_code(operator.execute("reserve_payout", &body, None).await, 400, ErrorCode::IdempotencyKeyMissing);
    let bad = json!({"wallet_id": wallet_id, "amount": "1.234", "provider": "sandbox"});
    let fresh = new_idempotency_key();
    let error = expect_code(operator.execute("post_payin", &bad, Some(&fresh)).await, 422, ErrorCode::ValidationFailed);
    assert!(error.field_errors().iter().any(|e| e.field == "amount" && !e.message.is_empty()), "{error}");
    let stranger = api(&server, "ldk_nobody_0000000000");
    expect_code(stranger.wallets(&WalletQuery::default()).await, 401, ErrorCode::Unauthenticated);
    let error = expect_code(viewer.execute("create_wallet", &json!({}), None).await, 403, ErrorCode::Forbidden);
    assert!(!error.is_transport());
    expect_code(viewer.wallet("no-such-wallet").await, 404, ErrorCode::NotFound);
    expect_code(operator.execute("no_such_command", &json!({}), None).await, 404, ErrorCode::NotFound);

    // Every read, with its filters.
    let page =
        viewer.wallets(&WalletQuery { merchant_id: Some("m-client".into()), ..Default::default() }).await.unwrap();
    assert_eq!(page.items, [viewer.wallet(&wallet_id).await.unwrap()]);
    let lines = viewer.statement(&wallet_id, &StatementQuery { limit: Some(1), ..Default::default() }).await.unwrap();
    assert_eq!(lines.items.len(), 1);
    let cursor = lines.next_cursor.expect("more lines");
    let rest = viewer
        .statement(&wallet_id, &StatementQuery { limit: Some(50), cursor: Some(cursor), through_seq: None })
        .await
        .unwrap();
    assert_eq!((rest.items.len(), rest.next_cursor), (2, None), "pay-in, then the reservation's two legs");
    let now = viewer.wallet_balance(&wallet_id, None).await.unwrap();
    let wallet = viewer.wallet(&wallet_id).await.unwrap();
    assert_eq!((now.effective.available, now.booked.reserved), (wallet.available, wallet.reserved));
    let before = viewer.wallet_balance(&wallet_id, Some("2000-01-01T00:00:00Z")).await.unwrap();
    assert!(before.effective.total.is_zero() && before.booked.total.is_zero(), "{before:?}");
    expect_code(viewer.wallet_balance(&wallet_id, Some("soon")).await, 422, ErrorCode::ValidationFailed);
    let txns = viewer
        .transactions(&TransactionQuery { wallet_id: Some(wallet_id.clone()), ..Default::default() })
        .await
        .unwrap();
    let ids: Vec<&str> = txns.items.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, [first.transaction_ids[0].as_str(), paid_in.transaction_ids[0].as_str()], "newest first");
    let payin = viewer.transaction(&paid_in.transaction_ids[0]).await.unwrap();
    assert_eq!((payin.kind.as_str(), payin.postings.len()), ("payin", 2));
    assert_eq!(payin.postings.iter().map(|p| p.amount).sum::<Decimal>(), Decimal::ZERO);
    let accounts = viewer.accounts(&AccountQuery { wallet_id: Some(wallet_id.clone()), ..Default::default() }).await;
    let balances: Vec<Decimal> = accounts.unwrap().items.iter().map(|a| a.balance).collect();
    assert_eq!(balances, [money("70.00"), money("30.00")], "available, then reserved");
    let query = HoldQuery { wallet_id: Some(wallet_id.clone()), status: Some("reserved".into()), ..Default::default() };
    let holds = viewer.holds(&query).await.unwrap();
    assert_eq!(
        holds.items.iter().map(|h| (h.id.as_str(), h.amount)).collect::<Vec<_>>(),
        [(hold_id.as_str(), money("30.00"))]
    );
    let detail = viewer.hold(&hold_id).await.unwrap();
    assert_eq!((detail.hold.status.as_str(), detail.history[0].to_status.as_str()), ("reserved", "reserved"));
    let audit =
        viewer.audit(&AuditQuery { action: Some("reserve_payout".into()), ..Default::default() }).await.unwrap();
    let outcomes: Vec<&str> = audit.items.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["refused", "refused", "replayed", "posted"], "newest first: reused key, missing key, replay");
    assert!(audit.items.iter().all(|a| a.actor == "ops-alice"));
    let overview = viewer.overview().await.unwrap();
    assert_eq!(overview.holds_by_status["reserved"], 1);
    assert!(overview.recent_transactions.iter().any(|t| t.id == first.transaction_ids[0]));

    // Search, the merchant summary and who is asking.
    let found = viewer.search(&SearchQuery { q: hold_id.clone(), limit: Some(5) }).await.unwrap();
    assert_eq!((found.hits[0].kind, found.hits[0].id.as_str()), (HitKind::Hold, hold_id.as_str()));
    assert_eq!(found.hits[0].wallet_id.as_deref(), Some(wallet_id.as_str()));
    let error = expect_code(viewer.search(&SearchQuery::default()).await, 422, ErrorCode::ValidationFailed);
    assert_eq!(error.field_errors()[0].field, "q");
    let merchant = viewer.merchant("m-client").await.unwrap();
    assert_eq!((merchant.wallets.len(), merchant.holds_by_status["reserved"]), (1, 1));
    expect_code(viewer.merchant("m-nobody").await, 404, ErrorCode::NotFound);
    let me = operator.me().await.unwrap();
    assert_eq!((me.name.as_str(), me.role), ("ops-alice", ledgerdeck_client::Role::Operator));
    server.stop().await;
}

async fn operations_surfaces_round_trip(ledger: Ledger) {
    let server = start(&ledger).await;
    let (viewer, operator, admin) =
        (api(&server, &server.viewer), api(&server, &server.operator), api(&server, &server.admin));
    let usd = wallet(&ledger, "USD").await;
    pay_in(&ledger, &usd, "50.00").await;
    let hold = reviewed_hold(&ledger, &usd, "20.00").await;

    // Flags.
    let body = json!({"name": "payouts_enabled", "scope": "currency", "scope_value": "KES", "enabled": "false"});
    assert_eq!(execute(&admin, "set_feature_flag", body).await.status, CommandStatus::Updated);
    let flags = viewer.flags().await.unwrap();
    assert!(flags.iter().any(|f| f.name == "payouts_enabled" && f.scope_value == "KES" && !f.enabled), "{flags:?}");

    // Outbox and webhook endpoints.
    let endpoint = execute(&admin, "create_webhook_endpoint", json!({"url": "http://127.0.0.1:9/hook"})).await;
    let endpoints = viewer.webhook_endpoints().await.unwrap();
    let endpoint_id = endpoint.subject_id.expect("endpoint id");
    assert_eq!(endpoints.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [endpoint_id.as_str()]);
    let stats = viewer.outbox_stats().await.unwrap();
    assert!(stats.pending > 0, "{stats:?}");
    let query = OutboxMessageQuery { event_type: Some("payout.manual_review".into()), ..Default::default() };
    let messages = viewer.outbox_messages(&query).await.unwrap();
    assert_eq!(messages.items.len(), 1);
    let message = viewer.outbox_message(&messages.items[0].id).await.unwrap();
    assert_eq!((&message.message, message.message.subject_id.as_str()), (&messages.items[0], hold.as_str()));
    assert!(message.payload.is_object() && message.deliveries.is_empty(), "{message:?}");

    // A signed provider event, then the log.
    let raw = serde_json::to_vec(&json!({"reference": "evt-client-1", "hold_id": hold, "status": "paid"})).unwrap();
    let (id, now) = (format!("msg_{}", new_idempotency_key()), chrono::Utc::now().timestamp());
    let signature = ledgerdeck_server::signature::sign(PROVIDER_SECRET, &id, now, &raw).unwrap();
    let signed = WebhookSignature { id, timestamp: now, signature };
    let ProviderEventAnswer::Payout(receipt) = viewer.send_provider_event("sandbox", &raw, &signed).await.unwrap()
    else {
        panic!("a payout event's receipt")
    };
    assert_eq!((receipt.outcome.as_str(), receipt.hold_status.as_str()), ("recorded", "manual_review"));
    let forged = WebhookSignature { signature: "v1,AAAA".into(), ..signed.clone() };
    expect_code(viewer.send_provider_event("sandbox", &raw, &forged).await, 401, ErrorCode::Unauthenticated);
    let query = ProviderEventQuery { provider: Some("sandbox".into()), ..Default::default() };
    let log = viewer.provider_events(&query).await.unwrap();
    assert_eq!(log.items.iter().map(|e| e.reference.as_str()).collect::<Vec<_>>(), ["evt-client-1"]);
    let settled = execute(&operator, "settle_hold", json!({"hold_id": hold, "reason": "provider paid"})).await;
    assert_eq!(settled.balances[0].reserved, Decimal::ZERO);

    // A signed pay-in event on the same route credits the wallet, once.
    let eur = wallet(&ledger, "EUR").await;
    let event = json!({"type": "payin.succeeded", "reference": "evt-payin-1", "provider_reference": "PSP-CLIENT-1",
                       "wallet_id": eur, "amount": "2.50"});
    let raw = serde_json::to_vec(&event).unwrap();
    let (id, now) = (format!("msg_{}", new_idempotency_key()), chrono::Utc::now().timestamp());
    let signature = ledgerdeck_server::signature::sign(PROVIDER_SECRET, &id, now, &raw).unwrap();
    let signed = WebhookSignature { id, timestamp: now, signature };
    let answer = viewer.send_provider_event("sandbox", &raw, &signed).await.unwrap();
    let ProviderEventAnswer::Payin(receipt) = answer else { panic!("a pay-in event's receipt: {answer:?}") };
    assert_eq!(receipt.outcome, "credited", "{receipt:?}");
    let again = viewer.send_provider_event("sandbox", &raw, &signed).await.unwrap();
    assert!(matches!(&again, ProviderEventAnswer::Payin(r) if r.outcome == "duplicate"), "{again:?}");
    assert_eq!(balances(&ledger, &eur).await, (250, 0));

    // Gates: a clean run, then a drifted statement line found and cured.
    let run = execute(&operator, "run_gates", json!({})).await;
    assert_eq!(run.status, CommandStatus::Completed);
    let gates = viewer.gates().await.unwrap();
    assert_eq!(gates.iter().map(|g| g.gate.as_str()).collect::<Vec<_>>(), ledgerdeck_client::gates::GATES);
    assert!(gates.iter().all(|g| g.status == GateStatus::Green && g.last_run.is_some()), "{gates:?}");
    let account = format!("{usd}:available");
    sqlx::query(
        "UPDATE statement_lines SET balance_after = balance_after + 3 \
         WHERE posting_seq = (SELECT MAX(posting_seq) FROM statement_lines WHERE account_id = $1)",
    )
    .bind(&account)
    .execute(ledger.store().pool())
    .await
    .unwrap();
    execute(&operator, "run_gates", json!({"gate": "wallet_drift"})).await;
    let open = FindingQuery { status: Some("OPEN".into()), ..Default::default() };
    let findings = viewer.findings("wallet_drift", &open).await.unwrap();
    let mut codes: Vec<&str> = findings.items.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["statement_balance_mismatch", "statement_running_balance"], "the last line is off both ways");
    for listed in &findings.items {
        let finding = viewer.finding(&listed.id).await.unwrap();
        assert_eq!(&finding, listed);
        assert_eq!(
            (finding.subject.as_str(), finding.expected.as_str(), finding.actual.as_str()),
            (account.as_str(), "30.00", "30.03")
        );
    }
    execute(&admin, "rebuild_statements", json!({"wallet_id": usd})).await;
    execute(&operator, "run_gates", json!({"gate": "wallet_drift"})).await;
    assert!(viewer.findings("wallet_drift", &open).await.unwrap().items.is_empty());
    let runs = viewer.gate_runs(&GateRunQuery { gate: Some("wallet_drift".into()), ..Default::default() }).await;
    let statuses: Vec<GateStatus> = runs.unwrap().items.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [GateStatus::Green, GateStatus::Red, GateStatus::Green], "newest first");
    expect_code(viewer.finding("no-such-finding").await, 404, ErrorCode::NotFound);

    // The served document is the server's own.
    let document = viewer.openapi().await.unwrap();
    assert_eq!(document, serde_json::to_value(ledgerdeck_server::api::openapi()).unwrap());
    server.stop().await;
}

/// The next event of `kind`, skipping states and other events, within 10 s.
async fn next_of(events: &mut EventSubscription, kind: &str) -> ServerEvent {
    let wait = async {
        loop {
            match events.next().await.expect("subscription alive") {
                StreamItem::Event(event) if event.kind == kind => return event,
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.unwrap_or_else(|_| panic!("no {kind} within 10 s"))
}

async fn until_live(events: &mut EventSubscription) {
    let wait =
        async { while events.next().await.expect("subscription alive") != StreamItem::State(ConnectionState::Live) {} };
    tokio::time::timeout(Duration::from_secs(10), wait).await.expect("live within 10 s");
}

async fn events_follow_commands_and_resume(ledger: Ledger) {
    let server = start(&ledger).await;
    let (viewer, operator) = (api(&server, &server.viewer), api(&server, &server.operator));
    let mut events = viewer.events(None);
    until_live(&mut events).await;

    let created = execute(&operator, "create_wallet", json!({"merchant_id": "m-live", "currency": "EUR"})).await;
    let posted = next_of(&mut events, ledgerdeck_client::events::COMMAND_POSTED).await;
    assert_eq!(serde_json::from_value::<CommandResult>(posted.data).unwrap(), created);
    let seen = posted.id.expect("events carry ids");

    // Missed while away: replayed from the id, and nothing before it.
    drop(events);
    let wallet_id = created.subject_id.unwrap();
    let missed =
        execute(&operator, "post_payin", json!({"wallet_id": wallet_id, "amount": "5.00", "provider": "sandbox"}))
            .await;
    let mut events = viewer.events(Some(seen));
    let replayed = next_of(&mut events, ledgerdeck_client::events::COMMAND_POSTED).await;
    assert_eq!(serde_json::from_value::<CommandResult>(replayed.data).unwrap(), missed);

    // An id from another process cannot be resumed: the server says reset.
    let mut stale = viewer.events(Some("0-1".into()));
    next_of(&mut stale, ledgerdeck_client::events::RESET).await;
    server.stop().await;
}

on_both_databases!(commands_and_reads_round_trip, operations_surfaces_round_trip, events_follow_commands_and_resume);
