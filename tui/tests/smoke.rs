//! `ledgerdeck smoke` against a real in-process server: all green, a bad
//! token, and nothing listening; in-process and through the real binary;
//! and the expectations a deploy adds (`--expect-provider`,
//! `--expect-gates-green`, `--expect-worker`), met and unmet.

use ledgerdeck_client::Role;
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::gates::{Gate, GateConfig, Mode};
use ledgerdeck_server::provider::sandbox::{Mix, SandboxProvider};
use ledgerdeck_server::saga::{Providers, Saga, SagaConfig};
use ledgerdeck_server::{Ledger, LedgerConfig, Store};
use ledgerdeck_tui::smoke::{self, Expectations, Options, Outcome};
use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::Arc;
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
        Self::start_with(false).await
    }

    /// With `saga`, the server runs a saga worker reaching a `sandbox`
    /// provider and an `acme` one that is out of reach. Gates run only when asked.
    async fn start_with(saga: bool) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
        let token = ledgerdeck_server::access::create_token(&store, "ops-alice", Role::Operator, "test").await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config =
            LedgerConfig { gates: GateConfig { scheduled: false, ..GateConfig::default() }, ..LedgerConfig::default() };
        let ledger = Ledger::new(store.clone(), config);
        let state = AppState::new(ledger, ApiConfig { heartbeat: Duration::from_millis(200), ..ApiConfig::default() });
        let saga = saga.then(|| {
            let mut providers = Providers::new();
            providers.insert("sandbox".into(), Arc::new(SandboxProvider::new("sandbox", 1, Mix::default())));
            let acme = SandboxProvider::new("acme", 1, Mix::default());
            acme.set_reachable(false);
            providers.insert("acme".into(), Arc::new(acme));
            let config =
                SagaConfig { worker_id: "saga-smoke".into(), instance: "smoke-host:1".into(), ..SagaConfig::default() };
            Saga::new(store, providers, config)
        });
        let task = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), saga, None));
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
    binary_with(url, token, &[]).await
}

/// The real binary with extra arguments.
async fn binary_with(url: &str, token: &str, extra: &[&str]) -> (Output, String) {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ledgerdeck"));
    command
        .args(["smoke", "--server", url, "--wait", "5"])
        .args(extra)
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

fn expecting(expect: Expectations) -> Options {
    Options { expect, ..options() }
}

/// Met expectations are required checks that pass: a live saga worker, a
/// reachable provider, every gate green after a run — each on its own line,
/// between the stream and the clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn met_expectations_pass_as_required_checks() {
    let server = Server::start_with(true).await;
    server.state.ledger.gates().run(&Gate::ALL, Mode::Full, "test", Duration::from_secs(10)).await.unwrap();
    let expect = Expectations { providers: vec!["sandbox".into()], gates_green: true, worker: true };
    let report = smoke::run(&server.url(), Some(&server.token), &expecting(expect)).await;
    let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    assert_eq!(names, ["livez", "readyz", "auth", "role", "events", "worker", "provider", "gates", "clock"]);
    assert!(report.passed(), "{}", report.render());
    let text = report.render();
    assert!(text.contains("✓ worker   1 live saga worker(s): saga-smoke on smoke-host:1"), "{text}");
    assert!(text.contains("✓ provider provider `sandbox` is reachable"), "{text}");
    assert!(text.contains("✓ gates    all 5 gates are green"), "{text}");
    server.stop().await;
}

/// Unmet expectations fail with one plain line each: a provider that is out
/// of reach, one not configured at all, and gates that never ran.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmet_expectations_fail_with_one_plain_line_each() {
    let server = Server::start_with(true).await;
    let expect = Expectations { providers: vec!["acme".into(), "globex".into()], gates_green: true, worker: false };
    let report = smoke::run(&server.url(), Some(&server.token), &expecting(expect)).await;
    assert!(!report.passed());
    let failed: Vec<&str> =
        report.checks.iter().filter(|c| c.outcome == Outcome::Fail).map(|c| c.detail.as_str()).collect();
    assert_eq!(
        failed,
        [
            "expected provider `acme` to be reachable: it is not (provider unavailable: connection to acme refused)",
            "expected provider `globex` to be reachable: it is not configured on this server (configured: acme, sandbox)",
            "expected every gate to be green: ledger_balanced has never run, wallet_drift has never run, \
         holds_drift has never run, payout_finality has never run, deposit_reconciliation has never run",
        ]
    );
    server.stop().await;
}

/// Without a saga on the server, `--expect-worker` and `--expect-provider`
/// say what is missing; the binary exits 1 and prints the line; without the
/// flags the same server passes (smoke behaves as before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_fails_on_a_missing_worker_and_provider() {
    let server = Server::start().await;
    let (output, text) =
        binary_with(&server.url(), &server.token, &["--expect-worker", "--expect-provider", "acme"]).await;
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("✗ worker   expected a live saga worker: no saga worker has run against this server's database"),
        "{text}"
    );
    assert!(
        text.contains(
            "✗ provider expected provider `acme` to be reachable: it is not configured on this server (no provider is)"
        ),
        "{text}"
    );
    assert!(text.contains("2 of 8 checks did not pass"), "{text}");
    let (output, text) = binary(&server.url(), &server.token).await;
    assert_eq!(output.status.code(), Some(0), "{text}");
    server.stop().await;
}
