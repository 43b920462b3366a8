//! Subscribing with a `Last-Event-ID`: from the hub's memory when it can,
//! from the change log when the id is older, with a `reset` when neither
//! can (pruned, too far behind, or an id this database never gave).

use super::hub::{EventHub, Resume, StreamEvent, Subscription};
use crate::changes;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Most changes a resume reads from the log; a client further behind is
/// told to refetch instead.
pub const MOST_CATCH_UP: i64 = 10_000;

/// How long a subscriber waits for a starting instance's tailer to catch
/// up before it is served a `reset` instead.
const TAIL_START_WAIT: Duration = Duration::from_secs(5);

/// Subscribes to `hub`, resuming after `last_event_id` if given.
pub async fn subscribe(hub: &EventHub, store: &Store, last_event_id: Option<&str>) -> Subscription {
    if !hub.started_within(TAIL_START_WAIT).await {
        let (subscription, _) = hub.subscribe_after(None);
        return restart(subscription, hub, None);
    }
    let last = match last_event_id.map(|id| id.trim().parse::<i64>()) {
        None => None,
        Some(Ok(seq)) if seq >= 0 => Some(seq),
        Some(_) => {
            let (subscription, _) = hub.subscribe_after(None);
            return restart(subscription, hub, None);
        }
    };
    let (mut subscription, resume) = hub.subscribe_after(last);
    let Some(last) = last else { return subscription };
    match resume {
        Resume::Done => subscription,
        Resume::Ahead { head } => match changes::head(store).await {
            Ok(logged) if last <= logged => subscription,
            _ => restart(subscription, hub, Some(head)),
        },
        Resume::FromLog { through } => {
            if through - last > MOST_CATCH_UP {
                return restart(subscription, hub, None);
            }
            // The range first, the horizon after: a prune in between shows
            // as a horizon past `last`, never as a silently short range.
            let missed = changes::read_range(store, last, through, MOST_CATCH_UP).await;
            let unpruned = changes::horizon(store).await.is_ok_and(|pruned_through| last >= pruned_through);
            match missed {
                Ok(_) if !unpruned => restart(subscription, hub, None),
                Ok(missed) => {
                    subscription.backlog = missed.into_iter().map(|c| Arc::new(StreamEvent::from(c))).collect();
                    subscription
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a resume could not read the change log");
                    restart(subscription, hub, None)
                }
            }
        }
    }
}

/// The subscription as a `reset`: the client refetches, learns the current
/// states, and follows on from the hub's head (`head`, when its
/// `sent_through` was set past it).
fn restart(mut subscription: Subscription, hub: &EventHub, head: Option<i64>) -> Subscription {
    subscription.reset = true;
    subscription.backlog = hub.states();
    if let Some(head) = head {
        subscription.sent_through = head;
    }
    subscription
}
