//! Named operator tokens with roles. A token reads `ldk_<id>_<secret>`: the
//! id finds the row, and only a SHA-256 of the secret is stored, compared in
//! constant time. Tokens may expire (refused like revoked ones from that
//! microsecond on), and their last use is noted at most once a minute
//! (`last_use`).

pub mod last_use;

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
    /// How its holder came by it.
    pub sign_in: SignIn,
    /// The verified email an SSO session token is bound to.
    pub email: Option<String>,
    /// When it was made (µs since the epoch).
    pub created_at: i64,
    /// When it stops working (µs since the epoch), if it does.
    pub expires_at: Option<i64>,
    /// When it was last used, to the minute (µs since the epoch).
    pub last_used_at: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

impl TokenInfo {
    /// Whether it still authenticates at `now` (µs since the epoch).
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

/// The longest lifetime a token may be given: ten years, in seconds.
pub const MAX_LIFETIME_SECS: i64 = 10 * 365 * 24 * 3600;

/// Reads a lifetime such as `90`, `90s`, `30m`, `12h` or `30d` as seconds;
/// `None` for anything else.
pub fn parse_lifetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last()? {
        (at, c) if c.is_ascii_alphabetic() => (&text[..at], c),
        _ => (text, 's'),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    digits.parse::<i64>().ok()?.checked_mul(scale)
}

/// When a token given `seconds` to live from `now` (µs) expires; refuses a
/// lifetime that is not 1 s to [`MAX_LIFETIME_SECS`].
pub fn expiry_after(now: i64, seconds: i64) -> LedgerResult<i64> {
    if !(1..=MAX_LIFETIME_SECS).contains(&seconds) {
        return Err(LedgerError::field(
            "expires_in_seconds",
            format!("must be 1 to {MAX_LIFETIME_SECS} seconds (ten years)"),
        ));
    }
    Ok(now + seconds * 1_000_000)
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

/// What is wrong with an operator name (already trimmed), if anything.
pub fn name_problem(name: &str) -> Option<&'static str> {
    (name.is_empty() || name.len() > 64 || name.chars().any(char::is_control))
        .then_some("must be 1 to 64 printable characters")
}

/// Makes `token` and returns its id and the token itself (shown once).
pub async fn issue_token(store: &Store, token: &NewToken<'_>, by: &str) -> LedgerResult<(String, String)> {
    let name = token.name.trim();
    if let Some(why) = name_problem(name) {
        return Err(LedgerError::field("name", why));
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
    revoke_where(store, "(id = $2 OR name = $2)", name_or_id, by).await
}

/// Revokes the one token with id `id` (never a name) and returns it as it
/// now stands; `NOT_FOUND` for an unknown id. An already revoked token is
/// answered as it is, and nothing is written.
pub async fn revoke_token_id(store: &Store, id: &str, by: &str) -> LedgerResult<TokenInfo> {
    revoke_where(store, "id = $2", id, by).await?;
    token_info(store, id).await?.ok_or_else(|| LedgerError::NotFound { what: "token", id: id.to_string() })
}

async fn revoke_where(store: &Store, matching: &str, value: &str, by: &str) -> LedgerResult<u64> {
    let now = now_micros();
    let mut tx = store.begin_write().await?;
    let sql = format!("UPDATE api_tokens SET revoked_at = $1 WHERE {matching} AND revoked_at IS NULL RETURNING id");
    let ids: Vec<String> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(now).bind(value).fetch_all(&mut *tx).await?;
    for id in &ids {
        let data = serde_json::json!({"token_id": id, "reason": "the token was revoked"});
        changes::record_parts(&mut tx, changes::TOKEN_REVOKED, &data, now).await?;
    }
    tx.commit().await?;
    let revoked = ids.len() as u64;
    if revoked > 0 {
        store.changes().committed_and_flushed().await;
        audit::record_access_change(store, by, "token.revoke", value, &format!("{revoked} revoked")).await;
    }
    Ok(revoked)
}

const TOKEN_COLUMNS: &str = "id, name, role, sign_in, email, created_at, expires_at, last_used_at, revoked_at";

fn token_row(row: &sqlx::any::AnyRow) -> LedgerResult<TokenInfo> {
    let role: String = row.try_get("role")?;
    let sign_in: String = row.try_get("sign_in")?;
    Ok(TokenInfo {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: parse_role(&role).ok_or_else(|| LedgerError::Internal(format!("stored role {role:?}")))?,
        sign_in: SignIn::parse(&sign_in).ok_or_else(|| LedgerError::Internal(format!("stored sign-in {sign_in:?}")))?,
        email: row.try_get("email")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// The token with id `id`, if there is one.
pub async fn token_info(store: &Store, id: &str) -> LedgerResult<Option<TokenInfo>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(store.pool()).await?;
    row.as_ref().map(token_row).transpose()
}

/// Every token, newest first.
pub async fn list_tokens(store: &Store) -> LedgerResult<Vec<TokenInfo>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(store.pool()).await?;
    rows.iter().map(token_row).collect()
}

/// How many tokens are live; a server with none refuses to start.
pub async fn live_token_count(store: &Store) -> LedgerResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens \
         WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)",
    )
    .bind(now_micros())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_with_their_unit() {
        for (text, secs) in [("90", 90), ("90s", 90), ("30m", 1800), ("12h", 43_200), ("30d", 2_592_000)] {
            assert_eq!(parse_lifetime(text), Some(secs), "{text}");
        }
        for bad in ["", "h", "-5m", "1.5h", "12w", "1 h", "99999999999999999999d"] {
            assert_eq!(parse_lifetime(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_lifetime_is_one_second_to_ten_years() {
        assert_eq!(expiry_after(5, 1).unwrap(), 1_000_005);
        assert!(expiry_after(0, 0).is_err() && expiry_after(0, MAX_LIFETIME_SECS + 1).is_err());
    }
}
