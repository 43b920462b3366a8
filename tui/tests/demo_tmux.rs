//! End to end: `ledgerdeck demo --seed 7`, the real binary in tmux. Waits for
//! the first screen and a healthy saga worker and provider, visits every
//! view, settles a manual-review hold the simulator produced, quits, and
//! checks nothing of the demo is left running; and fixes the demo's red `wallet_drift` gate from its finding
//! without typing an id. Without tmux it says so loudly (and fails under CI).

mod tmux;

use std::sync::Mutex;
use std::time::{Duration, Instant};
use tmux::{Tmux, skipped};

/// One demo at a time: the first test checks that no demo process is left
/// once its own has quit, which another test's demo would break.
static ONE_DEMO: Mutex<()> = Mutex::new(());

/// Command lines of running `ledgerdeck` processes started with `demo`.
fn demo_processes() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()))
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| raw.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>())
        .filter(|args| args.first().is_some_and(|a| a.ends_with("ledgerdeck")) && args.iter().any(|a| a == "demo"))
        .map(|args| args.join(" "))
        .collect()
}

/// `ledgerdeck demo --seed 7` in a tmux session named after `name`, with a
/// throw-away config directory (kept while the session runs).
fn demo(name: &str) -> (tempfile::TempDir, Tmux) {
    let config = tempfile::tempdir().unwrap();
    let command = format!(
        "LEDGERDECK_CONFIG={} LEDGERDECK_STATE_DIR={} {} demo --seed 7; sleep 1",
        config.path().join("config.toml").display(),
        config.path().join("state").display(),
        env!("CARGO_BIN_EXE_ledgerdeck")
    );
    let tmux = Tmux::start(&format!("{name}-{}", std::process::id()), &command);
    (config, tmux)
}

#[test]
fn the_demo_runs_shows_every_view_lets_a_hold_be_settled_and_stops_cleanly() {
    let _one = ONE_DEMO.lock().unwrap_or_else(|p| p.into_inner());
    if skipped("demo end-to-end test") {
        return;
    }
    let started = Instant::now();
    let (_config, tmux) = demo("ledgerdeck-demo");
    tmux.wait_within(&["1 Overview", "● live"], Duration::from_secs(20));
    // The demo's saga worker beats and its sandbox answers probes.
    tmux.wait_within(&["saga      ● ok  1 live worker", "provider  ● ok  reachable: sandbox"], Duration::from_secs(20));

    let views = ["Overview", "Gates", "Payouts", "Outbox", "Wallets", "Ledger", "Controls", "Audit"];
    for (n, title) in views.iter().enumerate() {
        let key = (n + 1).to_string();
        tmux.keys(&[&key]);
        tmux.wait_for(&format!("{key} {title}"));
    }

    tmux.keys(&["3"]);
    let queue = tmux.wait_within(&["Payouts: manual_review", "manual_review│"], Duration::from_secs(20));
    eprintln!("first manual-review hold on screen {:?} after start", started.elapsed());
    assert!(queue.contains("sandbox"), "{queue}");
    let (_, card) = tmux.settle("s", "provider portal shows it paid", None);
    assert!(card.contains("settle_hold"), "{card}");
    tmux.close_card();
    tmux.quits(Duration::from_secs(10));
    let left = demo_processes();
    assert!(left.is_empty(), "demo processes left running: {left:?}");
}

/// The simulator drifts a wallet's statement about twenty seconds in and
/// runs the gates: from the red `wallet_drift` gate, its finding is fixed
/// (rebuild the wallet's statements, run the gate again) and the gate turns
/// green, with no id typed.
#[test]
fn the_demos_red_wallet_drift_gate_is_fixed_from_its_finding() {
    let _one = ONE_DEMO.lock().unwrap_or_else(|p| p.into_inner());
    if skipped("demo end-to-end test") {
        return;
    }
    let (_config, tmux) = demo("ledgerdeck-demo-fix");
    tmux.wait_within(&["1 Overview", "● live"], Duration::from_secs(20));
    tmux.keys(&["2"]);
    let red = |screen: &str| screen.lines().any(|l| l.contains("wallet_drift") && l.contains("✖ red"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !red(&tmux.screen()) {
        assert!(Instant::now() < deadline, "wallet_drift never turned red:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(200));
    }
    tmux.keys(&["j", "Enter"]);
    tmux.wait_within(&["Open findings: wallet_drift", "f fix"], Duration::from_secs(10));
    tmux.keys(&["f"]);
    tmux.wait_for("Rebuild the statement lines of wallet");
    tmux.keys(&["y"]);
    let green = |screen: &str| screen.lines().any(|l| l.contains("wallet_drift") && l.contains("● green"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !green(&tmux.screen()) {
        assert!(Instant::now() < deadline, "wallet_drift did not turn green:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(200));
    }
    tmux.quits(Duration::from_secs(10));
}
