//! A typed async client of the ledgerdeck API (reqwest + tokio).
//!
//! [`ApiClient`] has one method per route (see `routes.rs`), and
//! [`ApiClient::events`] follows the live event stream. The rules a caller
//! can rely on:
//!
//! - **Reads** (`GET`) are retried on transport errors and on 502, 503 and
//!   504 answers, up to [`ClientConfig::get_attempts`] attempts with
//!   exponential backoff from [`ClientConfig::get_backoff`]; never on any
//!   other answer (a 404 or 422 is final). The probes are retried on
//!   transport errors only: their 503 is the answer.
//! - **Commands** (`POST`) are sent exactly once per call. On a
//!   [`ClientError::Transport`] the outcome is unknown; the caller decides
//!   whether to retry, with the **same** idempotency key, so that a command
//!   that did execute is replayed rather than executed twice.
//! - Every request has a deadline ([`ClientConfig::request_timeout`]) from
//!   connecting until the body has been read; redirects are not followed.

mod approvals;
mod backoff;
mod error;
mod export;
mod routes;
mod sse;
mod sse_parser;
mod sso;

pub use error::{ClientError, StreamPart, synthesized_code};
pub use export::ExportStream;
pub use routes::WebhookSignature;
pub use sse::{ConnectionState, EventSubscription, Reconnector, ServerEvent, StreamItem};

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, Request, RequestBuilder, Url};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// The header carrying a command's idempotency key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// The header the server sets (to `true`) on a replayed command result.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// A fresh idempotency key (a UUIDv7, so keys sort by creation time).
///
/// Make one per intended command and keep it until the command has a
/// definite answer: reuse it for every retry after a transport error.
pub fn new_idempotency_key() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// How an [`ApiClient`] talks to a server.
#[derive(Clone)]
pub struct ClientConfig {
    /// The server's base URL, e.g. `https://ledger.example.com` (a path
    /// prefix such as `https://host/ledgerdeck` is kept).
    pub base_url: String,
    /// The bearer token (`ldk_…`); `None` reaches only the probes.
    pub token: Option<String>,
    /// The deadline of one request, from connecting until its body has been
    /// read. Default 10 s.
    pub request_timeout: Duration,
    /// The deadline of establishing a connection. Default 3 s.
    pub connect_timeout: Duration,
    /// Attempts a read makes before giving up (at least 1). Default 3.
    pub get_attempts: u32,
    /// The wait before a read's second attempt, doubling for each further
    /// one. Default 200 ms.
    pub get_backoff: Duration,
    /// The first wait before the event stream reconnects, doubling up to
    /// [`ClientConfig::stream_backoff_max`]; each wait is drawn at random
    /// from the upper half of that, so that clients do not all come back
    /// at once. Default 250 ms.
    pub stream_backoff: Duration,
    /// The longest wait between reconnection attempts. Default 10 s.
    pub stream_backoff_max: Duration,
    /// How long the event stream may stay silent before it is taken for
    /// dead and reconnected (the server sends a heartbeat every 10 s by
    /// default). Default 30 s.
    pub stream_idle_timeout: Duration,
    /// Items the event stream buffers for a consumer that has not read
    /// them; past it, events are dropped and a `reset` event tells the
    /// consumer to refetch. Default 1,024.
    pub stream_buffer: usize,
    /// The longest line the event stream may send, in bytes; a longer one
    /// is [`ClientError::StreamTooLarge`] and the stream restarts. Default 1 MiB.
    pub stream_max_line: usize,
    /// The most data one event may carry, in bytes (its `data` lines
    /// joined); more is [`ClientError::StreamTooLarge`] and the stream
    /// restarts. Default 4 MiB.
    pub stream_max_event: usize,
}

impl ClientConfig {
    /// The defaults for a server at `base_url`, without a token.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            token: None,
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            get_attempts: 3,
            get_backoff: Duration::from_millis(200),
            stream_backoff: Duration::from_millis(250),
            stream_backoff_max: Duration::from_secs(10),
            stream_idle_timeout: Duration::from_secs(30),
            stream_buffer: 1024,
            stream_max_line: 1 << 20,
            stream_max_event: 4 << 20,
        }
    }

    /// The same, with a bearer token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("request_timeout", &self.request_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("get_attempts", &self.get_attempts)
            .field("get_backoff", &self.get_backoff)
            .field("stream_backoff", &self.stream_backoff)
            .field("stream_backoff_max", &self.stream_backoff_max)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("stream_buffer", &self.stream_buffer)
            .field("stream_max_line", &self.stream_max_line)
            .field("stream_max_event", &self.stream_max_event)
            .finish()
    }
}

/// A client of one ledgerdeck server. Cheap to clone: clones share one
/// connection pool.
#[derive(Debug, Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: Url,
    auth: Option<HeaderValue>,
    config: ClientConfig,
}

/// When a request may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Reads: after transport errors and 502/503/504.
    Read,
    /// Probes: after transport errors only.
    TransportOnly,
    /// Commands: never.
    Never,
}

/// An answer with its body read.
struct Answer {
    status: u16,
    replayed: bool,
    body: Vec<u8>,
}

impl ApiClient {
    /// A client for `config`. Fails with [`ClientError::Invalid`] when the
    /// base URL is not an `http(s)` URL or the token cannot be a header.
    pub fn new(config: ClientConfig) -> Result<ApiClient, ClientError> {
        let invalid = |message: String| ClientError::Invalid { message };
        let base =
            Url::parse(config.base_url.trim()).map_err(|e| invalid(format!("base URL {:?}: {e}", config.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid(format!("base URL {:?} is not an http(s) URL", config.base_url)));
        }
        let auth = match &config.token {
            Some(token) => {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                    .map_err(|_| invalid("the token has characters a header cannot carry".into()))?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ledgerdeck-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(ApiClient { inner: Arc::new(Inner { http, base, auth, config }) })
    }

    /// The configuration this client was made with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The URL of a route: the base URL's path, then `segments`, each
    /// percent-encoded (an id cannot add or remove path segments).
    fn url(&self, segments: &[&str]) -> Result<Url, ClientError> {
        if let Some(bad) = segments.iter().find(|s| s.is_empty() || **s == "." || **s == "..") {
            return Err(ClientError::Invalid { message: format!("{bad:?} is not a valid path parameter") });
        }
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .map_err(|_| ClientError::Invalid { message: "the base URL cannot take a path".into() })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A request to a route, with the token and the request deadline.
    fn request(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder, ClientError> {
        let mut builder = self.inner.http.request(method, self.url(segments)?);
        if let Some(auth) = &self.inner.auth {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        Ok(builder.timeout(self.inner.config.request_timeout))
    }

    /// A request without the token (probes, provider events).
    fn anonymous(&self, method: Method, segments: &[&str]) -> Result<RequestBuilder, ClientError> {
        Ok(self.inner.http.request(method, self.url(segments)?).timeout(self.inner.config.request_timeout))
    }

    /// GETs a route and reads its JSON answer, retrying as reads do.
    async fn get<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T, ClientError> {
        decode(self.fetch(self.request(Method::GET, segments)?, Retry::Read).await?)
    }

    /// GETs a route with query parameters (`None` fields are left out).
    async fn get_query<T, Q>(&self, segments: &[&str], query: &Q) -> Result<T, ClientError>
    where
        T: DeserializeOwned,
        Q: serde::Serialize + ?Sized,
    {
        decode(self.fetch(self.request(Method::GET, segments)?.query(query), Retry::Read).await?)
    }

    /// Sends a request, again after the failures `retry` allows, and reads
    /// the body of the answer it settles on.
    async fn fetch(&self, builder: RequestBuilder, retry: Retry) -> Result<Answer, ClientError> {
        let request = builder.build().map_err(|e| ClientError::from_reqwest(&e))?;
        let attempts = if retry == Retry::Never { 1 } else { self.inner.config.get_attempts.max(1) };
        let mut delay = self.inner.config.get_backoff;
        for attempt in 1..attempts {
            let Some(copy) = request.try_clone() else { break };
            let outcome = self.send(copy).await;
            let again = match &outcome {
                Err(error) => error.is_transport(),
                Ok(answer) => retry == Retry::Read && matches!(answer.status, 502..=504),
            };
            if !again {
                return outcome;
            }
            let why = match &outcome {
                Err(error) => error.to_string(),
                Ok(answer) => format!("HTTP {}", answer.status),
            };
            tracing::debug!(url = %request.url(), attempt, attempts, %why, "read failed; retrying");
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
        self.send(request).await
    }

    /// Sends one request and reads its whole body.
    async fn send(&self, request: Request) -> Result<Answer, ClientError> {
        let response = self.inner.http.execute(request).await.map_err(|e| ClientError::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let replayed =
            response.headers().get(REPLAYED_HEADER).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        let body = response.bytes().await.map_err(|e| ClientError::from_reqwest(&e))?;
        Ok(Answer { status, replayed, body: Vec::from(body) })
    }
}

/// The typed body of a 2xx answer, or the error an answer means.
fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, ClientError> {
    let Answer { status, body, .. } = answer;
    match status {
        200..=299 => serde_json::from_slice(&body).map_err(|e| ClientError::Decode {
            status,
            message: format!("{e} (the body starts: {})", error::excerpt(&body)),
        }),
        300..=399 => {
            Err(ClientError::Decode { status, message: "a redirect, which this client does not follow".into() })
        }
        _ => Err(error::from_error_answer(status, &body)),
    }
}
