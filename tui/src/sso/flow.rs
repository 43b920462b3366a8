//! The device login against a provider: discovery, the device authorization
//! request, polling the token endpoint on [`Poller`]'s schedule, then
//! `POST /v1/sso/session` on the server. The ID token is never printed.

use super::SsoSettings;
use super::device::{DeviceAuthorization, DeviceError, GRANT_TYPE, Next, Poller, read_poll};
use ledgerdeck_client::{ApiClient, ClientConfig, SsoSession};
use std::time::Duration;

/// How the flow runs.
#[derive(Debug, Clone)]
pub struct FlowOptions {
    /// Added to the interval on each `slow_down` (RFC 8628: 5 s).
    pub slow_down_step: Duration,
    /// The scopes asked for.
    pub scope: String,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions { slow_down_step: Duration::from_secs(5), scope: "openid email".into() }
    }
}

/// Why SSO login failed.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The provider could not be reached or answered nonsense.
    #[error("cannot talk to the identity provider: {0}")]
    Provider(String),
    /// The device login ended without an ID token.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The server refused the ID token.
    #[error("the server refused the sign-in: {0}")]
    Server(String),
    /// The credential store could not keep the session token.
    #[error(transparent)]
    Store(#[from] crate::credentials::CredentialError),
}

#[derive(serde::Deserialize)]
struct Discovery {
    device_authorization_endpoint: String,
    token_endpoint: String,
}

fn provider(e: impl std::fmt::Display) -> FlowError {
    FlowError::Provider(e.to_string())
}

/// Signs in at `settings`' provider and exchanges the ID token at the server
/// `server_url` for a session token. `show` is given the device
/// authorization once, to print the URL and code; the flow then waits.
pub async fn sign_in(
    settings: &SsoSettings,
    server_url: &str,
    options: &FlowOptions,
    show: impl FnOnce(&DeviceAuthorization),
) -> Result<SsoSession, FlowError> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().map_err(provider)?;
    let discovery_url = format!("{}/.well-known/openid-configuration", settings.issuer.trim_end_matches('/'));
    let discovery: Discovery = get_json(http.get(&discovery_url)).await?;

    let mut form = vec![("client_id", settings.client_id.as_str()), ("scope", options.scope.as_str())];
    if let Some(secret) = &settings.client_secret {
        form.push(("client_secret", secret));
    }
    let auth: DeviceAuthorization = get_json(http.post(&discovery.device_authorization_endpoint).form(&form)).await?;
    show(&auth);

    let id_token = poll(&http, &discovery.token_endpoint, settings, &auth, options).await?;
    let client = ApiClient::new(ClientConfig::new(server_url)).map_err(|e| FlowError::Server(e.to_string()))?;
    client.sso_session(&id_token).await.map_err(|e| FlowError::Server(e.to_string()))
}

async fn poll(
    http: &reqwest::Client,
    token_endpoint: &str,
    settings: &SsoSettings,
    auth: &DeviceAuthorization,
    options: &FlowOptions,
) -> Result<String, FlowError> {
    let mut form = vec![
        ("grant_type", GRANT_TYPE),
        ("device_code", auth.device_code.as_str()),
        ("client_id", settings.client_id.as_str()),
    ];
    if let Some(secret) = &settings.client_secret {
        form.push(("client_secret", secret));
    }
    let mut poller = Poller::new(auth, options.slow_down_step);
    let mut next = poller.first();
    loop {
        match next {
            Next::Wait(wait) => tokio::time::sleep(wait).await,
            Next::Done(token) => return Ok(token),
            Next::Fail(e) => return Err(e.into()),
        }
        let answer = http.post(token_endpoint).form(&form).send().await.map_err(provider)?;
        let status = answer.status().as_u16();
        let body = answer.bytes().await.map_err(provider)?;
        next = poller.after(read_poll(status, &body));
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> Result<T, FlowError> {
    let answer = request.send().await.map_err(provider)?;
    let status = answer.status();
    let body = answer.bytes().await.map_err(provider)?;
    if !status.is_success() {
        let excerpt: String = String::from_utf8_lossy(&body).chars().filter(|c| !c.is_control()).take(200).collect();
        return Err(FlowError::Provider(format!("{status}: {excerpt}")));
    }
    serde_json::from_slice(&body).map_err(provider)
}
