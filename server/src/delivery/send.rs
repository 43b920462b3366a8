//! One HTTP attempt: sign, post with a timeout, read a bounded excerpt.

use super::{ClaimedDelivery, Delivery};
use crate::signature;
use std::time::{Duration, Instant};

/// The longest response excerpt kept, in characters.
pub const EXCERPT_CHARS: usize = 512;

/// What one attempt found.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    /// When it started (µs since the epoch).
    pub at: i64,
    /// The HTTP status, if an answer came.
    pub http_status: Option<u16>,
    /// Why it failed without an answer (timeout, refused, …).
    pub error: Option<String>,
    /// How long it took.
    pub latency: Duration,
    /// The start of the response body.
    pub excerpt: String,
    /// A `Retry-After` in seconds (on 429 and 503 only).
    pub retry_after: Option<Duration>,
}

/// Posts `delivery` to its endpoint, signed with its secret.
pub async fn send(worker: &Delivery, delivery: &ClaimedDelivery) -> AttemptResult {
    let at = crate::store::now_micros();
    let started = Instant::now();
    let timestamp = at / 1_000_000;
    let mut result = AttemptResult {
        at,
        http_status: None,
        error: None,
        latency: Duration::ZERO,
        excerpt: String::new(),
        retry_after: None,
    };
    let signature = match signature::sign(&delivery.secret, &delivery.id, timestamp, delivery.payload.as_bytes()) {
        Ok(s) => s,
        Err(e) => {
            result.error = Some(format!("cannot sign: {e}"));
            return result;
        }
    };
    let request = worker
        .http
        .post(&delivery.url)
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(delivery.payload.clone());
    let answer = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let retry_after = if status == 429 || status == 503 {
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
        } else {
            None
        };
        // Read only as much of the body as the excerpt can use.
        let mut response = response;
        let mut bytes = Vec::new();
        while bytes.len() < EXCERPT_CHARS * 4 {
            match response.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        let body: String = String::from_utf8_lossy(&bytes).chars().take(EXCERPT_CHARS).collect();
        Ok::<_, reqwest::Error>((status, retry_after, body))
    };
    match tokio::time::timeout(worker.config.request_timeout, answer).await {
        Ok(Ok((status, retry_after, body))) => {
            result.http_status = Some(status);
            result.retry_after = retry_after;
            result.excerpt = body;
        }
        Ok(Err(e)) if e.is_timeout() => result.error = Some("timeout".into()),
        Ok(Err(e)) => result.error = Some(describe(&e)),
        Err(_) => result.error = Some("timeout".into()),
    }
    result.latency = started.elapsed();
    result
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_connect() { format!("connection failed: {e}") } else { e.to_string() };
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text.chars().take(EXCERPT_CHARS).collect()
}
