//! Signing in with an ID token, and the re-check of a signed-in session on
//! every request.

use super::{Sso, SsoError, allowlist, verify};
use crate::access::{self, NewToken};
use crate::caller::{Caller, SignIn};
use crate::error::LedgerResult;
use crate::store::{Store, now_micros};
use ledgerdeck_client::Role;

/// A session token just issued.
#[derive(Debug, Clone)]
pub struct SessionIssued {
    /// The bearer token (shown once).
    pub token: String,
    /// When it stops working (µs since the epoch).
    pub expires_at: i64,
    /// Its role.
    pub role: Role,
    /// The verified email it is bound to.
    pub email: String,
}

/// Verifies `id_token`, finds its email on a list and issues a session
/// token for it. A refusal writes nothing.
pub async fn sign_in(store: &Store, sso: Option<&Sso>, id_token: &str) -> Result<SessionIssued, SsoError> {
    let sso = sso.ok_or(SsoError::NotConfigured)?;
    let verified = verify::verify(sso, id_token).await?;
    let role = allowlist::admits(store, &verified.email, sso.config.dev_open)
        .await?
        .ok_or_else(|| SsoError::EmailNotAllowed(verified.email.clone()))?;
    let ttl = i64::try_from(sso.config.session_ttl.as_micros()).unwrap_or(i64::MAX / 4);
    let expires_at = now_micros().saturating_add(ttl);
    let token = NewToken {
        name: &verified.email,
        role,
        expires_at: Some(expires_at),
        sign_in: SignIn::Sso,
        email: Some(&verified.email),
    };
    let (_, token) = access::issue_token(store, &token, &verified.email).await?;
    tracing::info!(email = %verified.email, role = role.as_str(), "SSO session issued");
    Ok(SessionIssued { token, expires_at, role, email: verified.email })
}

/// The caller `token` stands for, as [`access::authenticate`] says, and for
/// an SSO session only while its email is still on a list — with the lower
/// of its token's and its list's role.
pub async fn authenticate(store: &Store, dev_open: bool, token: &str) -> LedgerResult<Option<Caller>> {
    let Some(mut caller) = access::authenticate(store, token).await? else { return Ok(None) };
    if caller.sign_in != SignIn::Sso {
        return Ok(Some(caller));
    }
    let Some(email) = caller.email.as_deref() else { return Ok(None) };
    match allowlist::admits(store, email, dev_open).await? {
        Some(listed) => {
            caller.role = caller.role.min(listed);
            Ok(Some(caller))
        }
        None => Ok(None),
    }
}
