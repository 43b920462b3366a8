//! The cockpit's boundary: what it asks for ([`Request`]) and what background
//! tasks deliver to it ([`DataMsg`]). The app is a pure state machine fed by
//! these messages; the network side lives behind [`crate::runtime::Fetcher`].

use chrono::{DateTime, Utc};
use ledgerdeck_client::providers::ProviderEventView;
use ledgerdeck_client::{
    AuditEntry, AuditQuery, CommandResult, CommandSpec, FeatureFlag, FindingView, GateView, HealthReport, HoldDetail,
    HoldQuery, HoldView, OutboxMessageDetail, OutboxMessageQuery, OutboxMessageView, OutboxSummary, Overview, Page,
    StatementLine, TransactionView, WalletView,
};

/// The cockpit's views, numbered as the number keys pick them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViewId {
    /// 1: is the service healthy?
    Overview = 1,
    /// 2: the reconciliation gates.
    Gates = 2,
    /// 3: the manual-review queue and settle/release.
    Payouts = 3,
    /// 4: webhook deliveries.
    Outbox = 4,
    /// 5: wallets (a later issue).
    Wallets = 5,
    /// 6: the ledger (a later issue).
    Ledger = 6,
    /// 7: flags and endpoints (a later issue).
    Controls = 7,
    /// 8: the audit log (a later issue).
    Audit = 8,
}

impl ViewId {
    /// The views built so far, in tab order.
    pub const BUILT: [ViewId; 8] = [
        ViewId::Overview,
        ViewId::Gates,
        ViewId::Payouts,
        ViewId::Outbox,
        ViewId::Wallets,
        ViewId::Ledger,
        ViewId::Controls,
        ViewId::Audit,
    ];

    /// The view's number key.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The view's name in tabs and help.
    pub fn title(self) -> &'static str {
        match self {
            ViewId::Overview => "Overview",
            ViewId::Gates => "Gates",
            ViewId::Payouts => "Payouts",
            ViewId::Outbox => "Outbox",
            ViewId::Wallets => "Wallets",
            ViewId::Ledger => "Ledger",
            ViewId::Controls => "Controls",
            ViewId::Audit => "Audit",
        }
    }

    /// The built view with this number key, if any.
    pub fn from_number(n: u8) -> Option<ViewId> {
        ViewId::BUILT.into_iter().find(|v| v.number() == n)
    }
}

/// What the app asks background tasks to fetch or do.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Reload a view's summary data: Overview → `GET /v1/overview` and
    /// `/healthz`; Gates → `GET /v1/gates`; Outbox → `GET /v1/outbox/stats`.
    Refresh(ViewId),
    /// `GET /v1/gates/{gate}/findings?status=…` → [`DataMsg::Findings`].
    LoadFindings {
        /// The gate's name.
        gate: String,
        /// `OPEN`, `RESOLVED`, or every finding when `None`.
        status: Option<String>,
    },
    /// `GET /v1/outbox/messages` with these filters → [`DataMsg::OutboxMessages`].
    LoadOutboxMessages {
        /// The filters (no cursor: the first page).
        filter: OutboxMessageQuery,
    },
    /// `GET /v1/outbox/messages/{id}` → [`DataMsg::OutboxMessage`].
    LoadOutboxMessage(String),
    /// `GET /v1/commands` → [`DataMsg::Commands`] (the palette loads it once).
    LoadCommands,
    /// Runs a command from the palette: `POST /v1/commands/{command}` with
    /// `body`, sent once with the key → `CommandDone` / `CommandFailed`
    /// (whose `fields` the form shows inline).
    Execute {
        /// The request's id.
        request_id: u64,
        /// The command's name.
        command: String,
        /// Its parameters.
        body: serde_json::Value,
        /// Made when the form opened; kept until a definite answer.
        idempotency_key: String,
    },
    /// The next page of a paged view (Wallets, Ledger, Controls' provider
    /// events) → its data message with `append: true`.
    LoadMore {
        /// The view.
        view: ViewId,
        /// The previous page's `next_cursor`.
        cursor: String,
    },
    /// `GET /v1/wallets/{id}/statement` → [`DataMsg::Statement`].
    LoadStatement(String),
    /// `GET /v1/transactions/{id}` → [`DataMsg::Transaction`].
    LoadTransaction(String),
    /// `GET /v1/audit` with these filters (and cursor) → [`DataMsg::Audit`].
    LoadAudit(AuditQuery),
    /// `POST /v1/commands/run_gates` → [`DataMsg::CommandDone`] or [`DataMsg::CommandFailed`].
    RunGates {
        /// Echoed back in the answer.
        request_id: u64,
        /// One gate, or all four.
        gate: Option<String>,
    },
    /// `POST /v1/commands/retry_outbox_message` with this `Idempotency-Key`.
    RetryOutboxMessage {
        /// Echoed back in the answer.
        request_id: u64,
        /// The message id.
        id: String,
        /// Made when the operator confirmed; kept across transport failures.
        idempotency_key: String,
    },
    /// `GET /v1/holds` with this query (its cursor says which page) → [`DataMsg::Holds`].
    LoadHolds(HoldQuery),
    /// `GET /v1/holds/{id}` → [`DataMsg::Hold`].
    LoadHold(String),
    /// `GET /v1/wallets/{id}` → [`DataMsg::Wallet`].
    LoadWallet(String),
    /// `POST /v1/commands/{command}` for a hold (`settle_hold`, `release_hold`)
    /// with this body and `Idempotency-Key`.
    HoldCommand {
        /// Echoed back in the answer.
        request_id: u64,
        /// `settle_hold` or `release_hold`.
        command: String,
        /// The command's parameters.
        body: serde_json::Value,
        /// Made when the form opened; kept across transport failures.
        idempotency_key: String,
    },
}

/// How the live event stream stands, as the status bar shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The data shown stopped being current at this time.
    Stale {
        /// When the data was last current.
        since: DateTime<Utc>,
    },
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
    /// `GET /v1/outbox/stats` (also the `outbox.stats` live event).
    OutboxStats(OutboxSummary),
    /// The first page of outbox messages for the current filter.
    OutboxMessages(Page<OutboxMessageView>),
    /// One message with its deliveries and attempts.
    OutboxMessage(OutboxMessageDetail),
    /// `GET /v1/commands`.
    Commands(Vec<CommandSpec>),
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
    /// A command failed: a problem answer (`transport == false`, a definite
    /// no) or no answer at all (`transport == true`, outcome unknown).
    CommandFailed {
        /// The request's id.
        request_id: u64,
        /// The problem's machine code, if the server answered.
        code: Option<String>,
        /// What went wrong, for people.
        detail: String,
        /// Whether the request may not have reached the server.
        transport: bool,
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
    /// A live event (`kind` as in `ledgerdeck_client::events`).
    LiveEvent {
        /// The event kind, e.g. `outbox.stats`.
        kind: String,
        /// Its JSON data.
        data: serde_json::Value,
    },
}
