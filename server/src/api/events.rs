//! `GET /v1/events`: server-sent events of committed changes, with
//! heartbeats, `Last-Event-ID` resumption on any instance, and access that
//! ends the stream when the token does.

use super::AppState;
use super::auth::Authed;
use super::problem::ApiError;
use crate::access;
use crate::changes::TOKEN_REVOKED;
use crate::events::{StreamEvent, StreamGuard, Subscription};
use crate::store::now_micros;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt as _};
use ledgerdeck_client::events::{AccessEnded, LiveEvent, Quiet, Reset};
use ledgerdeck_client::{ErrorCode, Problem};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Sleep;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

fn sse_event(event: &StreamEvent) -> Event {
    let sse = Event::default().event(&event.kind).data(&*event.text);
    match event.seq {
        Some(seq) => sse.id(seq.to_string()),
        None => sse,
    }
}

/// An event without an id (a heartbeat, a reset, an end): not resumable from.
fn unnumbered(event: LiveEvent) -> Event {
    let (kind, data) = event.into_parts();
    Event::default().event(kind).data(data.to_string())
}

fn access_ended(reason: &str) -> Event {
    unnumbered(LiveEvent::AccessRevoked(AccessEnded { reason: reason.to_string() }))
}

/// The live stream of changes. Ids are global to the database: send
/// `Last-Event-ID` to resume on any instance; a `reset` event means what was
/// missed cannot be replayed and the client should refetch. A stream whose
/// token is revoked, or reaches its expiry, ends with `access.revoked`.
#[utoipa::path(get, path = "/v1/events", tag = "events",
    params(("Last-Event-ID" = Option<String>, Header, description = "resume after this event")),
    responses((status = 200, description = "text/event-stream of changes"), (status = 401, body = Problem),
        (status = 429, description = "the token has too many open streams", body = Problem)),
    security(("bearer" = [])))]
async fn events(
    State(state): State<AppState>,
    auth: Authed,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let token = super::auth::bearer(&headers).unwrap_or_default().to_string();
    let token_id = access::token_id(&token).unwrap_or_default().to_string();
    let cap = state.config.streams_per_token;
    let guard = state.events.open_stream(&token_id, cap).ok_or_else(|| {
        ApiError::new(
            ErrorCode::TooManyStreams,
            format!("this token already has {cap} open event streams here; close one, or use another token"),
        )
    })?;
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_string);
    let subscription = crate::events::subscribe(&state.events, state.ledger.store(), last.as_deref()).await;
    let expires_at = auth.0.expires_at;
    let follower = Follower { state: state.clone(), token, token_id, expires_at, _guard: guard };
    // The token was checked before subscribing: a revocation delivered in
    // between would be behind this subscription's start, so ask again.
    if !follower.still_allowed().await {
        return Err(ApiError::new(ErrorCode::Unauthenticated, "the token is no longer valid"));
    }
    let stream = follow(follower, subscription).take_until(state.shutdown.clone().cancelled_owned());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// One stream's reader: whose it is, and its place in the stream count.
struct Follower {
    state: AppState,
    token: String,
    token_id: String,
    /// When the token expires (µs since the epoch): the stream ends then.
    expires_at: Option<i64>,
    _guard: StreamGuard,
}

/// What the stream does with one event.
enum Verdict {
    Send(Event),
    Skip,
    /// Send this and end the stream.
    End(Event),
}

impl Follower {
    fn judge(&self, event: &StreamEvent) -> Verdict {
        if event.kind != TOKEN_REVOKED {
            return Verdict::Send(sse_event(event));
        }
        // A revocation names its token: the end of this stream, or none of
        // its business (another operator's token id is not for it to see).
        if event.data["token_id"].as_str() == Some(self.token_id.as_str()) {
            Verdict::End(access_ended(event.data["reason"].as_str().unwrap_or("the token was revoked")))
        } else {
            Verdict::Skip
        }
    }

    /// Whether the token still stands, and an SSO session's email is still
    /// on a list (a database error is not taken for a revocation: the next
    /// heartbeat asks again).
    async fn still_allowed(&self) -> bool {
        let dev_open = self.state.sso_dev_open();
        match crate::sso::authenticate(self.state.ledger.store(), dev_open, &self.token).await {
            Ok(caller) => caller.is_some(),
            Err(e) => {
                tracing::debug!(error = %e, "token re-check failed; keeping the stream");
                true
            }
        }
    }
}

struct Following {
    follower: Follower,
    live: tokio::sync::broadcast::Receiver<Arc<StreamEvent>>,
    heartbeat: tokio::time::Interval,
    expiry: Option<Pin<Box<Sleep>>>,
    sent_through: i64,
    ended: bool,
}

/// A timer to the token's expiry (`None`: it never expires).
fn expiry_timer(expires_at: Option<i64>) -> Option<Pin<Box<Sleep>>> {
    let left = expires_at?.saturating_sub(now_micros()).max(0);
    Some(Box::pin(tokio::time::sleep(Duration::from_micros(left.unsigned_abs()))))
}

/// Ready when the token expires; never for one that does not.
async fn expired(expiry: &mut Option<Pin<Box<Sleep>>>) {
    match expiry {
        Some(timer) => timer.as_mut().await,
        None => std::future::pending().await,
    }
}

fn follow(follower: Follower, subscription: Subscription) -> impl Stream<Item = Result<Event, Infallible>> {
    let Subscription { backlog, reset, sent_through, live } = subscription;
    let mut first: Vec<Event> = Vec::new();
    if reset {
        first.push(unnumbered(LiveEvent::Reset(Reset::default())));
    }
    let mut ended = false;
    for event in &backlog {
        match follower.judge(event) {
            Verdict::Send(e) => first.push(e),
            Verdict::Skip => {}
            Verdict::End(e) => {
                first.push(e);
                ended = true;
                break;
            }
        }
    }
    let sent_through = backlog.iter().filter_map(|e| e.seq).fold(sent_through, i64::max);
    let mut heartbeat = tokio::time::interval(follower.state.config.heartbeat);
    heartbeat.reset();
    let expiry = expiry_timer(follower.expires_at);
    let following = Following { follower, live, heartbeat, expiry, sent_through, ended };
    let rest = futures::stream::unfold(following, |mut f| async move {
        if f.ended {
            return None;
        }
        let item = next_item(&mut f).await?;
        Some((Ok(item), f))
    });
    futures::stream::iter(first.into_iter().map(Ok)).chain(rest)
}

/// The stream's next event, or `None` when it ends.
async fn next_item(f: &mut Following) -> Option<Event> {
    loop {
        tokio::select! {
            received = f.live.recv() => match received {
                Ok(event) => {
                    if let Some(seq) = event.seq {
                        if seq <= f.sent_through {
                            continue;
                        }
                        f.sent_through = seq;
                    }
                    match f.follower.judge(&event) {
                        Verdict::Send(e) => return Some(e),
                        Verdict::Skip => continue,
                        Verdict::End(e) => {
                            f.ended = true;
                            return Some(e);
                        }
                    }
                }
                // A slow client fell behind the buffer: tell it to refetch,
                // unless what it missed ended its access.
                Err(RecvError::Lagged(_)) => {
                    if !f.follower.still_allowed().await {
                        f.ended = true;
                        return Some(access_ended("the token is no longer valid"));
                    }
                    return Some(unnumbered(LiveEvent::Reset(Reset::default())));
                }
                Err(RecvError::Closed) => return None,
            },
            _ = expired(&mut f.expiry) => {
                f.ended = true;
                return Some(access_ended("the token expired"));
            }
            _ = f.heartbeat.tick() => {
                if !f.follower.still_allowed().await {
                    f.ended = true;
                    return Some(access_ended("the token is no longer valid"));
                }
                return Some(unnumbered(LiveEvent::Heartbeat(Quiet {})));
            }
        }
    }
}

/// The event route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}
