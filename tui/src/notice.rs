//! The one-line messages of the status bar and how they are coloured.

use chrono::{DateTime, Utc};

/// How a notice is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Something is under way.
    Info,
    /// Done.
    Ok,
    /// Could not load something.
    Warn,
    /// A command failed.
    Error,
}

/// A one-line message in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Its colour.
    pub level: Level,
    /// Its text (already inert).
    pub text: String,
    /// When it was raised.
    pub at: DateTime<Utc>,
}

/// `what: CODE detail` for a problem answer, made inert and clipped.
pub fn problem_text(what: &str, code: Option<&str>, detail: &str) -> String {
    let detail = crate::sanitize::cell(detail, 120);
    match code {
        Some(code) => format!("{what}: {} {detail}", crate::sanitize::cell(code, 40)),
        None => format!("{what}: {detail}"),
    }
}
