//! The gates as the API shows them: each gate's standing and last run, run
//! history (newest first), and findings with their figures.

use super::paging::{Checks, page};
use super::{money, rfc3339, time_at};
use crate::error::{LedgerError, LedgerResult};
use crate::gates::Gate;
use crate::store::Store;
use ledgerdeck_client::gates::{FINDING_STATUSES, GATES};
use ledgerdeck_client::{FindingQuery, FindingView, GateRunQuery, GateRunView, GateStatus, GateView, Page};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

const RUN_COLUMNS: &str = "id, gate, mode, run_trigger, status, checked, open_count, flagged, resolved, error, \
     started_at, duration_micros";

/// Every gate with its status, open findings and last run.
pub async fn list_gates(store: &Store) -> LedgerResult<Vec<GateView>> {
    let open = open_findings(&mut *store.pool().acquire().await?).await?;
    let mut views = Vec::with_capacity(Gate::ALL.len());
    for gate in Gate::ALL {
        let sql = format!("SELECT {RUN_COLUMNS} FROM gate_runs WHERE gate = $1 ORDER BY id DESC LIMIT 1");
        let last = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(gate.name()).fetch_optional(store.pool()).await?;
        let last_run = last.as_ref().map(run_view).transpose()?;
        views.push(GateView {
            gate: gate.name().into(),
            title: gate.title().into(),
            status: last_run.as_ref().map_or(GateStatus::Unknown, |r| r.status),
            open_findings: open.get(gate.name()).copied().unwrap_or(0),
            last_run,
        });
    }
    Ok(views)
}

/// Open findings per gate (gates with none are absent).
pub(crate) async fn open_findings(conn: &mut AnyConnection) -> LedgerResult<BTreeMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT gate, CAST(COUNT(*) AS BIGINT) AS n FROM gate_findings WHERE status = 'OPEN' GROUP BY gate",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("gate")?, r.try_get("n")?))).collect()
}

/// Runs, newest first, optionally of one gate.
pub async fn list_gate_runs(store: &Store, query: &GateRunQuery) -> LedgerResult<Page<GateRunView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let before = checks.text_cursor("gate_runs", query.cursor.as_deref());
    checks.one_of("gate", query.gate.as_deref(), &GATES);
    checks.finish()?;
    // The cursor is `<run id>/<gate>`: runs page by id, then gate.
    let (before_id, before_gate) = match before.as_deref().and_then(|c| c.split_once('.')) {
        Some((id, gate)) => (Some(id.to_string()), Some(gate.to_string())),
        None => (None, None),
    };
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM gate_runs WHERE ($1 IS NULL OR id < $1 OR (id = $1 AND gate < $2)) \
         AND ($3 IS NULL OR gate = $3) ORDER BY id DESC, gate DESC LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(before_id)
        .bind(before_gate)
        .bind(query.gate.as_deref())
        .bind(limit + 1)
        .fetch_all(store.pool())
        .await?;
    let items = rows.iter().map(run_view).collect::<LedgerResult<Vec<_>>>()?;
    Ok(page(items, limit, "gate_runs", |r| format!("{}.{}", r.run_id, r.gate)))
}

/// A gate's findings, newest first, optionally only `OPEN` or `RESOLVED`.
pub async fn list_findings(store: &Store, gate: &str, query: &FindingQuery) -> LedgerResult<Page<FindingView>> {
    let gate =
        Gate::parse(gate).ok_or_else(|| LedgerError::NotFound { what: "gate", id: gate.chars().take(64).collect() })?;
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let before = checks.id_cursor("findings", query.cursor.as_deref());
    checks.one_of("status", query.status.as_deref(), &FINDING_STATUSES);
    checks.finish()?;
    let filter = FindingFilter { gate: Some(gate.name()), status: query.status.as_deref(), before: before.as_deref() };
    let items = fetch_findings(&mut *store.pool().acquire().await?, &filter, limit + 1).await?;
    Ok(page(items, limit, "findings", |f| f.id.clone()))
}

const FINDING_WHERE: &str =
    "WHERE ($1 IS NULL OR f.gate = $1) AND ($2 IS NULL OR f.status = $2) AND ($3 IS NULL OR f.id < $3) ";

/// What a page of findings is filtered on (checked by the caller).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FindingFilter<'a> {
    /// One gate's, or every gate's.
    pub(crate) gate: Option<&'a str>,
    pub(crate) status: Option<&'a str>,
    /// Only ids below this one (the cursor).
    pub(crate) before: Option<&'a str>,
}

/// Up to `limit` findings matching `filter`, newest first.
pub(crate) async fn fetch_findings(
    conn: &mut AnyConnection,
    filter: &FindingFilter<'_>,
    limit: i64,
) -> LedgerResult<Vec<FindingView>> {
    let sql = format!(
        "SELECT f.*, c.scale FROM gate_findings f LEFT JOIN currencies c ON c.code = f.unit {FINDING_WHERE} \
         ORDER BY f.id DESC LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.gate)
        .bind(filter.status)
        .bind(filter.before)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(finding_view).collect()
}

/// How many findings match `filter`, counting at most `limit`.
pub(crate) async fn count_findings(
    conn: &mut AnyConnection,
    filter: &FindingFilter<'_>,
    limit: i64,
) -> LedgerResult<i64> {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS one FROM gate_findings f {FINDING_WHERE} LIMIT $4) counted"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.gate)
        .bind(filter.status)
        .bind(filter.before)
        .bind(limit)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// One finding.
pub async fn get_finding(store: &Store, id: &str) -> LedgerResult<FindingView> {
    let row = sqlx::query(
        "SELECT f.*, c.scale FROM gate_findings f LEFT JOIN currencies c ON c.code = f.unit WHERE f.id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| LedgerError::NotFound { what: "finding", id: id.chars().take(64).collect() })?;
    finding_view(&row)
}

fn run_view(row: &AnyRow) -> LedgerResult<GateRunView> {
    Ok(GateRunView {
        run_id: row.try_get("id")?,
        gate: row.try_get("gate")?,
        mode: row.try_get("mode")?,
        trigger: row.try_get("run_trigger")?,
        status: GateStatus::parse(&row.try_get::<String, _>("status")?),
        checked: row.try_get("checked")?,
        open: row.try_get("open_count")?,
        flagged: row.try_get("flagged")?,
        resolved: row.try_get("resolved")?,
        error: row.try_get("error")?,
        started_at: time_at(row, "started_at")?,
        duration_micros: row.try_get("duration_micros")?,
    })
}

fn finding_view(row: &AnyRow) -> LedgerResult<FindingView> {
    let scale: Option<i64> = row.try_get("scale")?;
    let figure = |col: &str| -> LedgerResult<String> {
        let minor: i64 = row.try_get(col)?;
        Ok(match scale {
            Some(scale) => money(minor, scale)?.to_string(),
            None => minor.to_string(),
        })
    };
    Ok(FindingView {
        id: row.try_get("id")?,
        gate: row.try_get("gate")?,
        subject: row.try_get("subject")?,
        code: row.try_get("code")?,
        status: row.try_get("status")?,
        severity: row.try_get("severity")?,
        unit: row.try_get("unit")?,
        expected: figure("expected")?,
        actual: figure("actual")?,
        detail: row.try_get("detail")?,
        first_seen_at: time_at(row, "first_seen_at")?,
        opened_at: time_at(row, "opened_at")?,
        resolved_at: row.try_get::<Option<i64>, _>("resolved_at")?.map(rfc3339).transpose()?,
        times_opened: row.try_get("times_opened")?,
        posting_seq: row.try_get("posting_seq")?,
    })
}
