//! A local webhook receiver that answers 2xx most of the time and 500 now
//! and then, so the outbox shows retries and the odd dead message.

use super::XorShift;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// In how many requests of ten the receiver fails.
const FAILS_IN_TEN: u64 = 4;

/// Starts the receiver; returns its URL and its task, which ends on `stop`.
pub async fn start(seed: u64, stop: CancellationToken) -> std::io::Result<(String, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks", listener.local_addr()?);
    let rng = Arc::new(Mutex::new(XorShift::new(seed ^ 0x5eed_cafe)));
    let app = Router::new().route(
        "/webhooks",
        post(move || {
            let fail = rng.lock().map(|mut r| r.below(10) < FAILS_IN_TEN).unwrap_or(false);
            async move { if fail { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT } }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).with_graceful_shutdown(async move { stop.cancelled().await }).await;
    });
    Ok((url, task))
}
