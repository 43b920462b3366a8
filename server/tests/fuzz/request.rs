//! Requests for the API fuzz test: every operation of the OpenAPI document
//! becomes a proptest strategy over whole HTTP requests (path, query,
//! headers, token, body), and each answer is checked against the API's
//! contract: no 5xx, problem documents for 4xx, JSON for 2xx.

use super::values::{Pools, integer_text, nasty_string, object_value, resolve, string_for, wrong_type};
use crate::common::TestServer;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;
use std::time::Duration;

/// The signing secret the fuzz server knows for provider `sandbox`.
pub const PROVIDER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub schema: Value,
}

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub params: Vec<Param>,
    /// The JSON request body's schema, if the operation takes one.
    pub body: Option<Value>,
}

impl Operation {
    /// `GET /v1/wallets/{id}`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Every operation in `doc`, plus the undocumented `GET /v1/openapi.json`.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let params = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| Param {
                    name: p["name"].as_str().unwrap_or_default().to_string(),
                    location: p["in"].as_str().unwrap_or_default().to_string(),
                    required: p["required"].as_bool().unwrap_or(false),
                    schema: p["schema"].clone(),
                })
                .collect();
            let body = op.pointer("/requestBody/content/application~1json/schema").cloned();
            out.push(Operation { method: method.to_uppercase(), path: path.clone(), params, body });
        }
    }
    out.push(Operation { method: "GET".into(), path: "/v1/openapi.json".into(), params: vec![], body: None });
    out
}

/// Who sends a request.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Viewer,
    Operator,
    Admin,
    Raw(String),
}

/// What goes in the body.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(Value),
    Raw { content_type: Option<String>, bytes: Vec<u8> },
}

/// How a provider event is signed.
#[derive(Debug, Clone, Copy)]
pub enum Signing {
    Unsigned,
    Valid,
    WrongSecret,
    Stale,
    Garbage,
}

/// A whole request, as generated.
#[derive(Debug, Clone)]
pub struct FuzzRequest {
    pub method: String,
    /// The path with its parameters filled in and percent-encoded.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub auth: Auth,
    pub body: Body,
    pub signing: Signing,
}

fn encode_segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The id pool a path's `{id}` refers to.
fn path_id_name(path: &str) -> &'static str {
    match path {
        p if p.starts_with("/v1/wallets/") => "wallet_id",
        p if p.starts_with("/v1/holds/") => "hold_id",
        p if p.starts_with("/v1/transactions/") => "transaction_id",
        p if p.starts_with("/v1/outbox/messages/") => "message_id",
        p if p.starts_with("/v1/findings/") => "finding_id",
        _ => "id",
    }
}

fn param_text(op: &Operation, param: &Param, doc: &Value, pools: &Pools) -> BoxedStrategy<String> {
    let schema = resolve(&param.schema, doc);
    let name = if param.location == "path" && param.name == "id" { path_id_name(&op.path) } else { &param.name };
    let text = match schema["type"].as_str() {
        Some("integer") => integer_text(schema["minimum"].as_i64(), schema["maximum"].as_i64()),
        _ => string_for(name, pools),
    };
    // A URL longer than 64 KiB cannot even be built; 8 KiB still tests length.
    text.prop_map(|t| t[..t.floor_char_boundary(8000)].to_string()).boxed()
}

fn idempotency_key(reused: &[String]) -> BoxedStrategy<Option<Vec<u8>>> {
    let fresh = any::<[u8; 16]>().prop_map(|b| Some(uuid::Uuid::from_bytes(b).to_string().into_bytes()));
    prop_oneof![
        2 => Just(None),
        10 => fresh,
        3 => select(reused.to_vec()).prop_map(|k| Some(k.into_bytes())),
        1 => select(vec![&b""[..], b" ", b"\xff\xfe-key", b"caf\xc3\xa9", b"key\twith\ttabs"]).prop_map(|k| Some(k.to_vec())),
        1 => select(vec![255usize, 256, 1024, 8000]).prop_map(|n| Some(vec![b'k'; n])),
        1 => nasty_string().prop_map(|k| Some(k.into_bytes())),
    ]
    .boxed()
}

fn auth() -> BoxedStrategy<Auth> {
    prop_oneof![
        2 => Just(Auth::Viewer),
        5 => Just(Auth::Operator),
        7 => Just(Auth::Admin),
        1 => Just(Auth::None),
        1 => select(vec!["Bearer ", "Bearer nonsense", "Basic dXNlcjpwYXNz", "bearer", "Bearer \u{e9}"])
            .prop_map(|t| Auth::Raw(t.to_string())),
    ]
    .boxed()
}

/// A body for an operation taking a JSON `schema`: mostly a schema-shaped
/// object, often broken on purpose in one way.
fn body(schema: &Value, doc: &Value, pools: &Pools) -> BoxedStrategy<Body> {
    let schema = resolve(schema, doc).clone();
    let names: Vec<String> = schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
    let names = if names.is_empty() { vec!["anything".to_string()] } else { names };
    let valid = object_value(&schema, doc, pools);
    let edited = (valid.clone(), select(names), 0usize..4, wrong_type(), nasty_string()).prop_map(
        move |(mut value, field, edit, wrong, text)| {
            let object = value.as_object_mut().expect("an object");
            match edit {
                0 => drop(object.remove(&field)),
                1 => drop(object.insert(field, wrong)),
                2 => drop(object.insert(format!("{field}_extra"), Value::from(text))),
                _ => drop(object.insert(field, Value::from(text))),
            }
            Body::Json(value)
        },
    );
    let not_object = wrong_type().prop_map(Body::Json);
    let malformed = select(vec![
        &b""[..],
        b"{",
        b"{\"a\":",
        b"[1,2",
        b"nul",
        b"{\"amount\": 1e99999}",
        b"{\"wallet_id\": \"\\ud800\"}",
        b"\xff\xfe{}",
        b"{} {}",
        b"{\"a\":1,\"a\":2}",
    ])
    .prop_map(|b| Body::Raw { content_type: Some("application/json".into()), bytes: b.to_vec() });
    let wrong_media =
        (valid.clone(), select(vec![None, Some("text/plain"), Some("application/x-www-form-urlencoded")]))
            .prop_map(|(v, ct)| Body::Raw { content_type: ct.map(str::to_string), bytes: v.to_string().into_bytes() });
    let deep = (1usize..3000).prop_map(|depth| Body::Raw {
        content_type: Some("application/json".into()),
        bytes: format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes(),
    });
    prop_oneof![
        10 => valid.prop_map(Body::Json),
        6 => edited,
        1 => not_object,
        1 => malformed,
        1 => wrong_media,
        1 => Just(Body::None),
        1 => deep,
    ]
    .boxed()
}

/// The strategy of whole requests for `op`.
pub fn strategy(op: &Operation, doc: &Value, pools: &Pools, reused_keys: &[String]) -> BoxedStrategy<FuzzRequest> {
    let mut path_params = Vec::new();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for param in &op.params {
        let text = param_text(op, param, doc, pools);
        let name = param.name.clone();
        match param.location.as_str() {
            "path" => path_params.push(text.prop_map(move |t| (name.clone(), t)).boxed()),
            "query" => {
                // A required parameter is sometimes left out on purpose.
                let chance = if param.required { 0.95 } else { 0.4 };
                query
                    .push(prop::option::weighted(chance, text).prop_map(move |t| t.map(|t| (name.clone(), t))).boxed());
            }
            "header" if name.eq_ignore_ascii_case("Idempotency-Key") => {
                headers.push(idempotency_key(reused_keys).prop_map(move |k| k.map(|k| (name.clone(), k))).boxed())
            }
            _ => headers.push(
                prop::option::weighted(0.5, text).prop_map(move |t| t.map(|t| (name.clone(), t.into_bytes()))).boxed(),
            ),
        }
    }
    let body = match &op.body {
        Some(schema) => body(schema, doc, pools),
        None => Just(Body::None).boxed(),
    };
    let is_provider = op.path.starts_with("/v1/providers/");
    let signing = if is_provider {
        prop_oneof![
            12 => Just(Signing::Valid),
            1 => Just(Signing::Unsigned),
            1 => Just(Signing::WrongSecret),
            1 => Just(Signing::Stale),
            1 => Just(Signing::Garbage),
        ]
        .boxed()
    } else {
        Just(Signing::Unsigned).boxed()
    };
    // Off the document: another method, or a path that goes one step too far.
    let detour = prop_oneof![30 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)];
    let template = op.path.clone();
    let method = op.method.clone();
    (path_params, query, headers, body, auth(), signing, detour)
        .prop_map(move |(path_params, query, headers, body, auth, signing, detour)| {
            let mut path = template.clone();
            for (name, value) in path_params {
                path = path.replace(&format!("{{{name}}}"), &encode_segment(&value));
            }
            let method = match detour {
                1 if method == "GET" => "DELETE".to_string(),
                1 => "PUT".to_string(),
                _ => method.clone(),
            };
            if detour == 2 {
                path.push_str("/extra");
            }
            FuzzRequest {
                method,
                path,
                query: query.into_iter().flatten().collect(),
                headers: headers.into_iter().flatten().collect(),
                auth,
                body,
                signing,
            }
        })
        .boxed()
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Sends `request` to `server`; an event stream is only opened, never read.
pub async fn send(server: &TestServer, request: &FuzzRequest) -> Result<Answer, String> {
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut builder = server.http.request(method, server.url(&request.path)).query(&request.query);
    builder = match &request.auth {
        Auth::None => builder,
        Auth::Viewer => builder.bearer_auth(&server.viewer),
        Auth::Operator => builder.bearer_auth(&server.operator),
        Auth::Admin => builder.bearer_auth(&server.admin),
        Auth::Raw(value) => builder.header("authorization", value.as_bytes()),
    };
    for (name, value) in &request.headers {
        // Bytes no header may carry (a newline, say) cannot be sent at all.
        if let Ok(value) = reqwest::header::HeaderValue::from_bytes(value) {
            builder = builder.header(name.as_str(), value);
        }
    }
    let raw = match &request.body {
        Body::None => None,
        Body::Json(value) => Some((Some("application/json".to_string()), serde_json::to_vec(value).unwrap())),
        Body::Raw { content_type, bytes } => Some((content_type.clone(), bytes.clone())),
    };
    if let Some((content_type, bytes)) = raw {
        if !matches!(request.signing, Signing::Unsigned) {
            builder = sign(builder, request.signing, &bytes);
        }
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        builder = builder.body(bytes);
    }
    let streaming = request.path == "/v1/events" && request.method == "GET";
    let sent = tokio::time::timeout(Duration::from_secs(45), builder.send()).await;
    let response = sent.map_err(|_| "no answer within 45 s".to_string())?.map_err(|e| format!("send failed: {e}"))?;
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if streaming && status == 200 {
        return Ok(Answer { status, content_type, body: Vec::new() });
    }
    let body = tokio::time::timeout(Duration::from_secs(45), response.bytes())
        .await
        .map_err(|_| "body not finished within 45 s".to_string())?
        .map_err(|e| format!("reading the body failed: {e}"))?;
    Ok(Answer { status, content_type, body: body.to_vec() })
}

fn sign(builder: reqwest::RequestBuilder, signing: Signing, body: &[u8]) -> reqwest::RequestBuilder {
    use ledgerdeck_server::signature::sign;
    let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
    let now = chrono::Utc::now().timestamp();
    let (secret, at) = match signing {
        Signing::WrongSecret => ("whsec_d3Jvbmcgc2VjcmV0IGZvciBmdXp6aW5n", now),
        Signing::Stale => (PROVIDER_SECRET, now - 3600),
        _ => (PROVIDER_SECRET, now),
    };
    let signature = match signing {
        Signing::Garbage => "v1,bm90IGEgc2lnbmF0dXJl v2,??".to_string(),
        _ => sign(secret, &id, at, body).expect("sign"),
    };
    builder.header("webhook-id", id).header("webhook-timestamp", at.to_string()).header("webhook-signature", signature)
}

/// The contract every answer keeps.
pub fn check(request: &FuzzRequest, answer: &Answer) -> Result<(), String> {
    let body = String::from_utf8_lossy(&answer.body);
    let shown: String = body.chars().take(600).collect();
    if answer.status >= 500 {
        return Err(format!("server error {}: {shown}", answer.status));
    }
    if (400..500).contains(&answer.status) {
        if !answer.content_type.starts_with("application/problem+json") {
            return Err(format!("{} with content type {:?}: {shown}", answer.status, answer.content_type));
        }
        let problem: Value = serde_json::from_slice(&answer.body)
            .map_err(|e| format!("{} body is not JSON ({e}): {shown}", answer.status))?;
        if problem["code"].as_str().is_none_or(str::is_empty) {
            return Err(format!("{} problem without a code: {shown}", answer.status));
        }
        if problem["status"].as_u64() != Some(u64::from(answer.status)) {
            return Err(format!("{} problem says status {}: {shown}", answer.status, problem["status"]));
        }
    }
    if (200..300).contains(&answer.status) {
        if request.path == "/v1/events" {
            if !answer.content_type.starts_with("text/event-stream") {
                return Err(format!("event stream with content type {:?}", answer.content_type));
            }
        } else if let Err(e) = serde_json::from_slice::<Value>(&answer.body) {
            return Err(format!("{} body is not JSON ({e}): {shown}", answer.status));
        } else if request.method == "POST" && request.path.starts_with("/v1/commands/") {
            serde_json::from_slice::<ledgerdeck_client::CommandResult>(&answer.body)
                .map_err(|e| format!("{} body is not a command result ({e}): {shown}", answer.status))?;
        }
    }
    Ok(())
}
