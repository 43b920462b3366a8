//! `GET /v1/commands` and one `POST /v1/commands/{name}` route per registry
//! entry, mounted (and documented) from the registry itself.

use super::AppState;
use super::auth::Authed;
use super::problem::{ApiError, JsonBody};
use crate::commands::{CommandDef, registry, specs};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ledgerdeck_client::{CommandResult, CommandSpec, CommandStatus, ErrorCode, FieldKind, Problem, Role};
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The header carrying a request's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a response that replays an earlier execution.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The command registry with field schemas, for building forms.
#[utoipa::path(get, path = "/v1/commands", tag = "commands",
    responses((status = 200, body = [CommandSpec]), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn list_commands(_auth: Authed) -> axum::Json<Vec<CommandSpec>> {
    axum::Json(specs())
}

async fn run_command(
    def: &'static CommandDef,
    state: AppState,
    auth: Authed,
    headers: HeaderMap,
    body: JsonBody<serde_json::Value>,
) -> Result<Response, ApiError> {
    let key = match headers.get(IDEMPOTENCY_KEY) {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| ApiError::new(ErrorCode::ValidationFailed, "Idempotency-Key must be printable ASCII"))?,
        ),
        None => None,
    };
    let result = state.ledger.execute(&auth.0, def.name, body.0, key).await?;
    let replayed = result.replayed;
    // A call held for a second operator was accepted, not done.
    let status = if result.status == CommandStatus::PendingApproval { StatusCode::ACCEPTED } else { StatusCode::OK };
    let mut response = (status, axum::Json(result)).into_response();
    if replayed {
        response.headers_mut().insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The command routes, documented.
pub fn routes() -> OpenApiRouter<AppState> {
    let mut router = OpenApiRouter::new().routes(routes!(list_commands));
    for def in registry() {
        let path = format!("/v1/commands/{}", def.name);
        router = router.route(
            &path,
            post(
                move |State(state): State<AppState>,
                      auth: Authed,
                      headers: HeaderMap,
                      body: JsonBody<serde_json::Value>| {
                    run_command(def, state, auth, headers, body)
                },
            ),
        );
        router.get_openapi_mut().paths.add_path_operation(path, vec![HttpMethod::Post], operation(def));
    }
    router
}

/// The OpenAPI operation of one command, from its registry entry.
fn operation(def: &CommandDef) -> utoipa::openapi::path::Operation {
    let mut params = ObjectBuilder::new().schema_type(Type::Object);
    for field in def.fields {
        let mut schema = ObjectBuilder::new().schema_type(Type::String).description(Some(field.help));
        if field.kind == FieldKind::Choice {
            schema = schema.enum_values(Some(field.choices.iter().copied()));
        }
        if field.kind == FieldKind::Amount {
            schema = schema.pattern(Some(r"^[0-9]+(\.[0-9]+)?$"));
        }
        params = params.property(field.name, schema);
        if field.required {
            params = params.required(field.name);
        }
    }
    let problem = || {
        ResponseBuilder::new()
            .description("refused")
            .content(
                super::problem::PROBLEM_JSON,
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
            )
            .build()
    };
    let mut description = format!("Needs the {} role.", def.role.as_str());
    if def.moves_money {
        description.push_str(" Moves money: the Idempotency-Key header is required.");
    }
    let key_param = utoipa::openapi::path::ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(utoipa::openapi::path::ParameterIn::Header)
        .required(if def.moves_money { utoipa::openapi::Required::True } else { utoipa::openapi::Required::False })
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    OperationBuilder::new()
        .operation_id(Some(def.name))
        .summary(Some(def.title))
        .description(Some(description))
        .tag("commands")
        .parameter(key_param)
        .request_body(Some(
            RequestBodyBuilder::new()
                .content("application/json", ContentBuilder::new().schema(Some(params)).build())
                .required(Some(utoipa::openapi::Required::True))
                .build(),
        ))
        .response(
            "200",
            ResponseBuilder::new()
                .description("the command's result (replayed when the key was seen before)")
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("CommandResult"))).build(),
                )
                .build(),
        )
        .response(
            "202",
            ResponseBuilder::new()
                .description(
                    "held for a second operator's approval (status pending_approval, the proposal's id as subject_id)",
                )
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("CommandResult"))).build(),
                )
                .build(),
        )
        .response("400", problem())
        .response("401", problem())
        .response("403", problem())
        .response("404", problem())
        .response("409", problem())
        .response("422", problem())
        .security(utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new()))
        .build()
}

/// Schemas the command operations refer to by name.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(CommandResult, Problem, Role)))]
pub struct CommandSchemas;
