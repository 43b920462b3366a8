//! The cockpit's network side over the typed API client: each request runs
//! as its own task (a slow route never holds up another), commands are sent
//! once with the key they were given, and the live event stream's state and
//! events are forwarded as they come. An export streams into its file in its
//! own task, reporting progress a few times a second.

use crate::data::{ConnState, DataMsg, ExportFormat, ExportKind, ExportQuery, Request, TokenAnswer};
use crate::part_file::{FileError, PartFile};
use crate::runtime::Fetcher;
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::http::{ConnectionState, StreamItem};
use ledgerdeck_client::{ApiClient, ClientError, ErrorCode, FindingQuery, StatementQuery};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
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
        let events = self.client.events(None);
        let reconnect = events.reconnector();
        let live = tokio::spawn(follow_events(events, data.clone()));
        while let Some(request) = requests.recv().await {
            if request == Request::ReconnectNow {
                reconnect.reconnect_now();
                continue;
            }
            let (client, data) = (self.client.clone(), data.clone());
            if let Request::Export { id, kind, query, format, path } = request {
                tokio::spawn(async move {
                    let job = Export { id, kind, query: *query, format };
                    let _ = data.send(job.run(&client, &path, &data).await).await;
                });
                continue;
            }
            tokio::spawn(async move {
                if let Some(msg) = answer(&client, request).await {
                    let _ = data.send(msg).await;
                }
            });
        }
        live.abort();
    }
}

/// Follows `GET /v1/events` (the client reconnects and resumes by itself,
/// and stops when access ends) and reports its state and its events, typed.
async fn follow_events(mut events: ledgerdeck_client::EventSubscription, data: mpsc::Sender<DataMsg>) {
    while let Some(item) = events.next().await {
        let msg = match item {
            StreamItem::State(state) => DataMsg::Connection(conn_state(state)),
            StreamItem::Event(event) => DataMsg::Live(LiveEvent::from_parts(&event.kind, event.data)),
        };
        if data.send(msg).await.is_err() {
            return;
        }
    }
}

/// The client's connection state as the status bar says it.
fn conn_state(state: ConnectionState) -> ConnState {
    match state {
        ConnectionState::Connecting => ConnState::Connecting,
        ConnectionState::Live => ConnState::Live,
        ConnectionState::Reconnecting { retry_at, error, .. } => {
            let retry_in_secs = retry_at.saturating_duration_since(Instant::now()).as_secs_f64().ceil() as u64;
            if error.code() == Some(ErrorCode::TooManyStreams) {
                ConnState::TooManyStreams { retry_in_secs }
            } else {
                ConnState::Reconnecting { retry_in_secs }
            }
        }
        ConnectionState::AccessEnded { reason } => ConnState::AccessEnded { reason },
    }
}

/// What the server says to one request (`None` for the stream's own,
/// which the fetcher's loop handles).
async fn answer(client: &ApiClient, request: Request) -> Option<DataMsg> {
    let read = |outcome: Result<DataMsg, ClientError>| {
        outcome.unwrap_or_else(|e| DataMsg::ReadFailed {
            request: request.clone(),
            code: e.code().map(|c| c.as_str().to_string()),
            detail: e.to_string(),
        })
    };
    let msg = match request.clone() {
        Request::ReconnectNow | Request::Export { .. } => return None,
        Request::LoadOverview => read(client.overview().await.map(DataMsg::Overview)),
        Request::LoadHealth => read(client.healthz().await.map(DataMsg::Health)),
        Request::LoadGates => read(client.gates().await.map(DataMsg::Gates)),
        Request::LoadFindings { gate, status } => {
            let query = FindingQuery { status, ..FindingQuery::default() };
            read(client.findings(&gate, &query).await.map(|page| DataMsg::Findings { gate, page }))
        }
        Request::LoadGateRuns(query) => read(client.gate_runs(&query).await.map(DataMsg::GateRuns)),
        Request::LoadOutboxStats => read(client.outbox_stats().await.map(DataMsg::OutboxStats)),
        Request::LoadOutboxMessages { filter } => {
            read(client.outbox_messages(&filter).await.map(DataMsg::OutboxMessages))
        }
        Request::LoadOutboxMessage(id) => read(client.outbox_message(&id).await.map(DataMsg::OutboxMessage)),
        Request::LoadCommands => read(client.commands().await.map(DataMsg::Commands)),
        Request::LoadAccounts(query) => read(client.accounts(&query).await.map(DataMsg::Accounts)),
        Request::LoadMe => read(client.me().await.map(DataMsg::Me)),
        Request::LoadMerchant(id) => read(client.merchant(&id).await.map(DataMsg::Merchant)),
        Request::Search(query) => read(client.search(&query).await.map(DataMsg::Search)),
        Request::LoadWallets(query) => {
            let append = query.cursor.is_some();
            read(client.wallets(&query).await.map(|page| DataMsg::Wallets { page, append }))
        }
        Request::LoadWallet(id) => read(client.wallet(&id).await.map(DataMsg::Wallet)),
        Request::LoadStatement(wallet_id) => {
            let page = client.statement(&wallet_id, &StatementQuery::default()).await;
            read(page.map(|page| DataMsg::Statement { wallet_id, page }))
        }
        Request::LoadStatementPage { wallet_id, cursor } => {
            let page = client
                .statement(&wallet_id, &StatementQuery { cursor: Some(cursor), ..StatementQuery::default() })
                .await;
            read(page.map(|page| DataMsg::StatementMore { wallet_id, page }))
        }
        Request::LoadStatementAt { wallet_id, through_seq } => {
            let query = StatementQuery { through_seq: Some(through_seq), ..StatementQuery::default() };
            let page = client.statement(&wallet_id, &query).await;
            read(page.map(|page| DataMsg::Statement { wallet_id, page }))
        }
        Request::LoadBalanceAsOf { wallet_id, as_of } => {
            read(client.wallet_balance(&wallet_id, Some(&as_of)).await.map(DataMsg::BalanceAsOf))
        }
        Request::LoadTransactions(query) => {
            let append = query.cursor.is_some();
            read(client.transactions(&query).await.map(|page| DataMsg::Transactions { page, append }))
        }
        Request::LoadTransaction(id) => read(client.transaction(&id).await.map(DataMsg::Transaction)),
        Request::LoadFlags => read(client.flags().await.map(DataMsg::Flags)),
        Request::LoadProviderEvents(query) => {
            let append = query.cursor.is_some();
            read(client.provider_events(&query).await.map(|page| DataMsg::ProviderEvents { page, append }))
        }
        Request::LoadAudit(query) => {
            let append = query.cursor.is_some();
            read(client.audit(&query).await.map(|page| DataMsg::Audit { page, append }))
        }
        Request::LoadHolds(query) => {
            let page = client.holds(&query).await;
            read(page.map(|page| DataMsg::Holds { query, page }))
        }
        Request::LoadHold(id) => read(client.hold(&id).await.map(DataMsg::Hold)),
        Request::LoadApprovals(query) => {
            let page = client.proposals(&query).await;
            read(page.map(|page| DataMsg::Approvals { query, page }))
        }
        Request::LoadTokens => read(client.tokens().await.map(DataMsg::Tokens)),
        Request::CreateToken { id, body } => {
            let answer = client.create_token(&body).await.map_or_else(failed, TokenAnswer::Created);
            DataMsg::TokenAnswer { id, answer }
        }
        Request::RevokeToken { id, token_id } => {
            let answer = client.revoke_token(&token_id).await.map_or_else(failed, TokenAnswer::Revoked);
            DataMsg::TokenAnswer { id, answer }
        }
        Request::Command { id, command, body, key } => match client.execute(&command, &body, Some(&key)).await {
            Ok(result) => DataMsg::CommandDone { request_id: id, result },
            Err(e) => {
                let (code, detail, unknown, fields) = refusal(&e);
                DataMsg::CommandFailed { request_id: id, code, detail, unknown, fields }
            }
        },
    };
    Some(msg)
}

/// A failed write's code, detail, whether its outcome is unknown, and its
/// field errors as `(field, message)`.
fn refusal(e: &ClientError) -> (Option<String>, String, bool, Vec<(String, String)>) {
    let fields = e.field_errors().iter().map(|f| (f.field.clone(), f.message.clone())).collect();
    (e.code().map(|c| c.as_str().to_string()), e.to_string(), e.outcome_unknown(), fields)
}

/// A token write that did not succeed, as the view takes it.
fn failed(e: ClientError) -> TokenAnswer {
    let (code, detail, unknown, fields) = refusal(&e);
    TokenAnswer::Failed { code, detail, unknown, fields }
}

/// Progress of an export is reported at most this often.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Lets something through at most once per `every`.
struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    fn new(every: Duration) -> Throttle {
        Throttle { every, last: None }
    }

    /// Whether to go ahead at `now` (the first time always).
    fn due(&mut self, now: Instant) -> bool {
        let due = self.last.is_none_or(|t| now.duration_since(t) >= self.every);
        if due {
            self.last = Some(now);
        }
        due
    }
}

/// One export asked for.
struct Export {
    id: u64,
    kind: ExportKind,
    query: ExportQuery,
    format: ExportFormat,
}

impl Export {
    /// Streams the export into a new file at `path`, then names it; the
    /// answer is [`DataMsg::ExportDone`] or [`DataMsg::ExportFailed`].
    async fn run(self, client: &ApiClient, path: &Path, data: &mpsc::Sender<DataMsg>) -> DataMsg {
        let id = self.id;
        match self.write(client, path, data).await {
            Ok((rows, bytes, path)) => DataMsg::ExportDone { id, rows, bytes, path },
            Err((code, detail)) => DataMsg::ExportFailed { id, detail, code },
        }
    }

    async fn write(
        &self,
        client: &ApiClient,
        path: &Path,
        data: &mpsc::Sender<DataMsg>,
    ) -> Result<(u64, u64, PathBuf), (Option<String>, String)> {
        let file_error = |e: FileError| (Some(e.code().to_string()), e.to_string());
        let mut part = PartFile::create(path, false).await.map_err(file_error)?;
        let mut throttle = Throttle::new(PROGRESS_EVERY);
        // A message that finds the queue full is dropped (the next one, or
        // the end, says more).
        let progress = |p: ledgerdeck_client::ExportProgress| {
            if throttle.due(Instant::now()) {
                let _ = data.try_send(DataMsg::ExportProgress { id: self.id, rows: p.rows, bytes: p.bytes });
            }
        };
        let done = client
            .export_to_writer(self.kind, &self.query, self.format, part.writer(), progress)
            .await
            .map_err(export_error)?;
        let path = part.commit().await.map_err(file_error)?;
        Ok((done.rows, done.bytes, path))
    }
}

/// A failed export's code and detail: the server's problem, a file that
/// could not be written, or no answer.
fn export_error(e: ClientError) -> (Option<String>, String) {
    match e {
        ClientError::Problem { problem, .. } => (Some(problem.code.as_str().to_string()), problem.detail),
        ClientError::Write { .. } => (Some("FILE_WRITE_FAILED".into()), e.to_string()),
        e => (None, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerdeck_client::Problem;
    use std::time::Duration;

    fn reconnecting(error: ClientError) -> ConnectionState {
        let delay = Duration::from_secs(3);
        ConnectionState::Reconnecting { attempt: 1, delay, retry_at: Instant::now() + delay, error }
    }

    fn refused(code: ErrorCode, status: u16) -> ClientError {
        let problem = Problem {
            type_uri: "about:blank".into(),
            title: code.as_str().into(),
            status,
            detail: "no".into(),
            code,
            errors: Vec::new(),
        };
        ClientError::Problem { status, problem }
    }

    /// Progress goes out at the first chunk, then at most once per
    /// [`PROGRESS_EVERY`], however many chunks come in between.
    #[test]
    fn progress_is_throttled() {
        let start = Instant::now();
        let mut throttle = Throttle::new(PROGRESS_EVERY);
        let sent = (0..1_000).filter(|ms| throttle.due(start + Duration::from_millis(*ms))).count();
        assert_eq!(sent, 4, "at 0, 250, 500 and 750 ms");
    }

    /// A stream turned away for too many streams keeps that reason for the
    /// status bar; other outages are plain reconnecting; an ended access
    /// keeps the server's reason.
    #[test]
    fn the_clients_states_keep_their_reasons() {
        let state = conn_state(reconnecting(refused(ErrorCode::TooManyStreams, 429)));
        assert_eq!(state, ConnState::TooManyStreams { retry_in_secs: 3 });
        let state = conn_state(reconnecting(refused(ErrorCode::Unavailable, 503)));
        assert_eq!(state, ConnState::Reconnecting { retry_in_secs: 3 });
        let state = conn_state(ConnectionState::AccessEnded { reason: "the token expired".into() });
        assert_eq!(state, ConnState::AccessEnded { reason: "the token expired".into() });
    }
}
