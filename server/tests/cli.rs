//! The `ledgerdeck-server` binary: token management and refusing to serve
//! without a token.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ledgerdeck-server");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).env_remove("LEDGERDECK_DATABASE_URL").output().expect("run ledgerdeck-server")
}

#[test]
fn tokens_are_made_listed_and_revoked_and_serve_needs_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("cli.db").display());

    let refused = run(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("token create --name"), "the refusal says how to make a token: {message}");

    let made = run(&["token", "create", "--name", "alice", "--role", "operator", "--database", &url]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let stdout = String::from_utf8_lossy(&made.stdout);
    let token = stdout.lines().last().unwrap();
    assert!(token.starts_with("ldk_") && !token.contains(' '), "the token alone on the last line: {stdout:?}");

    let bad_role = run(&["token", "create", "--name", "bob", "--role", "root", "--database", &url]);
    assert!(!bad_role.status.success());

    let brief =
        run(&["token", "create", "--name", "carol", "--role", "viewer", "--expires-in", "12h", "--database", &url]);
    assert!(brief.status.success(), "{}", String::from_utf8_lossy(&brief.stderr));
    assert!(String::from_utf8_lossy(&brief.stdout).contains("expires 20"), "the expiry is said");
    for bad in ["0", "12w", "soon", "4000d"] {
        let refused =
            run(&["token", "create", "--name", "dan", "--role", "viewer", "--expires-in", bad, "--database", &url]);
        assert!(!refused.status.success(), "--expires-in {bad}");
    }

    let listed = run(&["token", "list", "--database", &url]);
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(listing.contains("alice") && listing.contains("operator"), "{listing}");
    assert!(listing.contains("expires") && listing.contains("last used"), "{listing}");
    let carol = listing.lines().find(|l| l.contains("carol")).expect("carol listed");
    assert!(carol.contains("viewer") && carol.ends_with("live") && carol.matches("20").count() >= 2, "{carol}");
    assert!(!listing.contains("dan"), "refused lifetimes make nothing");
    let secret = token.rsplit('_').next().unwrap();
    assert!(!listing.contains(secret), "a listing never shows a secret");

    assert!(run(&["token", "revoke", "alice", "--database", &url]).status.success());
    assert!(!run(&["token", "revoke", "alice", "--database", &url]).status.success(), "nothing left to revoke");
    assert!(run(&["token", "revoke", "carol", "--database", &url]).status.success());
    let refused_again = run(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    assert!(!refused_again.status.success(), "revoked tokens do not count");
}
