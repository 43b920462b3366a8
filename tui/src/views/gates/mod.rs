//! Gates: the reconciliation gates with status, last run and duration; the
//! findings of the selected gate down to expected and actual figures; `r`
//! runs them now.

mod render;

use super::{Cx, View, ViewId, step};
use crate::command::{Answer, Keys, Outgoing};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, Context, MOVE, entry, writes};
use crate::notice::{Level, problem_text};
use crate::theme::Theme;
use crossterm::event::KeyCode::{Char, Enter};
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{FindingView, GateView, Page};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::HashMap;

const RUN: crate::keys::KeyEntry = writes(entry(&[Char('r')], "r", "run gates now", Action::RunGates));

/// The gate list has the keyboard.
pub static GATE_LIST: Context = Context {
    name: "gates",
    title: "Gates",
    entries: &[MOVE, entry(&[Enter], "Enter", "findings", Action::Open), RUN],
    global: true,
    fixed: false,
};

/// The findings of a gate have the keyboard.
pub static GATE_FINDINGS: Context =
    Context { name: "findings", title: "Gate findings", entries: &[MOVE, BACK, RUN], global: true, fixed: false };

/// What the Gates view shows.
#[derive(Debug, Default)]
pub struct GatesState {
    /// The gates, in server order.
    pub gates: Vec<GateView>,
    /// The selected gate.
    pub selected: usize,
    /// Whether the findings table has the keyboard.
    pub findings_focused: bool,
    /// The gate whose findings were asked for.
    pub findings_gate: Option<String>,
    /// Its findings, once they arrived.
    pub findings: Option<Page<FindingView>>,
    /// The selected finding.
    pub finding: usize,
    /// The key of a run asked for (every gate: `None`), kept until a definite answer.
    run_keys: Keys<Option<String>>,
    /// Runs in flight: request id → the gate asked for.
    running: HashMap<u64, Option<String>>,
}

impl GatesState {
    /// The selected gate's name.
    pub fn selected_gate(&self) -> Option<&str> {
        self.gates.get(self.selected).map(|g| g.gate.as_str())
    }

    /// Takes a fresh gate list, keeping the selection on the same gate.
    pub fn set_gates(&mut self, gates: &[GateView]) -> bool {
        if gates == self.gates {
            return false;
        }
        let keep = self.selected_gate().map(str::to_owned);
        self.gates = gates.to_vec();
        self.selected = keep.and_then(|g| self.gates.iter().position(|v| v.gate == g)).unwrap_or(0);
        true
    }

    /// Takes a page of findings if it is for the gate asked for.
    pub fn set_findings(&mut self, gate: &str, page: &Page<FindingView>) -> bool {
        if self.findings_gate.as_deref() != Some(gate) || self.findings.as_ref() == Some(page) {
            return false;
        }
        self.finding = self.finding.min(page.items.len().saturating_sub(1));
        self.findings = Some(page.clone());
        true
    }

    /// The request that reloads the findings shown, if any.
    pub fn reload_findings(&self) -> Option<Request> {
        let gate = self.findings_gate.clone()?;
        Some(Request::LoadFindings { gate, status: Some("OPEN".into()) })
    }

    /// Runs every gate now, with the key kept for that run.
    fn run(&mut self, cx: &mut Cx) -> bool {
        let target = None;
        let key = self.run_keys.key(&target);
        let id = cx.send(Outgoing { command: "run_gates".into(), body: serde_json::json!({}), key });
        self.running.insert(id, target);
        cx.notify(Level::Info, "running the gates…".into());
        true
    }
}

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 2] = [&GATE_LIST, &GATE_FINDINGS];

impl View for GatesState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        if self.findings_focused { &GATE_FINDINGS } else { &GATE_LIST }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadGates);
        if let Some(r) = self.reload_findings() {
            cx.read(r);
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        match (action, self.findings_focused) {
            (Action::RunGates, _) => self.run(cx),
            (Action::Down | Action::Up, false) => {
                let n = self.gates.len();
                step(&mut self.selected, n, action)
            }
            (Action::Open, false) => {
                let Some(gate) = self.selected_gate().map(str::to_owned) else { return false };
                if self.findings_gate.as_deref() != Some(&gate) {
                    self.findings = None;
                    self.finding = 0;
                }
                self.findings_gate = Some(gate.clone());
                self.findings_focused = true;
                cx.read(Request::LoadFindings { gate, status: Some("OPEN".into()) });
                true
            }
            (Action::Down | Action::Up, true) => {
                let n = self.findings.as_ref().map_or(0, |p| p.items.len());
                step(&mut self.finding, n, action)
            }
            (Action::Back, true) => {
                self.findings_focused = false;
                true
            }
            _ => false,
        }
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> bool {
        match msg {
            DataMsg::Gates(gates) => self.set_gates(gates),
            DataMsg::Findings { gate, page } => self.set_findings(gate, page),
            _ => false,
        }
    }

    fn on_live(&mut self, event: &LiveEvent, cx: &mut Cx) -> bool {
        if let LiveEvent::GateRunFinished(_) = event {
            cx.refresh_me();
        }
        false
    }

    fn on_answer(&mut self, id: u64, answer: &Answer, cx: &mut Cx) -> bool {
        let Some(target) = self.running.remove(&id) else { return false };
        self.run_keys.answered(&target, answer);
        match answer {
            Answer::Done(result) => {
                let replayed = if result.replayed { " (replayed)" } else { "" };
                cx.notify(Level::Ok, format!("gates ran{replayed}"));
                cx.refresh_me();
                cx.refresh(ViewId::Overview);
            }
            Answer::NoAnswer { detail } => cx.notify(
                Level::Error,
                format!("run gates: no answer from the server ({})", crate::sanitize::cell(detail, 60)),
            ),
            Answer::Refused { code, detail, .. } => {
                cx.notify(Level::Error, problem_text("run gates", code.as_deref(), detail))
            }
        }
        true
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }
}
