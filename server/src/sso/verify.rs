//! Verifying an OIDC ID token: the signature against the provider's keys
//! (RS256 or ES256 only, so `alg: none` and HMAC tokens are refused), the
//! issuer, the audience (one of the configured client ids), the expiry
//! (with a small leeway), and a verified email.

use super::{Sso, SsoError};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde::Deserialize;

/// The algorithms accepted: what Google and common IdPs sign with.
pub const ACCEPTED: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

/// What a verified ID token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The verified email, lower-case.
    pub email: String,
    /// The provider's subject id.
    pub subject: String,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// A boolean, or the string `"true"` (some providers send that).
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
}

/// Verifies `id_token` against `sso`'s provider and configuration.
pub async fn verify(sso: &Sso, id_token: &str) -> Result<Verified, SsoError> {
    let header = decode_header(id_token).map_err(|e| SsoError::Invalid(format!("unreadable header: {e}")))?;
    if !ACCEPTED.contains(&header.alg) {
        return Err(SsoError::Invalid(format!("the {:?} algorithm is not accepted", header.alg)));
    }
    let Some((key, jwk)) = sso.keys.key(header.kid.as_deref()).await? else {
        return Err(SsoError::Invalid("it is signed with a key the provider does not publish".into()));
    };
    if let Some(alg) = jwk.common.key_algorithm
        && alg.to_string() != format!("{:?}", header.alg)
    {
        return Err(SsoError::Invalid("its algorithm is not its key's".into()));
    }
    let mut validation = Validation::new(header.alg);
    validation.algorithms = vec![header.alg];
    validation.leeway = sso.config.leeway.as_secs();
    validation.set_issuer(&[sso.config.issuer.as_str()]);
    validation.set_audience(&sso.config.client_ids);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let data = decode::<Claims>(id_token, &key, &validation).map_err(|e| match e.kind() {
        ErrorKind::ExpiredSignature => SsoError::Expired,
        ErrorKind::InvalidAudience => SsoError::WrongAudience("it is for another client".into()),
        ErrorKind::InvalidIssuer => SsoError::WrongAudience("it is from another issuer".into()),
        other => SsoError::Invalid(format!("{other:?}")),
    })?;
    let claims = data.claims;
    let verified = match &claims.email_verified {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s == "true",
        _ => false,
    };
    let email = claims.email.as_deref().map(str::trim).unwrap_or_default();
    if !verified || email.is_empty() {
        return Err(SsoError::EmailUnverified);
    }
    Ok(Verified { email: email.to_lowercase(), subject: claims.sub })
}
