//! The change log: every change the live stream announces is a row written
//! on the same transaction as the change itself, so a change is announced
//! exactly when it is committed, whoever made it (a command on any
//! instance, the saga in any worker, a provider event, the token CLI).
//!
//! The rows' `seq` is the stream's event id, global to the database. Each
//! serving instance tails the table (`crate::events::tail`); a commit wakes
//! the tailers of its own process at once and, on PostgreSQL, those of every
//! other process through `NOTIFY` (`store::signal`), with a short poll
//! behind both.

mod read;

pub use read::{Batch, Change, Snapshot, head, horizon, prune, read_after, read_range, xid_bound};

use crate::error::LedgerResult;
use ledgerdeck_client::events::LiveEvent;
use serde_json::Value;
use sqlx::AnyConnection;

/// Kind of the change row a token revocation writes (`data`:
/// `{token_id, reason}`); streams of that token end on it, others skip it.
pub const TOKEN_REVOKED: &str = ledgerdeck_client::events::ACCESS_REVOKED;

/// Appends `event` to the change log on the caller's transaction.
pub async fn record(conn: &mut AnyConnection, event: LiveEvent, now: i64) -> LedgerResult<()> {
    let (kind, data) = event.into_parts();
    record_parts(conn, &kind, &data, now).await
}

/// The insert on SQLite.
const INSERT: &str = "INSERT INTO change_log (kind, data, created_at) VALUES ($1, $2, $3)";

/// The insert on PostgreSQL: the transaction takes its id (the filter runs
/// first) before the row takes its seq. The tailer relies on it: a seq it
/// cannot see yet belongs to a transaction with an id below any id taken
/// after the seq was (see `events::tail`).
const INSERT_WITH_XID: &str = "INSERT INTO change_log (kind, data, created_at) \
     SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT) WHERE pg_current_xact_id() IS NOT NULL";

/// Appends a change of `kind` with `data` on the caller's transaction.
pub async fn record_parts(conn: &mut AnyConnection, kind: &str, data: &Value, now: i64) -> LedgerResult<()> {
    let postgres = conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME;
    let insert = if postgres { INSERT_WITH_XID } else { INSERT };
    sqlx::query(insert).bind(kind).bind(data.to_string()).bind(now).execute(&mut *conn).await?;
    Ok(())
}
