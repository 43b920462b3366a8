//! The SSO allowlists: one row per email (lower-case) with the role of the
//! list it is on. Edited by admins through commands (on the command's
//! transaction, so audited and idempotent) and seeded from the server's
//! flags at start.

use crate::access::parse_role;
use crate::audit;
use crate::error::{LedgerError, LedgerResult};
use crate::store::{Store, now_micros};
use ledgerdeck_client::Role;
use sqlx::{AnyConnection, Row};

/// Who the seed is recorded as.
pub const SEEDED_BY: &str = "server-flags";

/// One allowlist row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The email, lower-case.
    pub email: String,
    /// The list's role.
    pub role: Role,
    /// Who added it.
    pub added_by: String,
    /// When (µs since the epoch).
    pub added_at: i64,
}

/// `email` trimmed and lower-cased, or a validation error on `field`.
pub fn normalize(email: &str) -> LedgerResult<String> {
    let email = email.trim().to_lowercase();
    let shaped = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !domain.starts_with('.')
    });
    if !shaped || email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(LedgerError::field("email", "must be an email address such as ana@example.com"));
    }
    Ok(email)
}

/// Puts `email` on the `role` list (moving it from another list); whether
/// anything changed.
pub async fn allow(conn: &mut AnyConnection, email: &str, role: Role, by: &str, now: i64) -> LedgerResult<bool> {
    let changed = sqlx::query(
        "INSERT INTO sso_allowlist (email, role, added_by, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (email) DO UPDATE SET role = excluded.role, added_by = excluded.added_by, \
         added_at = excluded.added_at WHERE sso_allowlist.role <> excluded.role",
    )
    .bind(email)
    .bind(role.as_str())
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(changed.rows_affected() > 0)
}

/// Takes `email` off every list; whether it was on one.
pub async fn remove(conn: &mut AnyConnection, email: &str) -> LedgerResult<bool> {
    let done = sqlx::query("DELETE FROM sso_allowlist WHERE email = $1").bind(email).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

/// The role `email` may sign in with: its list's, or — in dev mode, while
/// every list is empty — viewer; `None`: not allowed.
pub async fn admits(store: &Store, email: &str, dev_open: bool) -> LedgerResult<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM sso_allowlist WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(store.pool())
        .await?;
    if let Some(role) = role {
        return Ok(parse_role(&role));
    }
    if dev_open {
        let any: Option<String> =
            sqlx::query_scalar("SELECT email FROM sso_allowlist LIMIT 1").fetch_optional(store.pool()).await?;
        if any.is_none() {
            return Ok(Some(Role::Viewer));
        }
    }
    Ok(None)
}

/// Every entry, by role (admins first) then email.
pub async fn list(store: &Store) -> LedgerResult<Vec<Entry>> {
    let rows = sqlx::query("SELECT email, role, added_by, added_at FROM sso_allowlist ORDER BY email")
        .fetch_all(store.pool())
        .await?;
    let mut entries = rows
        .iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(Entry {
                email: row.try_get("email")?,
                role: parse_role(&role).ok_or_else(|| LedgerError::Internal(format!("stored role {role:?}")))?,
                added_by: row.try_get("added_by")?,
                added_at: row.try_get("added_at")?,
            })
        })
        .collect::<LedgerResult<Vec<Entry>>>()?;
    entries.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.email.cmp(&b.email)));
    Ok(entries)
}

/// Seeds the lists: each email not on a list yet is put on its role's
/// (an email already on one keeps the list an admin chose). Audited.
pub async fn seed(store: &Store, seed: &[(String, Role)]) -> LedgerResult<usize> {
    let mut added = 0;
    for (email, role) in seed {
        let email = normalize(email)?;
        let done = sqlx::query(
            "INSERT INTO sso_allowlist (email, role, added_by, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(&email)
        .bind(role.as_str())
        .bind(SEEDED_BY)
        .bind(now_micros())
        .execute(store.pool())
        .await?;
        if done.rows_affected() > 0 {
            added += 1;
            audit::record_access_change(store, SEEDED_BY, "sso.allow", &email, role.as_str()).await;
        }
    }
    Ok(added)
}
