//! The provider's signing keys: the discovery document names the JWKS, which
//! is fetched on first use and cached by key id; an unknown key id fetches it
//! again, at most once per `min_refresh`, so a flood of forged key ids cannot
//! make the server hammer the provider.

use super::SsoError;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The JWKS of one issuer, cached.
#[derive(Debug)]
pub struct KeyCache {
    issuer: String,
    min_refresh: Duration,
    http: reqwest::Client,
    state: Mutex<Cached>,
}

#[derive(Default)]
struct Cached {
    jwks_uri: Option<String>,
    keys: HashMap<String, Jwk>,
    fetched_at: Option<Instant>,
    fetches: u64,
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached").field("keys", &self.keys.len()).field("fetches", &self.fetches).finish()
    }
}

#[derive(serde::Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

fn unavailable(e: impl std::fmt::Display) -> SsoError {
    SsoError::ProviderUnavailable(e.to_string())
}

impl KeyCache {
    /// An empty cache for `issuer`.
    pub fn new(issuer: &str, min_refresh: Duration) -> KeyCache {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .unwrap_or_default();
        KeyCache { issuer: issuer.to_string(), min_refresh, http, state: Mutex::new(Cached::default()) }
    }

    /// How many times the JWKS was fetched (for tests and logs).
    pub async fn fetches(&self) -> u64 {
        self.state.lock().await.fetches
    }

    /// The key `kid` names (or the only key, for a token without a `kid`),
    /// fetching the JWKS when it is not known and the last fetch is older
    /// than `min_refresh`. `Ok(None)`: no such key.
    pub async fn key(&self, kid: Option<&str>) -> Result<Option<(DecodingKey, Jwk)>, SsoError> {
        let mut state = self.state.lock().await;
        if let Some(found) = pick(&state.keys, kid) {
            return Ok(Some(found));
        }
        let due = state.fetched_at.is_none_or(|at| at.elapsed() >= self.min_refresh);
        if !due {
            return Ok(None);
        }
        self.refresh(&mut state).await?;
        Ok(pick(&state.keys, kid))
    }

    async fn refresh(&self, state: &mut Cached) -> Result<(), SsoError> {
        // Counted before the attempt, so a failing provider is not asked
        // more often than a working one.
        state.fetched_at = Some(Instant::now());
        state.fetches += 1;
        let jwks_uri = match &state.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let url = format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'));
                let doc: Discovery = self.get_json(&url).await?;
                if doc.issuer != self.issuer {
                    return Err(unavailable(format!(
                        "the discovery document names issuer {:?}, not {:?}",
                        doc.issuer, self.issuer
                    )));
                }
                state.jwks_uri = Some(doc.jwks_uri.clone());
                doc.jwks_uri
            }
        };
        let set: JwkSet = self.get_json(&jwks_uri).await?;
        state.keys = set.keys.into_iter().filter_map(|k| Some((k.common.key_id.clone()?, k))).collect();
        tracing::info!(issuer = %self.issuer, keys = state.keys.len(), "identity provider keys fetched");
        Ok(())
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, SsoError> {
        let answer = self.http.get(url).send().await.map_err(unavailable)?;
        if !answer.status().is_success() {
            return Err(unavailable(format!("{url} answered {}", answer.status())));
        }
        answer.json().await.map_err(unavailable)
    }
}

fn pick(keys: &HashMap<String, Jwk>, kid: Option<&str>) -> Option<(DecodingKey, Jwk)> {
    let jwk = match kid {
        Some(kid) => keys.get(kid)?,
        None if keys.len() == 1 => keys.values().next()?,
        None => return None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some((key, jwk.clone()))
}
