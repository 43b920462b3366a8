//! Feature flags: freezes at every scope, fail-open and fail-closed modes,
//! the `set_feature_flag` command and its checks, the saga's switches, and
//! the HTTP surface (`GET /v1/flags`, 403 `FLAG_DENIED`). Each test runs on
//! SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_client::{CommandStatus, ErrorCode};
use ledgerdeck_server::flags::{self, FlagScope};
use ledgerdeck_server::{Caller, Ledger, LedgerError};
use serde_json::{Value, json};

/// Rows in `feature_flags` (the footprint helper does not count them).
async fn flag_rows(ledger: &Ledger) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM feature_flags")
        .fetch_one(ledger.store().pool())
        .await
        .unwrap()
}

/// Sets a flag as the admin; `scope` is `global` or `<scope>:<value>`.
async fn set(ledger: &Ledger, name: &str, scope: &str, enabled: bool) {
    let (scope, value) = scope.split_once(':').unwrap_or((scope, ""));
    let result = run(
        ledger,
        &admin(),
        "set_feature_flag",
        json!({"name": name, "scope": scope, "scope_value": value, "enabled": enabled.to_string()}),
    )
    .await
    .unwrap_or_else(|e| panic!("set {name} {scope}:{value}: {e}"));
    assert_eq!(result.status, CommandStatus::Updated);
    assert_eq!(result.subject_id.as_deref(), Some(format!("{name}:{scope}:{value}").as_str()));
}

/// Sets a flag's global row with a mode.
async fn set_mode(ledger: &Ledger, name: &str, mode: &str) {
    run(
        ledger,
        &admin(),
        "set_feature_flag",
        json!({"name": name, "scope": "global", "enabled": "true", "mode": mode}),
    )
    .await
    .unwrap();
}

/// A wallet of `merchant` in `currency`.
async fn wallet_of(ledger: &Ledger, merchant: &str, currency: &str) -> String {
    run(ledger, &operator(), "create_wallet", json!({"merchant_id": merchant, "currency": currency}))
        .await
        .unwrap()
        .subject_id
        .unwrap()
}

/// Runs a command that a flag must deny, checks it wrote nothing, and
/// returns the denying (flag, scope).
async fn denied(ledger: &Ledger, caller: &Caller, command: &str, body: Value) -> (String, String) {
    let before = footprint(ledger).await;
    let err = run(ledger, caller, command, body.clone()).await.expect_err(&format!("{command} {body} was allowed"));
    assert_eq!(err.code(), ErrorCode::FlagDenied, "{command} {body}: {err}");
    assert_eq!(footprint(ledger).await, before, "{command} {body} wrote something although denied");
    match err {
        LedgerError::FlagDenied { flag, scope } => (flag, scope),
        other => panic!("{other}"),
    }
}

/// Runs a command that must go through.
async fn allowed(ledger: &Ledger, caller: &Caller, command: &str, body: Value) -> ledgerdeck_client::CommandResult {
    run(ledger, caller, command, body.clone()).await.unwrap_or_else(|e| panic!("{command} {body} was refused: {e}"))
}

fn payin(wallet: &str, provider: &str) -> Value {
    json!({"wallet_id": wallet, "amount": "1.00", "provider": provider})
}

fn payout(wallet: &str, provider: &str) -> Value {
    json!({"wallet_id": wallet, "amount": "1.00", "provider": provider})
}

fn transfer(from: &str, to: &str) -> Value {
    json!({"from_wallet_id": from, "to_wallet_id": to, "amount": "1.00"})
}

fn correction(wallet: &str) -> Value {
    json!({"wallet_id": wallet, "direction": "credit", "amount": "1.00", "reason": "fix"})
}

fn reversal(transaction_id: &str) -> Value {
    json!({"transaction_id": transaction_id, "reason": "undo"})
}

async fn global_freeze_denies_every_money_command(ledger: Ledger) {
    let a = wallet(&ledger, "USD").await;
    let b = wallet(&ledger, "USD").await;
    pay_in(&ledger, &a, "100.00").await;
    let moved = allowed(&ledger, &operator(), "transfer", transfer(&a, &b)).await;
    let to_reverse = moved.transaction_ids[0].clone();

    set(&ledger, flags::CORE_WALLET_ENABLED, "global", false).await;
    let global = (flags::CORE_WALLET_ENABLED.to_string(), "global".to_string());
    let op = operator();
    assert_eq!(denied(&ledger, &op, "post_payin", payin(&a, "sandbox")).await, global);
    assert_eq!(denied(&ledger, &op, "transfer", transfer(&a, &b)).await, global);
    assert_eq!(denied(&ledger, &op, "reserve_payout", payout(&a, "sandbox")).await, global);
    assert_eq!(denied(&ledger, &op, "post_correction", correction(&a)).await, global);
    assert_eq!(denied(&ledger, &op, "reverse_transaction", reversal(&to_reverse)).await, global);
    let funding = json!({"currency": "USD", "amount": "5.00"});
    assert_eq!(denied(&ledger, &admin(), "fund_bank_account", funding.clone()).await, global);
    let opening = json!({"wallet_id": b, "amount": "5.00"});
    assert_eq!(denied(&ledger, &admin(), "post_opening_balance", opening.clone()).await, global);
    assert_eq!(balances(&ledger, &a).await, (9_900, 0));

    // Not money: wallets can still be opened while frozen.
    wallet(&ledger, "USD").await;

    // The refusals are audited with their code.
    let audited: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE outcome = 'refused' AND error_code = 'FLAG_DENIED'",
    )
    .fetch_one(ledger.store().pool())
    .await
    .unwrap();
    assert_eq!(audited, 7);

    // A denied command's idempotency key was freed: the same key works once
    // the freeze is lifted, and every command runs again.
    let key = key();
    let body = payin(&a, "sandbox");
    let err = ledger.execute(&op, "post_payin", body.clone(), Some(&key)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::FlagDenied);
    set(&ledger, flags::CORE_WALLET_ENABLED, "global", true).await;
    let paid = ledger.execute(&op, "post_payin", body, Some(&key)).await.unwrap();
    assert!(!paid.replayed);
    allowed(&ledger, &op, "transfer", transfer(&a, &b)).await;
    allowed(&ledger, &op, "reserve_payout", payout(&a, "sandbox")).await;
    allowed(&ledger, &op, "post_correction", correction(&a)).await;
    allowed(&ledger, &op, "reverse_transaction", reversal(&to_reverse)).await;
    allowed(&ledger, &admin(), "fund_bank_account", funding).await;
    allowed(&ledger, &admin(), "post_opening_balance", opening).await;
    assert_eq!(flag_rows(&ledger).await, 1, "setting a flag twice updates its one row");
    assert_sound(&ledger).await;
}

async fn merchant_freeze_denies_only_that_merchant(ledger: Ledger) {
    let m1 = wallet_of(&ledger, "m-1", "USD").await;
    let m2 = wallet_of(&ledger, "m-2", "USD").await;
    let m2b = wallet_of(&ledger, "m-2", "USD").await;
    pay_in(&ledger, &m1, "50.00").await;
    pay_in(&ledger, &m2, "50.00").await;
    let into_m1 = allowed(&ledger, &operator(), "transfer", transfer(&m2, &m1)).await.transaction_ids[0].clone();
    let within_m2 = allowed(&ledger, &operator(), "transfer", transfer(&m2, &m2b)).await.transaction_ids[0].clone();

    set(&ledger, flags::CORE_WALLET_ENABLED, "merchant:m-1", false).await;
    let op = operator();
    let m1_frozen = (flags::CORE_WALLET_ENABLED.to_string(), "merchant:m-1".to_string());
    assert_eq!(denied(&ledger, &op, "post_payin", payin(&m1, "sandbox")).await, m1_frozen);
    assert_eq!(denied(&ledger, &op, "reserve_payout", payout(&m1, "sandbox")).await, m1_frozen);
    assert_eq!(denied(&ledger, &op, "post_correction", correction(&m1)).await, m1_frozen);
    assert_eq!(
        denied(&ledger, &admin(), "post_opening_balance", json!({"wallet_id": m1, "amount": "1"})).await,
        m1_frozen
    );
    // A transfer moves both merchants' money: either side frozen denies it.
    assert_eq!(denied(&ledger, &op, "transfer", transfer(&m1, &m2)).await, m1_frozen);
    assert_eq!(denied(&ledger, &op, "transfer", transfer(&m2, &m1)).await, m1_frozen);
    assert_eq!(denied(&ledger, &op, "reverse_transaction", reversal(&into_m1)).await, m1_frozen);

    // The other merchant, and money not in any wallet, move as before.
    allowed(&ledger, &op, "post_payin", payin(&m2, "sandbox")).await;
    allowed(&ledger, &op, "transfer", transfer(&m2, &m2b)).await;
    allowed(&ledger, &op, "reserve_payout", payout(&m2, "sandbox")).await;
    allowed(&ledger, &op, "post_correction", correction(&m2)).await;
    allowed(&ledger, &op, "reverse_transaction", reversal(&within_m2)).await;
    allowed(&ledger, &admin(), "fund_bank_account", json!({"currency": "USD", "amount": "1"})).await;

    // Unfreezing restores the merchant.
    set(&ledger, flags::CORE_WALLET_ENABLED, "merchant:m-1", true).await;
    allowed(&ledger, &op, "post_payin", payin(&m1, "sandbox")).await;
    allowed(&ledger, &op, "transfer", transfer(&m2, &m1)).await;
    allowed(&ledger, &op, "reverse_transaction", reversal(&into_m1)).await;
    assert_sound(&ledger).await;
}

async fn currency_and_provider_scopes(ledger: Ledger) {
    let usd = wallet_of(&ledger, "m-1", "USD").await;
    let eur = wallet_of(&ledger, "m-1", "EUR").await;
    let eur2 = wallet_of(&ledger, "m-2", "EUR").await;
    pay_in(&ledger, &usd, "50.00").await;
    pay_in(&ledger, &eur, "50.00").await;
    let eur_funding = allowed(&ledger, &admin(), "fund_bank_account", json!({"currency": "EUR", "amount": "9"}))
        .await
        .transaction_ids[0]
        .clone();
    let op = operator();

    // Currency: every EUR movement stops, USD goes on, for the same merchant.
    set(&ledger, flags::CORE_WALLET_ENABLED, "currency:EUR", false).await;
    let eur_frozen = (flags::CORE_WALLET_ENABLED.to_string(), "currency:EUR".to_string());
    assert_eq!(denied(&ledger, &op, "post_payin", payin(&eur, "sandbox")).await, eur_frozen);
    assert_eq!(denied(&ledger, &op, "transfer", transfer(&eur, &eur2)).await, eur_frozen);
    assert_eq!(denied(&ledger, &op, "reserve_payout", payout(&eur, "sandbox")).await, eur_frozen);
    assert_eq!(
        denied(&ledger, &admin(), "fund_bank_account", json!({"currency": "EUR", "amount": "1"})).await,
        eur_frozen
    );
    // A transaction between system accounts is checked by its currency.
    assert_eq!(denied(&ledger, &op, "reverse_transaction", reversal(&eur_funding)).await, eur_frozen);
    allowed(&ledger, &op, "post_payin", payin(&usd, "sandbox")).await;
    allowed(&ledger, &admin(), "fund_bank_account", json!({"currency": "USD", "amount": "1"})).await;
    set(&ledger, flags::CORE_WALLET_ENABLED, "currency:EUR", true).await;
    allowed(&ledger, &op, "post_payin", payin(&eur, "sandbox")).await;

    // Provider, on payins_enabled: only pay-ins through that provider stop;
    // payouts through it do not (payins_enabled gates pay-ins only).
    set(&ledger, flags::PAYINS_ENABLED, "provider:bad-psp", false).await;
    let (flag, scope) = denied(&ledger, &op, "post_payin", payin(&usd, "bad-psp")).await;
    assert_eq!((flag.as_str(), scope.as_str()), (flags::PAYINS_ENABLED, "provider:bad-psp"));
    allowed(&ledger, &op, "post_payin", payin(&usd, "sandbox")).await;
    allowed(&ledger, &op, "reserve_payout", payout(&usd, "bad-psp")).await;

    // Provider, on payouts_enabled: only payouts through it stop.
    set(&ledger, flags::PAYOUTS_ENABLED, "provider:slow-psp", false).await;
    let (flag, scope) = denied(&ledger, &op, "reserve_payout", payout(&usd, "slow-psp")).await;
    assert_eq!((flag.as_str(), scope.as_str()), (flags::PAYOUTS_ENABLED, "provider:slow-psp"));
    allowed(&ledger, &op, "reserve_payout", payout(&usd, "sandbox")).await;
    allowed(&ledger, &op, "post_payin", payin(&usd, "slow-psp")).await;

    // core_wallet_enabled at a provider stops both directions through it.
    set(&ledger, flags::CORE_WALLET_ENABLED, "provider:sandbox", false).await;
    denied(&ledger, &op, "post_payin", payin(&usd, "sandbox")).await;
    denied(&ledger, &op, "reserve_payout", payout(&usd, "sandbox")).await;
    allowed(&ledger, &op, "transfer", transfer(&eur, &eur2)).await;

    // Global payouts freeze: pay-ins and transfers go on.
    set(&ledger, flags::PAYOUTS_ENABLED, "global", false).await;
    let (flag, scope) = denied(&ledger, &op, "reserve_payout", payout(&eur, "other")).await;
    assert_eq!((flag.as_str(), scope.as_str()), (flags::PAYOUTS_ENABLED, "global"));
    allowed(&ledger, &op, "post_payin", payin(&eur, "other")).await;
    allowed(&ledger, &op, "transfer", transfer(&eur, &eur2)).await;
    assert_sound(&ledger).await;
}

async fn fail_closed_allows_only_explicitly_enabled_scopes(ledger: Ledger) {
    let m1 = wallet_of(&ledger, "m-1", "USD").await;
    let m2 = wallet_of(&ledger, "m-2", "USD").await;
    let m3 = wallet_of(&ledger, "m-3", "GBP").await;
    let m4 = wallet_of(&ledger, "m-4", "EUR").await;
    for w in [&m1, &m2, &m3, &m4] {
        pay_in(&ledger, w, "50.00").await;
    }
    let op = operator();

    set_mode(&ledger, flags::PAYOUTS_ENABLED, "fail_closed").await;
    // No scope is enabled yet: every payout is denied, although the global
    // row itself says enabled (it carries the mode, it does not allow).
    for w in [&m1, &m2, &m3, &m4] {
        let (flag, scope) = denied(&ledger, &op, "reserve_payout", payout(w, "sandbox")).await;
        assert_eq!(flag, flags::PAYOUTS_ENABLED);
        assert!(scope.starts_with("fail_closed"), "{scope}");
    }
    // Other flags keep their own (open) mode.
    allowed(&ledger, &op, "post_payin", payin(&m2, "sandbox")).await;

    set(&ledger, flags::PAYOUTS_ENABLED, "merchant:m-1", true).await;
    allowed(&ledger, &op, "reserve_payout", payout(&m1, "sandbox")).await;
    denied(&ledger, &op, "reserve_payout", payout(&m2, "sandbox")).await;
    set(&ledger, flags::PAYOUTS_ENABLED, "provider:p2", true).await;
    allowed(&ledger, &op, "reserve_payout", payout(&m2, "p2")).await;
    denied(&ledger, &op, "reserve_payout", payout(&m2, "sandbox")).await;
    set(&ledger, flags::PAYOUTS_ENABLED, "currency:GBP", true).await;
    allowed(&ledger, &op, "reserve_payout", payout(&m3, "sandbox")).await;

    // An explicit false still wins over an explicit true.
    set(&ledger, flags::PAYOUTS_ENABLED, "currency:USD", false).await;
    let (_, scope) = denied(&ledger, &op, "reserve_payout", payout(&m1, "sandbox")).await;
    assert_eq!(scope, "currency:USD");
    set(&ledger, flags::PAYOUTS_ENABLED, "currency:USD", true).await;
    allowed(&ledger, &op, "reserve_payout", payout(&m2, "sandbox")).await;
    set(&ledger, flags::PAYOUTS_ENABLED, "currency:USD", false).await;

    // Setting the global row again without a mode keeps fail_closed: m-4
    // (no row of its own anywhere) stays denied.
    set(&ledger, flags::PAYOUTS_ENABLED, "global", true).await;
    let (_, scope) = denied(&ledger, &op, "reserve_payout", payout(&m4, "sandbox")).await;
    assert!(scope.starts_with("fail_closed"), "{scope}");
    let global = flags::list(ledger.store())
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.name == flags::PAYOUTS_ENABLED && f.scope == "global")
        .unwrap();
    assert_eq!(global.mode.as_deref(), Some("fail_closed"));

    // Back to fail_open: m-4 may pay out; only the explicit false still denies.
    set_mode(&ledger, flags::PAYOUTS_ENABLED, "fail_open").await;
    allowed(&ledger, &op, "reserve_payout", payout(&m4, "sandbox")).await;
    let (_, scope) = denied(&ledger, &op, "reserve_payout", payout(&m2, "sandbox")).await;
    assert_eq!(scope, "currency:USD");
    set(&ledger, flags::PAYOUTS_ENABLED, "currency:USD", true).await;
    allowed(&ledger, &op, "reserve_payout", payout(&m2, "sandbox")).await;
    allowed(&ledger, &op, "reserve_payout", payout(&m3, "other")).await;
    assert_sound(&ledger).await;
}

async fn set_feature_flag_needs_the_admin_role(ledger: Ledger) {
    let def = ledgerdeck_server::commands::find("set_feature_flag").expect("registered");
    assert_eq!(def.role, ledgerdeck_client::Role::Admin);
    assert!(!def.moves_money);
    let body = json!({"name": flags::CORE_WALLET_ENABLED, "scope": "global", "enabled": "false"});
    for caller in [operator(), viewer()] {
        let before = footprint(&ledger).await;
        let err = run(&ledger, &caller, "set_feature_flag", body.clone()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{}", caller.name);
        assert_eq!(footprint(&ledger).await, before);
        assert_eq!(flag_rows(&ledger).await, 0);
    }
    // The admin needs no idempotency key (it moves no money).
    let result = ledger.execute(&admin(), "set_feature_flag", body, None).await.unwrap();
    assert_eq!(result.status, CommandStatus::Updated);
    assert_eq!(result.subject_id.as_deref(), Some("core_wallet_enabled:global:"));
    assert!(result.transaction_ids.is_empty() && result.balances.is_empty());

    let rows = flags::list(ledger.store()).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.name.as_str(), row.scope.as_str(), row.scope_value.as_str()),
        ("core_wallet_enabled", "global", "")
    );
    assert!(!row.enabled);
    assert_eq!(row.mode, None);
    assert_eq!(row.updated_by, "root-admin");

    // The change is announced on the outbox, on the command's transaction.
    let events: Vec<(String, String)> =
        sqlx::query_as("SELECT event_type, subject_id FROM outbox_messages WHERE event_type = 'flag.changed'")
            .fetch_all(ledger.store().pool())
            .await
            .unwrap();
    assert_eq!(events, [("flag.changed".to_string(), "core_wallet_enabled:global:".to_string())]);
}

async fn set_feature_flag_checks_its_fields(ledger: Ledger) {
    let cases = [
        (
            json!({"name": "core_wallet_enabled", "scope": "global", "scope_value": "m-1", "enabled": "false"}),
            "scope_value",
        ),
        (json!({"name": "core_wallet_enabled", "scope": "merchant", "enabled": "false"}), "scope_value"),
        (
            json!({"name": "core_wallet_enabled", "scope": "merchant", "scope_value": "  ", "enabled": "false"}),
            "scope_value",
        ),
        (
            json!({"name": "core_wallet_enabled", "scope": "provider", "scope_value": "", "enabled": "false"}),
            "scope_value",
        ),
        (
            json!({"name": "core_wallet_enabled", "scope": "currency", "scope_value": "XYZ", "enabled": "false"}),
            "scope_value",
        ),
        (
            json!({"name": "core_wallet_enabled", "scope": "currency", "scope_value": "usd", "enabled": "false"}),
            "scope_value",
        ),
        (
            json!({"name": "payouts_enabled", "scope": "merchant", "scope_value": "m-1", "enabled": "true", "mode": "fail_closed"}),
            "mode",
        ),
        (json!({"name": "payouts_enabled", "scope": "global", "enabled": "true", "mode": "sometimes"}), "mode"),
        (
            json!({"name": "record_completions_while_frozen", "scope": "merchant", "scope_value": "m-1", "enabled": "false"}),
            "scope",
        ),
        (
            json!({"name": "record_completions_while_frozen", "scope": "global", "enabled": "false", "mode": "fail_open"}),
            "mode",
        ),
        (json!({"name": "no_such_flag", "scope": "global", "enabled": "false"}), "name"),
        (json!({"name": "core_wallet_enabled", "scope": "planet", "enabled": "false"}), "scope"),
        (json!({"name": "core_wallet_enabled", "scope": "global", "enabled": "yes"}), "enabled"),
        (json!({"name": "core_wallet_enabled", "scope": "global"}), "enabled"),
    ];
    for (body, field) in cases {
        let before = footprint(&ledger).await;
        let err = run(&ledger, &admin(), "set_feature_flag", body.clone()).await.expect_err(&body.to_string());
        assert_eq!(err.code(), ErrorCode::ValidationFailed, "{body}: {err}");
        let fields: Vec<&str> = err.field_errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, [field], "{body}");
        assert_eq!(footprint(&ledger).await, before, "{body}");
        assert_eq!(flag_rows(&ledger).await, 0, "{body}");
    }
    // Every problem at once.
    let err = run(
        &ledger,
        &admin(),
        "set_feature_flag",
        json!({"name": "core_wallet_enabled", "scope": "merchant", "enabled": "true", "mode": "fail_closed"}),
    )
    .await
    .unwrap_err();
    let mut fields: Vec<&str> = err.field_errors().iter().map(|f| f.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["mode", "scope_value"]);

    // The well-formed versions pass; an empty scope_value is fine for global.
    for body in [
        json!({"name": "core_wallet_enabled", "scope": "global", "scope_value": "", "enabled": "true"}),
        json!({"name": "core_wallet_enabled", "scope": "merchant", "scope_value": "m-1", "enabled": "true"}),
        json!({"name": "core_wallet_enabled", "scope": "currency", "scope_value": "USD", "enabled": "true"}),
        json!({"name": "payouts_enabled", "scope": "global", "enabled": "true", "mode": "fail_open"}),
        json!({"name": "record_completions_while_frozen", "scope": "global", "enabled": "true"}),
    ] {
        allowed(&ledger, &admin(), "set_feature_flag", body).await;
    }
    assert_eq!(flag_rows(&ledger).await, 5);
}

async fn the_sagas_switches(ledger: Ledger) {
    let mut conn = ledger.store().pool().acquire().await.unwrap();
    let m1 = FlagScope { merchant: Some("m-1"), currency: Some("USD"), provider: None };
    let m2 = FlagScope { merchant: Some("m-2"), currency: Some("USD"), provider: None };

    // Completions are recorded while frozen unless switched off globally.
    assert!(flags::completions_recorded_while_frozen(&mut conn).await.unwrap());
    set(&ledger, flags::CORE_WALLET_ENABLED, "global", false).await;
    assert!(flags::completions_recorded_while_frozen(&mut conn).await.unwrap(), "a freeze is not the switch");
    set(&ledger, flags::RECORD_COMPLETIONS_WHILE_FROZEN, "global", false).await;
    assert!(!flags::completions_recorded_while_frozen(&mut conn).await.unwrap());
    set(&ledger, flags::RECORD_COMPLETIONS_WHILE_FROZEN, "global", true).await;
    assert!(flags::completions_recorded_while_frozen(&mut conn).await.unwrap());

    // is_frozen follows core_wallet_enabled only.
    assert!(flags::is_frozen(&mut conn, &FlagScope::global()).await.unwrap());
    assert!(flags::is_frozen(&mut conn, &m2).await.unwrap());
    set(&ledger, flags::CORE_WALLET_ENABLED, "global", true).await;
    assert!(!flags::is_frozen(&mut conn, &m1).await.unwrap());
    set(&ledger, flags::CORE_WALLET_ENABLED, "merchant:m-1", false).await;
    set(&ledger, flags::PAYOUTS_ENABLED, "merchant:m-2", false).await;
    assert!(flags::is_frozen(&mut conn, &m1).await.unwrap());
    assert!(!flags::is_frozen(&mut conn, &m2).await.unwrap(), "payouts_enabled is not a freeze");
    assert!(!flags::is_frozen(&mut conn, &FlagScope::global()).await.unwrap());
    let err = flags::check(&mut conn, &flags::PAYOUT_GATES, &m2.with_provider("sandbox")).await.unwrap_err();
    assert!(
        matches!(&err, LedgerError::FlagDenied { flag, scope } if flag == "payouts_enabled" && scope == "merchant:m-2")
    );
    flags::check(&mut conn, &flags::PAYOUT_GATES, &FlagScope::global()).await.unwrap();
    flags::check(&mut conn, &[], &m1).await.unwrap();
}

async fn flags_over_http(ledger: Ledger) {
    let server = TestServer::start(ledger.clone()).await;
    let w = wallet_of(&ledger, "m-9", "KES").await;

    let body = json!({"name": "payins_enabled", "scope": "merchant", "scope_value": "m-9", "enabled": "false"});
    let forbidden = server.command(&server.operator, "set_feature_flag", &body, None).await;
    expect_problem(forbidden, 403, "FORBIDDEN").await;
    let response = server.command(&server.admin, "set_feature_flag", &body, None).await;
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    assert_eq!(result["status"], "updated");
    assert_eq!(result["subject_id"], "payins_enabled:merchant:m-9");

    let listed = server.get(&server.viewer, "/v1/flags").await;
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    let rows = listed.as_array().expect("a list");
    assert_eq!(rows.len(), 1, "{listed}");
    let row = &rows[0];
    assert_eq!(row["name"], "payins_enabled");
    assert_eq!((row["scope"].as_str(), row["scope_value"].as_str()), (Some("merchant"), Some("m-9")));
    assert_eq!(row["enabled"], false);
    assert_eq!(row["mode"], Value::Null);
    assert_eq!(row["updated_by"], "root-admin");
    assert!(row["updated_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{row}");

    let before = footprint(&ledger).await;
    let denied = server
        .command(
            &server.operator,
            "post_payin",
            &json!({"wallet_id": w, "amount": "1", "provider": "mpesa"}),
            Some(&key()),
        )
        .await;
    let problem = expect_problem(denied, 403, "FLAG_DENIED").await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("payins_enabled") && detail.contains("merchant:m-9"), "{detail}");
    assert_eq!(footprint(&ledger).await, before);

    let anonymous = server.http.get(server.url("/v1/flags")).send().await.unwrap();
    expect_problem(anonymous, 401, "UNAUTHENTICATED").await;
    server.stop().await;
}

on_both_databases!(
    global_freeze_denies_every_money_command,
    merchant_freeze_denies_only_that_merchant,
    currency_and_provider_scopes,
    fail_closed_allows_only_explicitly_enabled_scopes,
    set_feature_flag_needs_the_admin_role,
    set_feature_flag_checks_its_fields,
    the_sagas_switches,
    flags_over_http,
);
