//! `ledgerdeck login --sso` end to end: the cockpit's device flow against a
//! local OIDC issuer the test starts (`support/oidc_issuer.rs`) and a real
//! server that trusts it. The session token lands in the credential store
//! and works; `slow_down` stretches the polling; a refusal at the provider
//! or an unlisted email stores nothing.

#[path = "../../support/oidc_issuer.rs"]
mod oidc_issuer;

use ledgerdeck_client::{ApiClient, ClientConfig, Role};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::sso::{Sso, SsoConfig, allowlist};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::config::Profile;
use ledgerdeck_tui::credentials::Tokens;
use ledgerdeck_tui::sso::flow::{FlowError, FlowOptions};
use ledgerdeck_tui::sso::{self, SsoSettings};
use oidc_issuer::{CLIENT_ID, Issuer, Step};
use std::time::Duration;

fn profile(url: &str) -> Profile {
    Profile {
        name: "sso-test".into(),
        url: url.into(),
        theme: "terminal".into(),
        read_only: false,
        production: false,
        operator: "ana".into(),
        role: Role::Viewer,
        role_ceiling: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_login_stores_a_working_session_token() {
    let issuer = Issuer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    allowlist::seed(&store, &[("ana@example.com".into(), Role::Operator)]).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = SsoConfig::new(issuer.url.clone(), vec![CLIENT_ID.into()]);
    let state = AppState::new(Ledger::new(store.clone(), LedgerConfig::default()), ApiConfig::default())
        .with_sso(Sso::new(config));
    tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state, None, None));

    let tokens = Tokens::with_store(keyring_core::mock::Store::new().unwrap());
    let profile = profile(&url);
    let settings = SsoSettings { issuer: issuer.url.clone(), client_id: CLIENT_ID.into(), client_secret: None };
    let options = FlowOptions { slow_down_step: Duration::from_secs(1), ..FlowOptions::default() };

    issuer.script("ana@example.com", vec![Step::Pending, Step::SlowDown, Step::Pending], 1);
    let mut shown = String::new();
    let said =
        sso::login(&profile, &settings, &tokens, &options, |auth| shown = sso::instructions(auth)).await.unwrap();
    assert!(shown.contains("/verify") && shown.contains("WDJB-MJHT"), "{shown}");
    assert!(said.contains("ana@example.com (operator)"), "{said}");
    let polls = issuer.polls();
    assert_eq!(polls.len(), 4, "pending, slow_down, pending, token");
    let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] >= Duration::from_millis(950), "the interval is honoured: {gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(1950), "slow_down adds its step: {gaps:?}");

    let stored = tokens.load_stored("sso-test").unwrap().expect("the session token is stored");
    let client = ApiClient::new(ClientConfig::new(&url).with_token(&stored.secret)).unwrap();
    let me = client.me().await.unwrap();
    assert_eq!((me.name.as_str(), me.role), ("ana@example.com", Role::Operator));

    // Refused at the provider, or an email on no list: nothing stored.
    let tokens = Tokens::with_store(keyring_core::mock::Store::new().unwrap());
    issuer.script("ana@example.com", vec![Step::Denied], 1);
    let err = sso::login(&profile, &settings, &tokens, &options, |_| {}).await.unwrap_err();
    assert!(matches!(err, FlowError::Device(_)) && err.to_string().contains("access_denied"), "{err}");
    issuer.script("ana@example.com", vec![Step::Expired], 1);
    let err = sso::login(&profile, &settings, &tokens, &options, |_| {}).await.unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    issuer.script("mallory@example.com", vec![], 1);
    let err = sso::login(&profile, &settings, &tokens, &options, |_| {}).await.unwrap_err();
    assert!(err.to_string().contains("SSO_EMAIL_NOT_ALLOWED"), "{err}");
    assert_eq!(tokens.load_stored("sso-test").unwrap(), None);
}
