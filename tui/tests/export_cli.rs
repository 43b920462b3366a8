//! `ledgerdeck export` through the real binary against a real in-process
//! server: a CSV file written under the name asked for with the rows
//! reported, JSON lines to standard output, and a refusal that leaves no file.

use ledgerdeck_client::{Role, new_idempotency_key};
use ledgerdeck_server::api::{ApiConfig, AppState};
use ledgerdeck_server::gates::GateConfig;
use ledgerdeck_server::{Caller, Ledger, LedgerConfig, Store};
use serde_json::json;
use std::process::{Command, Output};

async fn binary(url: &str, token: &str, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ledgerdeck"));
    command
        .arg("export")
        .args(args)
        .args(["--server", url])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("LEDGERDECK_TOKEN", token)
        .env_remove("LEDGERDECK_PROFILE");
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

/// The names in `dir` but SQLite's own side files.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_to_a_file_and_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("ledger.db").display())).await.unwrap();
    let token = ledgerdeck_server::access::create_token(&store, "viewer", Role::Viewer, "test").await.unwrap();
    let config = LedgerConfig { gates: GateConfig { scheduled: false, ..GateConfig::default() }, ..Default::default() };
    let ledger = Ledger::new(store.clone(), config);
    let ops = Caller::new("ops", Role::Operator);
    let made = ledger
        .execute(&ops, "create_wallet", json!({"merchant_id": "m-1", "currency": "USD"}), Some(&new_idempotency_key()))
        .await
        .unwrap();
    let wallet = made.subject_id.unwrap();
    for amount in ["10.00", "2.50", "7.25"] {
        let body = json!({"wallet_id": wallet, "amount": amount, "provider": "sandbox"});
        ledger.execute(&ops, "post_payin", body, Some(&new_idempotency_key())).await.unwrap();
    }
    let state = AppState::new(ledger, ApiConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(ledgerdeck_server::serve::serve_on(listener, state.clone(), None, None));

    let out = dir.path().join("statement.csv");
    let output = binary(&url, &token, &["statement", "--wallet-id", &wallet, "--out", out.to_str().unwrap()]).await;
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{said}{}", String::from_utf8_lossy(&output.stderr));
    assert!(said.contains(&format!("exported 3 rows to {}", out.display())), "{said}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("posting_seq,account,account_id,"), "{text}");
    assert_eq!(text.lines().count(), 4, "a header and three lines: {text}");
    assert_eq!(names(dir.path()), ["ledger.db", "statement.csv"], "no part file is left");

    // An existing file is never replaced by accident; `--force` replaces it whole.
    std::fs::write(&out, "kept").unwrap();
    let args = ["statement", "--wallet-id", &wallet, "--out", out.to_str().unwrap()];
    let output = binary(&url, &token, &args).await;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept");
    let output = binary(&url, &token, &[&args[..], &["--force"]].concat()).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);

    let output = binary(&url, &token, &["transactions", "--format", "jsonl", "--out", "-"]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stdout.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "{stdout}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("exported 3 rows to standard output"));

    let refused = dir.path().join("refused.csv");
    let output = binary(&url, &token, &["holds", "--gate", "wallet_drift", "--out", refused.to_str().unwrap()]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("VALIDATION_FAILED") && stderr.contains("gate"), "{stderr}");
    assert!(!refused.exists(), "no file is left");
    assert_eq!(names(dir.path()), ["ledger.db", "statement.csv"], "no part file is left");

    state.shutdown.cancel();
    task.await.unwrap().unwrap();
}
