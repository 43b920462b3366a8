//! Running the API: open the store, refuse to start without a token, serve
//! until shutdown, then drain (stop accepting, finish in-flight requests,
//! stop the background workers) and close the database.

use crate::api::{ApiConfig, AppState, router};
use crate::commands::purge_expired_idempotency_keys;
use crate::delivery::{Delivery, DeliveryConfig};
use crate::provider::probe::ProviderProbe;
use crate::saga::{Providers, Saga, SagaConfig};
use crate::sso::{Sso, SsoConfig, allowlist};
use crate::store::now_micros;
use crate::{Ledger, LedgerConfig, Store, access};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// `sqlite:<path>` or `postgres://…`.
    pub database_url: String,
    /// Command-layer tunables.
    pub ledger: LedgerConfig,
    /// HTTP limits.
    pub api: ApiConfig,
    /// The payout providers and saga tunables; no saga runs without them.
    pub saga: Option<(Providers, SagaConfig)>,
    /// The webhook delivery worker's tunables; none runs without them.
    pub delivery: Option<DeliveryConfig>,
    /// Single sign-on, when configured.
    pub sso: Option<SsoConfig>,
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error("cannot open the database {url}: {source}")]
    Database {
        /// The URL tried.
        url: String,
        /// Why.
        source: sqlx::Error,
    },
    /// No live token exists, so nobody could use the API.
    #[error(
        "no API token is configured, so nobody could use this server. Make one with:\n  \
         ledgerdeck-server token create --name <operator> --role admin --database {0}"
    )]
    NoToken(String),
    /// Listening or serving failed.
    #[error("cannot serve on {addr}: {source}")]
    Io {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// Anything else from the core.
    #[error(transparent)]
    Ledger(#[from] crate::LedgerError),
}

/// Opens the store, checks that a token exists (or SSO is configured),
/// seeds the SSO allowlists, and serves until `shutdown` is cancelled.
pub async fn run(options: ServeOptions, shutdown: CancellationToken) -> Result<(), ServeError> {
    let url = options.database_url.clone();
    let store = Store::open(&url).await.map_err(|source| ServeError::Database { url: url.clone(), source })?;
    if let Some(sso) = &options.sso {
        let added = allowlist::seed(&store, &sso.seed).await?;
        tracing::info!(issuer = %sso.issuer, seeded = added, "single sign-on enabled");
    }
    if options.sso.is_none() && access::live_token_count(&store).await? == 0 {
        store.close().await;
        return Err(ServeError::NoToken(url));
    }
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|source| ServeError::Io { addr: options.listen.to_string(), source })?;
    tracing::info!(listen = %options.listen, backend = ?store.backend(), "ledgerdeck-server serving");
    let mut state = AppState::new(Ledger::new(store.clone(), options.ledger), options.api);
    state.shutdown = shutdown;
    if let Some(config) = options.sso {
        state = state.with_sso(Sso::new(config));
    }
    let delivery = options.delivery.map(|config| Delivery::new(store.clone(), config));
    let saga = options.saga.map(|(providers, config)| Saga::new(store, providers, config));
    serve_on(listener, state, saga, delivery)
        .await
        .map_err(|source| ServeError::Io { addr: options.listen.to_string(), source })
}

/// Serves `state` on `listener` until `state.shutdown` is cancelled, with
/// the background workers (and the saga and the webhook delivery worker, if
/// given) running alongside. When `state` reaches no provider, `/healthz`
/// probes the saga's.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    saga: Option<Saga>,
    delivery: Option<Delivery>,
) -> std::io::Result<()> {
    let state = match &saga {
        Some(saga) if state.providers.is_empty() => state.with_providers(ProviderProbe::new(saga.providers.clone())),
        _ => state,
    };
    let workers = CancellationToken::new();
    let delivery_task = delivery.map(|delivery| {
        let stop = workers.clone();
        tokio::spawn(async move { delivery.run(stop).await })
    });
    let saga_task = saga.map(|saga| {
        let stop = workers.clone();
        tokio::spawn(async move { saga.run(stop).await })
    });
    let gates = state.ledger.gates().clone();
    let scheduler =
        gates.config().scheduled.then(|| tokio::spawn(crate::gates::scheduler::run(gates, workers.clone())));
    let purger = tokio::spawn(purge_idempotency_keys(state.clone(), workers.clone()));
    let tailer = tokio::spawn(crate::events::tail::run(
        state.ledger.store().clone(),
        state.events.clone(),
        state.config.tail.clone(),
        workers.clone(),
    ));
    let pruner = tokio::spawn(prune_changes(state.clone(), workers.clone()));
    let monitor = tokio::spawn(crate::api::monitor::watch(state.clone(), workers.clone()));
    let shutdown = state.shutdown.clone();
    let served = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(async move {
            shutdown.cancelled().await;
            tracing::info!("shutting down: draining in-flight requests");
        })
        .await;
    workers.cancel();
    let _ = tokio::join!(purger, monitor, tailer, pruner);
    if let Some(task) = scheduler {
        let _ = task.await;
    }
    if let Some(task) = saga_task {
        let _ = task.await;
    }
    if let Some(task) = delivery_task {
        let _ = task.await;
    }
    state.ledger.store().close().await;
    tracing::info!("stopped");
    served
}

/// Deletes idempotency keys past their retention window, every ten minutes.
async fn purge_idempotency_keys(state: AppState, stop: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {
                match purge_expired_idempotency_keys(state.ledger.store().pool(), now_micros()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "expired idempotency keys removed"),
                    Err(e) => tracing::warn!(error = %e, "idempotency key purge failed"),
                }
            }
        }
    }
}

/// Deletes change rows past their retention, every minute, a bounded number
/// at a time so no delete holds the log for long. Every instance prunes;
/// two doing it at once delete the same rows once.
async fn prune_changes(state: AppState, stop: CancellationToken) {
    const AT_A_TIME: i64 = 10_000;
    let mut every = tokio::time::interval(Duration::from_secs(60));
    let retention = i64::try_from(state.config.events_retention.as_micros()).unwrap_or(i64::MAX / 4);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        let before = now_micros().saturating_sub(retention);
        loop {
            match crate::changes::prune(state.ledger.store(), before, AT_A_TIME).await {
                Ok(n) if n as i64 >= AT_A_TIME && !stop.is_cancelled() => continue,
                Ok(0) => {}
                Ok(n) => tracing::debug!(pruned = n, "old change rows removed"),
                Err(e) => tracing::warn!(error = %e, "change-log prune failed"),
            }
            break;
        }
    }
}

/// The default database: a SQLite file in the user's data directory.
pub fn default_database_url() -> String {
    let dir = dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("ledgerdeck");
    let _ = std::fs::create_dir_all(&dir);
    format!("sqlite:{}", dir.join("ledgerdeck.db").display())
}
