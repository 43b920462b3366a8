//! `ledgerdeck demo`: an embedded server on a throw-away SQLite file, seeded
//! merchants and wallets, a traffic simulator, a webhook receiver that fails
//! now and then, and the cockpit on top. Quitting stops all of it and removes
//! the database.

mod receiver;
mod seed;
mod simulator;

use crate::app::{App, Session};
use crate::config;
use crate::fetch::ApiFetcher;
use crate::keys::Keymap;
use crate::runtime;
use crate::theme::{ColorMode, Theme};
use ledgerdeck_client::{ApiClient, ClientConfig, Role};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::delivery::{Delivery, DeliveryConfig};
use ledgerdeck_server::provider::sandbox::{Mix, SandboxProvider};
use ledgerdeck_server::saga::{Providers, Saga, SagaConfig};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use simulator::XorShift;

/// The name of the sandbox payout provider the demo uses.
pub const PROVIDER: &str = "sandbox";

/// Runs the demo until the cockpit quits; returns the line to print after.
pub fn run(seed: u64, keymap: Keymap) -> Result<String, String> {
    if !std::io::stdout().is_terminal() {
        return Err("the demo needs a terminal".into());
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(demo(seed, keymap))
}

async fn demo(seed: u64, keymap: Keymap) -> Result<String, String> {
    let dir = tempfile::Builder::new().prefix("ledgerdeck-demo-").tempdir().map_err(|e| e.to_string())?;
    let where_ = dir.path().display().to_string();
    let url = format!("sqlite:{}", dir.path().join("ledger.db").display());
    let store = Store::open(&url).await.map_err(|e| format!("cannot open {url}: {e}"))?;
    let token = |name: &'static str, role: Role| {
        let store = store.clone();
        async move { ledgerdeck_server::access::create_token(&store, name, role, "demo").await }
    };
    // An admin, so that the demo's own red gate can be fixed from the cockpit.
    let operator = token("demo-operator", Role::Admin).await.map_err(|e| e.to_string())?;
    let admin = token("demo-admin", Role::Admin).await.map_err(|e| e.to_string())?;

    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let ledger = Ledger::new(store.clone(), LedgerConfig::default());
    let state = AppState::new(ledger, ApiConfig::default());
    let mut providers = Providers::new();
    let mix = Mix { paid: 55, failed: 15, pending: 10, unknown: 15, errors: 5 };
    providers.insert(
        PROVIDER.to_string(),
        Arc::new(SandboxProvider::new(PROVIDER, seed, mix).with_latency(Duration::from_millis(50))),
    );
    let saga = Saga::new(
        store.clone(),
        providers,
        SagaConfig {
            poll: Duration::from_millis(200),
            max_requeries: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            call_timeout: Duration::from_secs(2),
            ..SagaConfig::default()
        },
    );
    let delivery = Delivery::new(
        store.clone(),
        DeliveryConfig {
            poll: Duration::from_millis(300),
            request_timeout: Duration::from_secs(2),
            schedule: [0, 1, 2, 4].map(Duration::from_secs).to_vec(),
            ..DeliveryConfig::default()
        },
    );
    let server = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), Some(saga), Some(delivery)));

    let stop = CancellationToken::new();
    let (receiver_url, receiver) = receiver::start(seed, stop.clone()).await.map_err(|e| e.to_string())?;
    let base = format!("http://{addr}");
    let outcome = async {
        let admin_client = client(&base, &admin)?;
        let operator_client = client(&base, &operator)?;
        let wallets = seed::seed(&admin_client, &receiver_url).await?;
        let simulator =
            tokio::spawn(simulator::run(operator_client.clone(), store.clone(), wallets, seed, stop.clone()));
        let app = App::new(session(), theme()?, ColorMode::from_env(), chrono::Utc::now()).with_keymap(keymap);
        let cockpit = runtime::run(app, ApiFetcher::new(operator_client)).await.map_err(|e| e.to_string());
        stop.cancel();
        let _ = simulator.await;
        cockpit
    }
    .await;
    stop.cancel();
    let _ = receiver.await;
    state.shutdown.cancel();
    let served = server.await;
    drop(store);
    drop(dir);
    outcome?;
    match served {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("the embedded server failed: {e}")),
        Err(e) => return Err(format!("the embedded server failed: {e}")),
    }
    Ok(format!(
        "ledgerdeck demo: ran on {base} with its database in {where_}; the server, simulator and webhook receiver \
         have stopped and the database is removed"
    ))
}

fn client(base: &str, token: &str) -> Result<ApiClient, String> {
    let mut config = ClientConfig::new(base).with_token(token);
    config.request_timeout = Duration::from_secs(5);
    ApiClient::new(config).map_err(|e| e.to_string())
}

fn session() -> Session {
    Session {
        profile: "demo".into(),
        operator: "demo-operator".into(),
        read_only: false,
        production: false,
        role: Role::Admin,
    }
}

fn theme() -> Result<Theme, String> {
    Theme::builtin(config::DEFAULT_THEME, ColorMode::from_env()).map_err(|e| e.to_string())
}
