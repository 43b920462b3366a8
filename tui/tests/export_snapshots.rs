//! The export prompt (over Payouts with a filter, and with the reference
//! text it cannot carry), an export's progress, its end and a failure in
//! the export panel, at 80×24 and 160×48 in both themes (the conventions of
//! `snapshots.rs`: text as drawn, then the styles used).

mod fixtures;

use fixtures::press;

use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request};
use std::path::PathBuf;

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

/// Payouts loaded, exports going to a fixed download directory.
fn payouts(theme: &str) -> App {
    let mut app = fixtures::app(theme, false, false);
    app.on_data(DataMsg::Holds { query: fixtures::payouts::queue_query(), page: fixtures::payouts::queue() });
    app.export.dir = PathBuf::from("/home/ada/Downloads");
    press(&mut app, "3");
    app
}

/// Payouts filtered on one merchant, its page loaded.
fn filtered(theme: &str, filter: &str) -> App {
    let mut app = payouts(theme);
    press(&mut app, &format!("/{filter}\n"));
    let query = app.views.payouts.base_query();
    app.on_data(DataMsg::Holds { query, page: fixtures::payouts::queue() });
    app
}

/// Payouts with an export started; returns its id.
fn exporting(theme: &str) -> (App, u64) {
    let mut app = filtered(theme, "merchant:m_41");
    let sent = press(&mut app, "e\n");
    let [Request::Export { id, .. }] = sent.as_slice() else { panic!("{sent:?}") };
    (app, *id)
}

#[test]
fn export_prompt() {
    snapshot("export_prompt", |theme| {
        let mut app = filtered(theme, "merchant:m_41 provider:sandbox");
        press(&mut app, "e");
        app
    });
}

#[test]
fn export_prompt_jsonl_with_a_note() {
    snapshot("export_prompt_note", |theme| {
        let mut app = filtered(theme, "payout-77 USD");
        press(&mut app, "e\t");
        app
    });
}

#[test]
fn export_progress() {
    snapshot("export_progress", |theme| {
        let (mut app, id) = exporting(theme);
        app.on_data(DataMsg::ExportProgress { id, rows: 12_400, bytes: 1_250_000 });
        app
    });
}

#[test]
fn export_done() {
    snapshot("export_done", |theme| {
        let (mut app, id) = exporting(theme);
        let path = PathBuf::from("/home/ada/Downloads/ledgerdeck-holds-20260131-093000.csv");
        app.on_data(DataMsg::ExportDone { id, rows: 12_405, bytes: 1_250_900, path });
        app
    });
}

#[test]
fn export_failed() {
    snapshot("export_failed", |theme| {
        let (mut app, id) = exporting(theme);
        let detail = "/home/ada/Downloads/ledgerdeck-holds-20260131-093000.csv already exists; choose another name";
        app.on_data(DataMsg::ExportFailed { id, detail: detail.into(), code: Some("FILE_EXISTS".into()) });
        app
    });
}
