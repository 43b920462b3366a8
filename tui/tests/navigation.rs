//! Going where things point and coming back: a finding opens its wallet's
//! statement at the broken line and Esc returns to the same finding; a
//! hold's links; the find box; copying a value; the palette filled from the
//! selection and its pickers of loaded rows.

mod fixtures;

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::payouts as fx;
use fixtures::press;
use ledgerdeck_client::search::SearchQuery;
use ledgerdeck_client::{Page, Role, StatementLine};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::views::ViewId;

fn tab_line(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 160, 48)).lines().next().unwrap_or_default().to_string()
}

fn ctrl(app: &mut App, c: char) -> Vec<Request> {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The Gates view with wallet_drift's findings open, the second one (a
/// broken line at posting 41) selected.
fn on_second_finding() -> App {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "2j\n");
    let mut findings = fixtures::findings();
    findings.items[1].posting_seq = Some(41);
    app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: findings });
    press(&mut app, "j");
    app
}

fn statement_lines(seqs: &[i64]) -> Page<StatementLine> {
    let mut page = fixtures::statement();
    page.items = seqs.iter().map(|seq| StatementLine { posting_seq: *seq, ..page.items[0].clone() }).collect();
    page
}

#[test]
fn a_finding_opens_its_statement_at_the_broken_line_and_esc_returns_to_the_same_finding() {
    let mut app = on_second_finding();
    let sent = press(&mut app, "\n");
    assert!(
        sent.contains(&Request::LoadStatementAt { wallet_id: "w_01947b".into(), through_seq: 41 }),
        "the statement from the broken line back: {sent:?}"
    );
    assert!(sent.contains(&Request::LoadWallet("w_01947b".into())), "{sent:?}");
    assert_eq!(app.view, ViewId::Wallets);
    app.on_data(DataMsg::Statement { wallet_id: "w_01947b".into(), page: statement_lines(&[44, 41, 40]) });
    assert_eq!(app.views.wallets.line, 1, "the broken line is selected");
    let path = tab_line(&mut app);
    assert!(path.contains("Gates › wallet_drift › wallet w_01947b"), "{path}");
    assert!(path.contains("Esc back"), "{path}");

    press(&mut app, "\x1b");
    assert_eq!(app.view, ViewId::Gates);
    assert!(app.views.gates.findings_focused, "back on the findings");
    assert_eq!(app.views.gates.finding, 1, "on the same finding");
    assert!(app.views.wallets.open.is_none(), "the Wallets view is as it was");
    assert!(tab_line(&mut app).contains("2 Gates"), "the tabs are back");
}

#[test]
fn number_keys_leave_the_path_and_esc_then_belongs_to_the_view() {
    let mut app = on_second_finding();
    press(&mut app, "\n");
    press(&mut app, "65");
    assert_eq!(app.view, ViewId::Wallets);
    press(&mut app, "\x1b");
    assert_eq!(app.view, ViewId::Wallets, "no path to go back along");
    assert!(app.views.wallets.open.is_none(), "Esc closed the statement instead");
}

/// Payouts with the first hold open, its detail and wallet loaded.
fn hold_open() -> App {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    press(&mut app, "\n");
    app.on_data(DataMsg::Hold(fx::detail(0)));
    app.on_data(DataMsg::Wallet(fx::wallet()));
    app
}

#[test]
fn a_hold_points_to_its_wallet_merchant_and_transactions() {
    let mut app = hold_open();
    press(&mut app, "g");
    let chooser = app.chooser().expect("several links: a chooser");
    let lines: Vec<&str> = chooser.lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(lines, ["wallet w_01947a00-usd", "merchant m_40", "reserve transaction txn_res_00"]);
    let sent = press(&mut app, "j\n");
    assert_eq!(sent, vec![Request::LoadMerchant("m_40".into())]);
    assert_eq!(app.view, ViewId::Merchant);
    app.on_data(DataMsg::Merchant(ledgerdeck_client::MerchantView {
        merchant_id: "m_40".into(),
        ..fixtures::merchant()
    }));
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 160, 48));
    assert!(screen.contains("Merchant m_40") && screen.contains("manual_review 2"), "{screen}");
    assert!(tab_line(&mut app).contains("Payouts › hold payout-7700 › merchant m_40"));
    press(&mut app, "\x1b");
    assert_eq!(app.view, ViewId::Payouts);
    assert_eq!(app.views.payouts.open.as_deref(), Some("hold_01947c00"), "back on the open hold");
}

#[test]
fn a_transaction_points_to_its_wallets_and_its_reversal() {
    let mut app = fixtures::app("terminal", false, false);
    fixtures::feed_views(&mut app);
    press(&mut app, "6jj");
    press(&mut app, "g");
    let chooser = app.chooser().expect("a chooser");
    let lines: Vec<&str> = chooser.lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(lines, ["wallet w3", "reversed by 01947a3c-0000-7000-8000-000000000099"]);
    let sent = press(&mut app, "j\n");
    assert_eq!(sent, vec![Request::LoadTransaction("01947a3c-0000-7000-8000-000000000099".into())]);
    assert_eq!(app.views.ledger.open.as_deref(), Some("01947a3c-0000-7000-8000-000000000099"));
    press(&mut app, "\x1b");
    assert!(app.views.ledger.open.is_none(), "back on the list, where the reversed one is selected");
    assert_eq!(app.views.ledger.selected, 2);
}

#[test]
fn the_find_box_asks_once_typing_pauses_and_opens_the_hit() {
    let mut app = fixtures::app("terminal", false, false);
    assert!(ctrl(&mut app, 'f').is_empty());
    // As the runtime does it: a tick every 250 ms, keys between them. Typing
    // a key every 100 ms asks nothing; the second quiet tick asks once.
    let t0 = app.now;
    let tick = |app: &mut App, n: i64| {
        let asked = app.on_tick(t0 + TimeDelta::milliseconds(250 * n));
        asked.into_iter().filter(|r| matches!(r, Request::Search(_))).collect::<Vec<_>>()
    };
    let mut ticks = 0;
    for (i, c) in "PSK-4411".chars().enumerate() {
        assert!(press(&mut app, &c.to_string()).is_empty(), "nothing is asked on a key");
        if i % 3 == 2 {
            ticks += 1;
            assert!(tick(&mut app, ticks).is_empty(), "nothing is asked while typing");
        }
    }
    ticks += 1;
    assert!(tick(&mut app, ticks).is_empty(), "the first tick after the last key still waits");
    ticks += 1;
    let query = SearchQuery { q: "PSK-4411".into(), limit: Some(20) };
    assert_eq!(tick(&mut app, ticks), vec![Request::Search(query)], "a whole quiet tick: asked");
    assert!(tick(&mut app, ticks + 1).is_empty(), "asked once");
    app.on_data(DataMsg::Search(fixtures::search_hits("PSK-4411")));
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 120, 36));
    assert!(screen.contains("hold 1,250.00 USD manual_review") && screen.contains("by provider_reference"), "{screen}");
    let sent = press(&mut app, "\n");
    assert!(sent.contains(&Request::LoadHold("hold_01947c00".into())), "{sent:?}");
    assert_eq!(app.view, ViewId::Payouts);
    assert!(!app.find.is_open());
    press(&mut app, "\x1b");
    assert_eq!(app.view, ViewId::Overview, "Esc goes back to where find was opened");
}

/// A finding opened from find: once its findings arrive the fixable one
/// is selected (the view's keys change), and Esc still goes back.
#[test]
fn esc_goes_back_from_a_found_finding_whatever_keys_it_offers() {
    let mut app = fixtures::app_as("terminal", false, Role::Admin);
    ctrl(&mut app, 'f');
    press(&mut app, "f1");
    press(&mut app, "\n");
    let mut results = fixtures::search_hits("f1");
    results.hits[0].kind = ledgerdeck_client::HitKind::Finding;
    results.hits[0].id = "f1".into();
    results.hits[0].gate = Some("wallet_drift".into());
    app.on_data(DataMsg::Search(results));
    press(&mut app, "\n");
    assert_eq!(app.view, ViewId::Gates);
    app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: fixtures::findings() });
    assert_eq!(app.context().name, "fixable_finding", "{}", app.context().name);
    press(&mut app, "\x1b");
    assert_eq!(app.view, ViewId::Overview, "back to where find was opened");
}

/// Esc from a transaction reached by a link shows the transaction it came
/// from, not the one left, and reads it again.
#[test]
fn esc_from_a_followed_transaction_shows_the_one_it_came_from() {
    let mut app = fixtures::app("terminal", false, false);
    fixtures::feed_views(&mut app);
    press(&mut app, "6jj\n");
    let first = app.views.ledger.open.clone().expect("a transaction open");
    press(&mut app, "g");
    press(&mut app, "j\n");
    let reversal = app.views.ledger.open.clone().expect("the reversal open");
    assert_ne!(reversal, first);
    let mut detail = fixtures::transactions().items[2].clone();
    detail.id = reversal.clone();
    detail.description = "the reversal itself".into();
    app.on_data(DataMsg::Transaction(detail));
    assert!(fixtures::buffer_text(&fixtures::draw(&mut app, 160, 48)).contains("the reversal itself"));

    let sent = press(&mut app, "\x1b");
    assert_eq!(app.views.ledger.open.as_deref(), Some(first.as_str()));
    assert!(sent.contains(&Request::LoadTransaction(first.clone())), "{sent:?}");
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 160, 48));
    assert!(!screen.contains("the reversal itself"), "{screen}");
}

#[test]
fn the_find_box_sends_what_was_typed_literally() {
    let mut app = fixtures::app("terminal", false, false);
    ctrl(&mut app, 'f');
    press(&mut app, "ref%_*");
    let sent = press(&mut app, "\n");
    assert_eq!(sent, vec![Request::Search(SearchQuery { q: "ref%_*".into(), limit: Some(20) })], "Enter asks at once");
    app.on_data(DataMsg::Search(ledgerdeck_client::SearchResults {
        query: "ref%_*".into(),
        hits: vec![],
        truncated: false,
    }));
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 120, 36));
    assert!(screen.contains("nothing has that id or reference"), "{screen}");
    press(&mut app, "\x1b");
    assert!(!app.find.is_open());
}

#[test]
fn copy_offers_the_rows_values_and_puts_the_chosen_one_on_the_clipboard_inert() {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "3");
    let mut queue = fx::queue();
    queue.items[0].reference = "payout-7700\x1b]52;c;ZXZpbA==\x07\u{202e}".into();
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: queue });
    press(&mut app, "y");
    let chooser = app.chooser().expect("a copy chooser");
    let labels: Vec<&str> = chooser.lines.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels[..3], ["hold id", "reference", "wallet id"]);
    press(&mut app, "j\n");
    assert_eq!(app.take_clipboard().as_deref(), Some("payout-7700"), "escapes and bidi controls removed");
    assert!(app.take_clipboard().is_none(), "once");
    assert!(app.notice.as_ref().unwrap().text.contains("copied reference payout-7700"));
}

#[test]
fn the_palette_fills_the_chosen_commands_fields_from_the_selection() {
    let mut app = fixtures::app_as("terminal", false, Role::Operator);
    fixtures::feed_views(&mut app);
    press(&mut app, "6j:rev\n");
    let form = app.palette.form.as_ref().expect("the reverse form");
    assert_eq!(form.value("transaction_id"), Some("01947a3c-0000-7000-8000-000000000002"));
}

#[test]
fn an_id_field_offers_a_picker_of_loaded_rows() {
    let mut app = fixtures::app_as("terminal", false, Role::Operator);
    fixtures::feed_views(&mut app);
    press(&mut app, ":tra\n");
    ctrl(&mut app, 'p');
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 120, 40));
    assert!(screen.contains("pick from_wallet_id") && screen.contains("m-kofi GHS"), "{screen}");
    press(&mut app, "j\n");
    assert_eq!(app.palette.form.as_ref().unwrap().value("from_wallet_id"), Some("w2"));
}

#[test]
fn the_tokens_role_is_offered_narrowed_by_the_profiles() {
    let me = |role| {
        DataMsg::Me(ledgerdeck_client::Me {
            name: "ops-alice".into(),
            role,
            token_id: None,
            sign_in: Default::default(),
            email: None,
            expires_at: None,
        })
    };
    let mut app = fixtures::app("terminal", false, false);
    assert!(app.start().contains(&Request::LoadMe));
    app.on_data(me(Role::Admin));
    assert_eq!((app.session.role, app.session.operator.as_str()), (Role::Admin, "ops-alice"));
    let screen = fixtures::buffer_text(&fixtures::draw(&mut app, 120, 36));
    assert!(screen.contains("operator ops-alice"), "the real name in the status bar");
    let mut narrowed = fixtures::app("terminal", false, false).with_role_ceiling(Some(Role::Operator));
    narrowed.on_data(me(Role::Admin));
    assert_eq!(narrowed.session.role, Role::Operator, "the profile narrows");
    let mut viewer = fixtures::app("terminal", false, false).with_role_ceiling(Some(Role::Admin));
    viewer.on_data(me(Role::Viewer));
    assert_eq!(viewer.session.role, Role::Viewer, "but never widens");
    assert!(viewer.hides_writes());
}
