//! Wire types of the ledgerdeck API, shared by the server, the cockpit and
//! scripts so that the contract has one source.
//!
//! Money on the wire is always a decimal string (`"1250.00"`), never a float.
//!
//! [`http::ApiClient`] is the typed async client of every route, with the
//! live event stream in [`http::EventSubscription`].

pub mod approvals;
pub mod balance;
pub mod commands;
pub mod events;
pub mod export;
pub mod flags;
pub mod gates;
pub mod health;
pub mod http;
pub mod outbox;
pub mod problem;
pub mod providers;
pub mod queries;
pub mod reads;
pub mod search;
pub mod sso;
pub mod tokens;

pub use approvals::{ApprovalPolicy, ProposalQuery, ProposalStatus, ProposalView};
pub use balance::{BalanceFigures, BalanceQuery, WalletBalanceAsOf};
pub use commands::{CommandResult, CommandSpec, CommandStatus, FieldKind, FieldSpec, Role, WalletBalance};
pub use export::{ExportFormat, ExportKind, ExportProgress, ExportQuery, RecordCounter};
pub use flags::FeatureFlag;
pub use gates::{FindingQuery, FindingView, GateRunQuery, GateRunSummary, GateRunView, GateStatus, GateView};
pub use health::{ComponentHealth, ComponentState, HealthReport, ProviderHealth, WorkerHealth};
pub use http::{
    ApiClient, ClientConfig, ClientError, ConnectionState, EventSubscription, ExportStream, Reconnector, ServerEvent,
    StreamItem, StreamPart, new_idempotency_key,
};
pub use outbox::{
    DeliveryAttemptView, DeliveryView, OutboxMessageDetail, OutboxMessageQuery, OutboxMessageView, WebhookEndpointView,
};
pub use problem::{ErrorCode, FieldError, Problem};
pub use reads::{
    AccountQuery, AccountView, AuditEntry, AuditQuery, BalanceKind, CommandCounts, CommandWindows, HoldDetail,
    HoldHistoryEntry, HoldQuery, HoldView, ManualReview, Me, MerchantView, MinuteCounts, OutboxSummary, Overview, Page,
    PostingLine, StatementLine, StatementQuery, Thresholds, TransactionQuery, TransactionView, WalletQuery, WalletView,
};
pub use search::{HitKind, SearchHit, SearchQuery, SearchResults};
pub use sso::{SsoAllowlistEntry, SsoSession, SsoSessionRequest};
pub use tokens::{CreateToken, CreatedToken, SignIn, TokenView};
