//! Every built screen at 80×24 and 160×48 in both themes, from fixed data:
//! the text as drawn, then the styles used and how many cells carry each.

mod fixtures;

use fixtures::press;

use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::DataMsg;
use ledgerdeck_tui::theme::{ColorMode, Theme};
use ratatui::buffer::Buffer;

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn overview() {
    snapshot("overview", |theme| fixtures::app(theme, false, false));
}

#[test]
fn gates_with_findings() {
    snapshot("gates_findings", |theme| {
        let mut app = fixtures::app(theme, false, false);
        press(&mut app, "2j\n");
        app.on_data(DataMsg::Findings { gate: "wallet_drift".into(), page: fixtures::findings() });
        app
    });
}

#[test]
fn outbox_list() {
    snapshot("outbox_list", |theme| {
        let mut app = fixtures::app(theme, false, false);
        press(&mut app, "4j");
        app
    });
}

#[test]
fn outbox_detail() {
    snapshot("outbox_detail", |theme| {
        let mut app = fixtures::app(theme, false, false);
        press(&mut app, "4j\n");
        app.on_data(DataMsg::OutboxMessage(fixtures::message_detail()));
        app
    });
}

#[test]
fn help_overlay() {
    snapshot("help", |theme| {
        let mut app = fixtures::app(theme, false, false);
        press(&mut app, "2?");
        app
    });
}

#[test]
fn production_banner() {
    snapshot("production", |theme| fixtures::app(theme, true, true));
}

#[test]
fn too_small() {
    for theme in fixtures::THEMES {
        for (w, h) in [(79, 24), (60, 20)] {
            let mut app = fixtures::app(theme, false, false);
            let buffer = fixtures::draw(&mut app, w, h);
            let text = fixtures::buffer_text(&buffer);
            assert!(text.contains(&format!("need 80×24, have {w}×{h}")), "{text}");
            insta::assert_snapshot!(
                format!("too_small_{w}x{h}_{theme}"),
                format!("{text}--- styles ---\n{}", fixtures::styles(&buffer))
            );
        }
    }
}

fn find(buffer: &Buffer, text: &str) -> (u16, u16) {
    let lines = fixtures::buffer_text(buffer);
    for (y, line) in lines.lines().enumerate() {
        if let Some(at) = line.find(text) {
            return (line[..at].chars().count() as u16, y as u16);
        }
    }
    panic!("{text:?} not on screen:\n{lines}");
}

#[test]
fn theme_colours_reach_the_cells() {
    use ratatui::style::{Color, Modifier};
    let mut dark = fixtures::app("terminal", false, true);
    press(&mut dark, "2");
    let buffer = fixtures::draw(&mut dark, 80, 24);
    let (x, y) = find(&buffer, "✖ red");
    assert_eq!(buffer[(x, y)].fg, Color::Rgb(0xff, 0x5f, 0x5f), "red gate in the error colour");
    assert_eq!(buffer[(x, y)].bg, Color::Reset, "terminal theme keeps the terminal's background");
    let (x, y) = find(&buffer, "● green");
    assert_eq!(buffer[(x, y)].fg, Color::Rgb(0x5f, 0xcf, 0x80));
    let (x, y) = find(&buffer, "PRODUCTION");
    assert_eq!(buffer[(x, y)].bg, Color::Rgb(0xc4, 0x00, 0x00), "the banner is red");
    assert_eq!(buffer[(0, y)].bg, Color::Rgb(0xc4, 0x00, 0x00), "across the whole width");
    assert_eq!(buffer[(79, y)].bg, Color::Rgb(0xc4, 0x00, 0x00));

    let mut paper = fixtures::app("ledger-paper", false, false);
    let buffer = fixtures::draw(&mut paper, 80, 24);
    assert!(buffer.content().iter().all(|c| c.bg != Color::Reset), "paper fills its background");
    let (x, y) = find(&buffer, "1 Overview");
    assert_eq!(buffer[(x, y)].bg, Color::Rgb(0xd9, 0xe4, 0xf2), "current tab in the selection colour");

    // NO_COLOR: modifiers only; the 256-colour fallback: palette indexes only.
    for (mode, ok) in [
        (ColorMode::None, (|c: Color| c == Color::Reset) as fn(Color) -> bool),
        (ColorMode::Ansi256, |c: Color| matches!(c, Color::Reset | Color::Indexed(_))),
    ] {
        let mut app = fixtures::app("terminal", false, true);
        app.theme = Theme::builtin("terminal", mode).unwrap();
        let buffer = fixtures::draw(&mut app, 80, 24);
        assert!(buffer.content().iter().all(|c| ok(c.fg) && ok(c.bg)), "{mode:?}");
        if mode == ColorMode::None {
            let (x, y) = find(&buffer, "PRODUCTION");
            assert!(buffer[(x, y)].modifier.contains(Modifier::REVERSED), "the banner still stands out");
        }
    }
}
