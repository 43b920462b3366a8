//! "As of" on a wallet's statement by key: `a` asks for a time, Enter reads
//! the balance as of it (a bare date is the end of that day, UTC), a bad
//! time is refused inline and sends nothing, the answer is shown until an
//! empty Enter clears it, and a refusal from the server is shown in place.

mod fixtures;

use fixtures::{dec, press};
use ledgerdeck_client::{BalanceFigures, Role, WalletBalanceAsOf};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};

/// Wallet `w1`'s statement open.
fn statement() -> App {
    let mut app = fixtures::app_as("terminal", false, Role::Viewer);
    fixtures::feed_views(&mut app);
    press(&mut app, "5\n");
    app.on_data(DataMsg::Statement { wallet_id: "w1".into(), page: fixtures::statement() });
    app
}

/// The balances of `w1` at `as_of`: a back-dated credit counted by effective time only.
pub fn answer(as_of: &str) -> WalletBalanceAsOf {
    let f = |a: &str, r: &str, t: &str| BalanceFigures { available: dec(a), reserved: dec(r), total: dec(t) };
    WalletBalanceAsOf {
        wallet_id: "w1".into(),
        currency: "USD".into(),
        as_of: as_of.into(),
        effective: f("12775.50", "0.00", "12775.50"),
        booked: f("12750.00", "0.00", "12750.00"),
    }
}

fn reads(requests: &[Request]) -> Vec<&Request> {
    requests.iter().filter(|r| matches!(r, Request::LoadBalanceAsOf { .. })).collect()
}

#[test]
fn a_date_asks_for_the_end_of_that_day_and_the_answer_shows_until_cleared() {
    let mut app = statement();
    assert!(press(&mut app, "a").is_empty());
    assert_eq!(app.context().name, "as_of", "the prompt has the keyboard (even viewers: it only reads)");
    let requests = press(&mut app, "2026-01-30\n");
    let asked = Request::LoadBalanceAsOf { wallet_id: "w1".into(), as_of: "2026-01-30T23:59:59.999999Z".into() };
    assert_eq!(reads(&requests), vec![&asked]);
    assert_eq!(app.context().name, "statement");
    app.on_data(DataMsg::BalanceAsOf(answer("2026-01-30T23:59:59.999999Z")));
    let shown = app.views.wallets.as_of.answer.clone().expect("the answer is kept");
    assert_eq!(shown.effective.total, dec("12775.50"));
    // Another wallet's answer, or one for another time, is not taken.
    let mut other = answer("2026-01-29T00:00:00.000000Z");
    other.effective.total = dec("1.00");
    app.on_data(DataMsg::BalanceAsOf(other));
    assert_eq!(app.views.wallets.as_of.answer.as_ref().map(|a| a.effective.total), Some(dec("12775.50")));
    // A refresh reads it again; an empty answer to the prompt clears it.
    assert!(app.on_tick(fixtures::now() + chrono::TimeDelta::seconds(60)).contains(&asked));
    assert!(reads(&press(&mut app, "a\n")).is_empty());
    assert!(app.views.wallets.as_of.asked.is_none() && !app.views.wallets.as_of.is_shown(), "cleared");
}

#[test]
fn a_bad_time_is_refused_inline_and_sends_nothing() {
    let mut app = statement();
    let requests = press(&mut app, "ayesterday\n");
    assert!(reads(&requests).is_empty());
    assert_eq!(app.context().name, "as_of", "the prompt stays open to fix it");
    assert!(app.views.wallets.as_of.error.as_deref().is_some_and(|e| e.contains("yesterday")));
    press(&mut app, "\x1b");
    assert_eq!(app.context().name, "statement", "Esc closes the prompt");
}

#[test]
fn the_servers_refusal_is_shown_in_place() {
    let mut app = statement();
    let requests = press(&mut app, "a2026-01-31T10:00:00+01:00\n");
    let [Request::LoadBalanceAsOf { as_of, .. }] = reads(&requests)[..] else { panic!("{requests:?}") };
    assert_eq!(as_of, "2026-01-31T09:00:00.000000Z", "sent in UTC");
    app.on_data(DataMsg::ReadFailed {
        request: Request::LoadBalanceAsOf { wallet_id: "w1".into(), as_of: as_of.clone() },
        code: Some("VALIDATION_FAILED".into()),
        detail: "as_of: must be an RFC 3339 time".into(),
    });
    let error = app.views.wallets.as_of.error.clone().expect("shown");
    assert!(error.contains("VALIDATION_FAILED"), "{error}");
}

#[test]
fn opening_another_wallet_forgets_the_figures() {
    let mut app = statement();
    press(&mut app, "a2026-01-30\n");
    press(&mut app, "\x1bj\n");
    assert!(!app.views.wallets.as_of.is_shown());
}
