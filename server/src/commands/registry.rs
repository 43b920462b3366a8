//! The declarative registry: every command's name, title, fields, role and
//! whether it moves money, with the function that runs it. The API mounts a
//! route per entry and serves the specs; the cockpit builds forms from them.

use super::approvals::{decide, policy};
use super::params::{FieldDef, Params};
use super::{
    CommandContext, Ledger, flag_commands, gate_commands, movements, payouts, sso_commands, wallets, webhook_commands,
};
use crate::error::LedgerResult;
use crate::flags;
use ledgerdeck_client::gates::GATES;
use ledgerdeck_client::{CommandResult, CommandSpec, FieldKind as K, FieldSpec, Role};
use sqlx::AnyConnection;
use std::future::Future;
use std::pin::Pin;

/// The future a command returns.
pub type CommandFuture<'c> = Pin<Box<dyn Future<Output = LedgerResult<CommandResult>> + Send + 'c>>;

/// A command's body: runs on the dispatcher's open transaction.
pub type RunFn = for<'c> fn(&'c mut AnyConnection, &'c Params, &'c CommandContext<'c>) -> CommandFuture<'c>;

/// A command's body that runs outside the dispatcher's transaction, because
/// it reads for long (a gate run must not hold SQLite's write lock) and
/// writes only what it records itself.
pub type StandaloneFn = for<'c> fn(&'c Ledger, &'c Params, &'c CommandContext<'c>) -> CommandFuture<'c>;

/// How a command runs.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// On the dispatcher's write transaction, which also completes the
    /// idempotency key and writes the audit row.
    InTransaction(RunFn),
    /// On its own; the key and the audit row are written after it.
    Standalone(StandaloneFn),
}

/// One registry entry.
#[derive(Debug, Clone, Copy)]
pub struct CommandDef {
    /// Stable name.
    pub name: &'static str,
    /// Title for menus.
    pub title: &'static str,
    /// Parameters.
    pub fields: &'static [FieldDef],
    /// Least role allowed.
    pub role: Role,
    /// Whether it moves money (and so needs an idempotency key).
    pub moves_money: bool,
    /// The body.
    pub body: Body,
}

impl CommandDef {
    /// The entry as served to clients.
    pub fn spec(&self) -> CommandSpec {
        CommandSpec {
            name: self.name.into(),
            title: self.title.into(),
            fields: self
                .fields
                .iter()
                .map(|f| FieldSpec {
                    name: f.name.into(),
                    kind: f.kind,
                    required: f.required,
                    help: f.help.into(),
                    choices: f.choices.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
            role: self.role,
            moves_money: self.moves_money,
        }
    }
}

macro_rules! standalone {
    ($f:path) => {{
        fn run<'c>(ledger: &'c Ledger, p: &'c Params, cx: &'c CommandContext<'c>) -> CommandFuture<'c> {
            Box::pin($f(ledger, p, cx))
        }
        run
    }};
}

macro_rules! boxed {
    ($f:path) => {{
        fn run<'c>(conn: &'c mut AnyConnection, p: &'c Params, cx: &'c CommandContext<'c>) -> CommandFuture<'c> {
            Box::pin($f(conn, p, cx))
        }
        run
    }};
}

const REFERENCE: FieldDef = FieldDef::optional("reference", K::Text, "Your reference for this movement");
const REASON: FieldDef = FieldDef::required("reason", K::Reason, "Why, for the audit trail");

static COMMANDS: &[CommandDef] = &[
    CommandDef {
        name: "create_wallet",
        title: "Create wallet",
        fields: &[
            FieldDef::required("merchant_id", K::Text, "The merchant the wallet belongs to"),
            FieldDef::required("currency", K::Currency, "The wallet's one currency"),
            FieldDef::optional("label", K::Text, "A name for people"),
        ],
        role: Role::Operator,
        moves_money: false,
        body: Body::InTransaction(boxed!(wallets::create_wallet)),
    },
    CommandDef {
        name: "post_payin",
        title: "Post pay-in",
        fields: &[
            FieldDef::required("wallet_id", K::WalletId, "The wallet credited"),
            FieldDef::required("amount", K::Amount, "Amount received"),
            FieldDef::required("provider", K::Text, "The pay-in provider"),
            FieldDef::optional(
                "provider_reference",
                K::Text,
                "The provider's own reference of the pay-in: each is credited once",
            ),
            REFERENCE,
        ],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(movements::post_payin)),
    },
    CommandDef {
        name: "transfer",
        title: "Transfer between wallets",
        fields: &[
            FieldDef::required("from_wallet_id", K::WalletId, "The wallet debited"),
            FieldDef::required("to_wallet_id", K::WalletId, "The wallet credited (same currency)"),
            FieldDef::required("amount", K::Amount, "Amount moved"),
            REFERENCE,
        ],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(movements::transfer)),
    },
    CommandDef {
        name: "reserve_payout",
        title: "Reserve payout",
        fields: &[
            FieldDef::required("wallet_id", K::WalletId, "The wallet paying out"),
            FieldDef::required("amount", K::Amount, "Amount to pay out"),
            FieldDef::required("provider", K::Text, "The payout provider"),
            REFERENCE,
        ],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(payouts::reserve_payout)),
    },
    CommandDef {
        name: "settle_hold",
        title: "Settle hold (provider paid)",
        fields: &[
            FieldDef::required("hold_id", K::HoldId, "The hold to settle"),
            REASON,
            FieldDef::optional("provider_reference", K::Text, "The provider's reference, as evidence"),
        ],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(payouts::settle_hold)),
    },
    CommandDef {
        name: "release_hold",
        title: "Release hold (provider failed)",
        fields: &[
            FieldDef::required("hold_id", K::HoldId, "The hold to release"),
            REASON,
            FieldDef::optional("provider_reference", K::Text, "The provider's reference, as evidence"),
        ],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(payouts::release_hold)),
    },
    CommandDef {
        name: "mark_manual_review",
        title: "Send hold to manual review",
        fields: &[FieldDef::required("hold_id", K::HoldId, "The stuck hold"), REASON],
        role: Role::Operator,
        moves_money: false,
        body: Body::InTransaction(boxed!(payouts::mark_manual_review)),
    },
    CommandDef {
        name: "post_correction",
        title: "Post correction",
        fields: &[
            FieldDef::required("wallet_id", K::WalletId, "The wallet corrected"),
            FieldDef::choice("direction", &["credit", "debit"], "Credit adds to the wallet, debit takes away"),
            FieldDef::required("amount", K::Amount, "Amount of the correction"),
            REASON,
            FieldDef::optional("effective_at", K::Timestamp, "Back-date the correction to this time"),
        ],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(movements::post_correction)),
    },
    CommandDef {
        name: "reverse_transaction",
        title: "Reverse transaction",
        fields: &[FieldDef::required("transaction_id", K::TransactionId, "The transaction to reverse"), REASON],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(movements::reverse_transaction)),
    },
    CommandDef {
        name: "fund_bank_account",
        title: "Fund treasury bank account",
        fields: &[
            FieldDef::required("currency", K::Currency, "The bank account's currency"),
            FieldDef::required("amount", K::Amount, "Amount deposited"),
            REFERENCE,
        ],
        role: Role::Admin,
        moves_money: true,
        body: Body::InTransaction(boxed!(movements::fund_bank_account)),
    },
    CommandDef {
        name: "post_opening_balance",
        title: "Post opening balance",
        fields: &[
            FieldDef::required("wallet_id", K::WalletId, "The wallet brought in"),
            FieldDef::required("amount", K::Amount, "Its balance where it comes from"),
            REFERENCE,
        ],
        role: Role::Admin,
        moves_money: true,
        body: Body::InTransaction(boxed!(movements::post_opening_balance)),
    },
    CommandDef {
        name: "set_feature_flag",
        title: "Set feature flag",
        fields: &[
            FieldDef::choice("name", &flags::KNOWN_FLAGS, "The flag"),
            FieldDef::choice("scope", &flags::SCOPES, "Where the setting applies"),
            FieldDef::optional(
                "scope_value",
                K::Text,
                "The merchant id, currency code or provider; required unless the scope is global, empty for global",
            ),
            FieldDef::choice("enabled", &["true", "false"], "false denies what the flag gates at this scope"),
            FieldDef::optional_choice(
                "mode",
                &flags::MODES,
                "Global scope only: fail_open allows unless a scope says false; \
                 fail_closed allows only merchants, currencies or providers set to true",
            ),
        ],
        role: Role::Admin,
        moves_money: false,
        body: Body::InTransaction(boxed!(flag_commands::set_feature_flag)),
    },
    CommandDef {
        name: "create_webhook_endpoint",
        title: "Create webhook endpoint",
        fields: &[
            FieldDef::required("url", K::Url, "Where events are posted (http:// or https://)"),
            FieldDef::optional("event_types", K::Text, "* (default) or a comma list such as payout.*,wallet.created"),
            FieldDef::optional("secret", K::Text, "A whsec_ signing secret; generated and shown once if omitted"),
        ],
        role: Role::Admin,
        moves_money: false,
        body: Body::InTransaction(boxed!(webhook_commands::create_webhook_endpoint)),
    },
    CommandDef {
        name: "set_webhook_endpoint_enabled",
        title: "Enable or disable webhook endpoint",
        fields: &[
            FieldDef::required("endpoint_id", K::Text, "The endpoint"),
            FieldDef::choice("enabled", &["true", "false"], "false stops deliveries and makes pending ones dead"),
        ],
        role: Role::Admin,
        moves_money: false,
        body: Body::InTransaction(boxed!(webhook_commands::set_webhook_endpoint_enabled)),
    },
    CommandDef {
        name: "retry_outbox_message",
        title: "Retry outbox message",
        fields: &[FieldDef::required("message_id", K::Text, "The message whose dead or failing deliveries to retry")],
        role: Role::Operator,
        moves_money: false,
        body: Body::InTransaction(boxed!(webhook_commands::retry_outbox_message)),
    },
    CommandDef {
        name: "retry_dead_deliveries",
        title: "Retry an endpoint's dead deliveries",
        fields: &[FieldDef::required("endpoint_id", K::Text, "The (enabled) endpoint")],
        role: Role::Operator,
        moves_money: false,
        body: Body::InTransaction(boxed!(webhook_commands::retry_dead_deliveries)),
    },
    CommandDef {
        name: "send_test_event",
        title: "Send test event to webhook endpoint",
        fields: &[FieldDef::required("endpoint_id", K::Text, "The (enabled) endpoint")],
        role: Role::Operator,
        moves_money: false,
        body: Body::InTransaction(boxed!(webhook_commands::send_test_event)),
    },
    CommandDef {
        name: "set_approval_policy",
        title: "Set approval policy (four eyes)",
        fields: &[
            FieldDef::required("command", K::Text, "The command a second operator must approve"),
            FieldDef::optional("threshold", K::Amount, "Only calls moving at least this much; every call if omitted"),
            FieldDef::optional("currency", K::Currency, "The threshold's currency"),
            FieldDef::optional_choice(
                "other_currencies",
                &policy::OTHER_CURRENCIES,
                "Calls in other currencies than the threshold's: apply (default) or skip",
            ),
            FieldDef::optional_choice("enabled", &["true", "false"], "false lifts the command's policy"),
        ],
        role: Role::Admin,
        moves_money: false,
        body: Body::InTransaction(boxed!(policy::set_approval_policy)),
    },
    CommandDef {
        name: "approve_proposal",
        title: "Approve proposal (second operator)",
        fields: &[FieldDef::required("proposal_id", K::Text, "The proposal to approve and run"), REASON],
        role: Role::Operator,
        moves_money: true,
        body: Body::InTransaction(boxed!(decide::approve_proposal)),
    },
    CommandDef {
        name: "reject_proposal",
        title: "Reject proposal (second operator)",
        fields: &[FieldDef::required("proposal_id", K::Text, "The proposal to reject"), REASON],
        role: Role::Operator,
        moves_money: false,
        body: Body::InTransaction(boxed!(decide::reject_proposal)),
    },
    CommandDef {
        name: "run_gates",
        title: "Run reconciliation gates",
        fields: &[
            FieldDef::optional_choice("gate", &GATES, "One gate; every gate if omitted"),
            FieldDef::optional_choice("mode", &["full", "routine"], "full (default) checks everything"),
        ],
        role: Role::Operator,
        moves_money: false,
        body: Body::Standalone(standalone!(gate_commands::run_gates)),
    },
    CommandDef {
        name: "rebuild_statements",
        title: "Rebuild statements from the ledger",
        fields: &[FieldDef::optional("wallet_id", K::WalletId, "One wallet; every wallet if omitted")],
        role: Role::Admin,
        moves_money: false,
        body: Body::InTransaction(boxed!(gate_commands::rebuild_statements)),
    },
    CommandDef {
        name: "allow_sso_email",
        title: "Allow an email to sign in (SSO)",
        fields: &[
            FieldDef::required("email", K::Text, "The email, as the identity provider verifies it"),
            FieldDef::choice("role", &["viewer", "operator", "admin"], "The list: the role its sessions get"),
        ],
        role: Role::Admin,
        moves_money: false,
        body: Body::InTransaction(boxed!(sso_commands::allow_sso_email)),
    },
    CommandDef {
        name: "remove_sso_email",
        title: "Remove an email from the SSO allowlists",
        fields: &[FieldDef::required("email", K::Text, "The email; its sessions stop working at once")],
        role: Role::Admin,
        moves_money: false,
        body: Body::InTransaction(boxed!(sso_commands::remove_sso_email)),
    },
];

/// Every registry entry, in menu order.
pub fn registry() -> &'static [CommandDef] {
    COMMANDS
}

/// The entry named `name`.
pub fn find(name: &str) -> Option<&'static CommandDef> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Every entry as served to clients.
pub fn specs() -> Vec<CommandSpec> {
    COMMANDS.iter().map(CommandDef::spec).collect()
}
