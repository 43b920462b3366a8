//! The gates' scans: read-only statements, one per check, run in parallel on
//! separate connections. Each statement compares figures it read itself, so
//! each sees one consistent snapshot even while commands post. What they
//! read is described by the types of [`super::scan`].

use super::marks::{POSTINGS_MARK, STATEMENT_MARK, mark};
use super::scan::{
    AccountFigures, BrokenLine, Deposit, DepositScan, FinalityScan, LateHold, LedgerScan, ReservedFigures, Scan,
    StatementEnd, StatementScan, Timed,
};
use super::{Gate, GateConfig, Mode};
use crate::error::LedgerResult;
use crate::holds::OPEN_STATUSES;
use crate::store::{Backend, Store};
use sqlx::{AnyPool, Row};
use std::time::Instant;

/// Runs the scans of `gates` in parallel.
pub(super) async fn scan(
    store: &Store,
    config: &GateConfig,
    gates: &[Gate],
    mode: Mode,
    now: i64,
) -> LedgerResult<Scan> {
    let pool = store.pool();
    let wanted = |gate| gates.contains(&gate);
    let (ledger, statements, holds, finality, deposits) = futures::join!(
        when(wanted(Gate::LedgerBalanced), || timed(ledger_scan(store, mode))),
        when(wanted(Gate::WalletDrift), || timed(statement_scan(store, mode))),
        when(wanted(Gate::HoldsDrift), || timed(reserved_scan(pool))),
        when(wanted(Gate::PayoutFinality), || timed(finality_scan(pool, config, mode, now))),
        when(wanted(Gate::DepositReconciliation), || timed(deposit_scan(pool, config, now))),
    );
    Ok(Scan { ledger, statements, holds, finality, deposits })
}

async fn when<T, F: Future<Output = T>>(wanted: bool, make: impl FnOnce() -> F) -> Option<T> {
    if wanted { Some(make().await) } else { None }
}

async fn timed<T>(scan: impl Future<Output = LedgerResult<T>>) -> Timed<T> {
    let clock = Instant::now();
    let data = scan.await;
    Timed { data, micros: i64::try_from(clock.elapsed().as_micros()).unwrap_or(i64::MAX) }
}

const TXN_FULL: &str = "SELECT transaction_id, currency, CAST(SUM(amount) AS BIGINT) AS total FROM postings \
     GROUP BY transaction_id, currency HAVING SUM(amount) <> 0";

const TXN_SINCE: &str = "SELECT transaction_id, currency, CAST(SUM(amount) AS BIGINT) AS total FROM postings \
     WHERE transaction_id IN (SELECT transaction_id FROM postings WHERE seq > $1) \
     GROUP BY transaction_id, currency HAVING SUM(amount) <> 0";

const ACCOUNTS_FULL: &str = "SELECT a.id, a.currency, a.balance, \
     CAST(COALESCE(p.total, 0) AS BIGINT) AS posting_sum, CAST(COALESCE(p.last_seq, 0) AS BIGINT) AS posting_seq, \
     c.posting_seq AS cp_seq, c.posting_sum AS cp_sum \
     FROM accounts a \
     LEFT JOIN (SELECT account_id, SUM(amount) AS total, MAX(seq) AS last_seq FROM postings GROUP BY account_id) p \
       ON p.account_id = a.id \
     LEFT JOIN gate_checkpoints c ON c.account_id = a.id";

/// Per account: the checkpoint plus the postings after it, read from the
/// postings after `$1` only (one range of the primary key, not a seek per
/// account).
/// (`fresh` is materialised in seq order so that SQLite reads it as a range
/// of the primary key rather than skip-scanning an index.)
const ACCOUNTS_SINCE: &str = "WITH fresh AS MATERIALIZED \
       (SELECT seq, account_id, amount FROM postings WHERE seq > $1 ORDER BY seq) \
     SELECT a.id, a.currency, a.balance, c.posting_seq AS cp_seq, c.posting_sum AS cp_sum, \
     CAST(COALESCE(c.posting_sum, 0) + COALESCE(d.total, 0) AS BIGINT) AS posting_sum, \
     CAST(COALESCE(d.last_seq, c.posting_seq, 0) AS BIGINT) AS posting_seq \
     FROM accounts a LEFT JOIN gate_checkpoints c ON c.account_id = a.id \
     LEFT JOIN (SELECT p.account_id, SUM(p.amount) AS total, MAX(p.seq) AS last_seq FROM fresh p \
       LEFT JOIN gate_checkpoints pc ON pc.account_id = p.account_id \
       WHERE p.seq > COALESCE(pc.posting_seq, 0) GROUP BY p.account_id) d ON d.account_id = a.id";

/// How far below the last run's mark a routine run reads again. On SQLite
/// writers are serialised, so every posting at or below the mark was
/// committed when it was read. On PostgreSQL a transaction may commit after
/// others that took later sequence numbers; per-account checkpoints keep the
/// overlap from being counted twice.
fn overlap(backend: Backend) -> i64 {
    match backend {
        Backend::Sqlite => 0,
        Backend::Postgres => 100_000,
    }
}

/// Where a routine run starts reading: the mark `name` less the overlap, or
/// `None` (read everything) when there is no mark yet or the run is full.
async fn since(store: &Store, mode: Mode, name: &str) -> LedgerResult<Option<i64>> {
    if mode == Mode::Full {
        return Ok(None);
    }
    let mark = mark(store.pool(), name).await?;
    Ok(mark.map(|m| (m - overlap(store.backend())).max(0)))
}

async fn ledger_scan(store: &Store, mode: Mode) -> LedgerResult<LedgerScan> {
    let pool = store.pool();
    // The mark is read first: every posting up to it is committed (on
    // PostgreSQL, up to the overlap), so the scan that follows sees it.
    let through_seq: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM postings").fetch_one(pool).await?;
    let since = since(store, mode, POSTINGS_MARK).await?;
    let unbalanced = async {
        let rows = match since {
            None => sqlx::query(TXN_FULL).fetch_all(pool).await?,
            Some(since) => sqlx::query(TXN_SINCE).bind(since).fetch_all(pool).await?,
        };
        rows.iter()
            .map(|r| Ok((r.try_get("transaction_id")?, r.try_get("currency")?, r.try_get("total")?)))
            .collect::<LedgerResult<Vec<_>>>()
    };
    let accounts = async {
        let rows = match since {
            None => sqlx::query(ACCOUNTS_FULL).fetch_all(pool).await?,
            Some(since) => sqlx::query(ACCOUNTS_SINCE).bind(since).fetch_all(pool).await?,
        };
        rows.iter()
            .map(|r| {
                Ok(AccountFigures {
                    account_id: r.try_get("id")?,
                    currency: r.try_get("currency")?,
                    balance: r.try_get("balance")?,
                    posting_sum: r.try_get("posting_sum")?,
                    posting_seq: r.try_get("posting_seq")?,
                    checkpoint: pair(r.try_get("cp_seq")?, r.try_get("cp_sum")?),
                })
            })
            .collect::<LedgerResult<Vec<_>>>()
    };
    let (unbalanced, accounts) = futures::try_join!(unbalanced, accounts)?;
    Ok(LedgerScan { unbalanced, through_seq, accounts })
}

/// Broken lines (full) and every wallet account's last line, in one statement.
const STATEMENTS_FULL: &str = "SELECT 'broken' AS part, l.account_id, l.posting_seq AS seq, l.expected, \
     l.balance_after AS actual, CAST(NULL AS TEXT) AS currency, CAST(NULL AS BIGINT) AS cp_seq, \
     CAST(NULL AS BIGINT) AS cp_balance FROM ( \
       SELECT account_id, posting_seq, balance_after, \
       LAG(balance_after, 1, 0) OVER (PARTITION BY account_id ORDER BY posting_seq) + amount AS expected \
       FROM statement_lines WHERE account_id >= $1 AND account_id < $2) l WHERE l.expected <> l.balance_after \
     UNION ALL ";

/// The routine statement scan in one statement: lines after `$1` (plus
/// every line of accounts whose statement checkpoint was reset), checked
/// from each account's checkpoint; then every wallet account's last line
/// (the last new one, else the checkpoint's) next to its stored balance.
const STATEMENTS_SINCE: &str = "WITH recent AS MATERIALIZED ( \
       SELECT s.account_id, s.posting_seq, s.amount, s.balance_after FROM statement_lines s \
       WHERE s.posting_seq > $1 ORDER BY s.posting_seq), \
     fresh AS ( \
       SELECT account_id, posting_seq, amount, balance_after FROM recent \
       UNION ALL \
       SELECT s.account_id, s.posting_seq, s.amount, s.balance_after FROM gate_checkpoints c0 \
       CROSS JOIN statement_lines s WHERE c0.line_seq = 0 AND s.account_id = c0.account_id AND s.posting_seq <= $1), \
     checked AS MATERIALIZED ( \
       SELECT f.account_id, f.posting_seq, f.balance_after, \
       LAG(f.balance_after, 1, COALESCE(c.line_balance, 0)) OVER (PARTITION BY f.account_id ORDER BY f.posting_seq) \
         + f.amount AS expected \
       FROM fresh f LEFT JOIN gate_checkpoints c ON c.account_id = f.account_id \
       WHERE f.posting_seq > COALESCE(c.line_seq, 0)), \
     last_new AS (SELECT account_id, MAX(posting_seq) AS last_seq FROM checked GROUP BY account_id) \
     SELECT 'broken' AS part, account_id, posting_seq AS seq, expected, balance_after AS actual, \
       CAST(NULL AS TEXT) AS currency, CAST(NULL AS BIGINT) AS cp_seq, CAST(NULL AS BIGINT) AS cp_balance \
     FROM checked WHERE expected <> balance_after \
     UNION ALL \
     SELECT 'end' AS part, a.id AS account_id, CAST(COALESCE(n.last_seq, c.line_seq, 0) AS BIGINT) AS seq, \
       a.balance AS expected, \
       CAST(COALESCE((SELECT s.balance_after FROM statement_lines s WHERE s.posting_seq = n.last_seq), \
         c.line_balance, 0) AS BIGINT) AS actual, \
       a.currency, c.line_seq AS cp_seq, c.line_balance AS cp_balance \
     FROM accounts a LEFT JOIN gate_checkpoints c ON c.account_id = a.id \
     LEFT JOIN last_new n ON n.account_id = a.id WHERE a.wallet_id IS NOT NULL";

const STATEMENT_ENDS: &str = "SELECT 'end' AS part, a.id AS account_id, \
     CAST(COALESCE((SELECT MAX(s.posting_seq) FROM statement_lines s WHERE s.account_id = a.id), 0) AS BIGINT) AS seq, \
     a.balance AS expected, \
     CAST(COALESCE((SELECT s.balance_after FROM statement_lines s WHERE s.account_id = a.id \
       ORDER BY s.posting_seq DESC LIMIT 1), 0) AS BIGINT) AS actual, \
     a.currency, c.line_seq AS cp_seq, c.line_balance AS cp_balance \
     FROM accounts a LEFT JOIN gate_checkpoints c ON c.account_id = a.id WHERE a.wallet_id IS NOT NULL \
     AND a.id >= $1 AND a.id < $2";

/// Above every account id (they are printable ASCII).
const PAST_EVERY_ID: &str = "\u{7f}";

/// How many statements a full statement scan is split into, by account
/// range, so that they run in parallel. Only on SQLite, whose text order is
/// bytewise; a PostgreSQL collation may order the end marker differently,
/// and its one statement is cheaper there anyway.
fn statement_parts(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 4,
        Backend::Postgres => 1,
    }
}

/// The account ranges `[lo, hi)` of a full statement scan: wallet accounts
/// in `parts` groups of equal count.
async fn account_ranges(store: &Store) -> LedgerResult<Vec<(String, String)>> {
    let parts = statement_parts(store.backend());
    if parts == 1 {
        return Ok(vec![(String::new(), PAST_EVERY_ID.to_string())]);
    }
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM accounts WHERE wallet_id IS NOT NULL ORDER BY id")
        .fetch_all(store.pool())
        .await?;
    let mut bounds = vec![String::new()];
    bounds.extend((1..parts).filter_map(|i| ids.get(i * ids.len() / parts).cloned()));
    bounds.push(PAST_EVERY_ID.to_string());
    bounds.dedup();
    Ok(bounds.windows(2).map(|w| (w[0].clone(), w[1].clone())).collect())
}

async fn statement_scan(store: &Store, mode: Mode) -> LedgerResult<StatementScan> {
    let pool = store.pool();
    let through_seq: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(posting_seq), 0) AS BIGINT) FROM statement_lines")
            .fetch_one(pool)
            .await?;
    let rows = match since(store, mode, STATEMENT_MARK).await? {
        None => {
            let sql = format!("{STATEMENTS_FULL}{STATEMENT_ENDS}");
            let ranges = account_ranges(store).await?;
            let parts = ranges.iter().map(|(lo, hi)| {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(lo.clone()).bind(hi.clone()).fetch_all(pool)
            });
            futures::future::try_join_all(parts).await?.into_iter().flatten().collect()
        }
        Some(since) => sqlx::query(STATEMENTS_SINCE).bind(since).fetch_all(pool).await?,
    };
    let mut scan = StatementScan { through_seq, ..StatementScan::default() };
    for r in &rows {
        let part: String = r.try_get("part")?;
        let account_id: String = r.try_get("account_id")?;
        let seq: i64 = r.try_get("seq")?;
        let expected: i64 = r.try_get("expected")?;
        let actual: i64 = r.try_get("actual")?;
        if part == "broken" {
            scan.broken.push(BrokenLine { account_id, posting_seq: seq, expected, actual });
        } else {
            scan.ends.push(StatementEnd {
                account_id,
                currency: r.try_get("currency")?,
                balance: expected,
                last_line: (seq, actual),
                checkpoint: pair(r.try_get("cp_seq")?, r.try_get("cp_balance")?),
            });
        }
    }
    Ok(scan)
}

async fn reserved_scan(pool: &AnyPool) -> LedgerResult<Vec<ReservedFigures>> {
    let open = OPEN_STATUSES.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT a.wallet_id, a.currency, CAST(COALESCE(h.total, 0) AS BIGINT) AS open_holds, a.balance AS reserved \
         FROM accounts a LEFT JOIN (SELECT wallet_id, SUM(amount) AS total FROM holds WHERE status IN ({open}) \
         GROUP BY wallet_id) h ON h.wallet_id = a.wallet_id WHERE a.kind = 'wallet_reserved'"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter()
        .map(|r| {
            Ok(ReservedFigures {
                wallet_id: r.try_get("wallet_id")?,
                currency: r.try_get("currency")?,
                open_holds: r.try_get("open_holds")?,
                reserved: r.try_get("reserved")?,
            })
        })
        .collect()
}

/// Open holds past their threshold, and finished holds (changed since `$3`)
/// whose ledger transaction is missing.
const FINALITY: &str = "SELECT h.id, h.status, h.updated_at, CAST(1 AS BIGINT) AS has_final FROM holds h \
     WHERE h.status IN ('reserved', 'submitted', 'manual_review') \
       AND h.updated_at < CASE WHEN h.status = 'manual_review' THEN $2 ELSE $1 END \
     UNION ALL \
     SELECT h.id, h.status, h.updated_at, CAST(0 AS BIGINT) AS has_final FROM holds h \
     WHERE h.updated_at >= $3 AND h.status IN ('settled', 'released') \
       AND (h.final_txn_id IS NULL OR NOT EXISTS (SELECT 1 FROM ledger_transactions t WHERE t.id = h.final_txn_id))";

/// How far before the last run a routine run looks again for finished holds:
/// a hold's `updated_at` is taken before its transaction commits.
const FINISHED_HOLDS_OVERLAP_MICROS: i64 = 300_000_000;

async fn finality_scan(pool: &AnyPool, config: &GateConfig, mode: Mode, now: i64) -> LedgerResult<FinalityScan> {
    let stuck_before = now - micros(config.hold_stuck_after);
    let overdue_before = now - micros(config.manual_review_sla);
    let finished_since: Option<i64> = match mode {
        Mode::Full => None,
        // The start of the last good run of this gate: it checked every
        // hold finished before then.
        Mode::Routine => {
            sqlx::query_scalar("SELECT MAX(started_at) FROM gate_runs WHERE gate = 'payout_finality' AND error IS NULL")
                .fetch_one(pool)
                .await?
        }
    };
    let from = finished_since.map_or(i64::MIN, |at| at - FINISHED_HOLDS_OVERLAP_MICROS);
    let holds = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM holds").fetch_one(pool);
    let rows = sqlx::query(FINALITY).bind(stuck_before).bind(overdue_before).bind(from).fetch_all(pool);
    let (holds, rows) = futures::try_join!(holds, rows)?;
    let flagged = rows
        .iter()
        .map(|r| {
            Ok(LateHold {
                hold_id: r.try_get("id")?,
                status: r.try_get("status")?,
                since: r.try_get("updated_at")?,
                has_final_txn: r.try_get::<i64, _>("has_final")? == 1,
            })
        })
        .collect::<LedgerResult<Vec<_>>>()?;
    Ok(FinalityScan { holds, flagged, stuck_before, overdue_before, now })
}

/// Every pay-in with a provider reference, confirmed (a `payin.succeeded`
/// event) or credited (a claim of `post_payin`), with the credit's wallet
/// leg. One statement, so confirmations and credits are read from one
/// snapshot; the whole table each run (both modes check completely).
const DEPOSITS: &str = "WITH confirmed AS ( \
       SELECT provider, provider_reference, MIN(amount) AS low, MAX(amount) AS high FROM payin_events \
       WHERE kind = 'payin.succeeded' GROUP BY provider, provider_reference), \
     credited AS ( \
       SELECT r.provider, r.provider_reference, r.created_at, p.amount, p.currency, c.scale \
       FROM payin_references r JOIN postings p ON p.transaction_id = r.transaction_id AND p.amount > 0 \
       JOIN currencies c ON c.code = p.currency), \
     keys AS (SELECT provider, provider_reference FROM confirmed UNION SELECT provider, provider_reference FROM credited) \
     SELECT k.provider, k.provider_reference, f.low, f.high, d.amount AS credited, d.currency, \
       CAST(d.scale AS BIGINT) AS scale, d.created_at \
     FROM keys k LEFT JOIN confirmed f ON f.provider = k.provider AND f.provider_reference = k.provider_reference \
     LEFT JOIN credited d ON d.provider = k.provider AND d.provider_reference = k.provider_reference";

async fn deposit_scan(pool: &AnyPool, config: &GateConfig, now: i64) -> LedgerResult<DepositScan> {
    let rows = sqlx::query(DEPOSITS).fetch_all(pool).await?;
    let unconfirmed_before = now - micros(config.deposit_confirm_grace);
    let mut seen = Vec::with_capacity(rows.len());
    for r in &rows {
        let credited: Option<i64> = r.try_get("credited")?;
        let currency: Option<String> = r.try_get("currency")?;
        let scale: Option<i64> = r.try_get("scale")?;
        let deposit = Deposit {
            provider: r.try_get("provider")?,
            provider_reference: r.try_get("provider_reference")?,
            confirmed: {
                let (low, high): (Option<String>, Option<String>) = (r.try_get("low")?, r.try_get("high")?);
                let mut amounts: Vec<String> = low.into_iter().chain(high).collect();
                amounts.dedup();
                amounts
            },
            credited: match (credited, currency, scale) {
                (Some(amount), Some(currency), Some(scale)) => {
                    Some((amount, currency, u32::try_from(scale).unwrap_or(0)))
                }
                _ => None,
            },
            credited_at: r.try_get("created_at")?,
        };
        seen.push(deposit);
    }
    Ok(DepositScan { deposits: rows.len() as i64, seen, unconfirmed_before })
}

fn pair(a: Option<i64>, b: Option<i64>) -> Option<(i64, i64)> {
    a.zip(b)
}

fn micros(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}
