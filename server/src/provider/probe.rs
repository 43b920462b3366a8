//! Probing the configured providers' reachability for `/healthz`: every
//! provider at once, each bounded by a timeout, and the answers kept for a
//! few seconds so that frequent health checks do not call the providers.

use super::Providers;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long one probe may take before the provider counts as unreachable.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long probe answers are reused.
pub const PROBE_CACHE: Duration = Duration::from_secs(5);

/// One provider's answer to a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The provider's name.
    pub name: String,
    /// How long it took to answer, or why it did not.
    pub outcome: Result<Duration, String>,
    /// When it was probed, in microseconds since the epoch.
    pub checked_at: i64,
}

/// The probe of one instance's providers, with its cache.
#[derive(Debug)]
pub struct ProviderProbe {
    providers: Arc<Providers>,
    timeout: Duration,
    cache_for: Duration,
    last: tokio::sync::Mutex<Option<(Instant, Vec<Reach>)>>,
}

impl ProviderProbe {
    /// A probe of `providers` with the default timeout and cache.
    pub fn new(providers: Arc<Providers>) -> Self {
        Self::with_timing(providers, PROBE_TIMEOUT, PROBE_CACHE)
    }

    /// A probe with its own timeout and cache lifetime.
    pub fn with_timing(providers: Arc<Providers>, timeout: Duration, cache_for: Duration) -> Self {
        ProviderProbe { providers, timeout, cache_for, last: tokio::sync::Mutex::new(None) }
    }

    /// Whether any provider is configured.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// Every provider's reachability, by name: the cached answers while they
    /// are fresh, else a new probe of all of them at once. Concurrent callers
    /// wait for the one probe under way.
    pub async fn check(&self) -> Vec<Reach> {
        let mut last = self.last.lock().await;
        if let Some((at, answers)) = last.as_ref()
            && at.elapsed() < self.cache_for
        {
            return answers.clone();
        }
        let mut names: Vec<&String> = self.providers.keys().collect();
        names.sort();
        let probes = names.into_iter().map(|name| async move {
            let provider = &self.providers[name];
            let outcome = match tokio::time::timeout(self.timeout, provider.reachable()).await {
                Ok(Ok(took)) => Ok(took),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no answer within {} ms", self.timeout.as_millis())),
            };
            Reach { name: name.clone(), outcome, checked_at: epoch_micros() }
        });
        let answers = futures::future::join_all(probes).await;
        *last = Some((Instant::now(), answers.clone()));
        answers
    }
}

/// Now, in microseconds since the epoch (this layer knows no store clock).
fn epoch_micros() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}
