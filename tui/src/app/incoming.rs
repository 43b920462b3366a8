//! What arrives from background tasks: data, command answers, connection
//! changes and live events, and the requests they lead to.

use super::{App, FRESH_ENOUGH, Level, Pending};
use crate::data::{ConnState, DataMsg, Request, ViewId};
use chrono::TimeDelta;
use ledgerdeck_client::{CommandResult, HealthReport, OutboxSummary, events};

impl App {
    /// Takes what a background task delivered; returns follow-up requests.
    pub fn on_data(&mut self, msg: DataMsg) -> Vec<Request> {
        let status_before = self.status_text();
        let (changed, requests) = self.apply(msg);
        self.dirty |= changed || self.status_text() != status_before;
        requests
    }

    fn apply(&mut self, msg: DataMsg) -> (bool, Vec<Request>) {
        let fresh = !matches!(msg, DataMsg::CommandFailed { .. } | DataMsg::ReadFailed { .. } | DataMsg::Connection(_));
        if fresh {
            self.last_update = Some(self.now);
        }
        let none = Vec::new;
        match msg {
            DataMsg::Overview(o) => (replace(&mut self.overview.overview, Some(o)), none()),
            DataMsg::Health(h) => (replace(&mut self.overview.health, Some(h)), none()),
            DataMsg::Gates(g) => (self.gates.set_gates(g), none()),
            DataMsg::Findings { gate, page } => (self.gates.set_findings(&gate, page), none()),
            DataMsg::OutboxStats(s) => (self.set_outbox_stats(s), none()),
            DataMsg::OutboxMessages(page) => (self.outbox.set_messages(page), none()),
            DataMsg::OutboxMessage(d) => (self.outbox.set_detail(d), none()),
            DataMsg::Commands(specs) => (self.set_commands(specs), none()),
            DataMsg::CommandDone { request_id, result } if self.palette.owns(request_id) => {
                self.palette.done(result);
                (true, self.refresh(self.view))
            }
            DataMsg::CommandFailed { request_id, code, detail, transport, fields } if self.palette.owns(request_id) => {
                self.palette.field_errors(request_id, &fields);
                self.palette.failed(code.as_deref(), &detail, transport);
                (true, none())
            }
            DataMsg::CommandDone { request_id, result } => self.command_done(request_id, &result),
            DataMsg::CommandFailed { request_id, code, detail, transport, fields } => {
                if matches!(self.pending.get(&request_id), Some(Pending::Hold { .. })) {
                    return self.hold_command_failed(request_id, code.as_deref(), &detail, transport, fields);
                }
                self.command_failed(request_id, code.as_deref(), &detail, transport)
            }
            DataMsg::Holds { query, page } => self.payouts.set_holds(query, page),
            DataMsg::Hold(detail) => self.payouts.set_detail(detail),
            DataMsg::Wallet(wallet) => (self.payouts.set_wallet(wallet), none()),
            DataMsg::ReadFailed { request, code, detail } => {
                if let Request::LoadHolds(query) = &request {
                    self.payouts.read_failed(query);
                }
                let what = match request {
                    Request::Refresh(v) => v.title().to_lowercase(),
                    Request::LoadFindings { .. } => "findings".into(),
                    Request::LoadOutboxMessages { .. } => "messages".into(),
                    Request::LoadOutboxMessage(_) => "the message".into(),
                    Request::LoadCommands => "the command registry".into(),
                    Request::LoadStatement(_) => "the statement".into(),
                    Request::LoadTransaction(_) => "the transaction".into(),
                    Request::LoadAudit(_) => "the audit log".into(),
                    Request::LoadMore { view, .. } => format!("more {}", view.title().to_lowercase()),
                    Request::LoadHolds(_) => "holds".into(),
                    Request::LoadHold(_) => "the hold".into(),
                    _ => "data".into(),
                };
                self.notify(Level::Warn, problem_text(&format!("could not load {what}"), code.as_deref(), &detail));
                (true, none())
            }
            DataMsg::Connection(state) => self.set_conn(state),
            msg @ (DataMsg::Wallets { .. }
            | DataMsg::Statement { .. }
            | DataMsg::Transactions { .. }
            | DataMsg::Transaction(_)
            | DataMsg::Flags(_)
            | DataMsg::ProviderEvents { .. }
            | DataMsg::Audit { .. }) => (self.apply_view_data(msg), none()),
            DataMsg::LiveEvent { kind, data } => self.live_event(&kind, data),
        }
    }

    fn set_commands(&mut self, specs: Vec<ledgerdeck_client::CommandSpec>) -> bool {
        let mut changed = self.palette.set_specs(specs);
        if let Some((command, prefill)) = self.palette.pending_form.take() {
            let prefill: Vec<(&str, &str)> = prefill.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (role, read_only) = (self.session.role, self.session.read_only);
            changed |= self.palette.open_form(&command, &prefill, role, read_only).changed;
        }
        changed
    }

    fn set_outbox_stats(&mut self, stats: OutboxSummary) -> bool {
        let mut changed = replace(&mut self.outbox.stats, Some(stats));
        if let Some(o) = self.overview.overview.as_mut() {
            changed |= o.outbox != stats;
            o.outbox = stats;
        }
        changed
    }

    fn set_conn(&mut self, state: ConnState) -> (bool, Vec<Request>) {
        let was_live = self.conn == ConnState::Live;
        self.retry_at = match state {
            ConnState::Reconnecting { retry_in_secs } => Some(self.now + TimeDelta::seconds(retry_in_secs as i64)),
            _ => None,
        };
        self.conn = state;
        // Back from an outage: what was missed is fetched again.
        let catch_up = !was_live && state == ConnState::Live && self.last_update.is_some();
        (true, if catch_up { self.refresh_all() } else { Vec::new() })
    }

    fn live_event(&mut self, kind: &str, data: serde_json::Value) -> (bool, Vec<Request>) {
        let (held, mut more) =
            if kind == events::HOLD_CHANGED { self.hold_changed(&data) } else { (false, Vec::new()) };
        let (changed, mut requests) = self.other_event(kind, data);
        requests.append(&mut more);
        (changed || held, requests)
    }

    fn other_event(&mut self, kind: &str, data: serde_json::Value) -> (bool, Vec<Request>) {
        match kind {
            events::OUTBOX_STATS => match serde_json::from_value::<OutboxSummary>(data) {
                Ok(stats) => {
                    let mut requests = Vec::new();
                    if self.view == ViewId::Outbox {
                        requests.push(self.outbox.list_request());
                    }
                    (self.set_outbox_stats(stats), requests)
                }
                Err(_) => (false, Vec::new()),
            },
            events::HEALTH_CHANGED => match serde_json::from_value::<HealthReport>(data) {
                Ok(h) => (replace(&mut self.overview.health, Some(h)), Vec::new()),
                Err(_) => (false, Vec::new()),
            },
            events::GATE_RUN_FINISHED => {
                let mut out = self.refresh(ViewId::Gates);
                out.push(Request::Refresh(ViewId::Overview));
                (false, out)
            }
            events::COMMAND_POSTED | events::HOLD_CHANGED if self.view == ViewId::Overview => {
                let due = self.last_refresh.get(&ViewId::Overview).is_none_or(|t| self.now - *t >= FRESH_ENOUGH);
                (false, if due { self.refresh(ViewId::Overview) } else { Vec::new() })
            }
            events::RESET => (false, self.refresh_all()),
            _ => (false, Vec::new()),
        }
    }

    fn command_done(&mut self, request_id: u64, result: &CommandResult) -> (bool, Vec<Request>) {
        let replayed = if result.replayed { " (replayed)" } else { "" };
        match self.pending.remove(&request_id) {
            Some(Pending::RunGates) => {
                self.notify(Level::Ok, format!("gates ran{replayed}"));
                let mut out = self.refresh(ViewId::Gates);
                out.push(Request::Refresh(ViewId::Overview));
                (true, out)
            }
            Some(Pending::Retry { message_id }) => {
                // A definite answer: the next retry is a new request with a new key.
                self.retry_keys.remove(&message_id);
                self.notify(
                    Level::Ok,
                    format!("retry queued for {}{replayed}", crate::sanitize::cell(&message_id, 40)),
                );
                (true, self.refresh(ViewId::Outbox))
            }
            Some(Pending::Hold { hold_id }) => self.hold_command_done(&hold_id, result),
            None => (false, Vec::new()),
        }
    }

    fn command_failed(
        &mut self,
        request_id: u64,
        code: Option<&str>,
        detail: &str,
        transport: bool,
    ) -> (bool, Vec<Request>) {
        let Some(pending) = self.pending.remove(&request_id) else { return (false, Vec::new()) };
        let what = match &pending {
            Pending::RunGates => "run gates",
            Pending::Retry { .. } => "retry",
            Pending::Hold { .. } => "hold command",
        };
        if transport {
            // Outcome unknown: keep the key so that confirming again replays, not repeats.
            let again =
                if matches!(pending, Pending::Retry { .. }) { "; R again resends with the same key" } else { "" };
            self.notify(
                Level::Error,
                format!("{what}: no answer from the server ({}){again}", crate::sanitize::cell(detail, 60)),
            );
        } else {
            if let Pending::Retry { message_id } = &pending {
                self.retry_keys.remove(message_id);
            }
            self.notify(Level::Error, problem_text(what, code, detail));
        }
        (true, Vec::new())
    }
}

pub(super) fn replace<T: PartialEq>(slot: &mut Option<T>, value: Option<T>) -> bool {
    if *slot == value {
        return false;
    }
    *slot = value;
    true
}

pub(super) fn problem_text(what: &str, code: Option<&str>, detail: &str) -> String {
    let detail = crate::sanitize::cell(detail, 120);
    match code {
        Some(code) => format!("{what}: {} {detail}", crate::sanitize::cell(code, 40)),
        None => format!("{what}: {detail}"),
    }
}

impl App {
    fn apply_view_data(&mut self, msg: DataMsg) -> bool {
        match msg {
            DataMsg::Wallets { page, append } => self.wallets.set_page(page, append),
            DataMsg::Statement { wallet_id, page } => self.wallets.set_statement(&wallet_id, page),
            DataMsg::Transactions { page, append } => self.ledger.set_page(page, append),
            DataMsg::Transaction(t) => self.ledger.set_detail(t),
            DataMsg::Flags(flags) => self.controls.set_flags(flags),
            DataMsg::ProviderEvents { page, append } => self.controls.set_events(page, append),
            DataMsg::Audit { page, append } => self.audit.set_page(page, append),
            _ => false,
        }
    }
}
