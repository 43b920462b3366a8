//! The cockpit's boundary: what it asks for ([`Request`]) and what background
//! tasks deliver to it ([`DataMsg`]). The app is a pure state machine fed by
//! these messages; the network side lives behind [`crate::runtime::Fetcher`].
//!
//! Reads are the API's, one per route, whichever view asks: the views say
//! which reads they make and which answers they take. Every command of the
//! registry is the one [`Request::Command`]; the only other writes are a
//! token's create and revoke, which are not registry commands.

use chrono::{DateTime, Utc};
use ledgerdeck_client::events::LiveEvent;
use ledgerdeck_client::providers::{ProviderEventQuery, ProviderEventView};
use ledgerdeck_client::search::{SearchQuery, SearchResults};
use ledgerdeck_client::{
    AccountQuery, AccountView, AuditEntry, AuditQuery, CommandResult, CommandSpec, FeatureFlag, FindingView,
    GateRunQuery, GateRunView, GateView, HealthReport, HoldDetail, HoldQuery, HoldView, Me, MerchantView,
    OutboxMessageDetail, OutboxMessageQuery, OutboxMessageView, OutboxSummary, Overview, Page, ProposalQuery,
    ProposalView, StatementLine, TokenView, TransactionQuery, TransactionView, WalletBalanceAsOf, WalletQuery,
    WalletView,
};
use ledgerdeck_client::{CreateToken, CreatedToken};

pub use ledgerdeck_client::export::{ExportFormat, ExportKind, ExportQuery};

/// What the app asks background tasks to fetch or do.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `GET /v1/overview` → [`DataMsg::Overview`].
    LoadOverview,
    /// `/healthz` → [`DataMsg::Health`].
    LoadHealth,
    /// `GET /v1/gates` → [`DataMsg::Gates`].
    LoadGates,
    /// `GET /v1/gates/{gate}/findings?status=…` → [`DataMsg::Findings`].
    LoadFindings {
        /// The gate's name.
        gate: String,
        /// `OPEN`, `RESOLVED`, or every finding when `None`.
        status: Option<String>,
    },
    /// `GET /v1/gates/runs` → [`DataMsg::GateRuns`].
    LoadGateRuns(GateRunQuery),
    /// `GET /v1/outbox/stats` → [`DataMsg::OutboxStats`].
    LoadOutboxStats,
    /// `GET /v1/outbox/messages` with these filters → [`DataMsg::OutboxMessages`].
    LoadOutboxMessages {
        /// The filters (no cursor: the first page).
        filter: OutboxMessageQuery,
    },
    /// `GET /v1/outbox/messages/{id}` → [`DataMsg::OutboxMessage`].
    LoadOutboxMessage(String),
    /// `GET /v1/commands` → [`DataMsg::Commands`] (the palette loads it once).
    LoadCommands,
    /// `GET /v1/accounts` → [`DataMsg::Accounts`].
    LoadAccounts(AccountQuery),
    /// `GET /v1/me` → [`DataMsg::Me`].
    LoadMe,
    /// `GET /v1/merchants/{id}` → [`DataMsg::Merchant`].
    LoadMerchant(String),
    /// `GET /v1/search?q=` → [`DataMsg::Search`].
    Search(SearchQuery),
    /// `GET /v1/wallets` (a cursor: the next page) → [`DataMsg::Wallets`].
    LoadWallets(WalletQuery),
    /// `GET /v1/wallets/{id}` → [`DataMsg::Wallet`].
    LoadWallet(String),
    /// `GET /v1/wallets/{id}/statement` → [`DataMsg::Statement`].
    LoadStatement(String),
    /// The statement's next page → [`DataMsg::StatementMore`].
    LoadStatementPage {
        /// The wallet.
        wallet_id: String,
        /// The previous page's `next_cursor`.
        cursor: String,
    },
    /// The statement from one posting's line back → [`DataMsg::Statement`].
    LoadStatementAt {
        /// The wallet.
        wallet_id: String,
        /// The newest posting to show.
        through_seq: i64,
    },
    /// `GET /v1/wallets/{id}/balance?as_of=` → [`DataMsg::BalanceAsOf`].
    LoadBalanceAsOf {
        /// The wallet.
        wallet_id: String,
        /// The time (RFC 3339).
        as_of: String,
    },
    /// `GET /v1/transactions` (a cursor: the next page) → [`DataMsg::Transactions`].
    LoadTransactions(TransactionQuery),
    /// `GET /v1/transactions/{id}` → [`DataMsg::Transaction`].
    LoadTransaction(String),
    /// `GET /v1/flags` → [`DataMsg::Flags`].
    LoadFlags,
    /// `GET /v1/provider-events` (a cursor: the next page) → [`DataMsg::ProviderEvents`].
    LoadProviderEvents(ProviderEventQuery),
    /// `GET /v1/audit` with these filters (and cursor) → [`DataMsg::Audit`].
    LoadAudit(AuditQuery),
    /// `GET /v1/holds` with this query (its cursor says which page) → [`DataMsg::Holds`].
    LoadHolds(HoldQuery),
    /// `GET /v1/holds/{id}` → [`DataMsg::Hold`].
    LoadHold(String),
    /// `GET /v1/approvals` with this query → [`DataMsg::Approvals`].
    LoadApprovals(ProposalQuery),
    /// `GET /v1/tokens` → [`DataMsg::Tokens`] (admins only).
    LoadTokens,
    /// `POST /v1/tokens`, sent exactly once (creating is not idempotent)
    /// → [`DataMsg::TokenAnswer`] with this `id`.
    CreateToken {
        /// The request's id, which its answer carries.
        id: u64,
        /// The name, role and expiry.
        body: CreateToken,
    },
    /// `POST /v1/tokens/{token_id}/revoke` (revoking twice is harmless)
    /// → [`DataMsg::TokenAnswer`] with this `id`.
    RevokeToken {
        /// The request's id, which its answer carries.
        id: u64,
        /// The token's public id.
        token_id: String,
    },
    /// `POST /v1/commands/{command}` with `body` and `Idempotency-Key: key`,
    /// sent once → [`DataMsg::CommandDone`] or [`DataMsg::CommandFailed`]
    /// with this `id`. Every registry command of the cockpit is one of these.
    Command {
        /// The request's id, which its answer carries.
        id: u64,
        /// The command's name.
        command: String,
        /// Its parameters.
        body: serde_json::Value,
        /// The idempotency key: made when the form or confirmation opened,
        /// kept across a transport failure, rotated after a definite answer.
        key: String,
    },
    /// Skip the live stream's wait before it reconnects (nothing while it
    /// is connected). Answered by the stream's state changing.
    ReconnectNow,
    /// Stream an export into a new file at `path` (a read, in its own task)
    /// → [`DataMsg::ExportProgress`] as it goes, then [`DataMsg::ExportDone`]
    /// or [`DataMsg::ExportFailed`] with this `id`.
    Export {
        /// The export's id, which its messages carry.
        id: u64,
        /// What is exported.
        kind: ExportKind,
        /// Its filters (boxed: they are many, and every request is moved).
        query: Box<ExportQuery>,
        /// CSV or JSON lines.
        format: ExportFormat,
        /// The file to make (never overwritten).
        path: std::path::PathBuf,
    },
}

impl Request {
    /// Whether the request changes anything on the server.
    pub fn writes(&self) -> bool {
        matches!(self, Request::Command { .. } | Request::CreateToken { .. } | Request::RevokeToken { .. })
    }

    /// What a read loads, for a "could not load …" notice.
    pub fn describe(&self) -> &'static str {
        match self {
            Request::LoadOverview => "overview",
            Request::LoadHealth => "health",
            Request::LoadGates => "gates",
            Request::LoadFindings { .. } => "findings",
            Request::LoadGateRuns(_) => "the gate runs",
            Request::LoadOutboxStats => "outbox",
            Request::LoadOutboxMessages { .. } => "messages",
            Request::LoadOutboxMessage(_) => "the message",
            Request::LoadCommands => "the command registry",
            Request::LoadAccounts(_) => "the system accounts",
            Request::LoadMe => "who you are",
            Request::LoadMerchant(_) => "the merchant",
            Request::Search(_) => "search results",
            Request::LoadWallets(q) if q.cursor.is_some() => "more wallets",
            Request::LoadWallets(_) => "wallets",
            Request::LoadWallet(_) => "the wallet",
            Request::LoadStatement(_) | Request::LoadStatementAt { .. } => "the statement",
            Request::LoadStatementPage { .. } => "more of the statement",
            Request::LoadBalanceAsOf { .. } => "the balance as of that time",
            Request::LoadTransactions(q) if q.cursor.is_some() => "more ledger",
            Request::LoadTransactions(_) => "ledger",
            Request::LoadTransaction(_) => "the transaction",
            Request::LoadFlags => "controls",
            Request::LoadProviderEvents(q) if q.cursor.is_some() => "more controls",
            Request::LoadProviderEvents(_) => "controls",
            Request::LoadAudit(_) => "the audit log",
            Request::LoadHolds(_) => "holds",
            Request::LoadHold(_) => "the hold",
            Request::LoadApprovals(_) => "approvals",
            Request::LoadTokens => "the tokens",
            Request::Command { .. } | Request::CreateToken { .. } | Request::RevokeToken { .. } => "data",
            Request::ReconnectNow => "the live stream",
            Request::Export { .. } => "the export",
        }
    }
}

/// How the live event stream stands, as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    /// The first connection is being made.
    Connecting,
    /// Events are flowing.
    Live,
    /// The stream dropped; the next try is this many seconds away.
    Reconnecting {
        /// Seconds until the next try.
        retry_in_secs: u64,
    },
    /// The server turned the stream away because this token has as many
    /// streams open as it allows; the next try is this many seconds away.
    TooManyStreams {
        /// Seconds until the next try.
        retry_in_secs: u64,
    },
    /// The data shown stopped being current at this time.
    Stale {
        /// When the data was last current.
        since: DateTime<Utc>,
    },
    /// The server ended the token's access (revoked or expired): the
    /// stream has stopped for good; logging in again is the way back.
    AccessEnded {
        /// Why, as the server said it.
        reason: String,
    },
}

impl ConnState {
    /// Whether the stream is down and will try again (so asking it to
    /// reconnect now means something).
    pub fn retrying(&self) -> bool {
        matches!(self, ConnState::Reconnecting { .. } | ConnState::TooManyStreams { .. } | ConnState::Stale { .. })
    }
}

/// What background tasks deliver to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum DataMsg {
    /// `GET /v1/overview`.
    Overview(Overview),
    /// `/healthz`.
    Health(HealthReport),
    /// `GET /v1/gates`.
    Gates(Vec<GateView>),
    /// One page of a gate's findings.
    Findings {
        /// The gate asked for.
        gate: String,
        /// The first page.
        page: Page<FindingView>,
    },
    /// A page of gate runs, newest first.
    GateRuns(Page<GateRunView>),
    /// `GET /v1/outbox/stats`.
    OutboxStats(OutboxSummary),
    /// The first page of outbox messages for the current filter.
    OutboxMessages(Page<OutboxMessageView>),
    /// One message with its deliveries and attempts.
    OutboxMessage(OutboxMessageDetail),
    /// `GET /v1/commands`.
    Commands(Vec<CommandSpec>),
    /// A page of accounts.
    Accounts(Page<AccountView>),
    /// Who the token is.
    Me(Me),
    /// One merchant's summary.
    Merchant(MerchantView),
    /// A search's hits.
    Search(SearchResults),
    /// A page of wallets.
    Wallets {
        /// The page.
        page: Page<WalletView>,
        /// Whether it follows the pages already shown.
        append: bool,
    },
    /// The first page of a wallet's statement.
    Statement {
        /// The wallet.
        wallet_id: String,
        /// Its lines, newest first.
        page: Page<StatementLine>,
    },
    /// A further page of a wallet's statement.
    StatementMore {
        /// The wallet.
        wallet_id: String,
        /// Older lines, newest first.
        page: Page<StatementLine>,
    },
    /// A wallet's balances as of a time.
    BalanceAsOf(WalletBalanceAsOf),
    /// A page of ledger transactions.
    Transactions {
        /// The page.
        page: Page<TransactionView>,
        /// Whether it follows the pages already shown.
        append: bool,
    },
    /// One transaction.
    Transaction(TransactionView),
    /// `GET /v1/flags`.
    Flags(Vec<FeatureFlag>),
    /// A page of the provider event log.
    ProviderEvents {
        /// The page.
        page: Page<ProviderEventView>,
        /// Whether it follows the pages already shown.
        append: bool,
    },
    /// A page of proposals, for the query asked.
    Approvals {
        /// The query it answers.
        query: ProposalQuery,
        /// The page.
        page: Page<ProposalView>,
    },
    /// `GET /v1/tokens`: every token, never a secret.
    Tokens(Vec<TokenView>),
    /// The answer to [`Request::CreateToken`] or [`Request::RevokeToken`].
    TokenAnswer {
        /// The request's id.
        id: u64,
        /// What the server said.
        answer: TokenAnswer,
    },
    /// A page of the audit log.
    Audit {
        /// The page.
        page: Page<AuditEntry>,
        /// Whether it follows the pages already shown.
        append: bool,
    },
    /// A command answered with a result.
    CommandDone {
        /// The request's id.
        request_id: u64,
        /// What the command did.
        result: CommandResult,
    },
    /// A command failed: a definite no (`unknown == false`), or an outcome
    /// nobody knows yet (`unknown == true`: no answer, or one that does not
    /// settle it), so the key is kept.
    CommandFailed {
        /// The request's id.
        request_id: u64,
        /// The problem's machine code, if the server answered.
        code: Option<String>,
        /// What went wrong, for people.
        detail: String,
        /// Whether the command may or may not have run: no answer arrived, or
        /// the answer does not settle it (a timeout, the key still in
        /// progress, storage unavailable, a 5xx). See [`ClientError::outcome_unknown`].
        ///
        /// [`ClientError::outcome_unknown`]: ledgerdeck_client::http::ClientError::outcome_unknown
        unknown: bool,
        /// The problem's field errors as `(field, message)`.
        fields: Vec<(String, String)>,
    },
    /// A read failed.
    ReadFailed {
        /// The request that failed.
        request: Request,
        /// The problem's machine code, if the server answered.
        code: Option<String>,
        /// What went wrong, for people.
        detail: String,
    },
    /// One page of holds for this query (its cursor says which page).
    Holds {
        /// The query asked.
        query: HoldQuery,
        /// The page.
        page: Page<HoldView>,
    },
    /// One hold with its history.
    Hold(HoldDetail),
    /// One wallet with its balances.
    Wallet(WalletView),
    /// The live stream's state changed.
    Connection(ConnState),
    /// A live event, typed.
    Live(LiveEvent),
    /// An export is under way: rows and bytes written so far (at most a
    /// few a second).
    ExportProgress {
        /// The export's id.
        id: u64,
        /// Rows written.
        rows: u64,
        /// Bytes written.
        bytes: u64,
    },
    /// An export is complete: the file is in place under its name.
    ExportDone {
        /// The export's id.
        id: u64,
        /// Rows written.
        rows: u64,
        /// Bytes written.
        bytes: u64,
        /// The file, as written (absolute).
        path: std::path::PathBuf,
    },
    /// An export failed; no file was left under the asked-for name.
    ExportFailed {
        /// The export's id.
        id: u64,
        /// What went wrong, for people.
        detail: String,
        /// The problem's code (the server's, or `FILE_EXISTS`,
        /// `FILE_WRITE_FAILED`, `NOT_SENT`), if there is one.
        code: Option<String>,
    },
}

/// What the server said to a token's create or revoke.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenAnswer {
    /// Made: the token, shown this once.
    Created(CreatedToken),
    /// Revoked (or it already was).
    Revoked(TokenView),
    /// Refused, or no answer.
    Failed {
        /// The problem's machine code, if the server answered.
        code: Option<String>,
        /// What went wrong, for people.
        detail: String,
        /// No answer arrived (or one that does not settle it): the
        /// outcome is unknown.
        unknown: bool,
        /// The problem's field errors as `(field, message)`.
        fields: Vec<(String, String)>,
    },
}
