//! Kinds of the server-sent events of `GET /v1/events`.

/// A command moved money or created something (`data`: the command result).
pub const COMMAND_POSTED: &str = "command.posted";
/// A hold changed status (`data`: `{hold_id, status, command}`).
pub const HOLD_CHANGED: &str = "hold.changed";
/// A reconciliation gate run finished.
pub const GATE_RUN_FINISHED: &str = "gate.run_finished";
/// Outbox counters changed (`data`: the outbox stats).
pub const OUTBOX_STATS: &str = "outbox.stats";
/// A component's health changed (`data`: the health report).
pub const HEALTH_CHANGED: &str = "health.changed";
/// Sent periodically so a client can tell a quiet stream from a dead one.
pub const HEARTBEAT: &str = "heartbeat";
/// The server cannot resume from the given `Last-Event-ID` (too old, or
/// another server process): refetch state, then follow on from here.
pub const RESET: &str = "reset";
