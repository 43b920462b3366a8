//! The cockpit when its live stream is turned away: access ended is said
//! plainly with the way back, too many streams is said in words, and
//! Ctrl-r asks the stream to reconnect only while it is down.

mod fixtures;

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{ConnState, DataMsg, Request};

fn ctrl_r(app: &mut App) -> Vec<Request> {
    app.on_key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL))
}

fn screen(app: &mut App) -> String {
    fixtures::buffer_text(&fixtures::draw(app, 160, 48))
}

fn ended(reason: &str) -> DataMsg {
    DataMsg::Connection(ConnState::AccessEnded { reason: reason.into() })
}

/// Ctrl-r while the stream waits to reconnect asks it to reconnect now,
/// and says so; while live it asks nothing and changes nothing.
#[test]
fn ctrl_r_asks_the_stream_to_reconnect_only_while_it_is_down() {
    let mut app = fixtures::app("terminal", false, false);
    assert!(ctrl_r(&mut app).is_empty(), "nothing to do while live");
    assert!(app.notice.is_none());

    app.on_data(DataMsg::Connection(ConnState::Reconnecting { retry_in_secs: 8 }));
    assert_eq!(ctrl_r(&mut app), [Request::ReconnectNow]);
    assert!(screen(&mut app).contains("reconnecting the live stream now"));

    app.on_data(DataMsg::Connection(ConnState::TooManyStreams { retry_in_secs: 8 }));
    assert_eq!(ctrl_r(&mut app), [Request::ReconnectNow], "a refused stream may try again too");

    app.on_data(ended("the token was revoked"));
    assert!(ctrl_r(&mut app).is_empty(), "the same token would be refused again");
}

/// The reconnect key is offered in the footer and in help only while the
/// stream is down and trying again.
#[test]
fn the_reconnect_hint_shows_only_while_the_stream_is_down() {
    let mut app = fixtures::app("terminal", false, false);
    assert!(!screen(&mut app).contains("Ctrl-r"), "live: no reconnect hint");
    app.on_data(DataMsg::Connection(ConnState::Reconnecting { retry_in_secs: 8 }));
    let footer = screen(&mut app);
    assert!(footer.lines().last().unwrap().contains("Ctrl-r reconnect now"), "{footer}");
    fixtures::press(&mut app, "?");
    assert!(screen(&mut app).contains("Ctrl-r  reconnect now"), "help lists it while down");
    fixtures::press(&mut app, "?");
    app.on_data(DataMsg::Connection(ConnState::Live));
    fixtures::press(&mut app, "?");
    assert!(!screen(&mut app).contains("Ctrl-r"), "help leaves it out while live");
}

/// Access ended is not "reconnecting": the status bar says it ended, the
/// alert gives the reason and the login command for this profile, and
/// no countdown runs.
#[test]
fn access_ended_is_said_plainly_with_the_login_command() {
    let mut app = fixtures::app("terminal", false, false);
    app.on_data(ended("the token was revoked"));
    let text = screen(&mut app);
    assert!(text.contains("✖ access ended"), "{text}");
    assert!(!text.contains("reconnecting"), "{text}");
    assert!(text.contains("Reason: the token was revoked"), "{text}");
    assert!(text.contains("ledgerdeck login --profile staging"), "{text}");
    app.on_tick(fixtures::now() + TimeDelta::seconds(60));
    let later = screen(&mut app);
    assert!(later.contains("✖ access ended") && later.contains("ledgerdeck login --profile staging"), "{later}");
}

/// A stream turned away for too many open streams says so in words, with
/// its countdown, and goes stale like any outage.
#[test]
fn too_many_streams_is_said_in_words() {
    let mut app = fixtures::app("terminal", false, false);
    app.on_data(DataMsg::Connection(ConnState::TooManyStreams { retry_in_secs: 4 }));
    assert!(screen(&mut app).contains("◌ too many streams · retry in 4 s"));
    app.on_tick(fixtures::now() + TimeDelta::seconds(31));
    assert!(screen(&mut app).contains("✖ stale since 09:30:00 · too many streams · retry in 0 s"));
}

/// The reconnect key is remappable by its name, `reconnect`, like any
/// other action, and the hint follows the new key.
#[test]
fn the_reconnect_key_can_be_remapped() {
    let overrides = ledgerdeck_tui::keys::Overrides::parse("[keys]\nreconnect = \"F5\"\n").expect("overrides");
    let keymap = ledgerdeck_tui::app::keymap(&overrides).expect("a keymap");
    let mut app = fixtures::app("terminal", false, false).with_keymap(keymap);
    app.on_data(DataMsg::Connection(ConnState::Reconnecting { retry_in_secs: 8 }));
    assert!(ctrl_r(&mut app).is_empty(), "Ctrl-r no longer reconnects");
    assert_eq!(app.on_key(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE)), [Request::ReconnectNow]);
    assert!(screen(&mut app).contains("F5 reconnect now"));
}
