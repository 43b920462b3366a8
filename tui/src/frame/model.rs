//! What the frame around the views shows, as plain data the app fills in:
//! the frame knows nothing of the app.

use crate::notice::Level;

/// Everything drawn around the current view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameModel {
    /// The production banner's profile name, on a production profile.
    pub banner: Option<String>,
    /// The tabs, in order.
    pub tabs: Vec<Tab>,
    /// The path followed from a view to what it pointed to; drawn instead of
    /// the tabs while there is one (Esc goes back along it).
    pub path: Option<Vec<String>>,
    /// Whether the READ-ONLY mark is drawn (a read-only profile).
    pub read_only: bool,
    /// The status bar.
    pub status: Status,
    /// The footer's hints in force, in order: `(keys, what they do)`.
    pub hints: Vec<(String, String)>,
    /// The help overlay, while it is open.
    pub help: Option<Help>,
    /// A standing alert above the status bar (access ended): its title and
    /// lines.
    pub alert: Option<(String, Vec<String>)>,
}

/// One tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tab {
    /// Its number key.
    pub number: u8,
    /// Its title.
    pub title: &'static str,
    /// Whether it is the view shown.
    pub current: bool,
}

/// The status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The profile's name.
    pub profile: String,
    /// The operator's name.
    pub operator: String,
    /// The live stream's state, and how healthy that is.
    pub connection: (String, Level),
    /// When data last arrived (`HH:MM:SS`, or `—`).
    pub updated: String,
    /// How many proposals wait for a second operator (`3`, `200+`), when any do.
    pub approvals: Option<String>,
    /// The notice shown on the right, if any.
    pub notice: Option<(Level, String)>,
}

/// The help overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Help {
    /// The current context's heading and keys, when it has any.
    pub context: Option<(String, Vec<(String, String)>)>,
    /// The global keys: the number keys of the views first.
    pub everywhere: Vec<(String, String)>,
    /// Why writing keys are left out, when they are.
    pub writes_off: Option<String>,
}
