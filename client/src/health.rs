//! `/healthz`: the process's own health, readiness of the money path, and
//! each component's state.

use serde::{Deserialize, Serialize};

/// A component's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    /// Working.
    Ok,
    /// Working, with a problem worth a look.
    Degraded,
    /// Not working.
    Down,
}

/// One component of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComponentHealth {
    /// `database`, `api`, `workers`, …
    pub name: String,
    /// Its state.
    pub state: ComponentState,
    /// One line about it.
    pub detail: String,
}

/// The answer of `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthReport {
    /// The process itself is healthy.
    pub ok: bool,
    /// The money path is usable (database reachable, migrated, not draining).
    pub ready: bool,
    /// Each component.
    pub components: Vec<ComponentHealth>,
}
