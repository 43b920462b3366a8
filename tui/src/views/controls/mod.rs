//! Controls: the stored feature flag rows (`f` sets one through the
//! generated `set_feature_flag` form) and the provider event log.

mod render;

use super::{Cx, View, step};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, Context, MORE, MOVE, entry, writes};
use crate::theme::Theme;
use crossterm::event::KeyCode::Char;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::providers::{ProviderEventQuery, ProviderEventView};
use ledgerdeck_client::{FeatureFlag, Page};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The Controls view's keys.
pub static CONTROLS: Context = Context {
    name: "controls",
    title: "Controls",
    entries: &[MOVE, MORE, writes(entry(&[Char('f')], "f", "set flag", Action::SetFlag))],
    global: true,
    fixed: false,
};

/// What the Controls view shows.
#[derive(Debug, Default)]
pub struct ControlsState {
    /// The flag rows.
    pub flags: Option<Vec<FeatureFlag>>,
    /// The selected flag row.
    pub selected: usize,
    /// The provider events loaded so far, newest first.
    pub events: Option<Vec<ProviderEventView>>,
    /// The cursor of the next page of events.
    pub next: Option<String>,
}

impl ControlsState {
    /// Takes the flag rows.
    fn set_flags(&mut self, flags: &[FeatureFlag]) -> bool {
        if self.flags.as_deref() == Some(flags) {
            return false;
        }
        self.selected = self.selected.min(flags.len().saturating_sub(1));
        self.flags = Some(flags.to_vec());
        true
    }

    /// Takes a page of provider events.
    fn set_events(&mut self, page: &Page<ProviderEventView>, append: bool) -> bool {
        let mut items = if append { self.events.clone().unwrap_or_default() } else { Vec::new() };
        items.extend(page.items.iter().cloned());
        if self.events.as_ref() == Some(&items) && self.next == page.next_cursor {
            return false;
        }
        self.events = Some(items);
        self.next = page.next_cursor.clone();
        true
    }

    /// The selected flag row (to prefill a form).
    pub fn target(&self) -> Option<&FeatureFlag> {
        self.flags.as_ref()?.get(self.selected)
    }
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 1] = [&CONTROLS];

impl View for ControlsState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        &CONTROLS
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadFlags);
        cx.read(Request::LoadProviderEvents(ProviderEventQuery::default()));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let n = self.flags.as_ref().map_or(0, Vec::len);
        match action {
            // The selected row prefills the form, flipped.
            Action::SetFlag => {
                let prefill: Vec<(String, String)> = self.target().map_or_else(Vec::new, |f| {
                    vec![
                        ("name".into(), f.name.clone()),
                        ("scope".into(), f.scope.clone()),
                        ("scope_value".into(), f.scope_value.clone()),
                        ("enabled".into(), (!f.enabled).to_string()),
                    ]
                });
                let prefill: Vec<(&str, &str)> = prefill.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                cx.open_form("set_feature_flag", &prefill);
                false
            }
            Action::Down | Action::Up => step(&mut self.selected, n, action),
            Action::More => match self.next.clone() {
                Some(cursor) => {
                    let query = ProviderEventQuery { cursor: Some(cursor), ..ProviderEventQuery::default() };
                    cx.read(Request::LoadProviderEvents(query));
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Flags(flags) => self.set_flags(flags),
            DataMsg::ProviderEvents { page, append } => self.set_events(page, *append),
            _ => false,
        }
    }

    fn on_live(&mut self, event: &LiveEvent, cx: &mut Cx) -> bool {
        if let LiveEvent::FlagChanged(_) = event {
            cx.read(Request::LoadFlags);
        }
        false
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }
}
