//! The Outbox filter: text into the list's query, and the match of loaded
//! messages while the filter is still being typed.

use ledgerdeck_client::outbox::{DELIVERY_STATUSES, MESSAGE_STATUSES};
use ledgerdeck_client::{OutboxMessageQuery, OutboxMessageView};

/// Turns filter text into the list's query: `status:`, `delivery:`,
/// `type:` and `endpoint:` tokens; a bare delivery or message status word
/// filters on it; any other bare word is an event type.
pub fn parse_filter(text: &str) -> OutboxMessageQuery {
    let mut q = OutboxMessageQuery::default();
    for token in text.split_whitespace() {
        match token.split_once(':') {
            Some(("status", v)) => q.status = Some(v.into()),
            Some(("delivery", v)) => q.delivery_status = Some(v.into()),
            Some(("type", v)) => q.event_type = Some(v.into()),
            Some(("endpoint", v)) => q.endpoint_id = Some(v.into()),
            Some(("ref" | "subject", v)) => q.reference = Some(v.into()),
            _ if DELIVERY_STATUSES.contains(&token) => q.delivery_status = Some(token.into()),
            _ if MESSAGE_STATUSES.contains(&token) => q.status = Some(token.into()),
            _ => q.event_type = Some(token.into()),
        }
    }
    q
}

/// Whether a message matches filter text (used while typing, before the
/// server answers): every token must match.
pub(super) fn matches(m: &OutboxMessageView, text: &str) -> bool {
    text.split_whitespace().all(|token| {
        let t = token.to_lowercase();
        let deliveries = |s: &str| match s {
            "pending" => m.deliveries_pending > 0,
            "delivered" => m.deliveries_delivered > 0,
            "dead" => m.deliveries_dead > 0,
            _ => false,
        };
        match t.split_once(':') {
            Some(("status", v)) => m.status == v,
            Some(("delivery", v)) => deliveries(v),
            Some(("type", v)) => m.event_type.to_lowercase().contains(v),
            Some(("endpoint", _)) => true,
            Some(("ref" | "subject", v)) => m.subject_id.to_lowercase() == v,
            _ => {
                deliveries(&t)
                    || [&m.id, &m.event_type, &m.subject_id, &m.status].iter().any(|f| f.to_lowercase().contains(&t))
            }
        }
    })
}
