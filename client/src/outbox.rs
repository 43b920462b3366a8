//! Wire types of the outbox's operator surface: messages, their webhook
//! deliveries and attempts, and webhook endpoints (never their secrets).

use serde::{Deserialize, Serialize};

/// The statuses of an outbox message: `pending` (not yet fanned out),
/// `dispatched` (deliveries made) and `no_endpoint` (nothing matched).
pub const MESSAGE_STATUSES: [&str; 3] = ["pending", "dispatched", "no_endpoint"];

/// The statuses of a delivery.
pub const DELIVERY_STATUSES: [&str; 3] = ["pending", "delivered", "dead"];

/// One outbox message, with its deliveries counted by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessageView {
    /// The message id.
    pub id: String,
    /// Its event type, such as `payout.settled`.
    pub event_type: String,
    /// The record it is about.
    pub subject_id: String,
    /// `pending`, `dispatched` or `no_endpoint`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    /// Deliveries still to be made.
    pub deliveries_pending: i64,
    /// Deliveries made.
    pub deliveries_delivered: i64,
    /// Deliveries given up.
    pub deliveries_dead: i64,
}

/// One attempt to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttemptView {
    /// RFC 3339, when the request started.
    pub at: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// The HTTP status answered, if any.
    pub http_status: Option<i32>,
    /// Why there was no answer (timeout, connection refused, …).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub latency_ms: i64,
    /// The first 512 characters of the response body.
    pub response_excerpt: String,
}

/// One delivery of a message to one endpoint; its id is the `webhook-id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    /// The delivery id, sent as `webhook-id` on every attempt.
    pub id: String,
    /// The endpoint.
    pub endpoint_id: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    /// Attempts made since the last (re)start.
    pub attempts: i32,
    /// RFC 3339, when the next attempt is due (pending only).
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// RFC 3339.
    pub delivered_at: Option<String>,
    /// Every attempt, oldest first.
    pub attempts_log: Vec<DeliveryAttemptView>,
}

/// A message with its payload, deliveries and attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessageDetail {
    /// The message.
    pub message: OutboxMessageView,
    /// The JSON body posted to endpoints.
    pub payload: serde_json::Value,
    /// Its deliveries.
    pub deliveries: Vec<DeliveryView>,
}

/// A webhook endpoint (the secret is never shown after creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointView {
    /// The endpoint id.
    pub id: String,
    /// Where events are posted.
    pub url: String,
    /// `*` or a comma list of event types and `prefix.*` patterns.
    pub event_types: String,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled (by an admin, or 410 Gone).
    pub disabled_reason: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// Filters and paging of `GET /v1/outbox/messages` (newest first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct OutboxMessageQuery {
    /// Only messages in this status.
    pub status: Option<String>,
    /// Only messages of this event type.
    pub event_type: Option<String>,
    /// Only messages with a delivery to this endpoint.
    pub endpoint_id: Option<String>,
    /// Only messages with a delivery in this status (`pending`, `delivered`, `dead`).
    pub delivery_status: Option<String>,
    /// Only messages about exactly this subject (the record's id).
    pub reference: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
