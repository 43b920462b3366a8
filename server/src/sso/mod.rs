//! Single sign-on for a terminal: the cockpit runs an OAuth 2.0 device
//! authorization grant (RFC 8628) against an OIDC provider and hands the ID
//! token it gets to the server, which verifies it (`verify`, against the
//! provider's keys in `keys`), looks its email up on the allowlists
//! (`allowlist`) and issues a short-lived session token bound to that email
//! (`session`). The email is checked again on every request and stream
//! heartbeat (`session::authenticate`).

pub mod allowlist;
pub mod flags;
pub mod keys;
pub mod session;
pub mod verify;

use ledgerdeck_client::{ErrorCode, Role};
use std::time::Duration;

pub use session::{SessionIssued, authenticate, sign_in};

/// How the server trusts an OIDC provider.
#[derive(Debug, Clone)]
pub struct SsoConfig {
    /// The issuer URL, exactly as the provider's ID tokens carry it in `iss`
    /// (`https://accounts.google.com` for Google).
    pub issuer: String,
    /// The OAuth client ids whose ID tokens are accepted (the `aud`).
    pub client_ids: Vec<String>,
    /// How long a session token lives (default 12 h).
    pub session_ttl: Duration,
    /// Dev mode: while every allowlist is empty, any verified email signs
    /// in as a viewer. Off, empty lists admit nobody.
    pub dev_open: bool,
    /// The shortest pause between two JWKS fetches for an unknown key id.
    pub jwks_min_refresh: Duration,
    /// Clock skew allowed on `exp`, `iat` and `nbf`.
    pub leeway: Duration,
    /// The allowlists' seed: emails put on a list at start unless already on one.
    pub seed: Vec<(String, Role)>,
}

impl SsoConfig {
    /// A configuration for `issuer` and `client_ids` with the defaults.
    pub fn new(issuer: impl Into<String>, client_ids: Vec<String>) -> SsoConfig {
        SsoConfig {
            issuer: issuer.into(),
            client_ids,
            session_ttl: Duration::from_secs(12 * 3600),
            dev_open: false,
            jwks_min_refresh: Duration::from_secs(30),
            leeway: Duration::from_secs(60),
            seed: Vec::new(),
        }
    }
}

/// A server's single sign-on: its configuration and the provider's keys.
#[derive(Debug)]
pub struct Sso {
    /// The configuration.
    pub config: SsoConfig,
    /// The provider's signing keys, cached.
    pub keys: keys::KeyCache,
}

impl Sso {
    /// Single sign-on with `config`; the provider is first asked on first use.
    pub fn new(config: SsoConfig) -> Sso {
        let keys = keys::KeyCache::new(&config.issuer, config.jwks_min_refresh);
        Sso { config, keys }
    }
}

/// Why a sign-in was refused. Each has a stable code; none writes anything.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The server has no SSO configuration.
    #[error("single sign-on is not configured on this server")]
    NotConfigured,
    /// Malformed, unknown key, bad signature or an algorithm not accepted.
    #[error("the ID token is not valid: {0}")]
    Invalid(String),
    /// Past its `exp`.
    #[error("the ID token has expired; sign in again")]
    Expired,
    /// For another client or from another issuer.
    #[error("the ID token is not for this server: {0}")]
    WrongAudience(String),
    /// No email, or one the provider has not verified.
    #[error("the ID token's email is missing or not verified by the provider")]
    EmailUnverified,
    /// The email is on no list.
    #[error("{0} is not allowed to sign in here; ask an admin to add it to an SSO allowlist")]
    EmailNotAllowed(String),
    /// The provider's discovery document or keys could not be fetched.
    #[error("the identity provider cannot be reached: {0}")]
    ProviderUnavailable(String),
    /// The database failed.
    #[error(transparent)]
    Ledger(#[from] crate::error::LedgerError),
}

impl SsoError {
    /// The stable wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            SsoError::NotConfigured => ErrorCode::SsoNotConfigured,
            SsoError::Invalid(_) => ErrorCode::SsoTokenInvalid,
            SsoError::Expired => ErrorCode::SsoTokenExpired,
            SsoError::WrongAudience(_) => ErrorCode::SsoWrongAudience,
            SsoError::EmailUnverified => ErrorCode::SsoEmailUnverified,
            SsoError::EmailNotAllowed(_) => ErrorCode::SsoEmailNotAllowed,
            SsoError::ProviderUnavailable(_) => ErrorCode::SsoProviderUnavailable,
            SsoError::Ledger(e) => e.code(),
        }
    }
}
