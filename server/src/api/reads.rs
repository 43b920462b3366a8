//! Read routes: wallets, statements, transactions, accounts, holds, audit
//! log and the overview, all cursor-paged.

use super::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The read routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
