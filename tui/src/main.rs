//! `ledgerdeck`, the operations cockpit. The cockpit itself arrives with its
//! own issue; until then this binary only says so.

fn main() {
    eprintln!(
        "ledgerdeck {}: the cockpit is not built yet; the wallet core is `ledgerdeck-server`.",
        env!("CARGO_PKG_VERSION")
    );
    std::process::exit(2);
}
