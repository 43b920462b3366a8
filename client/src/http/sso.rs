//! The single sign-on routes.

use super::{ApiClient, ClientError, Retry, decode};
use crate::sso::{SsoAllowlistEntry, SsoSession, SsoSessionRequest};
use reqwest::Method;

impl ApiClient {
    /// `POST /v1/sso/session`: exchanges a provider's ID token for a
    /// ledgerdeck session token. Needs no bearer token; sent once.
    pub async fn sso_session(&self, id_token: &str) -> Result<SsoSession, ClientError> {
        let body = SsoSessionRequest { id_token: id_token.to_string() };
        let builder = self.anonymous(Method::POST, &["v1", "sso", "session"])?.json(&body);
        decode(self.fetch(builder, Retry::Never).await?)
    }

    /// `GET /v1/sso/allowlist`: every email allowed to sign in, and its list (admin).
    pub async fn sso_allowlist(&self) -> Result<Vec<SsoAllowlistEntry>, ClientError> {
        self.get(&["v1", "sso", "allowlist"]).await
    }
}
