//! A real local webhook receiver: an axum server on 127.0.0.1:0 that
//! verifies EVERY request's Standard Webhooks signature and answers as a
//! test's policy says, recording what it saw.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ledgerdeck_server::signature;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How to answer one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Answer this status.
    Status(u16),
    /// Answer this status with `Retry-After: secs`.
    RetryAfter(u16, u64),
    /// Sleep past the worker's timeout, then answer 200 (nobody listens).
    Hang,
}

/// One request as seen.
#[derive(Debug, Clone)]
pub struct Seen {
    pub id: String,
    pub at: Instant,
    /// The answer given (a hang counts as none).
    pub answer: Answer,
    pub event_type: String,
}

/// Chooses an answer from the webhook-id and how many times it came before.
pub type Policy = Box<dyn Fn(&str, usize) -> Answer + Send + Sync>;

struct Inner {
    secret: String,
    hang: Duration,
    policy: Mutex<Policy>,
    seen: Mutex<Vec<Seen>>,
    bad_signatures: AtomicUsize,
}

/// A running receiver.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

impl Receiver {
    /// Starts a receiver verifying with `secret`; hangs last `hang`.
    pub async fn start(secret: &str, hang: Duration, policy: Policy) -> Receiver {
        let inner = Arc::new(Inner {
            secret: secret.into(),
            hang,
            policy: Mutex::new(policy),
            seen: Mutex::new(Vec::new()),
            bad_signatures: AtomicUsize::new(0),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, inner }
    }

    /// Replaces the policy.
    pub fn set_policy(&self, policy: Policy) {
        *self.inner.policy.lock().unwrap() = policy;
    }

    /// Every request seen, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.seen.lock().unwrap().clone()
    }

    /// Requests whose signature did not verify.
    pub fn bad_signatures(&self) -> usize {
        self.inner.bad_signatures.load(Ordering::SeqCst)
    }

    /// The distinct webhook-ids answered 2xx.
    pub fn acknowledged(&self) -> BTreeSet<String> {
        self.seen().into_iter().filter(|s| matches!(s.answer, Answer::Status(200..=299))).map(|s| s.id).collect()
    }

    /// The arrival times of `id`'s requests.
    pub fn times_of(&self, id: &str) -> Vec<Instant> {
        self.seen().into_iter().filter(|s| s.id == id).map(|s| s.at).collect()
    }
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let at = Instant::now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let id = header("webhook-id");
    let timestamp: i64 = header("webhook-timestamp").parse().unwrap_or(0);
    let now = chrono::Utc::now().timestamp();
    if signature::verify(&inner.secret, &id, timestamp, &header("webhook-signature"), &body, now).is_err() {
        inner.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::BAD_REQUEST, "bad signature").into_response();
    }
    let event_type = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_string))
        .unwrap_or_default();
    let answer = {
        let mut seen = inner.seen.lock().unwrap();
        let before = seen.iter().filter(|s| s.id == id).count();
        let answer = (inner.policy.lock().unwrap())(&id, before);
        seen.push(Seen { id, at, answer, event_type });
        answer
    };
    match answer {
        Answer::Status(code) => (StatusCode::from_u16(code).unwrap(), "answer").into_response(),
        Answer::RetryAfter(code, secs) => {
            (StatusCode::from_u16(code).unwrap(), [("retry-after", secs.to_string())], "later").into_response()
        }
        Answer::Hang => {
            tokio::time::sleep(inner.hang).await;
            (StatusCode::OK, "too late").into_response()
        }
    }
}
