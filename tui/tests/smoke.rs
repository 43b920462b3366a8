//! `ledgerdeck smoke` against a real in-process server: all green, a bad
//! token, and nothing listening; in-process and through the real binary.

use ledgerdeck_client::Role;
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::smoke::{self, Options, Outcome};
use std::net::SocketAddr;
use std::process::{Command, Output};
use std::time::Duration;
use tokio::net::TcpListener;

/// A real server on a SQLite temp file, and an operator token for it.
struct Server {
    addr: SocketAddr,
    token: String,
    state: AppState,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
        let token = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let ledger = Ledger::new(store, LedgerConfig::default());
        let state = AppState::new(ledger, ApiConfig { heartbeat: Duration::from_millis(200), ..ApiConfig::default() });
        let task = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));
        Server { addr, token, state, task, _dir: dir }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn stop(self) {
        self.state.shutdown.cancel();
        self.task.await.unwrap().unwrap();
    }
}

/// A local address nothing listens on.
async fn nothing_listening() -> String {
    let probe = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    format!("http://{addr}")
}

fn options() -> Options {
    Options { stream_wait: Duration::from_secs(5), ..Options::default() }
}

/// Runs the real binary with a clean home, so no profile or keyring is used.
async fn binary(url: &str, token: &str) -> (Output, String) {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ledgerdeck"));
    command
        .args(["smoke", "--server", url, "--wait", "5"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("LEDGERDECK_TOKEN", token)
        .env_remove("LEDGERDECK_PROFILE");
    let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_green_against_a_healthy_server() {
    let server = Server::start().await;
    let report = smoke::run(&server.url(), Some(&server.token), &options()).await;
    let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    assert_eq!(names, ["livez", "readyz", "auth", "role", "events", "clock"], "{}", report.render());
    assert!(report.passed(), "{}", report.render());
    let text = report.render();
    assert!(text.contains("✓ livez"), "{text}");
    assert!(text.contains("all checks passed"), "{text}");
    assert!(!text.contains('✗'), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_named_on_the_auth_line() {
    let server = Server::start().await;
    let report = smoke::run(&server.url(), Some("ldk_nobody_nothing"), &options()).await;
    assert!(!report.passed());
    assert_eq!(report.check("livez").unwrap().outcome, Outcome::Pass);
    assert_eq!(report.check("readyz").unwrap().outcome, Outcome::Pass);
    let auth = report.check("auth").unwrap();
    assert_eq!(auth.outcome, Outcome::Fail, "{}", report.render());
    assert!(auth.detail.contains("the token is refused"), "{}", auth.detail);
    assert!(auth.detail.contains("ledgerdeck-server token create"), "{}", auth.detail);
    assert_eq!(report.check("events").unwrap().outcome, Outcome::Skip);
    assert!(report.render().contains("✗ auth"), "{}", report.render());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_at_all_is_named_on_the_auth_line() {
    let server = Server::start().await;
    let report = smoke::run(&server.url(), None, &options()).await;
    let auth = report.check("auth").unwrap();
    assert_eq!(auth.outcome, Outcome::Fail);
    assert!(auth.detail.contains("LEDGERDECK_TOKEN"), "{}", auth.detail);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_named_on_the_livez_line() {
    let url = nothing_listening().await;
    let report = smoke::run(&url, Some("ldk_x_y"), &options()).await;
    assert_eq!(report.checks.len(), 1, "{}", report.render());
    let livez = report.check("livez").unwrap();
    assert_eq!(livez.outcome, Outcome::Fail);
    assert!(livez.detail.contains(&format!("nothing answers at {url}")), "{}", livez.detail);
    assert!(livez.detail.contains("is the server running? wrong port?"), "{}", livez.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_0_when_all_pass() {
    let server = Server::start().await;
    let (output, text) = binary(&server.url(), &server.token).await;
    assert_eq!(output.status.code(), Some(0), "{text}");
    for name in ["livez", "readyz", "auth", "role", "events", "clock"] {
        assert!(text.contains(&format!("✓ {name}")), "{name} missing: {text}");
    }
    assert!(text.contains("all checks passed"), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_1_with_a_bad_token() {
    let server = Server::start().await;
    let (output, text) = binary(&server.url(), "ldk_nobody_nothing").await;
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("✓ livez"), "{text}");
    assert!(text.contains("✗ auth   the token is refused"), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_1_when_nothing_listens() {
    let url = nothing_listening().await;
    let (output, text) = binary(&url, "ldk_x_y").await;
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("✗ livez  nothing answers at {url}: is the server running? wrong port?")), "{text}");
}
