//! Controls: the stored feature flag rows (`f` sets one through the
//! generated `set_feature_flag` form) and the provider event log.

mod render;

use super::{Cx, Link, Target, Value, View, step};
use crate::data::{DataMsg, Request};
use crate::input::FilterLine;
use crate::keys::{Action, Context, FILTER_INPUT, MORE, MOVE, entry, writes};
use crate::theme::Theme;
use crossterm::event::KeyCode::Char;
use crossterm::event::KeyEvent;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::providers::{ProviderEventQuery, ProviderEventView};
use ledgerdeck_client::{FeatureFlag, Page};
use ratatui::Frame;
use ratatui::layout::Rect;

/// The Controls view's keys.
pub static CONTROLS: Context = Context {
    name: "controls",
    title: "Controls",
    entries: &[
        MOVE,
        MORE,
        writes(entry(&[Char('f')], "f", "set flag", Action::SetFlag)),
        entry(&[Char('/')], "/", "filter events", Action::Filter),
    ],
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
    /// The provider events' `/` filter: `provider:`, `ref:` (a bare word is a provider).
    pub filter: FilterLine,
}

/// The provider events' query: `provider:` and `ref:`; a bare word is a provider.
pub fn parse_filter(text: &str) -> ProviderEventQuery {
    let mut q = ProviderEventQuery::default();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("ref" | "reference", v)) => q.reference = Some(v.into()),
            Some(("provider", v)) => q.provider = Some(v.into()),
            _ => q.provider = Some(token.into()),
        }
    }
    q
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

    fn events_query(&self, cursor: Option<String>) -> ProviderEventQuery {
        ProviderEventQuery { cursor, ..parse_filter(&self.filter.applied) }
    }
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 2] = [&CONTROLS, &FILTER_INPUT];

impl View for ControlsState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if self.filter.is_editing() { &FILTER_INPUT } else { &CONTROLS }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadFlags);
        cx.read(Request::LoadProviderEvents(self.events_query(None)));
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        let n = self.flags.as_ref().map_or(0, Vec::len);
        if self.filter.is_editing() {
            match action {
                Action::Open => {
                    self.filter.apply();
                    cx.read(Request::LoadProviderEvents(self.events_query(None)));
                }
                Action::Back => self.filter.cancel(),
                _ => return false,
            }
            return true;
        }
        match action {
            Action::Filter => {
                self.filter.start();
                true
            }
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
                    cx.read(Request::LoadProviderEvents(self.events_query(Some(cursor))));
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

    fn on_key(&mut self, key: KeyEvent, _cx: &mut Cx) -> bool {
        self.filter.key(key)
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn links(&self) -> Vec<Link> {
        match self.target() {
            Some(f) if f.scope == "merchant" => {
                vec![Link::new(format!("merchant {}", f.scope_value), Target::Merchant(f.scope_value.clone()))]
            }
            _ => Vec::new(),
        }
    }

    fn values(&self) -> Vec<Value> {
        let Some(f) = self.target() else { return Vec::new() };
        let mut values =
            vec![Value::field("flag", "name", f.name.clone()), Value::field("scope", "scope", f.scope.clone())];
        if !f.scope_value.is_empty() {
            values.push(Value::field("scope value", "scope_value", f.scope_value.clone()));
            if f.scope == "merchant" {
                values.push(Value::field("merchant id", "merchant_id", f.scope_value.clone()));
            }
        }
        values
    }
}
