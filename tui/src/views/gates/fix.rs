//! Fixing a drifted statement where its finding stands: after a
//! confirmation that says what happens, `rebuild_statements` for the
//! finding's wallet, then the gate run again in full (only a full run may
//! resolve a finding), each with its own idempotency key.

use super::{GatesState, RunTarget};
use crate::command::{Answer, Outgoing};
use crate::keys::Action;
use crate::notice::{Level, problem_text};
use crate::views::{Cx, Target, ViewId};
use ledgerdeck_client::{FindingView, Role};

/// Where a fix stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// The confirmation is open.
    Asking,
    /// The rebuild was sent (this request).
    Rebuilding(u64),
    /// The gate was sent to run again (this request).
    Rerunning(u64),
}

/// A fix asked for or under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The wallet whose statements are rebuilt.
    pub wallet_id: String,
    /// The gate run again afterwards.
    pub gate: String,
    stage: Stage,
}

impl Fix {
    /// Whether the confirmation is open.
    pub fn asking(&self) -> bool {
        self.stage == Stage::Asking
    }

    /// Whether `id` is this fix's request in flight.
    pub fn waits_for(&self, id: u64) -> bool {
        matches!(self.stage, Stage::Rebuilding(r) | Stage::Rerunning(r) if r == id)
    }

    /// What happens, as the confirmation says it.
    pub fn statement(&self) -> [String; 2] {
        [
            format!("Rebuild the statement lines of wallet {} from its postings,", self.wallet_id),
            format!("then run {} again in full. The ledger itself is not changed.", self.gate),
        ]
    }
}

/// Whether the cockpit can fix `finding` where it stands.
pub fn fixable(finding: &FindingView) -> bool {
    finding.gate == "wallet_drift" && finding.status == "OPEN" && Target::wallet_of_account(&finding.subject).is_some()
}

impl GatesState {
    /// `f` on a drifted statement: the confirmation opens (admins only).
    /// While a fix is under way, `f` only says so: one fix at a time, so
    /// that its answer is never dropped and nothing is sent twice.
    pub(super) fn ask_fix(&mut self, cx: &mut Cx) -> bool {
        if let Some(fix) = &self.fix {
            cx.notify(Level::Info, format!("the fix of {} is under way", fix.wallet_id));
            return true;
        }
        let Some(finding) = self.selected_finding().filter(|f| fixable(f)) else { return false };
        if !cx.role.allows(Role::Admin) {
            cx.notify(Level::Warn, "rebuilding statements needs the admin role".into());
            return true;
        }
        let wallet_id = Target::wallet_of_account(&finding.subject).unwrap_or_default().to_string();
        let gate = finding.gate.clone();
        self.rebuild_keys.key(&wallet_id);
        self.fix = Some(Fix { wallet_id, gate, stage: Stage::Asking });
        true
    }

    /// `y` or `n` at the confirmation.
    pub(super) fn fix_answer(&mut self, action: Action, cx: &mut Cx) -> bool {
        let Some(fix) = self.fix.as_mut() else { return false };
        match action {
            Action::Confirm => {
                let key = self.rebuild_keys.key(&fix.wallet_id);
                let body = serde_json::json!({ "wallet_id": fix.wallet_id });
                fix.stage = Stage::Rebuilding(cx.send(Outgoing { command: "rebuild_statements".into(), body, key }));
                cx.notify(Level::Info, format!("rebuilding the statements of {}…", fix.wallet_id));
                true
            }
            Action::Back => {
                self.fix = None;
                true
            }
            _ => false,
        }
    }

    /// The answer to the rebuild, then to the re-run.
    pub(super) fn fix_answered(&mut self, id: u64, answer: &Answer, cx: &mut Cx) -> bool {
        let Some(fix) = self.fix.clone() else { return false };
        match (&fix.stage, answer) {
            (Stage::Rebuilding(_), Answer::Done(_)) => {
                self.rebuild_keys.answered(&fix.wallet_id, answer);
                let target: RunTarget = (Some(fix.gate.clone()), Some("full"));
                let key = self.run_keys.key(&target);
                let body = serde_json::json!({ "gate": fix.gate, "mode": "full" });
                let rerun = cx.send(Outgoing { command: "run_gates".into(), body, key });
                self.running.insert(rerun, target);
                self.fix = Some(Fix { stage: Stage::Rerunning(rerun), ..fix.clone() });
                cx.notify(Level::Info, format!("statements rebuilt; running {}…", fix.gate));
            }
            (Stage::Rerunning(_), _) => {
                self.fix = None;
                // The run's own answer is a gate run's: notices and refreshes as any.
                return self.run_answered(id, answer, cx);
            }
            (_, Answer::NoAnswer { detail }) => {
                self.fix = None;
                cx.notify(
                    Level::Error,
                    format!(
                        "rebuild: no answer from the server ({}); f again resends with the same key",
                        crate::sanitize::cell(detail, 60)
                    ),
                );
            }
            (_, Answer::Refused { code, detail, .. }) => {
                self.rebuild_keys.answered(&fix.wallet_id, answer);
                self.fix = None;
                cx.notify(Level::Error, problem_text("rebuild statements", code.as_deref(), detail));
            }
            _ => self.fix = None,
        }
        cx.refresh(ViewId::Gates);
        true
    }
}
