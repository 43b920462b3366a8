//! The REST API over the wallet core: thin handlers that authenticate, call
//! the core, and turn its answers and errors into JSON and problem documents.

pub mod approvals;
pub mod auth;
pub mod commands;
pub mod events;
pub mod exports;
pub mod flags;
pub mod gates;
pub mod me;
pub mod monitor;
pub mod outbox;
pub mod probes;
pub mod problem;
pub mod providers;
pub mod reads;
pub mod search;
pub mod sso;
pub mod tokens;

use crate::Ledger;
use crate::events::EventHub;
use crate::events::tail::TailConfig;
use crate::provider::probe::ProviderProbe;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

/// Limits and cadences of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request may take before it is answered with a timeout.
    pub request_timeout: Duration,
    /// How often the event stream sends a heartbeat.
    pub heartbeat: Duration,
    /// How often health and the outbox backlog are checked for live events.
    pub monitor_interval: Duration,
    /// Each payout provider's `whsec_` secret for the events it posts.
    pub provider_secrets: std::collections::HashMap<String, String>,
    /// Most event streams one token may hold open on this instance.
    pub streams_per_token: usize,
    /// How many recent changes each instance keeps in memory for a cheap
    /// resume (older ones are read from the change log).
    pub replay_memory: usize,
    /// How long change rows are kept for resumption.
    pub events_retention: Duration,
    /// How the change log is tailed.
    pub tail: TailConfig,
    /// The exports' limits.
    pub export: crate::queries::export::ExportConfig,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            monitor_interval: Duration::from_secs(5),
            provider_secrets: Default::default(),
            streams_per_token: 8,
            replay_memory: 1024,
            events_retention: Duration::from_secs(3600),
            tail: TailConfig::default(),
            export: Default::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The wallet core.
    pub ledger: Ledger,
    /// Live events for `/v1/events`.
    pub events: EventHub,
    /// Cancelled when shutdown begins: `/readyz` answers 503 and event
    /// streams end so that in-flight requests can finish.
    pub shutdown: CancellationToken,
    /// HTTP limits.
    pub config: Arc<ApiConfig>,
    /// The payout providers this instance reaches, probed for `/healthz`.
    pub providers: Arc<ProviderProbe>,
    /// Single sign-on, when configured.
    pub sso: Option<Arc<crate::sso::Sso>>,
    /// Notes each token's last use, at most once a minute.
    pub last_use: Arc<crate::access::last_use::LastUse>,
}

impl AppState {
    /// State for a ledger with the given limits, reaching no provider.
    pub fn new(ledger: Ledger, config: ApiConfig) -> Self {
        let events = EventHub::new(config.replay_memory);
        let providers = Arc::new(ProviderProbe::new(Arc::default()));
        let last_use = Arc::default();
        AppState {
            ledger,
            events,
            shutdown: CancellationToken::new(),
            config: Arc::new(config),
            providers,
            sso: None,
            last_use,
        }
    }

    /// The same state, reporting the reachability of `probe`'s providers.
    pub fn with_providers(mut self, probe: ProviderProbe) -> Self {
        self.providers = Arc::new(probe);
        self
    }

    /// The same state, with single sign-on.
    pub fn with_sso(mut self, sso: crate::sso::Sso) -> Self {
        self.sso = Some(Arc::new(sso));
        self
    }

    /// Whether SSO dev mode (empty allowlists admit viewers) is on.
    pub fn sso_dev_open(&self) -> bool {
        self.sso.as_ref().is_some_and(|s| s.config.dev_open)
    }

    /// Whether shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.shutdown.is_cancelled()
    }
}

/// Strips control characters (other than none) from text the server sends,
/// so nothing it echoes can steer a terminal.
pub fn sanitize(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(base_document())
        .merge(probes::routes())
        .merge(commands::routes())
        .merge(reads::routes())
        .merge(search::routes())
        .merge(exports::routes())
        .merge(approvals::routes())
        .merge(me::routes())
        .merge(tokens::routes())
        .merge(flags::routes())
        .merge(gates::routes())
        .merge(outbox::routes())
        .merge(events::routes())
        .merge(providers::routes())
        .merge(sso::routes())
}

fn base_document() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    let mut doc = commands::CommandSchemas::openapi();
    doc.info = utoipa::openapi::InfoBuilder::new()
        .title("ledgerdeck")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some("The ledgerdeck wallet core: commands, reads, feature flags, probes and live events."))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    doc
}

/// The OpenAPI document of every route, generated from the handlers and the
/// command registry.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented_routes().into_openapi()
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = documented_routes().split_for_parts();
    let doc = Arc::new(doc);
    let config = state.config.clone();
    routes
        .route("/v1/openapi.json", get(move |_auth: auth::Authed| async move { axum::Json(doc.as_ref().clone()) }))
        .fallback(problem::no_such_route)
        .with_state(state)
        // Innermost first; the problem rewriter wraps every layer that can
        // answer on its own (panic, timeout, body limit).
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, config.request_timeout))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(axum::middleware::from_fn(problem::refuse_nul_in_url))
        .layer(axum::middleware::from_fn(problem::problems_everywhere))
        .layer(TraceLayer::new_for_http())
}
