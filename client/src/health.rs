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
    /// `database`, `api`, `delivery`, `gates`, `saga`, `provider`, `events`.
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
    /// The `saga`, `provider` and `events` components never make it false.
    pub ready: bool,
    /// Each component.
    pub components: Vec<ComponentHealth>,
    /// Every saga worker with a heartbeat row, live ones first (empty from
    /// servers that predate heartbeats).
    #[serde(default)]
    pub workers: Vec<WorkerHealth>,
    /// Each payout provider configured on the answering instance, by name.
    #[serde(default)]
    pub providers: Vec<ProviderHealth>,
}

/// One payout saga worker, from its heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerHealth {
    /// The worker's id, as written into the leases it takes.
    pub worker_id: String,
    /// Where it runs: host and process id.
    pub instance: String,
    /// Whether it beat recently enough to count as running; `false`: gone.
    pub live: bool,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it last beat (RFC 3339).
    pub last_round_at: String,
    /// How long ago that was, in milliseconds.
    pub last_round_age_ms: i64,
    /// How long the oldest due hold nobody had taken had waited when it last
    /// beat, in milliseconds (0: none was waiting).
    pub behind_ms: i64,
    /// Holds it stepped between its two latest beats.
    pub handled: i64,
}

/// One payout provider's reachability, as the answering instance last probed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderHealth {
    /// The provider's name, as holds carry it.
    pub name: String,
    /// Whether it answered the probe.
    pub reachable: bool,
    /// How long it took to answer, in milliseconds (when it did).
    pub latency_ms: Option<i64>,
    /// Why it did not answer.
    pub error: Option<String>,
    /// When it was probed (RFC 3339).
    pub checked_at: String,
}
