//! The OpenAPI document is generated from the code, checked in as
//! `server/openapi.json`, and every `/v1` route in it refuses a request
//! without a token.

#[macro_use]
mod common;

use common::*;
use ledgerdeck_server::Ledger;
use serde_json::Value;

const CHECKED_IN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

#[test]
fn checked_in_document_matches_the_code() {
    let generated = serde_json::to_value(ledgerdeck_server::api::openapi()).unwrap();
    if std::env::var_os("LEDGERDECK_UPDATE_OPENAPI").is_some() {
        std::fs::write(CHECKED_IN, serde_json::to_string_pretty(&generated).unwrap() + "\n").unwrap();
    }
    let checked_in: Value = serde_json::from_str(&std::fs::read_to_string(CHECKED_IN).expect("server/openapi.json"))
        .expect("server/openapi.json is JSON");
    assert!(
        generated == checked_in,
        "the API contract changed. If that is deliberate, regenerate it:\n  \
         LEDGERDECK_UPDATE_OPENAPI=1 cargo test -p ledgerdeck-server --test openapi"
    );
}

#[test]
fn document_covers_every_command_of_the_registry() {
    let doc = serde_json::to_value(ledgerdeck_server::api::openapi()).unwrap();
    for spec in ledgerdeck_server::commands::specs() {
        let path = format!("/v1/commands/{}", spec.name);
        let op = &doc["paths"][&path]["post"];
        assert!(op.is_object(), "{path} missing from the document");
        for field in &spec.fields {
            assert!(op["requestBody"]["content"]["application/json"]["schema"]["properties"][&field.name].is_object());
        }
    }
}

async fn every_v1_route_in_the_document_refuses_without_a_token(ledger: Ledger) {
    let server = TestServer::start(ledger).await;
    let doc: Value = server.get(&server.viewer, "/v1/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let concrete: String = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "some-id" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let request = server.http.request(method.to_uppercase().parse().unwrap(), server.url(&concrete));
            let request = if method == "get" { request } else { request.json(&serde_json::json!({})) };
            let response = request.send().await.unwrap();
            if path == "/v1/sso/session" {
                // Signing in is how a token is got: it needs none, and is
                // documented so; an empty body is refused as malformed.
                assert!(item[method].get("security").is_none(), "{path} documents no bearer");
                expect_problem(response, 400, "MALFORMED_REQUEST").await;
            } else if path.starts_with("/v1/") {
                expect_problem(response, 401, "UNAUTHENTICATED").await;
                checked += 1;
            } else {
                assert_ne!(response.status().as_u16(), 401, "{path} is a probe and needs no token");
            }
        }
    }
    assert!(checked >= ledgerdeck_server::commands::specs().len() + 2, "only {checked} routes checked");
    let unauthenticated = server.http.get(server.url("/v1/openapi.json")).send().await.unwrap();
    expect_problem(unauthenticated, 401, "UNAUTHENTICATED").await;
    server.stop().await;
}

on_both_databases!(every_v1_route_in_the_document_refuses_without_a_token);
