//! Named operator tokens with roles. A token reads `ldk_<id>_<secret>`: the
//! id finds the row, and only a SHA-256 of the secret is stored, compared in
//! constant time.

use crate::audit;
use crate::caller::{Caller, SignIn};
use crate::changes;
use crate::error::{LedgerError, LedgerResult};
use crate::store::{Store, now_micros};
use ledgerdeck_client::Role;
use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq;

/// A token as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The public id inside the token.
    pub id: String,
    /// The operator's name.
    pub name: String,
    /// The role it grants.
    pub role: Role,
    /// When it was made (µs since the epoch).
    pub created_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// Parses a role name.
pub fn parse_role(text: &str) -> Option<Role> {
    match text {
        "viewer" => Some(Role::Viewer),
        "operator" => Some(Role::Operator),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_hex(bytes: usize) -> LedgerResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| LedgerError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(buf))
}

/// A token to make.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// The operator's name.
    pub name: &'a str,
    /// The role it grants.
    pub role: Role,
    /// When it stops working (µs since the epoch); `None`: never.
    pub expires_at: Option<i64>,
    /// How its holder came by it.
    pub sign_in: SignIn,
    /// The verified email an SSO session token is bound to.
    pub email: Option<&'a str>,
}

impl<'a> NewToken<'a> {
    /// A token for `name` with `role` that never expires.
    pub fn named(name: &'a str, role: Role) -> NewToken<'a> {
        NewToken { name, role, expires_at: None, sign_in: SignIn::Token, email: None }
    }
}

/// Makes a token for `name` with `role` and returns it; this is the only
/// time the secret exists outside the operator's hands. `by` is recorded in
/// the audit log.
pub async fn create_token(store: &Store, name: &str, role: Role, by: &str) -> LedgerResult<String> {
    Ok(issue_token(store, &NewToken::named(name, role), by).await?.1)
}

/// Makes `token` and returns its id and the token itself (shown once).
pub async fn issue_token(store: &Store, token: &NewToken<'_>, by: &str) -> LedgerResult<(String, String)> {
    let name = token.name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(LedgerError::field("name", "must be 1 to 64 printable characters"));
    }
    let id = random_hex(6)?;
    let secret = random_hex(24)?;
    let now = now_micros();
    sqlx::query(
        "INSERT INTO api_tokens (id, name, role, secret_hash, created_at, expires_at, sign_in, email) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(name)
    .bind(token.role.as_str())
    .bind(hash_secret(&secret))
    .bind(now)
    .bind(token.expires_at)
    .bind(token.sign_in.as_str())
    .bind(token.email)
    .execute(store.pool())
    .await?;
    let detail = format!("{name} as {} ({})", token.role.as_str(), token.sign_in.as_str());
    audit::record_access_change(store, by, "token.create", &id, &detail).await;
    Ok((id.clone(), format!("ldk_{id}_{secret}")))
}

/// Revokes every live token of operator `name_or_id` (a name, or a token id);
/// returns how many. Each revocation is a change row on the same
/// transaction, so every instance ends that token's event streams at that
/// row: no change after it in seq order is sent (a change that took its seq
/// earlier but commits later still precedes it); other processes are told
/// before this returns.
pub async fn revoke_token(store: &Store, name_or_id: &str, by: &str) -> LedgerResult<u64> {
    let now = now_micros();
    let mut tx = store.begin_write().await?;
    let ids: Vec<String> = sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = $1 WHERE (id = $2 OR name = $2) AND revoked_at IS NULL RETURNING id",
    )
    .bind(now)
    .bind(name_or_id)
    .fetch_all(&mut *tx)
    .await?;
    for id in &ids {
        let data = serde_json::json!({"token_id": id, "reason": "the token was revoked"});
        changes::record_parts(&mut tx, changes::TOKEN_REVOKED, &data, now).await?;
    }
    tx.commit().await?;
    let revoked = ids.len() as u64;
    if revoked > 0 {
        store.changes().committed_and_flushed().await;
        audit::record_access_change(store, by, "token.revoke", name_or_id, &format!("{revoked} revoked")).await;
    }
    Ok(revoked)
}

/// Every token, newest first.
pub async fn list_tokens(store: &Store) -> LedgerResult<Vec<TokenInfo>> {
    let rows =
        sqlx::query("SELECT id, name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at DESC, id")
            .fetch_all(store.pool())
            .await?;
    rows.iter()
        .map(|row| {
            let role: String = row.try_get("role")?;
            Ok(TokenInfo {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                role: parse_role(&role).ok_or_else(|| LedgerError::Internal(format!("stored role {role:?}")))?,
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// How many tokens are live; a server with none refuses to start.
pub async fn live_token_count(store: &Store) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens WHERE revoked_at IS NULL")
        .fetch_one(store.pool())
        .await?)
}

/// The id part of a bearer token (`ldk_<id>_<secret>`), if it has one.
pub fn token_id(token: &str) -> Option<&str> {
    let (id, _) = token.strip_prefix("ldk_")?.split_once('_')?;
    (id.len() == 12 && id.chars().all(|c| c.is_ascii_hexdigit())).then_some(id)
}

/// The caller a bearer token stands for, or `None` for a malformed, unknown,
/// revoked or expired token.
pub async fn authenticate(store: &Store, token: &str) -> LedgerResult<Option<Caller>> {
    let Some(id) = token_id(token) else { return Ok(None) };
    let secret = &token[4 + id.len() + 1..];
    let row = sqlx::query(
        "SELECT name, role, secret_hash, expires_at, sign_in, email FROM api_tokens \
         WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(id)
    .bind(now_micros())
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let stored: String = row.try_get("secret_hash")?;
    if !bool::from(stored.as_bytes().ct_eq(hash_secret(secret).as_bytes())) {
        return Ok(None);
    }
    let role: String = row.try_get("role")?;
    let sign_in: String = row.try_get("sign_in")?;
    let (Some(role), Some(sign_in)) = (parse_role(&role), SignIn::parse(&sign_in)) else { return Ok(None) };
    Ok(Some(Caller {
        name: row.try_get("name")?,
        role,
        token_id: Some(id.to_string()),
        sign_in,
        email: row.try_get("email")?,
        expires_at: row.try_get("expires_at")?,
    }))
}
