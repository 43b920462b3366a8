//! Wire types of operator tokens as a managed resource (`/v1/tokens`) and
//! of `GET /v1/me`'s sign-in.
//!
//! A token's secret leaves the server once, in the answer that made it
//! ([`CreatedToken`]); lists never carry it or its hash.

use crate::commands::Role;
use serde::{Deserialize, Serialize};

/// How a token came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    /// Made by an admin (the API, the cockpit or the server CLI).
    #[default]
    Token,
    /// A session token issued after a single sign-on, bound to an email.
    Sso,
}

impl SignIn {
    /// The wire name: `token` or `sso`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignIn::Token => "token",
            SignIn::Sso => "sso",
        }
    }

    /// The sign-in a wire name stands for.
    pub fn parse(text: &str) -> Option<SignIn> {
        [SignIn::Token, SignIn::Sso].into_iter().find(|s| s.as_str() == text)
    }
}

/// One token as listed (`GET /v1/tokens`): never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenView {
    /// The public id inside the token (`ldk_<id>_<secret>`).
    pub id: String,
    /// The operator's name.
    pub name: String,
    /// The role it grants.
    pub role: Role,
    /// How its holder came by it.
    pub sign_in: SignIn,
    /// The verified email an SSO session token is bound to.
    pub email: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it stops working (RFC 3339); `null`: never.
    pub expires_at: Option<String>,
    /// When it was last used, to the minute (RFC 3339); `null`: never.
    pub last_used_at: Option<String>,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
}

/// The body of `POST /v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateToken {
    /// The operator's name: 1 to 64 printable characters.
    #[cfg_attr(feature = "openapi", schema(example = "ops-alice"))]
    pub name: String,
    /// The role it grants: `viewer`, `operator` or `admin`.
    pub role: Role,
    /// Seconds until it stops working (1 to 315,360,000, ten years);
    /// left out or `null`: it never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
}

/// The answer of `POST /v1/tokens`: the token, shown this once, and what
/// the list will say of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// The bearer token itself; the server keeps only a hash of its secret.
    pub token: String,
    /// The token as listed.
    pub info: TokenView,
}
