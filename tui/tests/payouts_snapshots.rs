//! The Payouts screens at 80×24 and 160×48 in both themes, from fixed data:
//! the text as drawn, then the styles used and how many cells carry each.

mod fixtures;

use fixtures::press;

use fixtures::payouts as fx;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

fn queue(theme: &str) -> App {
    let mut app = fixtures::app(theme, false, false);
    press(&mut app, "3");
    app.on_data(DataMsg::Holds { query: fx::queue_query(), page: fx::queue() });
    app
}

fn detail(theme: &str) -> App {
    let mut app = queue(theme);
    press(&mut app, "\n");
    app.on_data(DataMsg::Hold(fx::detail(0)));
    app.on_data(DataMsg::Wallet(fx::wallet()));
    app
}

/// A settle form with a fixed key, so the snapshot is stable.
fn form(theme: &str) -> App {
    let mut app = detail(theme);
    press(&mut app, "s");
    app.views.payouts.form.as_mut().unwrap().key = "0194abcd-0000-7000-8000-000000000001".into();
    press(&mut app, "provider portal shows paid\tPSK-991");
    app
}

fn sent(theme: &str) -> (App, u64) {
    let mut app = form(theme);
    let requests = press(&mut app, "\ny");
    let [Request::Command { id: request_id, .. }] = requests.as_slice() else { panic!("{requests:?}") };
    (app, *request_id)
}

#[test]
fn payouts_queue() {
    snapshot("payouts_queue", queue);
}

#[test]
fn hold_detail() {
    snapshot("hold_detail", detail);
}

#[test]
fn settle_form() {
    snapshot("settle_form", form);
}

#[test]
fn settle_confirmation() {
    snapshot("settle_confirm", |theme| {
        let mut app = form(theme);
        press(&mut app, "\n");
        app
    });
}

#[test]
fn result_card() {
    snapshot("result_card", |theme| {
        let (mut app, request_id) = sent(theme);
        app.on_data(DataMsg::CommandDone { request_id, result: fx::settled(true) });
        app
    });
}

#[test]
fn red_card() {
    snapshot("red_card", |theme| {
        let (mut app, request_id) = sent(theme);
        app.on_data(DataMsg::CommandFailed {
            request_id,
            code: Some("HOLD_NOT_OPEN".into()),
            detail: "hold hold_01947c00 is released, not open".into(),
            unknown: false,
            fields: Vec::new(),
        });
        app
    });
}
