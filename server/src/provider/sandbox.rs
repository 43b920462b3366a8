//! The sandbox provider: every payout's fate is fixed by a seed and the hold
//! id (or forced by the payout reference), so tests, the demo and a restarted
//! process all see the same outcome for the same payout.
//!
//! A reference containing `sandbox:paid`, `sandbox:failed`,
//! `sandbox:pending<N>` (pending for N queries, then paid),
//! `sandbox:unknown` (never knows) or `sandbox:error<N>` (N failed calls,
//! then paid) forces that path; other payouts draw from the configured mix.
//!
//! Like a remote provider it can be out of reach ([`SandboxProvider::set_reachable`]):
//! then its probe and every call fail as a refused connection would.

use super::{PayoutProvider, PayoutRequest, PayoutState, ProviderAnswer, ProviderError, ProviderFuture, ReachFuture};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// One path a sandbox payout can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Paid at once.
    Paid,
    /// Failed at once.
    Failed,
    /// Pending for this many queries, then paid.
    PendingThenPaid(u32),
    /// Never known: ends in manual review.
    Unknown,
    /// This many calls time out, then paid.
    ErrorsThenPaid(u32),
}

/// Weights of each fate for payouts whose reference forces none.
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    /// Weight of `Paid`.
    pub paid: u32,
    /// Weight of `Failed`.
    pub failed: u32,
    /// Weight of `PendingThenPaid`.
    pub pending: u32,
    /// Weight of `Unknown`.
    pub unknown: u32,
    /// Weight of `ErrorsThenPaid`.
    pub errors: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix { paid: 60, failed: 15, pending: 15, unknown: 5, errors: 5 }
    }
}

impl Mix {
    /// Parses `paid=60,failed=15,pending=15,unknown=5,errors=5` (missing keys are 0).
    pub fn parse(text: &str) -> Result<Mix, String> {
        let mut mix = Mix { paid: 0, failed: 0, pending: 0, unknown: 0, errors: 0 };
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("{part:?} is not key=weight"))?;
            let weight: u32 = value.trim().parse().map_err(|_| format!("{value:?} is not a whole number"))?;
            match key.trim() {
                "paid" => mix.paid = weight,
                "failed" => mix.failed = weight,
                "pending" => mix.pending = weight,
                "unknown" => mix.unknown = weight,
                "errors" => mix.errors = weight,
                other => return Err(format!("unknown fate {other:?}")),
            }
        }
        if mix.paid + mix.failed + mix.pending + mix.unknown + mix.errors == 0 {
            return Err("the mix needs at least one positive weight".into());
        }
        Ok(mix)
    }
}

/// The sandbox provider.
#[derive(Debug)]
pub struct SandboxProvider {
    name: String,
    seed: u64,
    mix: Mix,
    latency: std::time::Duration,
    calls: Mutex<HashMap<String, u32>>,
    reachable: AtomicBool,
}

impl SandboxProvider {
    /// A sandbox called `name` drawing fates from `mix` with `seed`.
    pub fn new(name: &str, seed: u64, mix: Mix) -> Self {
        SandboxProvider {
            name: name.to_string(),
            seed,
            mix,
            latency: std::time::Duration::ZERO,
            calls: Mutex::new(HashMap::new()),
            reachable: AtomicBool::new(true),
        }
    }

    /// Puts the sandbox out of reach (`false`) or back (`true`).
    pub fn set_reachable(&self, reachable: bool) {
        self.reachable.store(reachable, Ordering::Relaxed);
    }

    /// Fails as a refused connection would while out of reach.
    fn refuse_if_unreachable(&self) -> Result<(), ProviderError> {
        if self.reachable.load(Ordering::Relaxed) {
            Ok(())
        } else {
            Err(ProviderError::Unavailable(format!("connection to {} refused", self.name)))
        }
    }

    /// The same sandbox answering each call after `latency`, like a remote
    /// provider would.
    pub fn with_latency(mut self, latency: std::time::Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The fate of a payout.
    pub fn fate(&self, request: &PayoutRequest) -> Fate {
        if let Some(forced) = forced_fate(&request.reference) {
            return forced;
        }
        let digest =
            Sha256::new().chain_update(self.seed.to_le_bytes()).chain_update(request.hold_id.as_bytes()).finalize();
        let draw = u64::from_le_bytes(digest[..8].try_into().unwrap_or_default());
        let m = self.mix;
        let total = u64::from(m.paid + m.failed + m.pending + m.unknown + m.errors);
        let mut pick = draw % total;
        let small = (draw >> 32) as u32 % 3 + 1;
        for (weight, fate) in [
            (m.paid, Fate::Paid),
            (m.failed, Fate::Failed),
            (m.pending, Fate::PendingThenPaid(small)),
            (m.unknown, Fate::Unknown),
            (m.errors, Fate::ErrorsThenPaid(small)),
        ] {
            if pick < u64::from(weight) {
                return fate;
            }
            pick -= u64::from(weight);
        }
        Fate::Paid
    }

    /// Counts a call for this payout and returns how many came before it.
    fn count_call(&self, hold_id: &str) -> u32 {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        let n = calls.entry(hold_id.to_string()).or_default();
        *n += 1;
        *n - 1
    }

    fn answer(&self, request: &PayoutRequest, is_query: bool) -> Result<ProviderAnswer, ProviderError> {
        let earlier = self.count_call(&request.hold_id);
        let paid = || ProviderAnswer {
            state: PayoutState::Paid,
            raw_status: "PAID".into(),
            provider_reference: Some(format!("sbx-{}", request.hold_id)),
        };
        let plain = |state: PayoutState, raw: &str| ProviderAnswer {
            state,
            raw_status: raw.into(),
            provider_reference: Some(format!("sbx-{}", request.hold_id)),
        };
        match self.fate(request) {
            Fate::Paid => Ok(paid()),
            Fate::Failed => Ok(plain(PayoutState::Failed, "REJECTED_BY_BANK")),
            Fate::PendingThenPaid(n) if !is_query || earlier <= n => Ok(plain(PayoutState::Pending, "PROCESSING")),
            Fate::PendingThenPaid(_) => Ok(paid()),
            Fate::Unknown => Ok(plain(PayoutState::Unknown, "STATUS_UNAVAILABLE")),
            Fate::ErrorsThenPaid(n) if earlier < n => Err(ProviderError::Timeout),
            Fate::ErrorsThenPaid(_) => Ok(paid()),
        }
    }
}

fn forced_fate(reference: &str) -> Option<Fate> {
    let rest = &reference[reference.find("sandbox:")? + "sandbox:".len()..];
    let number = |prefix: &str| {
        rest.strip_prefix(prefix).map(|n| n.chars().take_while(char::is_ascii_digit).collect::<String>())
    };
    if rest.starts_with("paid") {
        Some(Fate::Paid)
    } else if rest.starts_with("failed") {
        Some(Fate::Failed)
    } else if rest.starts_with("unknown") {
        Some(Fate::Unknown)
    } else if let Some(n) = number("pending") {
        Some(Fate::PendingThenPaid(n.parse().unwrap_or(1)))
    } else {
        number("error").map(|n| Fate::ErrorsThenPaid(n.parse().unwrap_or(1)))
    }
}

impl PayoutProvider for SandboxProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn submit<'a>(&'a self, request: &'a PayoutRequest) -> ProviderFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(self.latency).await;
            self.refuse_if_unreachable()?;
            self.answer(request, false)
        })
    }

    fn query<'a>(&'a self, request: &'a PayoutRequest) -> ProviderFuture<'a> {
        Box::pin(async move {
            tokio::time::sleep(self.latency).await;
            self.refuse_if_unreachable()?;
            self.answer(request, true)
        })
    }

    fn reachable(&self) -> ReachFuture<'_> {
        Box::pin(async move {
            let started = std::time::Instant::now();
            tokio::time::sleep(self.latency).await;
            self.refuse_if_unreachable()?;
            Ok(started.elapsed())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(hold: &str, reference: &str) -> PayoutRequest {
        PayoutRequest { hold_id: hold.into(), reference: reference.into(), amount: 100, currency: "USD".into() }
    }

    #[test]
    fn forced_fates_follow_the_reference() {
        let sandbox = SandboxProvider::new("sandbox", 1, Mix::default());
        assert_eq!(sandbox.fate(&request("h", "x-sandbox:paid")), Fate::Paid);
        assert_eq!(sandbox.fate(&request("h", "sandbox:failed")), Fate::Failed);
        assert_eq!(sandbox.fate(&request("h", "sandbox:pending3")), Fate::PendingThenPaid(3));
        assert_eq!(sandbox.fate(&request("h", "sandbox:unknown")), Fate::Unknown);
        assert_eq!(sandbox.fate(&request("h", "sandbox:error2")), Fate::ErrorsThenPaid(2));
    }

    #[test]
    fn drawn_fates_are_reproducible_and_follow_the_mix() {
        let a = SandboxProvider::new("sandbox", 7, Mix::default());
        let b = SandboxProvider::new("sandbox", 7, Mix::default());
        let only_failed = SandboxProvider::new("sandbox", 7, Mix::parse("failed=1").unwrap());
        for i in 0..200 {
            let r = request(&format!("hold-{i}"), "plain");
            assert_eq!(a.fate(&r), b.fate(&r));
            assert_eq!(only_failed.fate(&r), Fate::Failed);
        }
        assert!(Mix::parse("paid=x").is_err());
        assert!(Mix::parse("").is_err());
    }

    #[tokio::test]
    async fn pending_then_paid_and_errors_then_paid() {
        let sandbox = SandboxProvider::new("sandbox", 1, Mix::default());
        let pending = request("h1", "sandbox:pending2");
        assert_eq!(sandbox.submit(&pending).await.unwrap().state, PayoutState::Pending);
        assert_eq!(sandbox.query(&pending).await.unwrap().state, PayoutState::Pending);
        assert_eq!(sandbox.query(&pending).await.unwrap().state, PayoutState::Pending);
        assert_eq!(sandbox.query(&pending).await.unwrap().state, PayoutState::Paid);
        let flaky = request("h2", "sandbox:error1");
        assert_eq!(sandbox.submit(&flaky).await, Err(ProviderError::Timeout));
        assert_eq!(sandbox.query(&flaky).await.unwrap().state, PayoutState::Paid);
    }

    /// An unreachable sandbox fails its probe and every call, as a remote
    /// provider behind a refused connection would, and answers again once
    /// back in reach; its probe takes its latency.
    #[tokio::test]
    async fn an_unreachable_sandbox_refuses_probes_and_calls() {
        let sandbox =
            SandboxProvider::new("acme", 1, Mix::default()).with_latency(std::time::Duration::from_millis(20));
        assert!(sandbox.reachable().await.unwrap() >= std::time::Duration::from_millis(20));
        sandbox.set_reachable(false);
        let refused = ProviderError::Unavailable("connection to acme refused".into());
        assert_eq!(sandbox.reachable().await, Err(refused.clone()));
        assert_eq!(sandbox.submit(&request("h", "sandbox:paid")).await, Err(refused));
        sandbox.set_reachable(true);
        assert_eq!(sandbox.submit(&request("h", "sandbox:paid")).await.unwrap().state, PayoutState::Paid);
    }
}
