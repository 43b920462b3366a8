//! The live stream of a serving instance: the tailer reads committed change
//! rows (`crate::changes`) in order and hands them to the hub, which fans
//! them out to this instance's `GET /v1/events` subscribers and keeps the
//! recent ones for resumption; a resume from further back reads the log.
//!
//! The path of one change: a transaction writes its change row and commits
//! → the writer signals (`store::signal`: this process at once, other
//! processes by PostgreSQL `NOTIFY`, a poll behind both) → [`tail`] reads
//! it, in seq order, holding back behind a seq not yet visible → [`hub`]
//! broadcasts it → each stream (`api::events`) checks it may see it and
//! sends it with its seq as the SSE id.

pub mod hub;
mod resume;
pub mod tail;

pub use hub::{EventHub, EventsHealth, StreamEvent, StreamGuard, Subscription};
pub use resume::subscribe;
