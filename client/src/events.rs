//! The live events of `GET /v1/events`, one typed definition for the server
//! that publishes them and every client that follows them.
//!
//! On the wire an event is an SSE `event:` name (its kind, e.g.
//! `hold.changed`) and a JSON `data:` line. [`LiveEvent`] is serde's
//! adjacently tagged form of that pair (`{"kind": …, "data": …}`), so
//! [`LiveEvent::from_parts`] and [`LiveEvent::into_parts`] convert between
//! the two. A kind this version does not know, or data it cannot read,
//! becomes [`LiveEvent::Unknown`]: a newer server never breaks an older
//! cockpit.

use crate::{CommandResult, GateRunSummary, HealthReport, OutboxSummary};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A command moved money or created something (`data`: the command result).
pub const COMMAND_POSTED: &str = "command.posted";
/// A hold changed status (`data`: `{hold_id, status, command}`).
pub const HOLD_CHANGED: &str = "hold.changed";
/// A reconciliation gate run finished (`data`: the run's summary).
pub const GATE_RUN_FINISHED: &str = "gate.run_finished";
/// Outbox counters changed (`data`: the outbox stats).
pub const OUTBOX_STATS: &str = "outbox.stats";
/// A component's health changed (`data`: the health report).
pub const HEALTH_CHANGED: &str = "health.changed";
/// A feature flag row was set (`data`: `{name, scope, scope_value}`).
pub const FLAG_CHANGED: &str = "flag.changed";
/// A proposal was made or decided (`data`: `{proposal_id, status, command}`).
pub const APPROVAL_CHANGED: &str = "approval.changed";
/// The stream's token was revoked or expired (`data`: `{reason}`); it is the
/// stream's last event, and reconnecting with the same token is pointless.
pub const ACCESS_REVOKED: &str = "access.revoked";
/// Sent periodically so a client can tell a quiet stream from a dead one.
pub const HEARTBEAT: &str = "heartbeat";
/// The server cannot resume from the given `Last-Event-ID` (too old, or
/// another server process): refetch state, then follow on from here.
pub const RESET: &str = "reset";

/// One live event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data")]
pub enum LiveEvent {
    /// A command posted (not sent for replays).
    #[serde(rename = "command.posted")]
    CommandPosted(CommandResult),
    /// A hold moved to another status.
    #[serde(rename = "hold.changed")]
    HoldChanged(HoldChange),
    /// A gate run finished, scheduled or asked for.
    #[serde(rename = "gate.run_finished")]
    GateRunFinished(GateRunSummary),
    /// The outbox counters as they are now.
    #[serde(rename = "outbox.stats")]
    OutboxStats(OutboxSummary),
    /// The health report as it is now.
    #[serde(rename = "health.changed")]
    HealthChanged(HealthReport),
    /// A feature flag row was set.
    #[serde(rename = "flag.changed")]
    FlagChanged(FlagChange),
    /// A proposal was made or decided.
    #[serde(rename = "approval.changed")]
    ApprovalChanged(ApprovalChange),
    /// The stream's access ended; the stream ends after this event.
    #[serde(rename = "access.revoked")]
    AccessRevoked(AccessEnded),
    /// The stream is alive.
    #[serde(rename = "heartbeat")]
    Heartbeat(Quiet),
    /// What was missed cannot be replayed: refetch.
    #[serde(rename = "reset")]
    Reset(Reset),
    /// A kind this version does not know (or data it cannot read), as sent.
    #[serde(untagged)]
    Unknown {
        /// The event's kind.
        kind: String,
        /// Its data.
        data: Value,
    },
}

/// `hold.changed`: a hold's new status and what moved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldChange {
    /// The hold.
    pub hold_id: String,
    /// Its status now.
    pub status: String,
    /// The command that moved it, or `saga` / `provider_event`.
    pub command: String,
}

/// `flag.changed`: which flag row was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagChange {
    /// The flag.
    pub name: String,
    /// `global`, `merchant`, `currency` or `provider`.
    pub scope: String,
    /// The merchant id, currency code or provider (empty for global).
    pub scope_value: String,
}

/// `approval.changed`: a proposal's status now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalChange {
    /// The proposal.
    pub proposal_id: String,
    /// `pending`, `executed`, `rejected` or `failed`.
    pub status: String,
    /// The command proposed.
    pub command: String,
}

/// `access.revoked`: why the stream's access ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEnded {
    /// Why, for people (e.g. "the token was revoked").
    pub reason: String,
}

/// An event that carries nothing (`{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiet {}

/// `reset`: why the stream could not resume, when the sender says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    /// Why, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl LiveEvent {
    /// The event of an SSE `event:` name and its JSON `data:`.
    pub fn from_parts(kind: &str, data: Value) -> LiveEvent {
        let tagged = serde_json::json!({ "kind": kind, "data": data });
        match serde_json::from_value::<LiveEvent>(tagged) {
            // A known kind whose data did not read falls through to the
            // untagged variant; keep what was sent.
            Ok(event) => event,
            Err(_) => LiveEvent::Unknown { kind: kind.to_string(), data },
        }
    }

    /// The SSE `event:` name and the JSON `data:` of this event.
    pub fn into_parts(self) -> (String, Value) {
        if let LiveEvent::Unknown { kind, data } = self {
            return (kind, data);
        }
        let kind = self.kind().to_string();
        let data = match serde_json::to_value(self) {
            Ok(Value::Object(mut tagged)) => tagged.remove("data").unwrap_or(Value::Null),
            _ => Value::Null,
        };
        (kind, data)
    }

    /// The event's kind, as on the wire.
    pub fn kind(&self) -> &str {
        match self {
            LiveEvent::CommandPosted(_) => COMMAND_POSTED,
            LiveEvent::HoldChanged(_) => HOLD_CHANGED,
            LiveEvent::GateRunFinished(_) => GATE_RUN_FINISHED,
            LiveEvent::OutboxStats(_) => OUTBOX_STATS,
            LiveEvent::HealthChanged(_) => HEALTH_CHANGED,
            LiveEvent::FlagChanged(_) => FLAG_CHANGED,
            LiveEvent::ApprovalChanged(_) => APPROVAL_CHANGED,
            LiveEvent::AccessRevoked(_) => ACCESS_REVOKED,
            LiveEvent::Heartbeat(_) => HEARTBEAT,
            LiveEvent::Reset(_) => RESET,
            LiveEvent::Unknown { kind, .. } => kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_kinds_round_trip_through_their_wire_parts() {
        let change = HoldChange { hold_id: "h1".into(), status: "settled".into(), command: "settle_hold".into() };
        let (kind, data) = LiveEvent::HoldChanged(change.clone()).into_parts();
        assert_eq!(kind, "hold.changed");
        assert_eq!(data, json!({"hold_id": "h1", "status": "settled", "command": "settle_hold"}));
        assert_eq!(LiveEvent::from_parts(&kind, data), LiveEvent::HoldChanged(change));
        assert_eq!(LiveEvent::from_parts("heartbeat", json!({})), LiveEvent::Heartbeat(Quiet {}));
        assert_eq!(LiveEvent::from_parts("reset", json!({})), LiveEvent::Reset(Reset::default()));
        let (kind, data) = LiveEvent::Heartbeat(Quiet {}).into_parts();
        assert_eq!((kind.as_str(), data), ("heartbeat", json!({})));
    }

    #[test]
    fn an_unknown_kind_or_unreadable_data_is_kept_as_sent() {
        let data = json!({"approval_id": "a1"});
        let event = LiveEvent::from_parts("approval.requested", data.clone());
        assert_eq!(event, LiveEvent::Unknown { kind: "approval.requested".into(), data: data.clone() });
        assert_eq!(event.kind(), "approval.requested");
        assert_eq!(event.into_parts(), ("approval.requested".to_string(), data));
        let broken = LiveEvent::from_parts("hold.changed", json!({"hold_id": 7}));
        assert_eq!(broken, LiveEvent::Unknown { kind: "hold.changed".into(), data: json!({"hold_id": 7}) });
        assert_eq!(LiveEvent::from_parts("hold.changed", json!("not json")).kind(), "hold.changed");
    }

    #[test]
    fn fields_a_newer_server_adds_are_ignored() {
        let data = json!({"hold_id": "h1", "status": "released", "command": "saga", "instance": "b"});
        let LiveEvent::HoldChanged(change) = LiveEvent::from_parts("hold.changed", data) else { panic!() };
        assert_eq!(change.status, "released");
    }
}
