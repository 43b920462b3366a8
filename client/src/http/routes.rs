//! One typed method per route of the API, in the order of the server's
//! OpenAPI document's sections: probes, commands, reads (with search, the
//! merchant summary and `me`), flags, tokens, outbox, provider events, gates and the
//! document itself. The event stream is in `sse.rs`.

use super::{Answer, ApiClient, ClientError, IDEMPOTENCY_KEY_HEADER, Retry, decode};
use crate::balance::{BalanceQuery, WalletBalanceAsOf};
use crate::commands::{CommandResult, CommandSpec};
use crate::flags::FeatureFlag;
use crate::gates::{FindingQuery, FindingView, GateRunQuery, GateRunView, GateView};
use crate::health::HealthReport;
use crate::outbox::{OutboxMessageDetail, OutboxMessageQuery, OutboxMessageView, WebhookEndpointView};
use crate::providers::{ProviderEventAnswer, ProviderEventQuery, ProviderEventView};
use crate::reads::{
    AccountQuery, AccountView, AuditEntry, AuditQuery, HoldDetail, HoldQuery, HoldView, Me, MerchantView,
    OutboxSummary, Overview, Page, StatementLine, StatementQuery, TransactionQuery, TransactionView, WalletQuery,
    WalletView,
};
use crate::search::{SearchQuery, SearchResults};
use crate::tokens::{CreateToken, CreatedToken, TokenView};
use reqwest::Method;

/// The Standard Webhooks headers a payout provider signs its events with
/// (`webhook-id`, `webhook-timestamp`, `webhook-signature`), for
/// [`ApiClient::send_provider_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSignature {
    /// The message id (`webhook-id`).
    pub id: String,
    /// Seconds since the epoch when it was signed (`webhook-timestamp`).
    pub timestamp: i64,
    /// One or more `v1,<base64>` signatures (`webhook-signature`).
    pub signature: String,
}

/// Probes.
impl ApiClient {
    /// `GET /livez`: `Ok` while the process answers.
    pub async fn livez(&self) -> Result<(), ClientError> {
        let answer = self.fetch(self.anonymous(Method::GET, &["livez"])?, Retry::TransportOnly).await?;
        decode::<serde_json::Value>(answer).map(drop)
    }

    /// `GET /readyz`: `Ok` while the money path is usable; a server that is
    /// not ready answers a problem with code `UNAVAILABLE` (503).
    pub async fn readyz(&self) -> Result<(), ClientError> {
        let answer = self.fetch(self.anonymous(Method::GET, &["readyz"])?, Retry::TransportOnly).await?;
        decode::<serde_json::Value>(answer).map(drop)
    }

    /// `GET /healthz`: each component's state. A server that is not ready
    /// answers 503 with the same report, which is returned as `Ok` (check
    /// [`HealthReport::ready`]).
    pub async fn healthz(&self) -> Result<HealthReport, ClientError> {
        let answer = self.fetch(self.anonymous(Method::GET, &["healthz"])?, Retry::TransportOnly).await?;
        if answer.status == 503
            && let Ok(report) = serde_json::from_slice::<HealthReport>(&answer.body)
        {
            return Ok(report);
        }
        decode(answer)
    }
}

/// Commands.
impl ApiClient {
    /// `GET /v1/commands`: the command registry, for building forms.
    pub async fn commands(&self) -> Result<Vec<CommandSpec>, ClientError> {
        self.get(&["v1", "commands"]).await
    }

    /// `POST /v1/commands/{command}`: runs a command with `body` as its
    /// parameters, sent **exactly once** (never retried here).
    ///
    /// A money-moving command needs an `idempotency_key` (see
    /// [`super::new_idempotency_key`]). After a [`ClientError::Transport`]
    /// the outcome is unknown: retry with the same key, and a command that
    /// did execute answers its stored result with `replayed: true` (also
    /// taken from the `Idempotent-Replayed` header).
    pub async fn execute(
        &self,
        command: &str,
        body: &serde_json::Value,
        idempotency_key: Option<&str>,
    ) -> Result<CommandResult, ClientError> {
        let mut builder = self.request(Method::POST, &["v1", "commands", command])?.json(body);
        if let Some(key) = idempotency_key {
            builder = builder.header(IDEMPOTENCY_KEY_HEADER, key);
        }
        let answer = self.fetch(builder, Retry::Never).await?;
        let replayed = answer.replayed;
        let mut result: CommandResult = decode(answer)?;
        result.replayed |= replayed;
        Ok(result)
    }
}

/// Reads.
impl ApiClient {
    /// `GET /v1/wallets`: wallets with their balances, oldest first.
    pub async fn wallets(&self, query: &WalletQuery) -> Result<Page<WalletView>, ClientError> {
        self.get_query(&["v1", "wallets"], query).await
    }

    /// `GET /v1/wallets/{id}`: one wallet.
    pub async fn wallet(&self, id: &str) -> Result<WalletView, ClientError> {
        self.get(&["v1", "wallets", id]).await
    }

    /// `GET /v1/wallets/{id}/statement`: the wallet's lines, newest first,
    /// optionally from one posting's line back (`through_seq`).
    pub async fn statement(&self, wallet_id: &str, query: &StatementQuery) -> Result<Page<StatementLine>, ClientError> {
        self.get_query(&["v1", "wallets", wallet_id, "statement"], query).await
    }

    /// `GET /v1/wallets/{id}/balance`: the wallet's balances as of `as_of`
    /// (RFC 3339; now when `None`), by effective and by booked time.
    pub async fn wallet_balance(&self, wallet_id: &str, as_of: Option<&str>) -> Result<WalletBalanceAsOf, ClientError> {
        let query = BalanceQuery { as_of: as_of.map(str::to_string) };
        self.get_query(&["v1", "wallets", wallet_id, "balance"], &query).await
    }

    /// `GET /v1/transactions`: ledger transactions with postings, newest first.
    pub async fn transactions(&self, query: &TransactionQuery) -> Result<Page<TransactionView>, ClientError> {
        self.get_query(&["v1", "transactions"], query).await
    }

    /// `GET /v1/transactions/{id}`: one ledger transaction.
    pub async fn transaction(&self, id: &str) -> Result<TransactionView, ClientError> {
        self.get(&["v1", "transactions", id]).await
    }

    /// `GET /v1/accounts`: the chart of accounts with balances.
    pub async fn accounts(&self, query: &AccountQuery) -> Result<Page<AccountView>, ClientError> {
        self.get_query(&["v1", "accounts"], query).await
    }

    /// `GET /v1/holds`: payout holds, oldest first.
    pub async fn holds(&self, query: &HoldQuery) -> Result<Page<HoldView>, ClientError> {
        self.get_query(&["v1", "holds"], query).await
    }

    /// `GET /v1/holds/{id}`: one hold with its status history.
    pub async fn hold(&self, id: &str) -> Result<HoldDetail, ClientError> {
        self.get(&["v1", "holds", id]).await
    }

    /// `GET /v1/audit`: the audit log, newest first.
    pub async fn audit(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, ClientError> {
        self.get_query(&["v1", "audit"], query).await
    }

    /// `GET /v1/overview`: the cockpit's first screen.
    pub async fn overview(&self) -> Result<Overview, ClientError> {
        self.get(&["v1", "overview"]).await
    }

    /// `GET /v1/search`: everything the query names exactly (ids, references,
    /// provider references, merchant ids, idempotency keys), most specific first.
    pub async fn search(&self, query: &SearchQuery) -> Result<SearchResults, ClientError> {
        self.get_query(&["v1", "search"], query).await
    }

    /// `GET /v1/merchants/{merchant_id}`: one merchant's wallets, holds by
    /// status, the flags that apply and its newest transactions.
    pub async fn merchant(&self, merchant_id: &str) -> Result<MerchantView, ClientError> {
        self.get(&["v1", "merchants", merchant_id]).await
    }

    /// `GET /v1/me`: the token's operator name, role, id, expiry and sign-in.
    pub async fn me(&self) -> Result<Me, ClientError> {
        self.get(&["v1", "me"]).await
    }

    /// `GET /v1/flags`: every stored feature flag row.
    pub async fn flags(&self) -> Result<Vec<FeatureFlag>, ClientError> {
        self.get(&["v1", "flags"]).await
    }
}

/// Operator tokens (admins only).
impl ApiClient {
    /// `GET /v1/tokens`: every token, newest first; never a secret.
    pub async fn tokens(&self) -> Result<Vec<TokenView>, ClientError> {
        self.get(&["v1", "tokens"]).await
    }

    /// `POST /v1/tokens`: makes a token and answers it, this once. Sent
    /// exactly once and not idempotent: after a [`ClientError::Transport`]
    /// look for the name in [`ApiClient::tokens`] and revoke what you
    /// cannot use.
    pub async fn create_token(&self, body: &CreateToken) -> Result<CreatedToken, ClientError> {
        let builder = self.request(Method::POST, &["v1", "tokens"])?.json(body);
        decode(self.fetch(builder, Retry::Never).await?)
    }

    /// `POST /v1/tokens/{token_id}/revoke`: revokes one token (its streams
    /// end); revoking it again answers it unchanged, so a retry is safe.
    pub async fn revoke_token(&self, token_id: &str) -> Result<TokenView, ClientError> {
        let builder = self.request(Method::POST, &["v1", "tokens", token_id, "revoke"])?;
        decode(self.fetch(builder, Retry::Never).await?)
    }
}

/// Outbox and provider events.
impl ApiClient {
    /// `GET /v1/outbox/stats`: the outbox backlog and delivery figures.
    pub async fn outbox_stats(&self) -> Result<OutboxSummary, ClientError> {
        self.get(&["v1", "outbox", "stats"]).await
    }

    /// `GET /v1/outbox/messages`: outbox messages, newest first.
    pub async fn outbox_messages(&self, query: &OutboxMessageQuery) -> Result<Page<OutboxMessageView>, ClientError> {
        self.get_query(&["v1", "outbox", "messages"], query).await
    }

    /// `GET /v1/outbox/messages/{id}`: one message with its deliveries and attempts.
    pub async fn outbox_message(&self, id: &str) -> Result<OutboxMessageDetail, ClientError> {
        self.get(&["v1", "outbox", "messages", id]).await
    }

    /// `GET /v1/webhook-endpoints`: every webhook endpoint (never its secret).
    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpointView>, ClientError> {
        self.get(&["v1", "webhook-endpoints"]).await
    }

    /// `GET /v1/provider-events`: the provider event log, newest first.
    pub async fn provider_events(&self, query: &ProviderEventQuery) -> Result<Page<ProviderEventView>, ClientError> {
        self.get_query(&["v1", "provider-events"], query).await
    }

    /// `POST /v1/providers/{provider}/events`: what a provider (or a
    /// simulator of one) posts, a payout event or a pay-in event. `body` is
    /// sent byte for byte as signed; no bearer token is sent. Sent exactly
    /// once, like a command; the server deduplicates, so resending is safe.
    pub async fn send_provider_event(
        &self,
        provider: &str,
        body: &[u8],
        signature: &WebhookSignature,
    ) -> Result<ProviderEventAnswer, ClientError> {
        let builder = self
            .anonymous(Method::POST, &["v1", "providers", provider, "events"])?
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &signature.id)
            .header("webhook-timestamp", signature.timestamp.to_string())
            .header("webhook-signature", &signature.signature)
            .body(body.to_vec());
        let answer: Answer = self.fetch(builder, Retry::Never).await?;
        decode(answer)
    }
}

/// Reconciliation gates and the API document.
impl ApiClient {
    /// `GET /v1/gates`: the four gates with status, open findings and last run.
    pub async fn gates(&self) -> Result<Vec<GateView>, ClientError> {
        self.get(&["v1", "gates"]).await
    }

    /// `GET /v1/gates/runs`: gate runs, newest first, one row per gate per run.
    pub async fn gate_runs(&self, query: &GateRunQuery) -> Result<Page<GateRunView>, ClientError> {
        self.get_query(&["v1", "gates", "runs"], query).await
    }

    /// `GET /v1/gates/{gate}/findings`: a gate's findings, newest first.
    pub async fn findings(&self, gate: &str, query: &FindingQuery) -> Result<Page<FindingView>, ClientError> {
        self.get_query(&["v1", "gates", gate, "findings"], query).await
    }

    /// `GET /v1/findings/{id}`: one finding with its expected and actual figures.
    pub async fn finding(&self, id: &str) -> Result<FindingView, ClientError> {
        self.get(&["v1", "findings", id]).await
    }

    /// `GET /v1/openapi.json`: the server's OpenAPI document.
    pub async fn openapi(&self) -> Result<serde_json::Value, ClientError> {
        self.get(&["v1", "openapi.json"]).await
    }
}
