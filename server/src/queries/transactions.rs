//! Ledger transactions, each with its postings.
//!
//! A page and its postings come from one statement (the page is a subquery
//! joined to its postings), so they are one consistent snapshot.

use super::paging::{Checks, page};
use super::{money_at, time_at};
use crate::error::{LedgerError, LedgerResult};
use crate::store::Store;
use ledgerdeck_client::{Page, PostingLine, TransactionQuery, TransactionView};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

macro_rules! with_postings {
    ($page:expr) => {
        concat!(
            "SELECT t.id, t.kind, t.reference, t.description, t.hold_id, t.reverses_id, t.reversed_by, \
             t.booked_at, t.effective_at, CAST(p.seq AS BIGINT) AS seq, p.account_id, p.currency, p.amount, \
             CAST(c.scale AS BIGINT) AS scale FROM (",
            $page,
            ") t LEFT JOIN postings p ON p.transaction_id = t.id \
             LEFT JOIN currencies c ON c.code = p.currency ORDER BY t.id DESC, p.seq"
        )
    };
}

/// What a page of transactions is filtered on.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Filter<'a> {
    /// Only ids below this one (the cursor).
    pub(crate) before: Option<&'a str>,
    pub(crate) kind: Option<&'a str>,
    pub(crate) wallet_id: Option<&'a str>,
    pub(crate) reference: Option<&'a str>,
    /// Booked at or after (microseconds).
    pub(crate) from: Option<i64>,
    /// Booked before (microseconds).
    pub(crate) to: Option<i64>,
}

/// The newest transactions first, optionally only those posting to one
/// wallet, of one kind, with one reference, or booked in `[from, to)`.
pub async fn list_transactions(store: &Store, query: &TransactionQuery) -> LedgerResult<Page<TransactionView>> {
    let mut checks = Checks::new();
    let limit = checks.limit(query.limit);
    let before = checks.id_cursor("transactions", query.cursor.as_deref());
    let reference = checks.exact_text("reference", query.reference.as_deref());
    let (from, to) = checks.time_range(query.from.as_deref(), query.to.as_deref());
    checks.finish()?;
    let filter = Filter {
        before: before.as_deref(),
        kind: query.kind.as_deref(),
        wallet_id: query.wallet_id.as_deref(),
        reference: reference.as_deref(),
        from,
        to,
    };
    let mut conn = store.pool().acquire().await?;
    let items = fetch_page(&mut conn, &filter, limit + 1).await?;
    Ok(page(items, limit, "transactions", |t| t.id.clone()))
}

/// How many transactions a "recent" list shows (the overview, a merchant).
pub(crate) const RECENT: usize = 10;

/// The `limit` newest transactions with their postings.
pub(crate) async fn recent(conn: &mut AnyConnection, limit: i64) -> LedgerResult<Vec<TransactionView>> {
    fetch_page(conn, &Filter::default(), limit).await
}

/// The transactions with these ids and their postings, newest first.
pub(crate) async fn by_ids(conn: &mut AnyConnection, ids: &[String]) -> LedgerResult<Vec<TransactionView>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        with_postings!("SELECT * FROM ledger_transactions lt WHERE lt.id IN ({})"),
        crate::store::placeholders(1, ids.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id);
    }
    assemble(&query.fetch_all(&mut *conn).await?)
}

macro_rules! txn_where {
    () => {
        "WHERE ($1 IS NULL OR lt.id < $1) AND ($2 IS NULL OR lt.kind = $2) \
         AND ($3 IS NULL OR lt.id IN (SELECT wp.transaction_id FROM postings wp \
              JOIN accounts wa ON wa.id = wp.account_id WHERE wa.wallet_id = $3)) \
         AND ($4 IS NULL OR lt.reference = $4) AND ($5 IS NULL OR lt.booked_at >= $5) \
         AND ($6 IS NULL OR lt.booked_at < $6) "
    };
}

/// Binds `$1`–`$7` of a statement over [`txn_where!`]: the filter, then the limit.
trait BindFilter<'q> {
    fn bind_filter(self, filter: &Filter<'q>, limit: i64) -> Self;
}

impl<'q> BindFilter<'q> for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    fn bind_filter(self, f: &Filter<'q>, limit: i64) -> Self {
        self.bind(f.before).bind(f.kind).bind(f.wallet_id).bind(f.reference).bind(f.from).bind(f.to).bind(limit)
    }
}

/// Up to `limit` transactions matching `filter`, newest first, with their postings.
pub(crate) async fn fetch_page(
    conn: &mut AnyConnection,
    filter: &Filter<'_>,
    limit: i64,
) -> LedgerResult<Vec<TransactionView>> {
    let rows = sqlx::query(with_postings!(concat!(
        "SELECT * FROM ledger_transactions lt ",
        txn_where!(),
        "ORDER BY lt.id DESC LIMIT $7"
    )))
    .bind_filter(filter, limit)
    .fetch_all(&mut *conn)
    .await?;
    assemble(&rows)
}

/// How many postings the transactions matching `filter` have, counting at most `limit`.
pub(crate) async fn count_postings(conn: &mut AnyConnection, filter: &Filter<'_>, limit: i64) -> LedgerResult<i64> {
    let row = sqlx::query(concat!(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT 1 AS one FROM ledger_transactions lt \
         JOIN postings p ON p.transaction_id = lt.id ",
        txn_where!(),
        "LIMIT $7) counted"
    ))
    .bind_filter(filter, limit)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// One transaction with its postings, or `NOT_FOUND`.
pub async fn get_transaction(store: &Store, id: &str) -> LedgerResult<TransactionView> {
    let rows = sqlx::query(with_postings!("SELECT * FROM ledger_transactions lt WHERE lt.id = $1"))
        .bind(id)
        .fetch_all(store.pool())
        .await?;
    assemble(&rows)?.pop().ok_or_else(|| LedgerError::NotFound { what: "transaction", id: id.to_string() })
}

/// Folds rows of (transaction, posting), ordered by transaction, into
/// transactions with their postings.
fn assemble(rows: &[AnyRow]) -> LedgerResult<Vec<TransactionView>> {
    let mut out: Vec<TransactionView> = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        if out.last().is_none_or(|t| t.id != id) {
            out.push(TransactionView {
                id,
                kind: row.try_get("kind")?,
                reference: row.try_get("reference")?,
                description: row.try_get("description")?,
                hold_id: row.try_get("hold_id")?,
                reverses_id: row.try_get("reverses_id")?,
                reversed_by: row.try_get("reversed_by")?,
                booked_at: time_at(row, "booked_at")?,
                effective_at: time_at(row, "effective_at")?,
                postings: Vec::new(),
            });
        }
        let seq: Option<i64> = row.try_get("seq")?;
        if let (Some(seq), Some(current)) = (seq, out.last_mut()) {
            current.postings.push(PostingLine {
                seq,
                account_id: row.try_get("account_id")?,
                currency: row.try_get("currency")?,
                amount: money_at(row, "amount")?,
            });
        }
    }
    Ok(out)
}
