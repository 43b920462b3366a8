//! The Wallets, Ledger, Controls and Audit views driven by keys.

mod fixtures;

use fixtures::press;

use ledgerdeck_client::{AuditQuery, Page, Role, TransactionQuery, WalletQuery};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::views::ViewId;
use serde_json::json;

fn screen(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 160, 48))
}

fn with_views(read_only: bool, role: Role) -> App {
    let mut app = fixtures::app_as("terminal", read_only, role);
    fixtures::feed_views(&mut app);
    app
}

#[test]
fn the_new_views_load_at_start_and_on_their_number() {
    let mut app = fixtures::app("terminal", false, false);
    let start = app.start();
    for read in [
        Request::LoadWallets(WalletQuery::default()),
        Request::LoadTransactions(TransactionQuery::default()),
        Request::LoadFlags,
    ] {
        assert!(start.contains(&read), "{start:?}");
    }
    assert!(start.contains(&Request::LoadAudit(AuditQuery::default())));
    press(&mut app, "8");
    assert_eq!(app.view, ViewId::Audit);
}

#[test]
fn enter_on_a_wallet_loads_its_statement_and_n_pages() {
    let mut app = with_views(false, Role::Operator);
    let next = WalletQuery { cursor: Some("c-wallets-2".into()), ..WalletQuery::default() };
    assert_eq!(press(&mut app, "5n"), vec![Request::LoadWallets(next)]);
    let mut more = fixtures::wallets();
    more.items.truncate(1);
    more.items[0].id = "w9".into();
    more.next_cursor = None;
    app.on_data(DataMsg::Wallets { page: more, append: true });
    assert_eq!(app.views.wallets.wallets.as_ref().unwrap().len(), 5);
    assert!(press(&mut app, "n").is_empty(), "the last page");
    assert_eq!(press(&mut app, "\n"), vec![Request::LoadStatement("w1".into())]);
    app.on_data(DataMsg::Statement { wallet_id: "w1".into(), page: fixtures::statement() });
    assert!(screen(&mut app).contains("pay-in from sandbox"));
    press(&mut app, "\x1b");
    assert!(app.views.wallets.open.is_none());
}

#[test]
fn x_reverses_from_the_ledger_through_the_prefilled_form() {
    let mut app = with_views(false, Role::Operator);
    assert_eq!(press(&mut app, "6j\n"), vec![Request::LoadTransaction("01947a3c-0000-7000-8000-000000000002".into())]);
    assert!(screen(&mut app).contains("sys:USD:payin_clearing"));
    assert!(press(&mut app, "x").is_empty());
    let form = app.palette.form.as_ref().expect("the reverse form");
    assert_eq!(form.spec.name, "reverse_transaction");
    assert_eq!(form.value("transaction_id"), Some("01947a3c-0000-7000-8000-000000000002"));
    assert!(press(&mut app, "\n").is_empty(), "the reason is required");
    assert!(screen(&mut app).contains("✖ required"));
    let sent = press(&mut app, "duplicate pay-in\ny");
    let [Request::Command { command, body, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    assert_eq!(command, "reverse_transaction");
    assert_eq!(body, &json!({"transaction_id": "01947a3c-0000-7000-8000-000000000002", "reason": "duplicate pay-in"}));
}

#[test]
fn x_before_the_registry_loads_it_then_opens_the_form() {
    let mut app = fixtures::app("terminal", false, false);
    fixtures::feed_views(&mut app);
    assert_eq!(press(&mut app, "6x"), vec![Request::LoadCommands]);
    app.on_data(DataMsg::Commands(fixtures::commands()));
    let form = app.palette.form.as_ref().expect("opened when the registry came");
    assert_eq!(form.value("transaction_id"), Some("01947a3c-0000-7000-8000-000000000001"));
}

#[test]
fn f_sets_a_flag_for_an_admin_only() {
    let mut admin = with_views(false, Role::Admin);
    press(&mut admin, "7jf");
    let form = admin.palette.form.as_ref().expect("the flag form");
    assert_eq!(form.spec.name, "set_feature_flag");
    assert_eq!(
        (form.value("name"), form.value("scope"), form.value("scope_value"), form.value("enabled")),
        (Some("payouts_enabled"), Some("merchant"), Some("m-zed"), Some("true")),
        "prefilled from the row, flipped"
    );
    let mut operator = with_views(false, Role::Operator);
    press(&mut operator, "7f");
    assert!(operator.palette.form.is_none(), "set_feature_flag needs admin");
}

#[test]
fn slash_filters_the_audit_log_by_actor() {
    let mut app = with_views(false, Role::Operator);
    press(&mut app, "8/");
    let sent = press(&mut app, "ops-bob\n");
    assert_eq!(sent, vec![Request::LoadAudit(AuditQuery { actor: Some("ops-bob".into()), ..AuditQuery::default() })]);
    assert_eq!(
        press(&mut app, "n"),
        vec![Request::LoadAudit(AuditQuery {
            actor: Some("ops-bob".into()),
            cursor: Some("c-audit-2".into()),
            ..AuditQuery::default()
        })]
    );
    assert!(screen(&mut app).contains("actor: ops-bob"));
}

#[test]
fn read_only_and_viewer_offer_no_reverse_or_flag() {
    for (read_only, role) in [(true, Role::Admin), (false, Role::Viewer)] {
        let mut app = with_views(read_only, role);
        assert!(press(&mut app, "6x").is_empty());
        assert!(app.palette.form.is_none(), "{read_only} {role:?}");
        assert!(press(&mut app, "7f").is_empty());
        assert!(app.palette.form.is_none());
        let text = screen(&mut app);
        assert!(!text.contains("set flag"), "{read_only} {role:?}: {text}");
        press(&mut app, "6");
        assert!(!screen(&mut app).contains("x reverse"));
        press(&mut app, "2");
        assert!(press(&mut app, "r").is_empty(), "no gate run either");
    }
}

#[test]
fn server_strings_are_drawn_inert() {
    let mut app = with_views(false, Role::Operator);
    let mut page: Page<_> = fixtures::wallets();
    page.items[0].label = Some("\x1b]52;c;ZXZpbA==\x07evil\u{202e}label".into());
    app.on_data(DataMsg::Wallets { page, append: false });
    press(&mut app, "5");
    let text = screen(&mut app);
    assert!(text.contains("evillabel"), "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\u{202e}'));
}
