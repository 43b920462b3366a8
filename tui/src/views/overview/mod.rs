//! Overview: is the service ok and ready, is anything red? It follows the
//! overview and health reads, and the live events that change them.

mod render;

use super::{Cx, View};
use crate::data::{DataMsg, Request};
use crate::keys::{Context, KeyEntry};
use crate::theme::Theme;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{HealthReport, Overview};
use ratatui::Frame;
use ratatui::layout::Rect;

/// What the Overview shows.
#[derive(Debug, Default)]
pub struct OverviewState {
    /// `GET /v1/overview`.
    pub overview: Option<Overview>,
    /// `/healthz`.
    pub health: Option<HealthReport>,
}

/// The Overview has no keys of its own.
pub static OVERVIEW: Context =
    Context { name: "overview", title: "Overview", entries: &[] as &[KeyEntry], global: true, fixed: false };

fn replace<T: PartialEq + Clone>(slot: &mut Option<T>, value: &T) -> bool {
    if slot.as_ref() == Some(value) {
        return false;
    }
    *slot = Some(value.clone());
    true
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 1] = [&OVERVIEW];

impl View for OverviewState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        &OVERVIEW
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadOverview);
        cx.read(Request::LoadHealth);
    }

    fn on_action(&mut self, _action: crate::keys::Action, _cx: &mut Cx) -> bool {
        false
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Overview(o) => replace(&mut self.overview, o),
            DataMsg::Health(h) => replace(&mut self.health, h),
            DataMsg::OutboxStats(stats) => self.set_outbox(stats),
            _ => false,
        }
    }

    fn on_live(&mut self, event: &LiveEvent, cx: &mut Cx) -> bool {
        match event {
            LiveEvent::OutboxStats(stats) => self.set_outbox(stats),
            LiveEvent::HealthChanged(h) => replace(&mut self.health, h),
            LiveEvent::GateRunFinished(_) => {
                cx.refresh_me();
                false
            }
            // Money moved: the counts and recent rows follow, at most every
            // couple of seconds, and only while shown.
            LiveEvent::CommandPosted(_) | LiveEvent::HoldChanged(_) if cx.shown && !cx.fresh => {
                cx.refresh_me();
                false
            }
            _ => false,
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }
}

impl OverviewState {
    fn set_outbox(&mut self, stats: &ledgerdeck_client::OutboxSummary) -> bool {
        match self.overview.as_mut() {
            Some(o) if o.outbox != *stats => {
                o.outbox = *stats;
                true
            }
            _ => false,
        }
    }
}
