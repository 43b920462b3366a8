//! Hostile server text is drawn inert and clipped: no escape, control or
//! bidi character reaches a cell, and nothing overruns its column.

mod fixtures;

use ledgerdeck_tui::data::DataMsg;
use ratatui::buffer::Buffer;

const BIDI: [char; 12] = [
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

fn hostile() -> String {
    format!(
        "\x1b[2J\x1b[H pwned \x1b]52;c;cm0gLXJmIH4=\x07 \u{202E}gpj.exe\u{202C} \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \u{9b}31m{}",
        "A".repeat(10_000)
    )
}

fn assert_inert(buffer: &Buffer) {
    for cell in buffer.content() {
        for c in cell.symbol().chars() {
            assert!(!c.is_control(), "control character {c:?} in a cell");
            assert!(!BIDI.contains(&c), "bidi control {c:?} in a cell");
        }
    }
}

#[test]
fn a_hostile_transaction_description_is_inert_and_clipped() {
    for (w, h) in [(80, 24), (160, 48)] {
        let mut app = fixtures::app("terminal", false, false);
        let mut overview = fixtures::overview();
        overview.recent_transactions[0].description = hostile();
        overview.recent_transactions[0].kind = "\x1b[31mpayin\x1b[0m\r\n".into();
        overview.recent_transactions[0].reference = Some(hostile());
        app.on_data(DataMsg::Overview(overview));
        let buffer = fixtures::draw(&mut app, w, h);
        assert_inert(&buffer);
        let text = fixtures::buffer_text(&buffer);
        let row = text.lines().find(|l| l.contains("pwned")).expect("the description is drawn");
        assert!(row.contains('…'), "clipped with an ellipsis: {row}");
        assert!(row.contains("gpj.exe") && !row.contains("52;c"), "{row}");
        assert!(row.ends_with('│'), "the row stays inside its block: {row}");
        assert_eq!(text.lines().count(), usize::from(h));
        assert!(text.lines().all(|l| cells(l) <= usize::from(w)));
    }
}

#[test]
fn hostile_text_everywhere_else_is_inert_too() {
    let mut app = fixtures::app("ledger-paper", false, true);
    let evil = hostile();
    let mut health = fixtures::health();
    health.components[0].detail = evil.clone();
    health.components[1].name = evil.clone();
    app.on_data(DataMsg::Health(health));
    assert_inert(&fixtures::draw(&mut app, 80, 24));

    let mut gates = fixtures::gates();
    gates[1].title = evil.clone();
    app.on_data(DataMsg::Gates(gates));
    let mut findings = fixtures::findings();
    findings.items[0].subject = evil.clone();
    findings.items[0].detail = evil.clone();
    findings.items[0].expected = evil.clone();
    app.on_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('2')));
    app.on_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('j')));
    app.on_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter));
    app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: findings });
    assert_inert(&fixtures::draw(&mut app, 160, 48));

    let mut detail = fixtures::message_detail();
    detail.message.event_type = evil.clone();
    detail.deliveries[0].attempts_log[0].response_excerpt = evil.clone();
    detail.deliveries[0].last_error = Some(evil.clone());
    detail.payload = serde_json::json!({ "note": evil });
    let mut messages = fixtures::messages();
    messages.items[1].subject_id = hostile();
    app.on_data(DataMsg::OutboxMessages(messages));
    app.on_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('4')));
    assert_inert(&fixtures::draw(&mut app, 80, 24));
    app.on_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('j')));
    app.on_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter));
    app.on_data(DataMsg::OutboxMessage(detail));
    assert_inert(&fixtures::draw(&mut app, 80, 24));
    app.on_data(DataMsg::CommandFailed {
        request_id: 0,
        code: Some(hostile()),
        detail: hostile(),
        unknown: false,
        fields: Vec::new(),
    });
    app.on_data(DataMsg::ReadFailed {
        request: ledgerdeck_tui::data::Request::LoadGates,
        code: Some(hostile()),
        detail: hostile(),
    });
    assert_inert(&fixtures::draw(&mut app, 160, 48));
}

fn cells(s: &str) -> usize {
    s.chars().count()
}
