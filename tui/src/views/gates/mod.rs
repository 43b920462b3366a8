//! Gates: the reconciliation gates with status, last run and duration; the
//! findings of the selected gate down to expected and actual figures, with
//! a runbook hint each; Enter opens what a finding is about; `f` fixes a
//! drifted statement where it stands; runs of all, one, or routine; the run
//! history.

mod fix;
mod hints;
mod render;

pub use hints::hint;

use super::{Cx, Link, Nav, Target, Value, View, ViewId, nav, step};
use crate::command::{Answer, Keys, Outgoing};
use crate::data::{DataMsg, Request};
use crate::keys::{Action, BACK, CONFIRM, Context, KeyEntry, MOVE, entry, quiet, writes};
use crate::notice::{Level, problem_text};
use crate::theme::Theme;
use crossterm::event::KeyCode::{Char, Enter};
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::{FindingView, GateRunQuery, GateRunView, GateView, Page};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::HashMap;

const RUN: KeyEntry = writes(entry(&[Char('r')], "r", "run gates now", Action::RunGates));
const RUN_ONE: KeyEntry = quiet(writes(entry(&[Char('R')], "R", "run this gate", Action::RunOne)));
const ROUTINE: KeyEntry = quiet(writes(entry(&[Char('u')], "u", "routine run", Action::RunRoutine)));
const RESOLVED: KeyEntry = quiet(entry(&[Char('v')], "v", "resolved too", Action::ToggleResolved));
const HISTORY: KeyEntry = quiet(entry(&[Char('h')], "h", "run history", Action::History));

/// The gate list has the keyboard.
pub static GATE_LIST: Context = Context {
    name: "gates",
    title: "Gates",
    entries: &[MOVE, entry(&[Enter], "Enter", "findings", Action::Open), RUN, RUN_ONE, ROUTINE, RESOLVED, HISTORY],
    global: true,
    fixed: false,
};

/// The findings of a gate have the keyboard.
pub static GATE_FINDINGS: Context = Context {
    name: "findings",
    title: "Gate findings",
    entries: &[MOVE, entry(&[Enter], "Enter", "open subject", Action::Open), BACK, RUN, RUN_ONE, RESOLVED],
    global: true,
    fixed: false,
};

/// A finding the cockpit can fix has the keyboard (a drifted statement).
pub static FIXABLE_FINDING: Context = Context {
    name: "fixable_finding",
    title: "Gate findings",
    entries: &[
        MOVE,
        entry(&[Enter], "Enter", "open subject", Action::Open),
        BACK,
        writes(entry(&[Char('f')], "f", "fix: rebuild statements, re-run", Action::Fix)),
        RUN,
        RUN_ONE,
        RESOLVED,
    ],
    global: true,
    fixed: false,
};

/// Every context the view reads keys in.
static CONTEXTS: [&Context; 4] = [&GATE_LIST, &GATE_FINDINGS, &FIXABLE_FINDING, &CONFIRM];

/// A gate run asked for: which gate (`None`: every one) and mode (`None`: the server's default, full).
type RunTarget = (Option<String>, Option<&'static str>);

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
    /// Whether resolved findings are listed too.
    pub resolved: bool,
    /// The run history, while shown.
    pub history: Option<Page<GateRunView>>,
    /// Whether the run history is shown instead of the findings.
    pub show_history: bool,
    /// The finding to select when its page arrives (opened by a link).
    focus: Option<String>,
    /// The fix asked for, waiting for the operator's yes, or under way.
    pub fix: Option<fix::Fix>,
    run_keys: Keys<RunTarget>,
    rebuild_keys: Keys<String>,
    /// Runs in flight: request id → what was asked.
    running: HashMap<u64, RunTarget>,
}

impl GatesState {
    /// The selected gate's name.
    pub fn selected_gate(&self) -> Option<&str> {
        self.gates.get(self.selected).map(|g| g.gate.as_str())
    }

    /// The selected finding, while findings are shown.
    pub fn selected_finding(&self) -> Option<&FindingView> {
        self.findings.as_ref()?.items.get(self.finding)
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
        if let Some(at) = self.focus.take().and_then(|id| page.items.iter().position(|f| f.id == id)) {
            self.finding = at;
        }
        self.finding = self.finding.min(page.items.len().saturating_sub(1));
        self.findings = Some(page.clone());
        true
    }

    /// The findings asked for: open ones, or every one with the resolved toggle.
    fn findings_request(&self, gate: String) -> Request {
        let status = (!self.resolved).then(|| "OPEN".to_string());
        Request::LoadFindings { gate, status }
    }

    /// The request that reloads the findings shown, if any.
    pub fn reload_findings(&self) -> Option<Request> {
        Some(self.findings_request(self.findings_gate.clone()?))
    }

    fn open_findings(&mut self, gate: String, cx: &mut Cx) {
        if self.findings_gate.as_deref() != Some(&gate) {
            self.findings = None;
            self.finding = 0;
        }
        self.findings_gate = Some(gate.clone());
        self.findings_focused = true;
        self.show_history = false;
        cx.read(self.findings_request(gate));
    }

    /// Runs `target` now, with the key kept for that run.
    fn run(&mut self, target: RunTarget, cx: &mut Cx) -> bool {
        let key = self.run_keys.key(&target);
        let mut body = serde_json::Map::new();
        if let Some(gate) = &target.0 {
            body.insert("gate".into(), gate.clone().into());
        }
        if let Some(mode) = target.1 {
            body.insert("mode".into(), mode.into());
        }
        let id = cx.send(Outgoing { command: "run_gates".into(), body: body.into(), key });
        let what = match (&target.0, target.1) {
            (Some(gate), _) => format!("running {gate}…"),
            (None, Some(mode)) => format!("running the gates ({mode})…"),
            (None, None) => "running the gates…".to_string(),
        };
        self.running.insert(id, target);
        cx.notify(Level::Info, what);
        true
    }
}

impl GatesState {
    /// The answer to a gate run this view sent.
    fn run_answered(&mut self, id: u64, answer: &Answer, cx: &mut Cx) -> bool {
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
}

/// Where the Gates view stands, to come back to.
#[derive(Debug, Default)]
struct Place {
    selected: usize,
    findings_focused: bool,
    finding: usize,
    findings_gate: Option<String>,
    resolved: bool,
    show_history: bool,
}

impl View for GatesState {
    fn contexts(&self) -> &'static [&'static Context] {
        &CONTEXTS
    }

    fn context(&self) -> &'static Context {
        match (&self.fix, self.findings_focused) {
            (Some(fix), _) if fix.asking() => &CONFIRM,
            (_, false) => &GATE_LIST,
            (_, true) if self.selected_finding().is_some_and(fix::fixable) => &FIXABLE_FINDING,
            (_, true) => &GATE_FINDINGS,
        }
    }

    fn refresh(&mut self, cx: &mut Cx) {
        cx.read(Request::LoadGates);
        if let Some(r) = self.reload_findings() {
            cx.read(r);
        }
        if self.show_history {
            cx.read(Request::LoadGateRuns(GateRunQuery::default()));
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> bool {
        if self.context() == &CONFIRM {
            return self.fix_answer(action, cx);
        }
        match (action, self.findings_focused) {
            (Action::RunGates, _) => self.run((None, None), cx),
            (Action::RunRoutine, _) => self.run((None, Some("routine")), cx),
            (Action::RunOne, _) => match self.selected_gate().map(str::to_owned) {
                Some(gate) => self.run((Some(gate), None), cx),
                None => false,
            },
            (Action::ToggleResolved, _) => {
                self.resolved = !self.resolved;
                if let Some(r) = self.reload_findings() {
                    cx.read(r);
                }
                true
            }
            (Action::History, _) => {
                self.show_history = !self.show_history;
                if self.show_history {
                    cx.read(Request::LoadGateRuns(GateRunQuery::default()));
                }
                true
            }
            (Action::Fix, true) => self.ask_fix(cx),
            (Action::Down | Action::Up, false) => {
                let n = self.gates.len();
                step(&mut self.selected, n, action)
            }
            (Action::Open, false) => {
                let Some(gate) = self.selected_gate().map(str::to_owned) else { return false };
                self.open_findings(gate, cx);
                true
            }
            (Action::Down | Action::Up, true) => {
                let n = self.findings.as_ref().map_or(0, |p| p.items.len());
                step(&mut self.finding, n, action)
            }
            (Action::Open, true) => match self.selected_finding().and_then(Target::of_finding) {
                Some(target) => {
                    cx.open(target);
                    false
                }
                None => {
                    cx.notify(Level::Info, "this finding names no single thing to open".into());
                    true
                }
            },
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
            DataMsg::GateRuns(page) if self.history.as_ref() != Some(page) => {
                self.history = Some(page.clone());
                true
            }
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
        if self.fix.as_ref().is_some_and(|f| f.waits_for(id)) {
            return self.fix_answered(id, answer, cx);
        }
        self.run_answered(id, answer, cx)
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render::render(frame, area, self, theme);
    }

    fn open(&mut self, target: &Target, cx: &mut Cx) -> bool {
        let Target::Finding { gate, id } = target else { return false };
        if let Some(at) = self.gates.iter().position(|g| &g.gate == gate) {
            self.selected = at;
        }
        self.focus = Some(id.clone());
        if let Some(at) = self
            .findings
            .as_ref()
            .filter(|_| self.findings_gate.as_ref() == Some(gate))
            .and_then(|p| p.items.iter().position(|f| &f.id == id))
        {
            self.finding = at;
        }
        // A finding found by id may be resolved already: list every one.
        self.resolved = true;
        self.open_findings(gate.clone(), cx);
        true
    }

    fn crumbs(&self) -> Vec<String> {
        match (&self.findings_gate, self.findings_focused) {
            (Some(gate), true) => vec![gate.clone()],
            _ => Vec::new(),
        }
    }

    fn save(&self) -> Nav {
        Box::new(Place {
            selected: self.selected,
            findings_focused: self.findings_focused,
            finding: self.finding,
            findings_gate: self.findings_gate.clone(),
            resolved: self.resolved,
            show_history: self.show_history,
        })
    }

    fn restore(&mut self, saved: Nav, cx: &mut Cx) {
        let place: Place = nav(saved);
        let reload = place.findings_gate != self.findings_gate || place.resolved != self.resolved;
        if reload {
            // Other findings than those loaded.
            self.findings = None;
        }
        self.selected = place.selected.min(self.gates.len().saturating_sub(1));
        self.findings_gate = place.findings_gate;
        self.resolved = place.resolved;
        self.show_history = place.show_history;
        self.findings_focused = place.findings_focused && self.findings_gate.is_some();
        let shown = self.findings.as_ref().map_or(usize::MAX, |p| p.items.len().saturating_sub(1));
        self.finding = place.finding.min(shown);
        if let Some(r) = self.reload_findings().filter(|_| reload) {
            cx.read(r);
        }
        if self.show_history && self.history.is_none() {
            cx.read(Request::LoadGateRuns(GateRunQuery::default()));
        }
    }

    fn links(&self) -> Vec<Link> {
        if !self.findings_focused {
            return Vec::new();
        }
        let Some(f) = self.selected_finding() else { return Vec::new() };
        Target::of_finding(f).map(|t| vec![Link::new(format!("{} {}", f.code, f.subject), t)]).unwrap_or_default()
    }

    /// The findings of the gate shown (the selected one), open ones
    /// unless resolved ones are shown too.
    fn export(&self) -> Result<crate::export::Exportable, &'static str> {
        let gate = self.findings_gate.clone().or_else(|| self.selected_gate().map(str::to_owned));
        let status = (!self.resolved).then(|| "OPEN".to_string());
        let query = crate::data::ExportQuery { gate, status, ..Default::default() };
        Ok(crate::export::Exportable::new(crate::data::ExportKind::Findings, query))
    }

    fn values(&self) -> Vec<Value> {
        let Some(f) = self.selected_finding().filter(|_| self.findings_focused) else { return Vec::new() };
        let mut values = vec![Value::copy("finding id", f.id.clone()), Value::copy("subject", f.subject.clone())];
        match Target::of_finding(f) {
            Some(Target::Wallet { id, .. }) => values.push(Value::field("wallet id", "wallet_id", id)),
            Some(Target::Hold(id)) => values.push(Value::field("hold id", "hold_id", id)),
            Some(Target::Transaction(id)) => values.push(Value::field("transaction id", "transaction_id", id)),
            _ => {}
        }
        values
    }
}
