//! The cockpit's network side over the typed API client: each request runs
//! as its own task (a slow route never holds up another), commands are sent
//! once with the key they were given, and the live event stream's state and
//! events are forwarded as they come.

use crate::data::{ConnState, DataMsg, Request, ViewId};
use crate::runtime::Fetcher;
use ledgerdeck_client::http::{ConnectionState, StreamItem};
use ledgerdeck_client::providers::ProviderEventQuery;
use ledgerdeck_client::{ApiClient, ClientError, FindingQuery, PageQuery, TransactionQuery, WalletQuery};
use serde_json::{Value, json};
use std::time::Instant;
use tokio::sync::mpsc;

/// Serves the cockpit's requests with an [`ApiClient`].
#[derive(Debug, Clone)]
pub struct ApiFetcher {
    client: ApiClient,
}

impl ApiFetcher {
    /// A fetcher over `client` (which carries the server URL and the token).
    pub fn new(client: ApiClient) -> Self {
        ApiFetcher { client }
    }
}

impl Fetcher for ApiFetcher {
    async fn run(self, mut requests: mpsc::Receiver<Request>, data: mpsc::Sender<DataMsg>) {
        let live = tokio::spawn(follow_events(self.client.clone(), data.clone()));
        while let Some(request) = requests.recv().await {
            let (client, data) = (self.client.clone(), data.clone());
            tokio::spawn(async move {
                for msg in answer(&client, request).await {
                    if data.send(msg).await.is_err() {
                        return;
                    }
                }
            });
        }
        live.abort();
    }
}

/// Follows `GET /v1/events` (the client reconnects and resumes by itself)
/// and reports its state and events.
async fn follow_events(client: ApiClient, data: mpsc::Sender<DataMsg>) {
    let mut events = client.events(None);
    while let Some(item) = events.next().await {
        let msg = match item {
            StreamItem::State(ConnectionState::Connecting) => DataMsg::Connection(ConnState::Connecting),
            StreamItem::State(ConnectionState::Live) => DataMsg::Connection(ConnState::Live),
            StreamItem::State(ConnectionState::Reconnecting { retry_at, .. }) => {
                let retry_in_secs = retry_at.saturating_duration_since(Instant::now()).as_secs_f64().ceil() as u64;
                DataMsg::Connection(ConnState::Reconnecting { retry_in_secs })
            }
            StreamItem::Event(event) => DataMsg::LiveEvent { kind: event.kind, data: event.data },
        };
        if data.send(msg).await.is_err() {
            return;
        }
    }
}

/// What the server says to one request.
async fn answer(client: &ApiClient, request: Request) -> Vec<DataMsg> {
    match request.clone() {
        Request::Refresh(ViewId::Overview) => {
            let (overview, health) = tokio::join!(client.overview(), client.healthz());
            vec![read(&request, overview.map(DataMsg::Overview)), read(&request, health.map(DataMsg::Health))]
        }
        Request::Refresh(ViewId::Gates) => vec![read(&request, client.gates().await.map(DataMsg::Gates))],
        Request::Refresh(ViewId::Outbox) => vec![read(&request, client.outbox_stats().await.map(DataMsg::OutboxStats))],
        Request::Refresh(ViewId::Wallets) => {
            let page = client.wallets(&WalletQuery::default()).await;
            vec![read(&request, page.map(|page| DataMsg::Wallets { page, append: false }))]
        }
        Request::Refresh(ViewId::Ledger) => {
            let page = client.transactions(&TransactionQuery::default()).await;
            vec![read(&request, page.map(|page| DataMsg::Transactions { page, append: false }))]
        }
        Request::Refresh(ViewId::Controls) => {
            let query = ProviderEventQuery::default();
            let (flags, events) = tokio::join!(client.flags(), client.provider_events(&query));
            vec![
                read(&request, flags.map(DataMsg::Flags)),
                read(&request, events.map(|page| DataMsg::ProviderEvents { page, append: false })),
            ]
        }
        Request::Refresh(_) => Vec::new(),
        Request::LoadCommands => vec![read(&request, client.commands().await.map(DataMsg::Commands))],
        Request::Execute { request_id, command, body, idempotency_key } => {
            vec![self::command(request_id, client.execute(&command, &body, Some(&idempotency_key)).await)]
        }
        Request::LoadMore { view, cursor } => {
            let cursor = Some(cursor);
            let msg = match view {
                ViewId::Wallets => client
                    .wallets(&WalletQuery { cursor, ..WalletQuery::default() })
                    .await
                    .map(|page| DataMsg::Wallets { page, append: true }),
                ViewId::Ledger => client
                    .transactions(&TransactionQuery { cursor, ..TransactionQuery::default() })
                    .await
                    .map(|page| DataMsg::Transactions { page, append: true }),
                ViewId::Controls => client
                    .provider_events(&ProviderEventQuery { cursor, ..ProviderEventQuery::default() })
                    .await
                    .map(|page| DataMsg::ProviderEvents { page, append: true }),
                _ => return Vec::new(),
            };
            vec![read(&request, msg)]
        }
        Request::LoadStatement(wallet_id) => {
            let page = client.statement(&wallet_id, &PageQuery::default()).await;
            vec![read(&request, page.map(|page| DataMsg::Statement { wallet_id, page }))]
        }
        Request::LoadTransaction(id) => vec![read(&request, client.transaction(&id).await.map(DataMsg::Transaction))],
        Request::LoadAudit(query) => {
            let append = query.cursor.is_some();
            vec![read(&request, client.audit(&query).await.map(|page| DataMsg::Audit { page, append }))]
        }
        Request::LoadFindings { gate, status } => {
            let query = FindingQuery { status, ..FindingQuery::default() };
            let page = client.findings(&gate, &query).await;
            vec![read(&request, page.map(|page| DataMsg::Findings { gate, page }))]
        }
        Request::LoadOutboxMessages { filter } => {
            vec![read(&request, client.outbox_messages(&filter).await.map(DataMsg::OutboxMessages))]
        }
        Request::LoadOutboxMessage(id) => {
            vec![read(&request, client.outbox_message(&id).await.map(DataMsg::OutboxMessage))]
        }
        Request::RunGates { request_id, gate } => {
            let body = gate.map_or_else(|| json!({}), |gate| json!({ "gate": gate }));
            // Not money-moving; the key still makes a retried click harmless.
            let key = ledgerdeck_client::http::new_idempotency_key();
            vec![command(request_id, client.execute("run_gates", &body, Some(&key)).await)]
        }
        Request::RetryOutboxMessage { request_id, id, idempotency_key } => {
            let body: Value = json!({ "message_id": id });
            vec![command(request_id, client.execute("retry_outbox_message", &body, Some(&idempotency_key)).await)]
        }
        Request::LoadHolds(query) => {
            let page = client.holds(&query).await;
            vec![read(&request, page.map(|page| DataMsg::Holds { query, page }))]
        }
        Request::LoadHold(id) => vec![read(&request, client.hold(&id).await.map(DataMsg::Hold))],
        Request::LoadWallet(id) => vec![read(&request, client.wallet(&id).await.map(DataMsg::Wallet))],
        Request::HoldCommand { request_id, command: name, body, idempotency_key } => {
            vec![command(request_id, client.execute(&name, &body, Some(&idempotency_key)).await)]
        }
    }
}

fn read(request: &Request, outcome: Result<DataMsg, ClientError>) -> DataMsg {
    outcome.unwrap_or_else(|e| DataMsg::ReadFailed {
        request: request.clone(),
        code: e.code().map(|c| c.as_str().to_string()),
        detail: e.to_string(),
    })
}

fn command(request_id: u64, outcome: Result<ledgerdeck_client::CommandResult, ClientError>) -> DataMsg {
    match outcome {
        Ok(result) => DataMsg::CommandDone { request_id, result },
        Err(e) => DataMsg::CommandFailed {
            request_id,
            code: e.code().map(|c| c.as_str().to_string()),
            detail: e.to_string(),
            transport: e.is_transport(),
            fields: e.field_errors().iter().map(|f| (f.field.clone(), f.message.clone())).collect(),
        },
    }
}
