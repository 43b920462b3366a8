//! Snapshots of the Access view: the token list, "admins only", the
//! new-token form and its confirmation, the card that shows a new token
//! once, and the revoke confirmation, at 80×24 and 160×48 in both themes.

mod fixtures;

use fixtures::press;
use fixtures::tokens as fx;
use ledgerdeck_client::Role;
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request, TokenAnswer};

fn snapshot(name: &str, make: impl Fn(&str) -> App) {
    for (name, text) in fixtures::screens(name, make) {
        insta::assert_snapshot!(name, text);
    }
}

fn admin(theme: &str) -> App {
    fx::access(theme, false, Role::Admin)
}

/// The form filled in: ops-dan, operator, 30 days.
fn filled(theme: &str) -> App {
    let mut app = admin(theme);
    press(&mut app, "cops-dan\to\t30d");
    app
}

#[test]
fn access_tokens() {
    snapshot("access_tokens", admin);
}

#[test]
fn access_admins_only() {
    snapshot("access_admins_only", |theme| fx::access(theme, false, Role::Operator));
}

#[test]
fn access_new_token_form() {
    snapshot("access_new_token_form", filled);
}

#[test]
fn access_new_token_confirm() {
    snapshot("access_new_token_confirm", |theme| {
        let mut app = filled(theme);
        press(&mut app, "\n");
        app
    });
}

#[test]
fn access_new_token_shown_once() {
    snapshot("access_new_token_shown_once", |theme| {
        let mut app = filled(theme);
        press(&mut app, "\n");
        let id = press(&mut app, "y")
            .iter()
            .find_map(|r| match r {
                Request::CreateToken { id, .. } => Some(*id),
                _ => None,
            })
            .expect("the create was sent");
        app.on_data(DataMsg::TokenAnswer { id, answer: TokenAnswer::Created(fx::created()) });
        app
    });
}

#[test]
fn access_revoke_confirm() {
    snapshot("access_revoke_confirm", |theme| {
        let mut app = admin(theme);
        press(&mut app, "jx");
        app
    });
}
