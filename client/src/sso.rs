//! Single sign-on: exchanging a provider's ID token for a ledgerdeck
//! session token, and the allowlists that decide who may sign in.

use crate::commands::Role;
use serde::{Deserialize, Serialize};

/// `POST /v1/sso/session`: the ID token an OIDC provider issued to the cockpit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoSessionRequest {
    /// The provider's ID token (a signed JWT). Never logged.
    pub id_token: String,
}

/// A session token issued after a single sign-on, bound to a verified email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoSession {
    /// The bearer token (shown once), used like any ledgerdeck token.
    pub token: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
    /// The role it grants: the role of the list the email is on.
    pub role: Role,
    /// The verified email the session is bound to.
    pub email: String,
}

/// One email on an SSO allowlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoAllowlistEntry {
    /// The email, lower-case.
    pub email: String,
    /// The list it is on.
    pub role: Role,
    /// Who put it there (an operator, or `server-flags` for the seed).
    pub added_by: String,
    /// When (RFC 3339).
    pub added_at: String,
}
