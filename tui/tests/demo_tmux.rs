//! End to end: `ledgerdeck demo --seed 7`, the real binary in tmux. Waits for
//! the first screen, visits every view, settles a manual-review hold the
//! simulator produced, quits, and checks nothing of the demo is left
//! running. Without tmux it says so loudly (and fails under CI).

mod tmux;

use std::time::{Duration, Instant};
use tmux::{Tmux, tmux_available};

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

#[test]
fn the_demo_runs_shows_every_view_lets_a_hold_be_settled_and_stops_cleanly() {
    if !tmux_available() {
        assert!(std::env::var_os("CI").is_none(), "tmux is required under CI");
        eprintln!("\n*** SKIPPED: demo end-to-end test: tmux is not installed ***\n");
        return;
    }
    let config = tempfile::tempdir().unwrap();
    let command = format!(
        "LEDGERDECK_CONFIG={} {} demo --seed 7; sleep 1",
        config.path().join("config.toml").display(),
        env!("CARGO_BIN_EXE_ledgerdeck")
    );
    let started = Instant::now();
    let tmux = Tmux::start(&format!("ledgerdeck-demo-{}", std::process::id()), &command);
    tmux.wait_within(&["1 Overview", "● live"], Duration::from_secs(20));

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
    tmux.keys(&["s"]);
    tmux.wait_for("Settle hold");
    tmux.text("provider portal shows it paid");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Press y to confirm");
    tmux.keys(&["y"]);
    let card = tmux.wait_for("✓ posted");
    assert!(card.contains("settle_hold"), "{card}");
    tmux.keys(&["Escape"]);

    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() {
        assert!(Instant::now() < deadline, "the demo did not stop on q:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
    let left = demo_processes();
    assert!(left.is_empty(), "demo processes left running: {left:?}");
}
