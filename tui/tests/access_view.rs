//! The Access view as an operator drives it: who may see the tokens, the
//! new-token form sent once and its secret shown once with a copy key, and
//! a revocation behind a confirmation.

mod fixtures;

use fixtures::tokens as fx;
use fixtures::{buffer_text, draw, press};
use ledgerdeck_client::{CreateToken, Role};
use ledgerdeck_tui::app::App;
use ledgerdeck_tui::data::{DataMsg, Request, TokenAnswer};
use ledgerdeck_tui::views::ViewId;

fn screen(app: &mut App) -> String {
    buffer_text(&draw(app, 80, 24))
}

fn creates(requests: &[Request]) -> Vec<(u64, CreateToken)> {
    requests
        .iter()
        .filter_map(|r| match r {
            Request::CreateToken { id, body } => Some((*id, body.clone())),
            _ => None,
        })
        .collect()
}

fn revokes(requests: &[Request]) -> Vec<(u64, String)> {
    requests
        .iter()
        .filter_map(|r| match r {
            Request::RevokeToken { id, token_id } => Some((*id, token_id.clone())),
            _ => None,
        })
        .collect()
}

/// Fills the form: a name, the operator role (by its initial), an expiry.
fn fill_form(app: &mut App, name: &str, expiry: &str) {
    press(app, "c");
    press(app, name);
    press(app, "\to\t");
    press(app, expiry);
}

/// An operator's cockpit never asks for the tokens and says who may;
/// once the server says the token is an admin's, the list is asked for.
#[test]
fn only_an_admin_is_shown_the_tokens_and_only_an_admin_asks_for_them() {
    let mut app = fixtures::app("terminal", false, false);
    let asked = app.start();
    assert!(!asked.contains(&Request::LoadTokens), "the session's role is operator until /v1/me says otherwise");
    let asked = app.on_data(DataMsg::Me(fx::me(Role::Operator)));
    assert!(!asked.contains(&Request::LoadTokens));
    press(&mut app, "0");
    assert_eq!(app.view, ViewId::Access);
    let text = screen(&mut app);
    assert!(text.contains("admins only"), "{text}");
    assert!(press(&mut app, "c").is_empty() && !screen(&mut app).contains("New token"), "no form for an operator");

    let asked = app.on_data(DataMsg::Me(fx::me(Role::Admin)));
    assert_eq!(asked.iter().filter(|r| **r == Request::LoadTokens).count(), 1, "{asked:?}");
    app.on_data(DataMsg::Tokens(fx::list()));
    let text = screen(&mut app);
    assert!(!text.contains("admins only"), "{text}");
    for shown in ["ada", "ops-bob", "carol@example.com", "old-laptop", "revoked", "expired"] {
        assert!(text.contains(shown), "{shown} in\n{text}");
    }
}

/// The form's three fields make exactly the body sent, after a
/// confirmation that says what will be made; it goes out once.
#[test]
fn a_new_token_is_confirmed_then_sent_exactly_once() {
    let mut app = fx::access("terminal", false, Role::Admin);
    fill_form(&mut app, "ops-dan", "30d");
    assert!(creates(&press(&mut app, "\n")).is_empty(), "Enter only reaches the confirmation");
    let text = screen(&mut app);
    assert!(text.contains("Create operator token for ops-dan, until 2026-03-02 09:30 UTC (30d)?"), "{text}");
    let sent = creates(&press(&mut app, "y"));
    let body = CreateToken { name: "ops-dan".into(), role: Role::Operator, expires_in_seconds: Some(2_592_000) };
    assert_eq!(sent.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>(), vec![body]);
    assert!(creates(&press(&mut app, "y\n")).is_empty(), "nothing is sent again while it is under way");
    assert!(screen(&mut app).contains("creating…"));
}

/// The answer shows the token once: `y` copies it, Esc closes the card
/// and the cockpit no longer holds it anywhere; the list is asked again.
#[test]
fn the_new_secret_is_shown_once_copied_on_y_and_forgotten_on_close() {
    let mut app = fx::access("terminal", false, Role::Admin);
    fill_form(&mut app, "ops-dan", "30d");
    press(&mut app, "\n");
    let (id, _) = creates(&press(&mut app, "y"))[0].clone();
    let created = fx::created();
    let asked = app.on_data(DataMsg::TokenAnswer { id, answer: TokenAnswer::Created(created.clone()) });
    assert!(asked.contains(&Request::LoadTokens), "the list is asked again: {asked:?}");
    let text = screen(&mut app);
    assert!(text.contains(&created.token), "the token in full:\n{text}");
    assert!(text.contains("Shown this once"), "{text}");

    press(&mut app, "y");
    let chooser = app.chooser().expect("a copy chooser");
    assert_eq!(chooser.lines, vec![("token".to_string(), created.token.clone())]);
    press(&mut app, "\n");
    assert_eq!(app.take_clipboard().as_deref(), Some(created.token.as_str()));

    press(&mut app, "\x1b");
    assert!(app.views.access.created.is_none(), "the card took the secret with it");
    assert!(!screen(&mut app).contains(&created.token));
    press(&mut app, "y");
    let offered = app.chooser().map(|c| c.lines.clone()).unwrap_or_default();
    assert!(offered.iter().all(|(_, v)| v != &created.token), "the token is not offered again: {offered:?}");
}

/// No answer: whether the token was made is unknown, and creating is not
/// idempotent, so the form never sends it again; it says where to look.
#[test]
fn no_answer_to_a_create_is_never_resent() {
    let mut app = fx::access("terminal", false, Role::Admin);
    fill_form(&mut app, "ops-dan", "");
    press(&mut app, "\n");
    let (id, body) = creates(&press(&mut app, "y"))[0].clone();
    assert_eq!(body.expires_in_seconds, None, "an empty expiry is never");
    let answer = TokenAnswer::Failed { code: None, detail: "timed out".into(), unknown: true, fields: vec![] };
    app.on_data(DataMsg::TokenAnswer { id, answer });
    let text = screen(&mut app);
    assert!(text.contains("may or may not have been made"), "{text}");
    assert!(creates(&press(&mut app, "\n")).is_empty(), "Enter closes; nothing is resent");
    assert!(app.views.access.form.is_none());
}

/// A refusal with field errors goes back to the form with them shown;
/// the form's own checks stop a bad expiry before anything is sent.
#[test]
fn refusals_and_bad_fields_come_back_to_the_form() {
    let mut app = fx::access("terminal", false, Role::Admin);
    fill_form(&mut app, "ops-dan", "soon");
    assert!(creates(&press(&mut app, "\ny")).is_empty());
    assert!(screen(&mut app).contains("a number and a unit"), "{}", screen(&mut app));
    press(&mut app, "\x1b");
    fill_form(&mut app, "ops-dan", "12h");
    press(&mut app, "\n");
    let (id, _) = creates(&press(&mut app, "y"))[0].clone();
    let fields = vec![("name".to_string(), "must be printable".to_string())];
    let answer =
        TokenAnswer::Failed { code: Some("VALIDATION_FAILED".into()), detail: "bad".into(), unknown: false, fields };
    app.on_data(DataMsg::TokenAnswer { id, answer });
    let text = screen(&mut app);
    assert!(text.contains("✖ must be printable"), "{text}");
    assert_eq!(app.views.access.form.as_ref().unwrap().stage, ledgerdeck_tui::views::access::Stage::Edit);
}

/// `x` asks first and sends the revocation on `y` only; the answer
/// updates the row.
#[test]
fn a_revocation_is_confirmed_then_sent_and_the_row_updates() {
    let mut app = fx::access("terminal", false, Role::Admin);
    press(&mut app, "j");
    assert!(revokes(&press(&mut app, "x")).is_empty());
    let text = screen(&mut app);
    assert!(text.contains("Revoke ops-bob's operator token 0f9e8d7c6b5a?"), "{text}");
    assert!(!text.contains("signs in with"), "not the cockpit's own token");
    assert!(revokes(&press(&mut app, "n")).is_empty(), "n cancels");
    press(&mut app, "x");
    let sent = revokes(&press(&mut app, "y"));
    assert_eq!(sent.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(), ["0f9e8d7c6b5a"]);
    let mut bob = fx::list()[1].clone();
    bob.revoked_at = Some("2026-01-31T09:30:00Z".into());
    app.on_data(DataMsg::TokenAnswer { id: sent[0].0, answer: TokenAnswer::Revoked(bob) });
    assert!(app.notice.as_ref().unwrap().text.contains("revoked ops-bob's token 0f9e8d7c6b5a"));
    let row = app.views.access.tokens.as_ref().unwrap()[1].clone();
    assert!(row.revoked_at.is_some());
    press(&mut app, "x");
    assert!(app.notice.as_ref().unwrap().text.contains("already revoked"), "nothing to confirm for a revoked token");
}

/// Revoking the cockpit's own token, the last live admin one, says both.
#[test]
fn revoking_the_own_and_last_admin_token_warns() {
    let mut app = fx::access("terminal", false, Role::Admin);
    press(&mut app, "jjx");
    let text = buffer_text(&draw(&mut app, 160, 48));
    assert!(text.contains("This is the token this cockpit signs in with."), "{text}");
    assert!(text.contains("It is the last live admin token"), "{text}");
}

/// A read-only profile lists the tokens and offers no writes.
#[test]
fn read_only_hides_create_and_revoke() {
    let mut app = fx::access("terminal", true, Role::Admin);
    let text = screen(&mut app);
    assert!(text.contains("ops-bob") && !text.contains("c new token") && !text.contains("x revoke"), "{text}");
    assert!(press(&mut app, "cx").is_empty());
    assert!(app.views.access.form.is_none() && app.views.access.confirm.is_none());
}
