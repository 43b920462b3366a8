//! The real `ledgerdeck-server` binary as a child process: `serve` on a free
//! local port (ready once `/readyz` answers) or `worker` (the saga alone),
//! on a database given by URL, killed when dropped; its resident memory read
//! from `/proc`; and the CLI's one-shot subcommands (`token create`,
//! `token revoke`, …).
//!
//! Standalone (no other test module needed), so benches can include it with
//! `#[path]`.
#![allow(dead_code)]

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server binary Cargo built for this test or bench.
pub const BIN: &str = env!("CARGO_BIN_EXE_ledgerdeck-server");

/// A running `ledgerdeck-server` process, SIGKILLed and reaped on drop.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT` for `serve`; `None` for `worker`.
    pub base: Option<String>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// Resident memory of a process, from `/proc/PID/status`, in kB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rss {
    /// Resident now (`VmRSS`).
    pub now_kb: u64,
    /// The highest resident so far (`VmHWM`).
    pub peak_kb: u64,
}

impl ServerProcess {
    /// `ledgerdeck-server serve` on `database` with `extra` flags, on a free
    /// port; returns once `/readyz` answers 200 (panics with the log tail
    /// if it exits or is not ready within 60 s).
    pub async fn serve(database: &str, extra: &[&str]) -> ServerProcess {
        for _ in 0..5 {
            let port = free_port();
            let listen = format!("127.0.0.1:{port}");
            let args = [&["serve", "--database", database, "--listen", &listen][..], extra].concat();
            let mut process = Self::spawn(&args);
            process.base = Some(format!("http://{listen}"));
            match process.wait_ready().await {
                Ok(()) => return process,
                // Someone took the port between our probe and its bind.
                Err(log) if log.contains("Address already in use") => continue,
                Err(log) => panic!("ledgerdeck-server serve did not become ready; log tail:\n{log}"),
            }
        }
        panic!("no free port after five tries");
    }

    /// `ledgerdeck-server worker` (the payout saga, no HTTP) on `database`
    /// with `extra` flags.
    pub fn worker(database: &str, extra: &[&str]) -> ServerProcess {
        let args = [&["worker", "--database", database][..], extra].concat();
        let mut process = Self::spawn(&args);
        std::thread::sleep(Duration::from_millis(50));
        if let Ok(Some(status)) = process.child.try_wait() {
            panic!("ledgerdeck-server worker exited with {status}; log:\n{}", process.log_tail());
        }
        process
    }

    fn spawn(args: &[&str]) -> ServerProcess {
        let dir = tempfile::tempdir().expect("temp dir for the log");
        let log = dir.path().join("server.log");
        let file = std::fs::File::create(&log).expect("server log");
        let child = Command::new(BIN)
            .args(args)
            .env_remove("LEDGERDECK_DATABASE_URL")
            .env("RUST_LOG", std::env::var("LEDGERDECK_CHILD_LOG").unwrap_or_else(|_| "warn".into()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("start ledgerdeck-server");
        ServerProcess { child, base: None, log, _dir: dir }
    }

    /// Polls `/readyz` until it answers 200; on exit or timeout, the log.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let url = format!("{}/readyz", self.base.as_deref().expect("a serving process"));
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}\n{}", self.log_tail()));
            }
            if http.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("not ready within 60 s\n{}", self.log_tail()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The URL of `path` on this `serve` process.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_deref().expect("a serving process"))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resident memory now and at its peak.
    pub fn rss(&self) -> Rss {
        rss_of(self.pid()).expect("read /proc/PID/status of a running server")
    }

    /// The last 4,000 bytes of its log (stderr).
    pub fn log_tail(&self) -> String {
        let Ok(mut file) = std::fs::File::open(&self.log) else { return String::new() };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        file.seek(SeekFrom::Start(len.saturating_sub(4000))).ok();
        let mut tail = String::new();
        file.read_to_string(&mut tail).ok();
        tail
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmRSS` and `VmHWM` of process `pid` (Linux), or `None`.
pub fn rss_of(pid: u32) -> Option<Rss> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status.lines().find_map(|line| line.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse().ok())
    };
    Some(Rss { now_kb: field("VmRSS:")?, peak_kb: field("VmHWM:")? })
}

/// Runs a one-shot subcommand (`["token", "create", …]`) against
/// `database`; panics with its stderr unless it succeeds; returns stdout.
pub fn cli(database: &str, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(args)
        .args(["--database", database])
        .env_remove("LEDGERDECK_DATABASE_URL")
        .output()
        .expect("run ledgerdeck-server");
    assert!(output.status.success(), "ledgerdeck-server {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `token create --name NAME --role ROLE`: the new token.
pub fn create_token(database: &str, name: &str, role: &str) -> String {
    let stdout = cli(database, &["token", "create", "--name", name, "--role", role]);
    stdout.lines().last().expect("the token on the last line").trim().to_string()
}

/// `token revoke NAME_OR_ID`.
pub fn revoke_token(database: &str, name_or_id: &str) {
    cli(database, &["token", "revoke", name_or_id]);
}

/// A local port nobody listens on now (the OS's pick; a race with another
/// bind is retried by [`ServerProcess::serve`]).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a probe port");
    listener.local_addr().expect("probe address").port()
}
