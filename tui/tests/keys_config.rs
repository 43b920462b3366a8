//! The `[keys]` table of `config.toml` through the real binary: a config
//! that gives a key two meanings, or names an action that does not exist, is
//! refused before anything starts, with its line named; `ledgerdeck keys`
//! prints the keys in force.

use std::process::{Command, Output};

fn ledgerdeck(config: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    Command::new(env!("CARGO_BIN_EXE_ledgerdeck"))
        .args(args)
        .env("LEDGERDECK_CONFIG", &path)
        .env("LEDGERDECK_TOKEN", "ldk_x_y")
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_key_with_two_meanings_is_refused_at_start_with_its_line() {
    let config = "[profiles.x]\nurl = \"http://127.0.0.1:9\"\n\n[keys]\nsettle = \"r\"\n";
    for args in [&["--server", "http://127.0.0.1:9"][..], &["keys"]] {
        let out = ledgerdeck(config, args);
        assert!(!out.status.success(), "{args:?} started anyway");
        let said = stderr(&out);
        assert!(said.contains("config.toml:5:"), "the line is named: {said}");
        assert!(said.contains("r would be both settle and release in payouts ([keys.payouts])"), "{said}");
    }
}

#[test]
fn an_unknown_action_or_context_is_refused_with_its_line() {
    let out = ledgerdeck("[keys]\nsetle = \"S\"\n", &["keys"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("config.toml:2: [keys]: unknown action \"setle\""), "{}", stderr(&out));
    let out = ledgerdeck("[keys.payout]\nsettle = \"S\"\n", &["keys"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("config.toml:2: unknown context [keys.payout]"), "{}", stderr(&out));
}

#[test]
fn ledgerdeck_keys_prints_the_keys_in_force() {
    let out = ledgerdeck("[keys]\nsettle = \"S\"\ncycle_status = \"F\"\n", &["keys"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    let payouts = table.split("\n\n").find(|s| s.starts_with("[payouts]")).expect("a payouts table");
    assert!(payouts.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["S", "settle", "settle", "(writes)"]));
    assert!(payouts.lines().any(|l| l.split_whitespace().take(2).collect::<Vec<_>>() == ["F", "cycle_status"]));
    assert!(table.contains("[global] Everywhere"), "{table}");
    assert!(table.contains("[palette] Commands  (fixed)"), "{table}");
}
