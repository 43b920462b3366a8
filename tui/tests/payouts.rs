//! The Payouts view driven by keys with fixture data: open a manual-review
//! hold, settle or release it, and every way the answer can go.

mod fixtures;

use fixtures::press;

use fixtures::payouts as fx;
use ledgerdeck_client::HoldQuery;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use ledgerdeck_tui::views::ViewId;
use serde_json::json;

fn screen(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 120, 36))
}

/// The app on the Payouts view with the queue loaded.
fn payouts(read_only: bool) -> App {
    let mut app = fixtures::app("terminal", read_only, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    app
}

/// Opens the first hold and its detail.
fn opened() -> App {
    let mut app = payouts(false);
    let requests = press(&mut app, "\n");
    assert_eq!(requests, vec![Request::LoadHold("hold_01947c00".into())]);
    let follow = app.on_data(DataMsg::Hold(fx::detail(0)));
    assert_eq!(follow, vec![Request::LoadWallet(fx::WALLET.into())]);
    app.on_data(DataMsg::Wallet(fx::wallet()));
    app
}

fn hold_command(requests: &[Request]) -> (u64, String, serde_json::Value, String) {
    let [Request::Command { id: request_id, command, body, key: idempotency_key }] = requests else {
        panic!("expected one hold command, got {requests:?}")
    };
    (*request_id, command.clone(), body.clone(), idempotency_key.clone())
}

#[test]
fn the_view_asks_for_the_manual_review_queue_oldest_first() {
    let mut app = fixtures::app("terminal", false, false);
    let requests = press(&mut app, "3");
    assert_eq!(app.view, ViewId::Payouts);
    // Loaded at start; switching back within a moment asks nothing again.
    assert!(requests.is_empty() || requests.contains(&Request::LoadHolds(fx::queue_query())), "{requests:?}");
    let mut fresh = fixtures::app("terminal", false, false);
    let start = fresh.start();
    assert!(start.contains(&Request::LoadHolds(fx::queue_query())), "{start:?}");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    let s = screen(&mut app);
    assert!(s.contains("Payouts: manual_review · oldest first"), "{s}");
    assert!(s.contains("payout-7700") && s.contains("25,000.00"), "{s}");
}

#[test]
fn status_sort_and_filter_keys() {
    let mut app = payouts(false);
    let requests = press(&mut app, "S");
    let submitted = HoldQuery { status: Some("submitted".into()), ..fx::queue_query() };
    assert_eq!(requests, vec![Request::LoadHolds(submitted)]);
    for _ in 0..5 {
        press(&mut app, "S");
    }
    assert_eq!(app.views.payouts.status_filter(), Some("manual_review"));
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    press(&mut app, "o");
    assert_eq!(app.views.payouts.shown()[0].id, "hold_01947c02", "largest amount first");
    press(&mut app, "o");
    assert_eq!(app.views.payouts.shown()[0].provider, "flutterwave");
    press(&mut app, "o");
    let requests = press(&mut app, "/merchant:m_41 provider:sandbox USD 7700\n");
    let want = HoldQuery {
        merchant_id: Some("m_41".into()),
        provider: Some("sandbox".into()),
        currency: Some("USD".into()),
        ..fx::queue_query()
    };
    assert_eq!(requests, vec![Request::LoadHolds(want.clone())]);
    app.on_data(DataMsg::Holds { query: want, page: fx::queue() });
    assert_eq!(app.views.payouts.shown().len(), 1, "reference text filters the loaded rows");
}

#[test]
fn paging_fetches_ahead_and_keeps_memory_bounded() {
    use ledgerdeck_client::Page;
    use ledgerdeck_tui::views::payouts::{MAX_PAGES, PAGE};
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "3");
    let page = |k: usize| Page {
        items: (0..PAGE as usize)
            .map(|i| {
                let mut h = fx::hold(0, "10.00", "sandbox", 60);
                h.id = format!("h{:06}", k * 200 + i);
                h
            })
            .collect(),
        next_cursor: Some(format!("c{}", k + 1)),
    };
    let query = |k: usize| HoldQuery { cursor: (k > 0).then(|| format!("c{k}")), ..fx::queue_query() };
    let mut follow = app.on_data(DataMsg::Holds { query: query(0), page: page(0) });
    for k in 1..15 {
        // Scroll to near the end of what is loaded: the next page is asked for.
        while follow.is_empty() {
            follow = press(&mut app, "j");
        }
        assert_eq!(follow, vec![Request::LoadHolds(query(k))]);
        follow = app.on_data(DataMsg::Holds { query: query(k), page: page(k) });
        assert!(app.views.payouts.loaded_rows() <= MAX_PAGES * PAGE as usize);
    }
    assert_eq!(app.views.payouts.loaded_rows(), MAX_PAGES * PAGE as usize);
    let selected = app.views.payouts.shown()[app.views.payouts.selected].id.clone();
    assert!(selected.as_str() > "h002000", "the selection survived dropping pages: {selected}");
    // Scrolling back to the top of the window fetches the dropped page before it.
    let mut back = Vec::new();
    for _ in 0..3000 {
        back = press(&mut app, "k");
        if !back.is_empty() {
            break;
        }
    }
    assert_eq!(back, vec![Request::LoadHolds(query(4))]);
    let s = screen(&mut app);
    assert!(s.lines().count() <= 36);
}

#[test]
fn sla_ages_are_coloured() {
    use ratatui::style::Color;
    let mut app = payouts(false);
    let buffer = fixtures::draw(&mut app, 120, 36);
    let text = fixtures::buffer_text(&buffer);
    let find = |needle: &str| {
        let (y, line) = text.lines().enumerate().find(|(_, l)| l.contains(needle)).unwrap();
        ((line[..line.find(needle).unwrap()].chars().count()) as u16, y as u16)
    };
    let red = buffer[find("5h 00m")].fg;
    let amber = buffer[find("3h 00m")].fg;
    let plain = buffer[find("10m 00s")].fg;
    assert_eq!(red, Color::Rgb(0xff, 0x5f, 0x5f), "past the SLA");
    assert_ne!(amber, red);
    assert_ne!(amber, plain, "past half the SLA");
}

#[test]
fn open_a_hold_and_settle_it() {
    let mut app = opened();
    let s = screen(&mut app);
    assert!(s.contains("no final status in 3 queries") && s.contains("Acme payouts") && s.contains("8,200.00"), "{s}");
    assert!(press(&mut app, "s").contains(&Request::LoadWallet(fx::WALLET.into())));
    let key = app.views.payouts.form.as_ref().unwrap().key.clone();
    let s = screen(&mut app);
    assert!(s.contains("Settle hold") && s.contains(&key[key.len() - 8..]) && s.contains("payout-7700"), "{s}");
    assert!(press(&mut app, "provider confirmed paid\tPSK-991\n").is_empty());
    let s = screen(&mut app);
    assert_eq!(
        app.views.payouts.form.as_ref().unwrap().statement(),
        "Settle: move 1,250.00 USD from wallet w_01947a00-usd reserved to provider payout clearing (sandbox)."
    );
    assert!(s.contains("Settle: move 1,250.00 USD from wallet w_01947a00-usd reserved"), "{s}");
    assert!(s.contains("Press y to confirm"), "{s}");
    let (request_id, command, body, sent_key) = hold_command(&press(&mut app, "y"));
    assert_eq!(command, "settle_hold");
    assert_eq!(sent_key, key, "the key made when the form opened");
    assert_eq!(
        body,
        json!({"hold_id": "hold_01947c00", "reason": "provider confirmed paid", "provider_reference": "PSK-991"})
    );
    let follow = app.on_data(DataMsg::CommandDone { request_id, result: fx::settled(false) });
    assert!(follow.contains(&Request::LoadHold("hold_01947c00".into())), "{follow:?}");
    let s = screen(&mut app);
    assert!(s.contains("✓ posted") && s.contains("txn_settle_01947d00") && s.contains("25,440.50"), "{s}");
    assert!(!s.contains("replayed"));
    assert_eq!(app.views.payouts.shown().len(), 3, "the settled hold left the manual-review queue");
    assert!(app.views.payouts.shown().iter().all(|h| h.id != "hold_01947c00"));
}

#[test]
fn release_with_an_empty_reason_is_refused_inline() {
    let mut app = payouts(false);
    press(&mut app, "jr");
    assert!(press(&mut app, "   \n").is_empty(), "nothing is sent");
    let s = screen(&mut app);
    assert!(s.contains("Release hold") && s.contains("a reason is required"), "{s}");
    press(&mut app, "provider returned funds\n");
    assert!(screen(&mut app).contains("back to its available balance"));
    let (_, command, body, _) = hold_command(&press(&mut app, "y"));
    assert_eq!(command, "release_hold");
    assert_eq!(body, json!({"hold_id": "hold_01947c01", "reason": "provider returned funds"}));
}

#[test]
fn a_transport_failure_keeps_the_key_and_resubmit_replays() {
    let mut app = payouts(false);
    press(&mut app, "s");
    let (request_id, _, _, first) = hold_command(&press(&mut app, "paid per provider portal\ny"));
    app.on_data(DataMsg::CommandFailed {
        request_id,
        code: None,
        detail: "timed out".into(),
        unknown: true,
        fields: Vec::new(),
    });
    let s = screen(&mut app);
    assert!(s.contains("outcome is unknown") && s.contains("same key"), "{s}");
    assert_eq!(app.views.payouts.form.as_ref().unwrap().key, first, "kept");
    let (request_id, _, _, again) = hold_command(&press(&mut app, "\n"));
    assert_eq!(again, first, "resubmit sends the same key");
    app.on_data(DataMsg::CommandDone { request_id, result: fx::settled(true) });
    assert!(screen(&mut app).contains("replayed"));
    // The next form gets a new key.
    press(&mut app, "\x1bs");
    assert_ne!(app.views.payouts.form.as_ref().unwrap().key, first);
}

#[test]
fn a_rejection_shows_a_red_card_and_field_errors_show_inline() {
    let mut app = payouts(false);
    press(&mut app, "s");
    let (request_id, _, _, key) = hold_command(&press(&mut app, "x\ny"));
    app.on_data(DataMsg::CommandFailed {
        request_id,
        code: Some("VALIDATION".into()),
        detail: "invalid fields".into(),
        unknown: false,
        fields: vec![("reason".into(), "must be at least 3 characters".into())],
    });
    let form = app.views.payouts.form.as_ref().expect("the form stays open");
    assert_ne!(form.key, key, "a definite answer rotates the key");
    assert!(screen(&mut app).contains("must be at least 3 characters"));
    let (request_id, _, _, _) = hold_command(&press(&mut app, "yz\ny"));
    app.on_data(DataMsg::CommandFailed {
        request_id,
        code: Some("HOLD_NOT_OPEN".into()),
        detail: "hold hold_01947c00 is settled".into(),
        unknown: false,
        fields: Vec::new(),
    });
    let buffer = fixtures::draw(&mut app, 120, 36);
    let s = fixtures::buffer_text(&buffer);
    assert!(s.contains("✖ HOLD_NOT_OPEN") && s.contains("hold hold_01947c00 is settled"), "{s}");
    let (y, line) = s.lines().enumerate().find(|(_, l)| l.contains("✖ HOLD_NOT_OPEN")).unwrap();
    let x = line[..line.find('✖').unwrap()].chars().count() as u16;
    assert_eq!(buffer[(x, y as u16)].fg, ratatui::style::Color::Rgb(0xff, 0x5f, 0x5f));
    press(&mut app, "\x1b");
    assert!(app.views.payouts.card.is_none());
}

#[test]
fn large_amounts_must_be_typed_to_confirm() {
    let mut app = payouts(false);
    press(&mut app, "jjs");
    press(&mut app, "confirmed by bank statement\n");
    assert!(screen(&mut app).contains("type the amount"));
    assert!(press(&mut app, "y\n").is_empty(), "y alone does not confirm a large amount");
    assert!(screen(&mut app).contains("type 25000.00 to confirm"));
    let mut app2 = payouts(false);
    press(&mut app2, "jjs");
    press(&mut app2, "confirmed by bank statement\n");
    let (_, _, body, _) = hold_command(&press(&mut app2, "25,000.00\n"));
    assert_eq!(body["hold_id"], "hold_01947c02");
}

#[test]
fn read_only_hides_and_refuses_settle_and_release() {
    let mut app = payouts(true);
    assert!(press(&mut app, "s").is_empty());
    assert!(press(&mut app, "r").is_empty());
    assert!(app.views.payouts.form.is_none());
    let s = screen(&mut app);
    let footer = s.lines().last().unwrap();
    assert!(!footer.contains("settle") && !footer.contains("release"), "{footer}");
}

#[test]
fn another_operator_acting_updates_the_queue_and_the_open_form() {
    let mut app = payouts(false);
    press(&mut app, "s");
    press(&mut app, "checking");
    app.on_data(DataMsg::Live(LiveEvent::from_parts(
        "hold.changed",
        json!({"hold_id": "hold_01947c00", "status": "released", "command": "release_hold"}),
    )));
    assert!(screen(&mut app).contains("another operator just released this hold"));
    assert_eq!(app.views.payouts.shown().len(), 3, "it left the queue");
}

#[test]
fn a_failed_page_read_can_be_asked_again() {
    let mut app = fixtures::app("terminal", false, false);
    press(&mut app, "3");
    let query = fx::queue_query();
    app.on_data(DataMsg::ReadFailed { request: Request::LoadHolds(query.clone()), code: None, detail: "down".into() });
    assert!(screen(&mut app).contains("could not load holds"));
    assert_eq!(press(&mut app, "S").len(), 1);
    for _ in 0..5 {
        press(&mut app, "S");
    }
    assert_eq!(app.views.payouts.status_filter(), Some("manual_review"));
}
