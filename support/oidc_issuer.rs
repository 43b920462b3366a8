//! A local OIDC issuer for the SSO tests, started by the test itself (no
//! internet): discovery document, JWKS, device authorization and token
//! endpoints, and ID tokens signed with an EC P-256 key made for the test.
//! Included by path from the server's and the cockpit's test suites.
#![allow(dead_code)]

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The client id the tests register.
pub const CLIENT_ID: &str = "ledgerdeck-test-client";

/// An EC P-256 signing key and its public JWK.
pub struct TestKey {
    pub kid: String,
    pkcs8: Vec<u8>,
    x: String,
    y: String,
}

impl TestKey {
    /// A fresh key named `kid`.
    pub fn generate(kid: &str) -> TestKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("generate key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("read key");
        let public = pair.public_key().as_ref();
        assert_eq!(public.len(), 65, "uncompressed point");
        TestKey {
            kid: kid.to_string(),
            pkcs8: pkcs8.as_ref().to_vec(),
            x: B64.encode(&public[1..33]),
            y: B64.encode(&public[33..65]),
        }
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "kid": self.kid, "use": "sig", "alg": "ES256"})
    }

    /// `claims` signed with this key (ES256), naming `kid`.
    pub fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.to_string());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).expect("sign")
    }

    /// `claims` signed with this key under its own `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }
}

/// An unsigned token (`alg: none`).
pub fn unsigned(claims: &Value) -> String {
    let header = B64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{}.", B64.encode(claims.to_string()))
}

/// A token signed with HMAC-SHA256 under `secret` (the key-confusion attack
/// uses the public key's bytes), naming `kid`.
pub fn hmac_signed(kid: &str, secret: &[u8], claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// How the token endpoint answers a device code, step by step; after the
/// script, the ID token.
#[derive(Clone, Debug)]
pub enum Step {
    /// `authorization_pending`.
    Pending,
    /// `slow_down`.
    SlowDown,
    /// `access_denied` (final).
    Denied,
    /// `expired_token` (final).
    Expired,
}

struct IssuerState {
    issuer: String,
    key: TestKey,
    /// The email the user "signs in" with at the verification URL.
    email: String,
    script: Vec<Step>,
    polls: Vec<std::time::Instant>,
    interval: u64,
}

/// A running issuer.
pub struct Issuer {
    /// The issuer URL (also its base URL).
    pub url: String,
    state: Arc<Mutex<IssuerState>>,
    jwks_fetches: Arc<AtomicU64>,
}

impl Issuer {
    /// Starts an issuer on a free local port, signing with a fresh key.
    pub async fn start() -> Issuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(IssuerState {
            issuer: url.clone(),
            key: TestKey::generate("test-key-1"),
            email: "ana@example.com".into(),
            script: Vec::new(),
            polls: Vec::new(),
            interval: 1,
        }));
        let jwks_fetches = Arc::new(AtomicU64::new(0));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/device", post(device))
            .route("/token", post(token))
            .with_state((state.clone(), jwks_fetches.clone()));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Issuer { url, state, jwks_fetches }
    }

    /// Claims of a valid ID token for `email`, lasting an hour.
    pub fn claims(&self, email: &str) -> Value {
        let now = now_secs();
        json!({"iss": self.url, "aud": CLIENT_ID, "sub": format!("sub-{email}"), "email": email,
               "email_verified": true, "iat": now, "exp": now + 3600})
    }

    /// `claims` signed with the published key.
    pub fn sign(&self, claims: &Value) -> String {
        self.state.lock().unwrap().key.sign(claims)
    }

    /// The published key's id and its public JWK.
    pub fn published(&self) -> (String, Value) {
        let state = self.state.lock().unwrap();
        (state.key.kid.clone(), state.key.jwk())
    }

    /// Rotates the signing key to a fresh one named `kid`.
    pub fn rotate(&self, kid: &str) {
        self.state.lock().unwrap().key = TestKey::generate(kid);
    }

    /// The email the next device login signs in as, the token endpoint's
    /// script before it hands out the ID token, and the `interval` it asks for.
    pub fn script(&self, email: &str, steps: Vec<Step>, interval: u64) {
        let mut state = self.state.lock().unwrap();
        state.email = email.to_string();
        state.script = steps;
        state.interval = interval;
        state.polls.clear();
    }

    /// When the token endpoint was polled.
    pub fn polls(&self) -> Vec<std::time::Instant> {
        self.state.lock().unwrap().polls.clone()
    }

    /// How often the JWKS was fetched.
    pub fn jwks_fetches(&self) -> u64 {
        self.jwks_fetches.load(Ordering::SeqCst)
    }
}

type Shared = (Arc<Mutex<IssuerState>>, Arc<AtomicU64>);

async fn discovery(State((state, _)): State<Shared>) -> Json<Value> {
    let issuer = state.lock().unwrap().issuer.clone();
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/jwks"),
        "device_authorization_endpoint": format!("{issuer}/device"),
        "token_endpoint": format!("{issuer}/token"),
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

async fn jwks(State((state, fetches)): State<Shared>) -> Json<Value> {
    fetches.fetch_add(1, Ordering::SeqCst);
    Json(json!({"keys": [state.lock().unwrap().key.jwk()]}))
}

async fn device(
    State((state, _)): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"})));
    }
    let state = state.lock().unwrap();
    let uri = format!("{}/verify", state.issuer);
    (
        StatusCode::OK,
        Json(json!({"device_code": "dev-code-1", "user_code": "WDJB-MJHT", "verification_uri": uri,
                    "verification_uri_complete": format!("{uri}?user_code=WDJB-MJHT"),
                    "expires_in": 600, "interval": state.interval})),
    )
}

async fn token(
    State((state, _)): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let mut state = state.lock().unwrap();
    state.polls.push(std::time::Instant::now());
    let grant_ok = form.get("grant_type").map(String::as_str) == Some("urn:ietf:params:oauth:grant-type:device_code");
    if !grant_ok || form.get("device_code").map(String::as_str) != Some("dev-code-1") {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"})));
    }
    if !state.script.is_empty() {
        let error = match state.script.remove(0) {
            Step::Pending => "authorization_pending",
            Step::SlowDown => "slow_down",
            Step::Denied => "access_denied",
            Step::Expired => "expired_token",
        };
        return (StatusCode::BAD_REQUEST, Json(json!({"error": error})));
    }
    let now = now_secs();
    let claims = json!({"iss": state.issuer, "aud": CLIENT_ID, "sub": "device-user", "email": state.email,
                        "email_verified": true, "iat": now, "exp": now + 3600});
    let id_token = state.key.sign(&claims);
    (
        StatusCode::OK,
        Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": id_token})),
    )
}
