//! When each token was last used, without a write on every request: a
//! token's use is written at most once per interval (a minute by default)
//! per instance, off the request's path, and a failed write only logs.

use crate::store::{Store, now_micros};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The most tokens remembered before the stale ones are forgotten.
const REMEMBERED: usize = 10_000;

/// Notes token uses, writing `api_tokens.last_used_at` at most once per
/// interval per token.
#[derive(Debug)]
pub struct LastUse {
    interval_micros: i64,
    noted: Mutex<HashMap<String, i64>>,
}

impl Default for LastUse {
    fn default() -> Self {
        LastUse::every(Duration::from_secs(60))
    }
}

impl LastUse {
    /// A recorder that writes a token's use at most once per `interval`.
    pub fn every(interval: Duration) -> LastUse {
        let interval_micros = i64::try_from(interval.as_micros()).unwrap_or(i64::MAX);
        LastUse { interval_micros, noted: Mutex::new(HashMap::new()) }
    }

    /// Notes that `token_id` was used now. Returns at once; when the
    /// token's last write is older than the interval, a task writes it
    /// (guarded in SQL too, so several instances write about once an
    /// interval between them).
    pub fn note(&self, store: &Store, token_id: &str) {
        let now = now_micros();
        if !self.due(token_id, now) {
            return;
        }
        let store = store.clone();
        let id = token_id.to_string();
        let stale_before = now.saturating_sub(self.interval_micros);
        tokio::spawn(async move {
            let written = sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 \
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(now)
            .bind(&id)
            .bind(stale_before)
            .execute(store.pool())
            .await;
            if let Err(e) = written {
                tracing::debug!(token_id = %id, error = %e, "could not note a token's last use");
            }
        });
    }

    /// Whether a write is due for `token_id` at `now`, marking it noted.
    fn due(&self, token_id: &str, now: i64) -> bool {
        let Ok(mut noted) = self.noted.lock() else { return false };
        if noted.get(token_id).is_some_and(|&at| now.saturating_sub(at) < self.interval_micros) {
            return false;
        }
        if noted.len() >= REMEMBERED {
            let interval = self.interval_micros;
            noted.retain(|_, at| now.saturating_sub(*at) < interval);
        }
        noted.insert(token_id.to_string(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_due_once_per_interval() {
        let uses = LastUse::every(Duration::from_secs(60));
        assert!(uses.due("a", 0));
        assert!(!uses.due("a", 59_999_999), "within the minute");
        assert!(uses.due("b", 1), "another token has its own minute");
        assert!(uses.due("a", 60_000_000), "a minute later");
    }
}
