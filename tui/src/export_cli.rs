//! `ledgerdeck export KIND [filters] --format csv|jsonl --out FILE`: one
//! export of the server's (`GET /v1/exports/{kind}`) written to a file, or
//! to standard output with `--out -`, for scripts. A file is written as a
//! [`PartFile`] beside its final name and takes the name once complete, so a
//! failed export never leaves a short file under the name asked for; an
//! existing file is refused unless `--force`. Progress goes to standard
//! error when it is a terminal; the rows and the path at the end.

use crate::part_file::PartFile;
use ledgerdeck_client::{ApiClient, ClientConfig, ExportFormat, ExportKind, ExportProgress, ExportQuery};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// The arguments of `ledgerdeck export`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// What to export: statement, transactions, holds, findings, audit or accounts.
    pub kind: ExportKind,
    /// csv (a header row, RFC 4180) or jsonl (one JSON object per line).
    #[arg(long, default_value = "csv")]
    pub format: ExportFormat,
    /// The file to write; `-` for standard output.
    #[arg(long)]
    pub out: String,
    /// Replace `--out` if it exists (in one rename, once the export is whole).
    #[arg(long)]
    pub force: bool,
    /// statement (required), transactions, holds, accounts: only this wallet.
    #[arg(long)]
    pub wallet_id: Option<String>,
    /// statement, transactions, audit: at or after this time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// statement, transactions, audit: before this time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// statement: only lines effective by then, with balances by effective time.
    #[arg(long)]
    pub as_of: Option<String>,
    /// transactions: only this transaction kind, e.g. payin.
    #[arg(long)]
    pub transaction_kind: Option<String>,
    /// holds: a hold status; findings: OPEN or RESOLVED.
    #[arg(long)]
    pub status: Option<String>,
    /// holds: only this merchant's.
    #[arg(long)]
    pub merchant_id: Option<String>,
    /// holds: only this provider's.
    #[arg(long)]
    pub provider: Option<String>,
    /// holds, accounts: only this currency.
    #[arg(long)]
    pub currency: Option<String>,
    /// holds: only those reserved more than this many seconds ago.
    #[arg(long)]
    pub older_than_seconds: Option<i64>,
    /// transactions, holds, audit: an exact reference.
    #[arg(long)]
    pub reference: Option<String>,
    /// findings: only this gate's.
    #[arg(long)]
    pub gate: Option<String>,
    /// audit: only this operator's.
    #[arg(long)]
    pub actor: Option<String>,
    /// audit: only this action.
    #[arg(long)]
    pub action: Option<String>,
    /// audit: posted, replayed, refused or failed.
    #[arg(long)]
    pub outcome: Option<String>,
    /// accounts: only this account kind.
    #[arg(long)]
    pub account_kind: Option<String>,
    /// accounts: true for system accounts only, false for wallet accounts only.
    #[arg(long)]
    pub system: Option<bool>,
}

impl ExportArgs {
    /// The filter sent to the server.
    pub fn query(&self) -> ExportQuery {
        ExportQuery {
            wallet_id: self.wallet_id.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            as_of: self.as_of.clone(),
            kind: self.transaction_kind.clone(),
            status: self.status.clone(),
            merchant_id: self.merchant_id.clone(),
            provider: self.provider.clone(),
            currency: self.currency.clone(),
            older_than_seconds: self.older_than_seconds,
            reference: self.reference.clone(),
            gate: self.gate.clone(),
            actor: self.actor.clone(),
            action: self.action.clone(),
            outcome: self.outcome.clone(),
            account_kind: self.account_kind.clone(),
            system: self.system,
        }
    }
}

/// Runs the export against `url` with `token`; the summary line on success.
pub fn run(url: &str, token: &str, args: &ExportArgs) -> Result<String, String> {
    let client = ApiClient::new(ClientConfig::new(url).with_token(token)).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start: {e}"))?;
    runtime.block_on(export(&client, args))
}

/// The export itself, on a runtime.
pub async fn export(client: &ApiClient, args: &ExportArgs) -> Result<String, String> {
    let query = args.query();
    let show = std::io::stderr().is_terminal();
    let progress = move |p: ExportProgress| {
        if show {
            eprint!("\r{} rows, {} bytes", p.rows, p.bytes);
        }
    };
    let refused = |e: ledgerdeck_client::ClientError| format!("the {} export failed: {e}", args.kind);
    if args.out == "-" {
        let done = client
            .export_to_writer(args.kind, &query, args.format, tokio::io::stdout(), progress)
            .await
            .map_err(refused)?;
        eprintln!("{}exported {} rows to standard output", if show { "\n" } else { "" }, done.rows);
        return Ok(String::new());
    }
    let mut part = PartFile::create(&PathBuf::from(&args.out), args.force).await.map_err(|e| e.to_string())?;
    let outcome = client.export_to_writer(args.kind, &query, args.format, part.writer(), progress).await;
    if show {
        eprintln!();
        let _ = std::io::stderr().flush();
    }
    // A failed export drops the part file, which removes it.
    let done = outcome.map_err(refused)?;
    let path = part.commit().await.map_err(|e| e.to_string())?;
    Ok(format!("exported {} rows to {}", done.rows, path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ExportArgs,
    }

    #[test]
    fn flags_become_the_servers_filter() {
        let cli = Cli::try_parse_from([
            "x",
            "transactions",
            "--format",
            "jsonl",
            "--out",
            "t.jsonl",
            "--wallet-id",
            "w-1",
            "--transaction-kind",
            "payin",
            "--from",
            "2026-01-01T00:00:00Z",
        ])
        .unwrap();
        assert_eq!((cli.args.kind, cli.args.format), (ExportKind::Transactions, ExportFormat::Jsonl));
        let query = cli.args.query();
        assert_eq!(query.given(), ["wallet_id", "from", "kind"]);
        assert_eq!(query.kind.as_deref(), Some("payin"));
        assert!(Cli::try_parse_from(["x", "ledger", "--out", "f"]).is_err(), "an unknown kind is refused");
        assert!(Cli::try_parse_from(["x", "holds", "--out", "f", "--format", "xlsx"]).is_err());
    }
}
