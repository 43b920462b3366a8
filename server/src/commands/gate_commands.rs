//! `run_gates` (an on-demand gate run) and `rebuild_statements` (the cure
//! for wallet drift: the statement read model rewritten from the ledger).

use super::{CommandContext, Ledger, Params};
use crate::error::{LedgerError, LedgerResult};
use crate::gates::{Gate, Mode};
use ledgerdeck_client::{CommandResult, CommandStatus, GateStatus};
use sqlx::AnyConnection;

/// `run_gates`: runs one gate or all four, full unless `mode` says routine,
/// waiting a bounded time for a run in progress (`GATE_RUN_IN_PROGRESS`
/// after). The result's subject is the run id; its reference sums it up.
pub async fn run_gates(ledger: &Ledger, p: &Params, cx: &CommandContext<'_>) -> LedgerResult<CommandResult> {
    let gates: Vec<Gate> = match p.text("gate") {
        None => Gate::ALL.to_vec(),
        Some(name) => vec![Gate::parse(name).ok_or_else(|| LedgerError::field("gate", "is not a gate"))?],
    };
    let mode = if p.text("mode") == Some("routine") { Mode::Routine } else { Mode::Full };
    let wait = ledger.gates().config().busy_wait;
    let summary = ledger.gates().run(&gates, mode, &cx.caller.name, wait).await?;
    let reference = summary
        .gates
        .iter()
        .map(|g| match (g.status, g.open) {
            (GateStatus::Green, _) => format!("{} green", g.gate),
            (status, open) => format!("{} {} ({open} open)", g.gate, status.as_str()),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(CommandResult {
        status: CommandStatus::Completed,
        command: cx.command.into(),
        reference: Some(reference),
        subject_id: Some(summary.run_id),
        transaction_ids: Vec::new(),
        balances: Vec::new(),
        replayed: false,
    })
}

/// `rebuild_statements`: deletes the statement lines of one wallet (or all)
/// and writes them again from the postings, with running balances, on the
/// command's transaction. The gates' statement checkpoints of those accounts
/// are reset, so the next routine run checks the new lines from the start.
pub async fn rebuild_statements(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let wallet_id = p.text("wallet_id");
    if let Some(id) = wallet_id {
        let exists: Option<String> =
            sqlx::query_scalar("SELECT id FROM wallets WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
        if exists.is_none() {
            return Err(LedgerError::NotFound { what: "wallet", id: id.into() });
        }
    }
    let accounts = "SELECT id FROM accounts WHERE wallet_id IS NOT NULL AND ($1 IS NULL OR wallet_id = $1)";
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM statement_lines WHERE account_id IN ({accounts})")))
        .bind(wallet_id)
        .execute(&mut *conn)
        .await?;
    let written = sqlx::query(
        "INSERT INTO statement_lines \
         (posting_seq, wallet_id, account_id, transaction_id, amount, balance_after, description, booked_at, effective_at) \
         SELECT p.seq, a.wallet_id, p.account_id, p.transaction_id, p.amount, \
           CAST(SUM(p.amount) OVER (PARTITION BY p.account_id ORDER BY p.seq ROWS UNBOUNDED PRECEDING) AS BIGINT), \
           t.description, t.booked_at, t.effective_at \
         FROM postings p JOIN accounts a ON a.id = p.account_id JOIN ledger_transactions t ON t.id = p.transaction_id \
         WHERE a.wallet_id IS NOT NULL AND ($1 IS NULL OR a.wallet_id = $1)",
    )
    .bind(wallet_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let reset = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE gate_checkpoints SET line_seq = 0, line_balance = 0 WHERE account_id IN ({accounts})"
    )))
    .bind(wallet_id)
    .execute(&mut *conn)
    .await?;
    tracing::info!(wallet_id, lines = written, checkpoints_reset = reset.rows_affected(), "statements rebuilt");
    let scope = wallet_id.map_or_else(|| "every wallet".to_string(), |id| format!("wallet {id}"));
    Ok(CommandResult {
        status: CommandStatus::Completed,
        command: cx.command.into(),
        reference: Some(format!("rebuilt {written} statement lines of {scope}")),
        subject_id: wallet_id.map(str::to_string),
        transaction_ids: Vec::new(),
        balances: Vec::new(),
        replayed: false,
    })
}
