//! The live stream's state as the status bar says it: live, reconnecting
//! (and when it retries, and why when the server turned it away), stale
//! (since when), or access ended (and how to log in again).

use super::App;
use crate::data::{ConnState, Request};
use crate::notice::Level;
use chrono::{DateTime, TimeDelta, Utc};

impl App {
    /// The connection as the status bar says it, and whether it is healthy.
    pub fn conn_label(&self) -> (String, Level) {
        let stamp = |t: DateTime<Utc>| t.format("%H:%M:%S").to_string();
        let secs = self.retry_at.map_or(0, |t| ((t - self.now).num_milliseconds().max(0) + 999) / 1000);
        let stale = self.last_update.filter(|t| self.now - *t >= self.stale_after);
        match &self.conn {
            ConnState::Live => ("● live".into(), Level::Ok),
            ConnState::Connecting => ("○ connecting…".into(), Level::Info),
            ConnState::Reconnecting { .. } => match stale {
                Some(t) => (format!("✖ stale since {} · retry in {secs} s", stamp(t)), Level::Error),
                None => (format!("◌ reconnecting in {secs} s"), Level::Warn),
            },
            ConnState::TooManyStreams { .. } => match stale {
                Some(t) => (format!("✖ stale since {} · too many streams · retry in {secs} s", stamp(t)), Level::Error),
                None => (format!("◌ too many streams · retry in {secs} s"), Level::Warn),
            },
            ConnState::Stale { since } => (format!("✖ stale since {}", stamp(*since)), Level::Error),
            ConnState::AccessEnded { .. } => ("✖ access ended".into(), Level::Error),
        }
    }

    /// What to tell the operator while the stream is turned away: why,
    /// and what to do about it, as `(title, lines)`.
    pub fn conn_alert(&self) -> Option<(String, Vec<String>)> {
        let login = format!("ledgerdeck login --profile {}", self.session.profile);
        match &self.conn {
            ConnState::AccessEnded { reason } => Some((
                "Access ended".into(),
                vec![
                    "The server ended this token's access: live updates have stopped.".into(),
                    format!("Reason: {reason}"),
                    format!("Log in again:  {login}"),
                    "then restart ledgerdeck.".into(),
                ],
            )),
            _ => None,
        }
    }

    /// When data last arrived, as the status bar writes it.
    pub(super) fn updated_text(&self) -> String {
        self.last_update.map_or("—".into(), |t| t.format("%H:%M:%S").to_string())
    }

    /// Everything the status bar shows, as plain text (also used to tell
    /// whether a tick changed anything visible).
    pub fn status_text(&self) -> String {
        let notice = self.notice.as_ref().map_or("", |n| n.text.as_str());
        format!("{}|{}|{}|{notice}", self.session.profile, self.conn_label().0, self.updated_text())
    }

    /// The stream's state changed; back from an outage, what was missed is
    /// fetched again.
    pub(super) fn set_conn(&mut self, state: ConnState) -> (bool, Vec<Request>) {
        let was_live = self.conn == ConnState::Live;
        self.retry_at = match state {
            ConnState::Reconnecting { retry_in_secs } | ConnState::TooManyStreams { retry_in_secs } => {
                Some(self.now + TimeDelta::seconds(retry_in_secs as i64))
            }
            _ => None,
        };
        let catch_up = !was_live && state == ConnState::Live && self.last_update.is_some();
        self.conn = state;
        (true, if catch_up { self.refresh_all() } else { Vec::new() })
    }
}
