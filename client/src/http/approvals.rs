//! The four-eyes routes: policies and proposals. Deciding is a command
//! (`approve_proposal`, `reject_proposal`) through [`ApiClient::execute`].

use super::{ApiClient, ClientError};
use crate::approvals::{ApprovalPolicy, ProposalQuery, ProposalView};
use crate::reads::Page;

impl ApiClient {
    /// `GET /v1/approval-policies`: every approval policy, by command.
    pub async fn approval_policies(&self) -> Result<Vec<ApprovalPolicy>, ClientError> {
        self.get(&["v1", "approval-policies"]).await
    }

    /// `GET /v1/approvals`: proposals; `status=pending` is the queue, oldest first.
    pub async fn proposals(&self, query: &ProposalQuery) -> Result<Page<ProposalView>, ClientError> {
        self.get_query(&["v1", "approvals"], query).await
    }

    /// `GET /v1/approvals/{id}`: one proposal with its decision.
    pub async fn proposal(&self, id: &str) -> Result<ProposalView, ClientError> {
        self.get(&["v1", "approvals", id]).await
    }
}
