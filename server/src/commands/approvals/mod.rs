//! Four eyes: approval policies put configured commands under a second
//! operator's approval.
//!
//! A command call that falls under a policy does not run. On its own
//! transaction, with its idempotency key claimed, it is stored as a proposal
//! (its exact parameters, proposer, key, expiry) and answered
//! `pending_approval` with the proposal's id; the key completes with that
//! answer, so the proposer's retry answers the same proposal, and once the
//! proposal is decided the key answers the decision ([`answer`]).
//!
//! `approve_proposal` runs the stored parameters through the command's own
//! body (the same validation, flags and ledger guards) exactly once: the
//! decision is a conditional update of the pending row, so of two
//! approvers one decides and the other is refused
//! `APPROVAL_ALREADY_DECIDED`. A refused execution is rolled back to a
//! savepoint and the proposal ends `failed` with that code.
//!
//! Who may decide is judged by identity ([`crate::caller::Caller::identity`]:
//! the signed-in email, else the operator name), never by token.

pub mod assess;
pub mod decide;
pub mod policy;
pub mod proposal;

pub use proposal::{answer, intercept};
