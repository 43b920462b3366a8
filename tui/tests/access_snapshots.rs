//! The status bar and the alert when the live stream is turned away, at
//! 80×24 and 160×48 in both themes.

mod fixtures;

use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{ConnState, DataMsg};

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

/// Access ended: "access ended" in the status bar, and an alert with the
/// reason and the login command for the profile.
#[test]
fn access_ended() {
    snapshot("access_ended", |theme| {
        let mut app = fixtures::app(theme, false, false);
        app.on_data(DataMsg::Connection(ConnState::AccessEnded { reason: "the token was revoked".into() }));
        app
    });
}

/// Too many streams: said in words with the countdown, and the reconnect
/// key offered in the footer.
#[test]
fn too_many_streams() {
    snapshot("too_many_streams", |theme| {
        let mut app = fixtures::app(theme, false, false);
        app.on_data(DataMsg::Connection(ConnState::TooManyStreams { retry_in_secs: 4 }));
        app
    });
}
