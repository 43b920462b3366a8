//! Small local stub servers for the client's tests.
#![allow(dead_code)]

pub mod stream;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ledgerdeck_client::{ApiClient, ClientConfig, ErrorCode, FieldError, Problem};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Serves `router` on a random local port; returns its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("stub server") });
    base
}

/// A configuration for `base` with a token and short waits, so tests run fast.
pub fn config(base: &str) -> ClientConfig {
    ClientConfig {
        request_timeout: Duration::from_secs(5),
        get_backoff: Duration::from_millis(20),
        stream_backoff: Duration::from_millis(20),
        stream_backoff_max: Duration::from_millis(200),
        ..ClientConfig::new(base).with_token("ldk_test_secret")
    }
}

/// A client for `base` with [`config`].
pub fn client(base: &str) -> ApiClient {
    ApiClient::new(config(base)).expect("client")
}

/// A request counter to share with handlers.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    /// Counts one request; returns how many there were before it.
    pub fn hit(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst)
    }

    /// How many requests were counted.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A problem+json answer as the server sends it.
pub fn problem(code: ErrorCode, status: u16, detail: &str, errors: Vec<FieldError>) -> Response {
    let body = Problem {
        type_uri: format!("urn:ledgerdeck:problem:{}", code.as_str()),
        title: code.as_str().to_string(),
        status,
        detail: detail.to_string(),
        code,
        errors,
    };
    let mut response = (StatusCode::from_u16(status).expect("status"), axum::Json(body)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

/// A TCP server that reads each request's head and body and then closes
/// the connection without answering; returns its base URL and how many
/// requests it read.
pub async fn hang_up_server() -> (String, Counter) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let counter = Counter::default();
    let seen = counter.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                while !complete(&request) {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                seen.hit();
                drop(socket);
            });
        }
    });
    (base, counter)
}

/// Whether `request` holds a whole HTTP/1.1 request (head and body).
fn complete(request: &[u8]) -> bool {
    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    request.len() >= end + 4 + length
}
