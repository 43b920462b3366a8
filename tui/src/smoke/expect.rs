//! What a deploy expects of the server (`--expect-provider NAME`,
//! `--expect-gates-green`, `--expect-worker`): each expectation is one more
//! required check, failing with one line in plain words.

use super::{Outcome, Report};
use ledgerdeck_client::{ApiClient, ComponentState, GateStatus, HealthReport};

/// The expectations smoke was given; none by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// Payout providers that must be configured and reachable.
    pub providers: Vec<String>,
    /// Every reconciliation gate must be green, and the scheduler current.
    pub gates_green: bool,
    /// At least one payout saga worker must be live.
    pub worker: bool,
}

impl Expectations {
    /// Whether any expectation was given.
    pub fn any(&self) -> bool {
        !self.providers.is_empty() || self.gates_green || self.worker
    }
}

/// Adds one check per expectation to `report`; `authed` is the accepted
/// token's client (the gates need one).
pub(super) async fn check(
    expect: &Expectations,
    anonymous: &ApiClient,
    authed: Option<&ApiClient>,
    report: &mut Report,
) {
    if !expect.any() {
        return;
    }
    let health = anonymous.healthz().await.map_err(|e| format!("cannot read /healthz: {e}"));
    if expect.worker {
        let (outcome, detail) = match &health {
            Ok(h) => worker(h),
            Err(e) => (Outcome::Fail, format!("expected a live saga worker: {e}")),
        };
        report.push("worker", outcome, detail);
    }
    for name in &expect.providers {
        let (outcome, detail) = match &health {
            Ok(h) => provider(h, name),
            Err(e) => (Outcome::Fail, format!("expected provider `{name}` to be reachable: {e}")),
        };
        report.push("provider", outcome, detail);
    }
    if expect.gates_green {
        let (outcome, detail) = match (&health, authed) {
            (Err(e), _) => (Outcome::Fail, format!("expected every gate to be green: {e}")),
            (Ok(_), None) => (Outcome::Skip, "skipped: the gates need an accepted token".to_string()),
            (Ok(h), Some(client)) => gates(h, client).await,
        };
        report.push("gates", outcome, detail);
    }
}

fn worker(health: &HealthReport) -> (Outcome, String) {
    let live: Vec<String> =
        health.workers.iter().filter(|w| w.live).map(|w| format!("{} on {}", w.worker_id, w.instance)).collect();
    if !live.is_empty() {
        return (Outcome::Pass, format!("{} live saga worker(s): {}", live.len(), live.join(", ")));
    }
    let why = if !health.components.iter().any(|c| c.name == "saga") {
        "this server does not report saga workers (it predates worker heartbeats)".to_string()
    } else if health.workers.is_empty() {
        "no saga worker has run against this server's database: start `ledgerdeck-server worker` \
         or serve with `--sandbox-provider`"
            .to_string()
    } else {
        let gone: Vec<String> = health
            .workers
            .iter()
            .map(|w| format!("{} on {} last beat {} s ago", w.worker_id, w.instance, w.last_round_age_ms / 1000))
            .collect();
        format!("none has beaten recently ({})", gone.join(", "))
    };
    (Outcome::Fail, format!("expected a live saga worker: {why}"))
}

fn provider(health: &HealthReport, name: &str) -> (Outcome, String) {
    let fail = |why: String| (Outcome::Fail, format!("expected provider `{name}` to be reachable: {why}"));
    if !health.components.iter().any(|c| c.name == "provider") {
        return fail("this server does not report providers (it predates provider probes)".into());
    }
    match health.providers.iter().find(|p| p.name == name) {
        Some(p) if p.reachable => {
            let took = p.latency_ms.map(|ms| format!(" (answered in {ms} ms)")).unwrap_or_default();
            (Outcome::Pass, format!("provider `{name}` is reachable{took}"))
        }
        Some(p) => fail(format!("it is not ({})", p.error.as_deref().unwrap_or("no answer"))),
        None if health.providers.is_empty() => fail("it is not configured on this server (no provider is)".into()),
        None => {
            let names: Vec<&str> = health.providers.iter().map(|p| p.name.as_str()).collect();
            fail(format!("it is not configured on this server (configured: {})", names.join(", ")))
        }
    }
}

async fn gates(health: &HealthReport, client: &ApiClient) -> (Outcome, String) {
    let fail = |why: String| (Outcome::Fail, format!("expected every gate to be green: {why}"));
    if let Some(c) = health.components.iter().find(|c| c.name == "gates")
        && c.state != ComponentState::Ok
    {
        return fail(format!("the gate scheduler is not ok ({})", c.detail));
    }
    let gates = match client.gates().await {
        Ok(gates) => gates,
        Err(e) => return fail(format!("cannot read GET /v1/gates: {e}")),
    };
    let off: Vec<String> = gates
        .iter()
        .filter(|g| g.status != GateStatus::Green)
        .map(|g| match g.status {
            GateStatus::Unknown => format!("{} has never run", g.gate),
            status => format!("{} is {} ({} open findings)", g.gate, status.as_str(), g.open_findings),
        })
        .collect();
    if gates.is_empty() {
        fail("the server lists no gates".into())
    } else if off.is_empty() {
        (Outcome::Pass, format!("all {} gates are green", gates.len()))
    } else {
        fail(off.join(", "))
    }
}
