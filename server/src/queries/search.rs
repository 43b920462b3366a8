//! Search: everything a query names exactly, across holds, transactions,
//! wallets, merchants, outbox messages, findings and audit entries.
//!
//! The query is trimmed and compared with `=` (case-sensitive; never `LIKE`,
//! so `%`, `_` and `*` are plain characters) against each searched column,
//! one indexed probe per column (`probes.rs`), all in one snapshot. Hits are
//! ordered most specific first — by the field that matched (`id`, then
//! `merchant_id`, `reference`, `provider_reference`, `idempotency_key`,
//! `subject_id`), then by kind, then newest first — and a thing matched by
//! two fields is listed once, under the more specific. The hits kept are then
//! placed (`places.rs`): a transaction's amounts and wallet, and the hold,
//! wallet, merchant or transaction a message, finding or audit entry is about.

mod places;
mod probes;

use super::paging::Checks;
use super::snapshot;
use crate::error::LedgerResult;
use crate::store::Store;
use ledgerdeck_client::search::{DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT};
use ledgerdeck_client::{HitKind, SearchHit, SearchQuery, SearchResults};
use std::collections::HashSet;

/// The fields a hit can match, most specific first.
const MATCH_ORDER: [&str; 6] =
    ["id", "merchant_id", "reference", "provider_reference", "idempotency_key", "subject_id"];

/// The hits of `query.q` (trimmed), at most `query.limit` (1 to 100, default
/// 20), most specific first; an empty or over-long query or a limit out of
/// range is `VALIDATION_FAILED`.
pub async fn search(store: &Store, query: &SearchQuery) -> LedgerResult<SearchResults> {
    let mut checks = Checks::new();
    let text = checks.exact_text("q", Some(&query.q));
    let limit = checks.bounded_limit(query.limit, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
    checks.finish()?;
    let text = text.unwrap_or_default();
    let mut tx = snapshot(store).await?;
    // One more than asked for from each probe: if more than `limit` distinct
    // hits come back, more exist.
    let found = probes::run(&mut tx, &text, limit + 1).await?;
    let mut hits = most_specific_first(found);
    let kept = usize::try_from(limit).unwrap_or(usize::MAX);
    let truncated = hits.len() > kept;
    hits.truncate(kept);
    places::place(&mut tx, &mut hits).await?;
    tx.rollback().await?;
    Ok(SearchResults { query: text, hits: hits.into_iter().map(|h| h.hit).collect(), truncated })
}

/// A hit as a probe found it, with what placing it still needs.
#[derive(Debug)]
struct Found {
    hit: SearchHit,
    /// The record a message, finding or audit entry is about, to be placed.
    subject: Option<String>,
    /// A transaction's reference, for its summary.
    reference: Option<String>,
}

impl Found {
    fn new(hit: SearchHit) -> Self {
        Found { hit, subject: None, reference: None }
    }
}

/// Sorts by the field matched, then kind, then newest first (ids are
/// time-ordered UUIDv7s, as the probes' `ORDER BY id DESC` takes them; two
/// probes of one field and kind are merged so), and keeps each thing once,
/// under its most specific match.
fn most_specific_first(mut found: Vec<Found>) -> Vec<Found> {
    let rank = |h: &SearchHit| MATCH_ORDER.iter().position(|m| *m == h.matched).unwrap_or(MATCH_ORDER.len());
    found.sort_by(|a, b| {
        let key = |f: &Found| (rank(&f.hit), kind_order(f.hit.kind));
        key(a).cmp(&key(b)).then_with(|| b.hit.id.cmp(&a.hit.id))
    });
    let mut seen: HashSet<(HitKind, String)> = HashSet::new();
    found.retain(|f| seen.insert((f.hit.kind, f.hit.id.clone())));
    found
}

/// Kinds in the order the wire enum lists them.
fn kind_order(kind: HitKind) -> u8 {
    match kind {
        HitKind::Hold => 0,
        HitKind::Transaction => 1,
        HitKind::Wallet => 2,
        HitKind::Merchant => 3,
        HitKind::OutboxMessage => 4,
        HitKind::Finding => 5,
        HitKind::AuditEntry => 6,
    }
}

/// Text made one inert line for a summary: control characters dropped.
fn one_line(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(kind: HitKind, id: &str, matched: &str) -> Found {
        let hit = SearchHit {
            kind,
            id: id.into(),
            matched: matched.into(),
            summary: String::new(),
            merchant_id: None,
            wallet_id: None,
            hold_id: None,
            transaction_id: None,
            gate: None,
            at: None,
        };
        Found::new(hit)
    }

    #[test]
    fn ids_come_before_references_and_each_thing_once() {
        let hits = most_specific_first(vec![
            found(HitKind::AuditEntry, "a-1", "subject_id"),
            found(HitKind::Hold, "h-2", "reference"),
            found(HitKind::Transaction, "t-1", "id"),
            found(HitKind::Hold, "h-1", "id"),
            found(HitKind::Hold, "h-1", "reference"),
            found(HitKind::AuditEntry, "a-2", "idempotency_key"),
            found(HitKind::Merchant, "m-1", "merchant_id"),
        ]);
        let order: Vec<(&str, &str)> = hits.iter().map(|f| (f.hit.id.as_str(), f.hit.matched.as_str())).collect();
        assert_eq!(
            order,
            [
                ("h-1", "id"),
                ("t-1", "id"),
                ("m-1", "merchant_id"),
                ("h-2", "reference"),
                ("a-2", "idempotency_key"),
                ("a-1", "subject_id")
            ]
        );
    }

    #[test]
    fn two_probes_of_one_field_and_kind_merge_newest_first() {
        // The hold's own provider reference, then one a provider event named.
        let hits = most_specific_first(vec![
            found(HitKind::Hold, "0193-a", "provider_reference"),
            found(HitKind::Hold, "0193-c", "provider_reference"),
            found(HitKind::Hold, "0193-b", "provider_reference"),
        ]);
        let ids: Vec<&str> = hits.iter().map(|f| f.hit.id.as_str()).collect();
        assert_eq!(ids, ["0193-c", "0193-b", "0193-a"]);
    }

    #[test]
    fn summaries_are_one_inert_line() {
        assert_eq!(one_line("PO-1\n\u{1b}[31mred\u{7}"), "PO-1[31mred");
    }
}
