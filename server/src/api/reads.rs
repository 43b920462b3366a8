//! Read routes: wallets, statements, transactions, accounts, holds, audit
//! log, the overview and the merchant summary, the lists cursor-paged. Thin:
//! each checks the token (the viewer role is enough) and hands its
//! parameters to [`crate::queries`].

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use crate::queries;
use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use ledgerdeck_client::{
    AccountQuery, AccountView, AuditEntry, AuditQuery, BalanceQuery, ErrorCode, HoldDetail, HoldQuery, HoldView,
    MerchantView, Overview, Page, Problem, Role, StatementLine, StatementQuery, TransactionQuery, TransactionView,
    WalletBalanceAsOf, WalletQuery, WalletView,
};
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Query parameters whose rejections are problem documents
/// (`MALFORMED_REQUEST`): a bad number, an unknown parameter.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(QueryParams(value)),
            Err(rejection) => Err(ApiError::new(ErrorCode::MalformedRequest, rejection.body_text())),
        }
    }
}

/// Wallets with their balances, oldest first.
#[utoipa::path(get, path = "/v1/wallets", tag = "reads", params(WalletQuery),
    responses((status = 200, body = Page<WalletView>), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_wallets(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<WalletQuery>,
) -> Result<Json<Page<WalletView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_wallets(state.ledger.store(), &query).await?))
}

/// One wallet with its balances.
#[utoipa::path(get, path = "/v1/wallets/{id}", tag = "reads", params(("id" = String, Path, description = "The wallet's id")),
    responses((status = 200, body = WalletView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_wallet(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<WalletView>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::get_wallet(state.ledger.store(), &id).await?))
}

/// A wallet's statement: every posting to its available and reserved
/// accounts with the balance after it, newest first.
#[utoipa::path(get, path = "/v1/wallets/{id}/statement", tag = "reads",
    params(("id" = String, Path, description = "The wallet's id"), StatementQuery),
    responses((status = 200, body = Page<StatementLine>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn wallet_statement(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<StatementQuery>,
) -> Result<Json<Page<StatementLine>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::wallet_statement(state.ledger.store(), &id, &query).await?))
}

/// A wallet's balances as of a time (`as_of`, RFC 3339, inclusive; now when
/// left out), by effective time and by booked time: a back-dated correction
/// counts by effective time from the date it names, by booked time from when
/// it was posted.
#[utoipa::path(get, path = "/v1/wallets/{id}/balance", tag = "reads",
    params(("id" = String, Path, description = "The wallet's id"), BalanceQuery),
    responses((status = 200, body = WalletBalanceAsOf), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn wallet_balance(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    QueryParams(query): QueryParams<BalanceQuery>,
) -> Result<Json<WalletBalanceAsOf>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::wallet_balance_as_of(state.ledger.store(), &id, query.as_of.as_deref()).await?))
}

/// Ledger transactions with their postings, newest first.
#[utoipa::path(get, path = "/v1/transactions", tag = "reads", params(TransactionQuery),
    responses((status = 200, body = Page<TransactionView>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_transactions(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<TransactionQuery>,
) -> Result<Json<Page<TransactionView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_transactions(state.ledger.store(), &query).await?))
}

/// One ledger transaction with its postings.
#[utoipa::path(get, path = "/v1/transactions/{id}", tag = "reads",
    params(("id" = String, Path, description = "The transaction's id")),
    responses((status = 200, body = TransactionView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_transaction(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<TransactionView>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::get_transaction(state.ledger.store(), &id).await?))
}

/// The chart of accounts with balances, in id order.
#[utoipa::path(get, path = "/v1/accounts", tag = "reads", params(AccountQuery),
    responses((status = 200, body = Page<AccountView>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_accounts(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<AccountQuery>,
) -> Result<Json<Page<AccountView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_accounts(state.ledger.store(), &query).await?))
}

/// Payout holds, oldest first (a work queue).
#[utoipa::path(get, path = "/v1/holds", tag = "reads", params(HoldQuery),
    responses((status = 200, body = Page<HoldView>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_holds(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<HoldQuery>,
) -> Result<Json<Page<HoldView>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_holds(state.ledger.store(), &query).await?))
}

/// One payout hold with its status history.
#[utoipa::path(get, path = "/v1/holds/{id}", tag = "reads", params(("id" = String, Path, description = "The hold's id")),
    responses((status = 200, body = HoldDetail), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_hold(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> Result<Json<HoldDetail>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::get_hold(state.ledger.store(), &id).await?))
}

/// The audit log of command attempts and access changes, newest first.
#[utoipa::path(get, path = "/v1/audit", tag = "reads", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
async fn list_audit(
    State(state): State<AppState>,
    auth: Authed,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::list_audit(state.ledger.store(), &query).await?))
}

/// The cockpit's first screen: command outcomes, holds by status and the
/// manual-review queue, the outbox backlog, the newest transactions and the
/// gates' thresholds.
#[utoipa::path(get, path = "/v1/overview", tag = "reads",
    responses((status = 200, body = Overview), (status = 401, body = Problem)),
    security(("bearer" = [])))]
async fn overview(State(state): State<AppState>, auth: Authed) -> Result<Json<Overview>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::overview(state.ledger.store(), state.ledger.gates().config()).await?))
}

/// One merchant: its wallets with balances, its holds by status, the flag
/// rows that apply to it and its ten newest transactions. `NOT_FOUND` when no
/// wallet and no hold carries the id.
#[utoipa::path(get, path = "/v1/merchants/{merchant_id}", tag = "reads",
    params(("merchant_id" = String, Path, description = "The merchant's id")),
    responses((status = 200, body = MerchantView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
async fn get_merchant(
    State(state): State<AppState>,
    auth: Authed,
    Path(merchant_id): Path<String>,
) -> Result<Json<MerchantView>, ApiError> {
    auth.require(Role::Viewer)?;
    Ok(Json(queries::merchant(state.ledger.store(), &merchant_id).await?))
}

/// The read routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_wallets))
        .routes(routes!(get_wallet))
        .routes(routes!(wallet_statement))
        .routes(routes!(wallet_balance))
        .routes(routes!(list_transactions))
        .routes(routes!(get_transaction))
        .routes(routes!(list_accounts))
        .routes(routes!(list_holds))
        .routes(routes!(get_hold))
        .routes(routes!(list_audit))
        .routes(routes!(overview))
        .routes(routes!(get_merchant))
}

#[cfg(test)]
mod tests {
    use super::QueryParams;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use ledgerdeck_client::HoldQuery;
    use tower::ServiceExt;

    async fn ask(uri: &str) -> (StatusCode, String, serde_json::Value) {
        let app =
            axum::Router::new().route("/", get(|QueryParams(q): QueryParams<HoldQuery>| async move { axum::Json(q) }));
        let response = app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, kind, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn bad_query_strings_are_problem_documents() {
        let (status, _, body) = ask("/?status=settled&limit=5&older_than_seconds=60").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((body["status"].as_str(), body["limit"].as_i64()), (Some("settled"), Some(5)));
        for uri in ["/?limit=abc", "/?limit=", "/?stauts=settled", "/?older_than_seconds=1.5"] {
            let (status, kind, body) = ask(uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(kind, super::super::problem::PROBLEM_JSON, "{uri}");
            assert_eq!(body["code"], "MALFORMED_REQUEST", "{uri}: {body}");
        }
    }

    #[test]
    fn every_read_route_is_documented_as_an_authenticated_get() {
        let doc = serde_json::to_value(crate::api::openapi()).expect("document");
        for path in [
            "/v1/wallets",
            "/v1/wallets/{id}",
            "/v1/wallets/{id}/statement",
            "/v1/wallets/{id}/balance",
            "/v1/transactions",
            "/v1/transactions/{id}",
            "/v1/accounts",
            "/v1/holds",
            "/v1/holds/{id}",
            "/v1/audit",
            "/v1/overview",
            "/v1/merchants/{merchant_id}",
        ] {
            let get = &doc["paths"][path]["get"];
            assert!(get.is_object(), "{path} is not documented");
            assert_eq!(get["security"][0]["bearer"], serde_json::json!([]), "{path} is not marked as needing a token");
        }
        let page = &doc["components"]["schemas"]["Page_HoldView"]["properties"];
        assert!(page["items"].is_object() && page["next_cursor"].is_object(), "{page}");
        let amount = &doc["components"]["schemas"]["HoldView"]["properties"]["amount"];
        assert_eq!(amount["type"], "string", "money is a decimal string on the wire");
    }
}
