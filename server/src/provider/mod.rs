//! Payout providers behind one trait. The saga only knows this trait, so a
//! real HTTP provider can be added without touching it.

pub mod probe;
pub mod sandbox;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A boxed future returned by provider calls.
pub type ProviderFuture<'a> = Pin<Box<dyn Future<Output = Result<ProviderAnswer, ProviderError>> + Send + 'a>>;

/// A boxed future returned by a reachability probe: how long the provider
/// took to answer.
pub type ReachFuture<'a> = Pin<Box<dyn Future<Output = Result<Duration, ProviderError>> + Send + 'a>>;

/// Providers by the name holds carry.
pub type Providers = HashMap<String, Arc<dyn PayoutProvider>>;

/// A payout to submit. The hold id is the provider-side idempotency key: a
/// provider must treat a repeated submission of the same hold as the same
/// payout.
#[derive(Debug, Clone)]
pub struct PayoutRequest {
    /// The hold (and idempotency key).
    pub hold_id: String,
    /// The payout's business reference.
    pub reference: String,
    /// Minor units.
    pub amount: i64,
    /// Currency code.
    pub currency: String,
}

/// What the provider says about a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutState {
    /// Paid out: settle.
    Paid,
    /// Definitely failed: release.
    Failed,
    /// Accepted, not finished yet: ask again later.
    Pending,
    /// The provider does not know: ask again; after the requeries, manual review.
    Unknown,
}

impl PayoutState {
    /// The state's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutState::Paid => "paid",
            PayoutState::Failed => "failed",
            PayoutState::Pending => "pending",
            PayoutState::Unknown => "unknown",
        }
    }
}

/// A provider's answer: the state and the raw status it reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAnswer {
    /// The interpreted state.
    pub state: PayoutState,
    /// The provider's own status text, kept in the hold's history.
    pub raw_status: String,
    /// The provider's reference for the payout, when it has one.
    pub provider_reference: Option<String>,
}

/// A call that got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// No answer in time.
    #[error("provider timed out")]
    Timeout,
    /// The provider refused or failed to answer.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
}

/// A payout provider.
pub trait PayoutProvider: Send + Sync + std::fmt::Debug {
    /// The provider's name as holds carry it.
    fn name(&self) -> &str;
    /// Submits a payout (idempotent per hold id).
    fn submit<'a>(&'a self, request: &'a PayoutRequest) -> ProviderFuture<'a>;
    /// Asks for a payout's state.
    fn query<'a>(&'a self, request: &'a PayoutRequest) -> ProviderFuture<'a>;
    /// Asks the provider whether it answers (a cheap call that moves no
    /// money, such as a status endpoint) and how long it took. Callers bound
    /// it with their own timeout.
    fn reachable(&self) -> ReachFuture<'_>;
}
