//! The wallet core's typed errors. Each maps to one stable wire code; the
//! HTTP layer maps codes to statuses.

use ledgerdeck_client::{ErrorCode, FieldError};

/// Why a command or a read was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// One or more fields are wrong.
    #[error("the request has invalid fields: {}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    /// The currency code is not one the ledger knows.
    #[error("unknown currency {0:?}")]
    CurrencyUnknown(String),
    /// The wallets or accounts involved differ in currency.
    #[error("{0}")]
    CurrencyMismatch(String),
    /// The account would go negative.
    #[error("insufficient funds in {account}")]
    InsufficientFunds {
        /// The account that lacks the money.
        account: String,
    },
    /// A balance would leave the storable range.
    #[error("the balance of {account} would exceed the ledger's limit")]
    BalanceLimitExceeded {
        /// The account whose balance would overflow.
        account: String,
    },
    /// A feature flag denies the command.
    #[error("feature flag {flag} denies this command ({scope})")]
    FlagDenied {
        /// The flag that denied it.
        flag: String,
        /// Where it denied it: `global`, `merchant:<id>`, `currency:<code>`,
        /// `provider:<name>`, or the fail-closed default.
        scope: String,
    },
    /// The hold is not open any more.
    #[error("hold {hold_id} is {status}, not open")]
    HoldNotOpen {
        /// The hold.
        hold_id: String,
        /// Its current status.
        status: String,
    },
    /// The hold is open but not in a status this action may start from.
    #[error("hold {hold_id} is {status}; this needs it {expected}")]
    HoldWrongStatus {
        /// The hold.
        hold_id: String,
        /// Its current status.
        status: String,
        /// The statuses the action starts from.
        expected: String,
    },
    /// A pay-in of this provider reference was credited already.
    #[error("{provider} pay-in {provider_reference} was credited already, by transaction {transaction_id}")]
    DuplicateProviderReference {
        /// The pay-in provider.
        provider: String,
        /// The provider's own reference of the pay-in.
        provider_reference: String,
        /// The transaction that credited it.
        transaction_id: String,
    },
    /// The transaction was reversed already.
    #[error("transaction {0} is already reversed")]
    AlreadyReversed(String),
    /// The transaction may not be reversed.
    #[error("transaction {id} cannot be reversed: {why}")]
    NotReversible {
        /// The transaction.
        id: String,
        /// Why not.
        why: String,
    },
    /// No such record.
    #[error("{what} {id:?} not found")]
    NotFound {
        /// What kind of record.
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// No such command in the registry.
    #[error("unknown command {0:?}")]
    UnknownCommand(String),
    /// A money-moving command came without an idempotency key.
    #[error("{0} moves money and needs an Idempotency-Key")]
    IdempotencyKeyMissing(String),
    /// The key was used before with other parameters.
    #[error("idempotency key {0:?} was used before with different parameters")]
    IdempotencyKeyReused(String),
    /// The key's first request is still being executed.
    #[error("a request with idempotency key {0:?} is still in flight")]
    IdempotencyInProgress(String),
    /// The caller's role is too low for the command.
    #[error("{command} needs the {needed} role")]
    Forbidden {
        /// The command asked for.
        command: String,
        /// The role it needs.
        needed: &'static str,
    },
    /// The database failed; the change was not made (or its outcome is unknown
    /// and a retry with the same idempotency key is safe).
    #[error("storage error: {0}")]
    Storage(#[from] sqlx::Error),
    /// Another run holds the gates (on PostgreSQL: another instance).
    #[error("another reconciliation run is in progress; try again shortly")]
    GateRunInProgress,
    /// An export's time range is wider than the server allows.
    #[error("the export's range is wider than {max_days} days; export it in parts (an open `from` is unbounded)")]
    ExportRangeTooWide {
        /// The widest range allowed.
        max_days: i64,
    },
    /// An export would have more rows than the server allows.
    #[error("the export has more than {max_rows} rows; narrow its filter or range")]
    ExportTooLarge {
        /// The most rows allowed.
        max_rows: u64,
    },
    /// As many exports as allowed are running already.
    #[error("as many exports as this server runs at once are running; try again when one ends")]
    TooManyExports,
    /// The proposal was decided already.
    #[error("proposal {id} is {status} already")]
    ApprovalAlreadyDecided {
        /// The proposal.
        id: String,
        /// How it ended.
        status: String,
    },
    /// The proposal was not decided in time.
    #[error("proposal {0} has expired; propose the command again")]
    ApprovalExpired(String),
    /// The proposer tried to decide their own proposal.
    #[error("{identity} proposed {id}; a second operator must decide it")]
    SelfApproval {
        /// The proposal.
        id: String,
        /// The person (email or operator name) behind both.
        identity: String,
    },
    /// The proposal was rejected: what its proposer's key answers after.
    #[error("proposal {id} was rejected by {by}: {reason}")]
    ApprovalRejected {
        /// The proposal.
        id: String,
        /// Who rejected it.
        by: String,
        /// Why.
        reason: String,
    },
    /// The approved command was refused when it ran; the proposal is now
    /// `failed` with the same code. This is what its proposer's key answers.
    #[error("proposal {id} was approved but its command was refused: {detail}")]
    ProposalFailed {
        /// The proposal.
        id: String,
        /// The refusal's code.
        code: ErrorCode,
        /// Its detail.
        detail: String,
    },
    /// An approval whose command was refused when it ran: the refusal,
    /// answered to the approver after the proposal was recorded `failed`.
    #[error("proposal {id} failed: {cause}")]
    ExecutionRefused {
        /// The proposal.
        id: String,
        /// The command's own refusal.
        cause: Box<LedgerError>,
    },
    /// A stored record is not what the code expects.
    #[error("internal error: {0}")]
    Internal(String),
}

fn describe_fields(fields: &[FieldError]) -> String {
    fields.iter().map(|f| format!("{} {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
}

impl LedgerError {
    /// A validation error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        LedgerError::Validation(vec![FieldError::new(field, message)])
    }

    /// The stable wire code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            LedgerError::Validation(_) => ErrorCode::ValidationFailed,
            LedgerError::CurrencyUnknown(_) => ErrorCode::CurrencyUnknown,
            LedgerError::CurrencyMismatch(_) => ErrorCode::CurrencyMismatch,
            LedgerError::InsufficientFunds { .. } => ErrorCode::InsufficientFunds,
            LedgerError::BalanceLimitExceeded { .. } => ErrorCode::BalanceLimitExceeded,
            LedgerError::FlagDenied { .. } => ErrorCode::FlagDenied,
            LedgerError::HoldNotOpen { .. } => ErrorCode::HoldNotOpen,
            LedgerError::HoldWrongStatus { .. } => ErrorCode::HoldWrongStatus,
            LedgerError::DuplicateProviderReference { .. } => ErrorCode::DuplicateProviderReference,
            LedgerError::AlreadyReversed(_) => ErrorCode::AlreadyReversed,
            LedgerError::NotReversible { .. } => ErrorCode::NotReversible,
            LedgerError::NotFound { .. } | LedgerError::UnknownCommand(_) => ErrorCode::NotFound,
            LedgerError::IdempotencyKeyMissing(_) => ErrorCode::IdempotencyKeyMissing,
            LedgerError::IdempotencyKeyReused(_) => ErrorCode::IdempotencyKeyReused,
            LedgerError::IdempotencyInProgress(_) => ErrorCode::IdempotencyInProgress,
            LedgerError::Forbidden { .. } => ErrorCode::Forbidden,
            LedgerError::Storage(_) => ErrorCode::StorageUnavailable,
            LedgerError::GateRunInProgress => ErrorCode::GateRunInProgress,
            LedgerError::ExportRangeTooWide { .. } => ErrorCode::ExportRangeTooWide,
            LedgerError::ExportTooLarge { .. } => ErrorCode::ExportTooLarge,
            LedgerError::TooManyExports => ErrorCode::TooManyExports,
            LedgerError::ApprovalAlreadyDecided { .. } => ErrorCode::ApprovalAlreadyDecided,
            LedgerError::ApprovalExpired(_) => ErrorCode::ApprovalExpired,
            LedgerError::SelfApproval { .. } => ErrorCode::SelfApproval,
            LedgerError::ApprovalRejected { .. } => ErrorCode::ApprovalRejected,
            LedgerError::ProposalFailed { code, .. } => *code,
            LedgerError::ExecutionRefused { cause, .. } => cause.code(),
            LedgerError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The per-field messages of a validation error (empty for the others).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            LedgerError::Validation(fields) => fields,
            LedgerError::ExecutionRefused { cause, .. } => cause.field_errors(),
            _ => &[],
        }
    }

    /// Whether this is a refusal (the request itself cannot succeed as it
    /// is) rather than a failure of the system (storage, internal), which a
    /// retry may cure. The audit log records the two apart.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, LedgerError::Storage(_) | LedgerError::Internal(_) | LedgerError::GateRunInProgress)
    }
}

/// Shorthand for results of the wallet core.
pub type LedgerResult<T> = Result<T, LedgerError>;
