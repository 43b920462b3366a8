//! Payout hold commands: reserve, and the operator's manual review, settle
//! and release. An operator ends a hold only from `manual_review`: while the
//! saga still owns it, settling would be a guess.

use super::wallets::Outcome;
use super::{CommandContext, Params};
use crate::error::LedgerResult;
use crate::holds::{self, HoldEnd};
use crate::ledger::load_wallet;
use ledgerdeck_client::{CommandResult, CommandStatus};
use sqlx::AnyConnection;

/// `reserve_payout`: hold money for a payout (available → reserved).
pub async fn reserve_payout(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let wallet = load_wallet(conn, p.required("wallet_id")?).await?;
    let scope = crate::flags::FlagScope::wallet(&wallet).with_provider(p.required("provider")?);
    crate::flags::check(conn, &crate::flags::PAYOUT_GATES, &scope).await?;
    let amount = p.amount("amount", &wallet.currency)?;
    let reference =
        p.text("reference").map(str::to_string).unwrap_or_else(|| format!("payout-{}", uuid::Uuid::now_v7()));
    let reserved =
        holds::reserve(conn, &wallet, amount, p.required("provider")?, &reference, cx.moved_by(), cx.now).await?;
    Outcome {
        status: CommandStatus::Posted,
        event: "payout.reserved",
        reference: Some(reference),
        subject_id: reserved.hold_id,
    }
    .record(conn, cx, vec![reserved.transaction_id], &[&wallet])
    .await
}

/// `settle_hold`: the provider paid; the reserved money leaves for the
/// provider's payout clearing account.
pub async fn settle_hold(conn: &mut AnyConnection, p: &Params, cx: &CommandContext<'_>) -> LedgerResult<CommandResult> {
    end_hold(conn, p, cx, HoldEnd::Settle, "payout.settled").await
}

/// `release_hold`: the provider failed; the reserved money returns to available.
pub async fn release_hold(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    end_hold(conn, p, cx, HoldEnd::Release, "payout.released").await
}

async fn end_hold(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
    end: HoldEnd,
    event: &'static str,
) -> LedgerResult<CommandResult> {
    let (hold, transaction_id) = holds::finish(
        conn,
        p.required("hold_id")?,
        end,
        &holds::REVIEW_STATUSES,
        cx.moved_by(),
        p.required("reason")?,
        p.text("provider_reference"),
        cx.now,
    )
    .await?;
    let wallet = load_wallet(conn, &hold.wallet_id).await?;
    Outcome { status: CommandStatus::Posted, event, reference: Some(hold.reference), subject_id: hold.id }
        .record(conn, cx, vec![transaction_id], &[&wallet])
        .await
}

/// `mark_manual_review`: send a stuck hold to the operators' queue by hand.
pub async fn mark_manual_review(
    conn: &mut AnyConnection,
    p: &Params,
    cx: &CommandContext<'_>,
) -> LedgerResult<CommandResult> {
    let reason = p.required("reason")?;
    let hold = holds::change_status(
        conn,
        p.required("hold_id")?,
        &holds::SAGA_STATUSES,
        "manual_review",
        cx.moved_by(),
        reason,
        cx.now,
    )
    .await?;
    holds::alert_manual_review(conn, &hold, reason, cx.now).await?;
    let wallet = load_wallet(conn, &hold.wallet_id).await?;
    Outcome {
        status: CommandStatus::Posted,
        event: "payout.manual_review",
        reference: Some(hold.reference),
        subject_id: hold.id,
    }
    .record(conn, cx, Vec::new(), &[&wallet])
    .await
}
