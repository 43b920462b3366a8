//! Recording a run: the findings' lifecycle, the run rows and the
//! checkpoints, in one write transaction on the gates' own tables.
//!
//! A finding seen again is left as it is unless its money figures or its
//! detail changed (ages grow by themselves and are not rewritten), so an
//! identical repeated run writes nothing but its run rows.

use super::evaluate::{GateResult, Observed, Severity};
use super::marks::{POSTINGS_MARK, STATEMENT_MARK, set_mark};
use super::scan::Scan;
use super::{Gate, Mode};
use crate::error::LedgerResult;
use crate::store::{Backend, Store, now_micros};
use crate::time::rfc3339;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{GateRunSummary, GateRunView, GateStatus};
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

/// Checkpoint rows written per statement.
const BATCH: usize = 500;

/// What identifies a run.
pub(super) struct RunHeader<'a> {
    pub run_id: &'a str,
    pub mode: Mode,
    pub trigger: &'a str,
    pub started_at: i64,
}

/// Records `results` and the checkpoints `scan` reached, and announces the
/// run (`gate.run_finished`) on the same transaction; returns its summary.
pub(super) async fn record(
    store: &Store,
    header: &RunHeader<'_>,
    results: &[GateResult],
    scan: &Scan,
) -> LedgerResult<GateRunSummary> {
    let mut tx = store.begin_write().await?;
    let now = now_micros();
    let mut views = Vec::with_capacity(results.len());
    for result in results {
        let (flagged, resolved) =
            if result.error.is_none() { apply_findings(&mut tx, result, now).await? } else { (0, 0) };
        let (open, status) = standing(&mut tx, result.gate, result.error.is_some()).await?;
        sqlx::query(
            "INSERT INTO gate_runs (id, gate, mode, run_trigger, status, checked, open_count, flagged, resolved, \
             error, started_at, duration_micros) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(header.run_id)
        .bind(result.gate.name())
        .bind(header.mode.name())
        .bind(header.trigger)
        .bind(status.as_str())
        .bind(result.checked)
        .bind(open)
        .bind(flagged)
        .bind(resolved)
        .bind(&result.error)
        .bind(header.started_at)
        .bind(result.micros)
        .execute(&mut *tx)
        .await?;
        tracing::info!(
            gate = result.gate.name(),
            mode = header.mode.name(),
            status = status.as_str(),
            checked = result.checked,
            flagged,
            resolved,
            open,
            micros = result.micros,
            error = result.error.as_deref(),
            "gate run finished"
        );
        views.push(GateRunView {
            run_id: header.run_id.into(),
            gate: result.gate.name().into(),
            mode: header.mode.name().into(),
            trigger: header.trigger.into(),
            status,
            checked: result.checked,
            open,
            flagged,
            resolved,
            error: result.error.clone(),
            started_at: rfc3339(header.started_at)?,
            duration_micros: result.micros,
        });
    }
    save_checkpoints(&mut tx, store.backend(), scan).await?;
    let summary = GateRunSummary {
        run_id: header.run_id.into(),
        mode: header.mode.name().into(),
        trigger: header.trigger.into(),
        gates: views,
    };
    crate::changes::record(&mut tx, LiveEvent::GateRunFinished(summary.clone()), now).await?;
    tx.commit().await?;
    store.changes().committed();
    Ok(summary)
}

struct OpenFinding {
    id: String,
    expected: i64,
    actual: i64,
    detail: String,
    unit: String,
    posting_seq: Option<i64>,
}

/// Opens, reopens, updates and resolves `result`'s findings. Returns how
/// many it flagged (opened or reopened) and resolved.
async fn apply_findings(conn: &mut AnyConnection, result: &GateResult, now: i64) -> LedgerResult<(i64, i64)> {
    let gate = result.gate.name();
    let rows = sqlx::query(
        "SELECT id, subject, code, expected, actual, detail, unit, posting_seq FROM gate_findings \
         WHERE gate = $1 AND status = 'OPEN'",
    )
    .bind(gate)
    .fetch_all(&mut *conn)
    .await?;
    let mut open: HashMap<(String, String), OpenFinding> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let finding = OpenFinding {
            id: r.try_get("id")?,
            expected: r.try_get("expected")?,
            actual: r.try_get("actual")?,
            detail: r.try_get("detail")?,
            unit: r.try_get("unit")?,
            posting_seq: r.try_get("posting_seq")?,
        };
        open.insert((r.try_get("subject")?, r.try_get("code")?), finding);
    }
    let mut seen = HashSet::with_capacity(result.observed.len());
    let mut flagged = 0;
    for found in &result.observed {
        let key = (found.subject.clone(), found.code.to_string());
        if !seen.insert(key.clone()) {
            continue;
        }
        match open.get(&key) {
            Some(existing) if unchanged(existing, found) => {}
            Some(existing) => {
                sqlx::query(
                    "UPDATE gate_findings SET expected = $1, actual = $2, detail = $3, posting_seq = $4 WHERE id = $5",
                )
                .bind(found.expected)
                .bind(found.actual)
                .bind(&found.detail)
                .bind(found.line)
                .bind(&existing.id)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                open_finding(conn, gate, found, now).await?;
                flagged += 1;
            }
        }
    }
    let mut resolved = 0;
    for ((subject, code), finding) in &open {
        if result.complete.contains(&code.as_str()) && !seen.contains(&(subject.clone(), code.clone())) {
            sqlx::query("UPDATE gate_findings SET status = 'RESOLVED', resolved_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&finding.id)
                .execute(&mut *conn)
                .await?;
            resolved += 1;
        }
    }
    Ok((flagged, resolved))
}

/// Whether an open finding already says what was seen. Ages are not
/// rewritten: they grow by themselves. The line is compared too, so a
/// finding opened before findings carried their line gets it.
fn unchanged(existing: &OpenFinding, found: &Observed) -> bool {
    existing.unit == "seconds"
        || (existing.expected == found.expected
            && existing.actual == found.actual
            && existing.detail == found.detail
            && existing.posting_seq == found.line)
}

/// Reopens the resolved finding with this key, or opens a new one.
async fn open_finding(conn: &mut AnyConnection, gate: &str, found: &Observed, now: i64) -> LedgerResult<()> {
    let reopened = sqlx::query(
        "UPDATE gate_findings SET status = 'OPEN', opened_at = $1, resolved_at = NULL, times_opened = times_opened + 1, \
         severity = $2, unit = $3, expected = $4, actual = $5, detail = $6, posting_seq = $10 \
         WHERE gate = $7 AND subject = $8 AND code = $9 AND status = 'RESOLVED'",
    )
    .bind(now)
    .bind(found.severity.name())
    .bind(&found.unit)
    .bind(found.expected)
    .bind(found.actual)
    .bind(&found.detail)
    .bind(gate)
    .bind(&found.subject)
    .bind(found.code)
    .bind(found.line)
    .execute(&mut *conn)
    .await?;
    if reopened.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO gate_findings (id, gate, subject, code, status, severity, unit, expected, actual, detail, \
             first_seen_at, opened_at, resolved_at, times_opened, posting_seq) \
             VALUES ($1, $2, $3, $4, 'OPEN', $5, $6, $7, $8, $9, $10, $10, NULL, 1, $11)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(gate)
        .bind(&found.subject)
        .bind(found.code)
        .bind(found.severity.name())
        .bind(&found.unit)
        .bind(found.expected)
        .bind(found.actual)
        .bind(&found.detail)
        .bind(now)
        .bind(found.line)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// How many findings of `gate` are open, and the status they give it.
async fn standing(conn: &mut AnyConnection, gate: Gate, failed: bool) -> LedgerResult<(i64, GateStatus)> {
    let rows = sqlx::query(
        "SELECT severity, CAST(COUNT(*) AS BIGINT) AS n FROM gate_findings WHERE gate = $1 AND status = 'OPEN' \
         GROUP BY severity",
    )
    .bind(gate.name())
    .fetch_all(&mut *conn)
    .await?;
    let mut open = 0;
    let mut red = false;
    for r in &rows {
        open += r.try_get::<i64, _>("n")?;
        red |= r.try_get::<String, _>("severity")? == Severity::Red.name();
    }
    let status = if red {
        GateStatus::Red
    } else if open > 0 || failed {
        GateStatus::Amber
    } else {
        GateStatus::Green
    };
    Ok((open, status))
}

/// Moves each account's checkpoint to what this run verified, writing only
/// the rows that changed, and the transactions mark.
async fn save_checkpoints(conn: &mut AnyConnection, backend: Backend, scan: &Scan) -> LedgerResult<()> {
    if let Some(Ok(ledger)) = scan.ledger.as_ref().map(|t| t.data.as_ref()) {
        let moved: Vec<(&str, i64, i64)> = ledger
            .accounts
            .iter()
            .filter(|a| a.checkpoint != Some((a.posting_seq, a.posting_sum)))
            .map(|a| (a.account_id.as_str(), a.posting_seq, a.posting_sum))
            .collect();
        upsert(conn, backend, &moved, "posting_seq", "posting_sum").await?;
        set_mark(conn, POSTINGS_MARK, ledger.through_seq).await?;
    }

    if let Some(Ok(statements)) = scan.statements.as_ref().map(|t| t.data.as_ref()) {
        let moved: Vec<(&str, i64, i64)> = statements
            .ends
            .iter()
            .filter(|e| e.checkpoint != Some(e.last_line))
            .map(|e| (e.account_id.as_str(), e.last_line.0, e.last_line.1))
            .collect();
        upsert(conn, backend, &moved, "line_seq", "line_balance").await?;
        set_mark(conn, STATEMENT_MARK, statements.through_seq).await?;
    }
    Ok(())
}

/// Upserts one half of checkpoint rows (`seq_col`, `value_col`); a new row's
/// other half starts at zero, which means "nothing verified yet".
/// SQLite finds a numbered parameter (`$n`) by a linear search, which makes a
/// statement with a thousand of them slow; plain `?` is positional there.
async fn upsert(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[(&str, i64, i64)],
    seq_col: &str,
    value_col: &str,
) -> LedgerResult<()> {
    let other = if seq_col == "posting_seq" { "line_seq, line_balance" } else { "posting_seq, posting_sum" };
    for chunk in rows.chunks(BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| match backend {
                Backend::Sqlite => "(?, ?, ?, 0, 0)".to_string(),
                Backend::Postgres => format!("(${}, ${}, ${}, 0, 0)", 3 * i + 1, 3 * i + 2, 3 * i + 3),
            })
            .collect();
        // The column names are this module's constants, never input.
        let sql = format!(
            "INSERT INTO gate_checkpoints (account_id, {seq_col}, {value_col}, {other}) VALUES {} \
             ON CONFLICT (account_id) DO UPDATE SET {seq_col} = excluded.{seq_col}, {value_col} = excluded.{value_col}",
            values.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (account, seq, value) in chunk {
            query = query.bind(*account).bind(*seq).bind(*value);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
