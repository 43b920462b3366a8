//! Following `GET /v1/events`: a spawned task keeps one stream open,
//! reconnects with jittered exponential backoff after any error or end of
//! stream (at once when asked to), resumes with `Last-Event-ID`, stops for
//! good when the server ends the stream's access, and hands events and
//! connection states to an [`EventSubscription`] through a channel.

use super::sse_parser::{Block, Limits, SseParser, TooLarge};
use super::{ApiClient, ClientError, backoff, error};
use futures::StreamExt;
use reqwest::Method;
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerEvent {
    /// Its id, if it carried one (a `reset` does not).
    pub id: Option<String>,
    /// Its kind: one of [`crate::events`] (`message` if it named none).
    pub kind: String,
    /// Its data as JSON; data that is not JSON arrives as a JSON string.
    pub data: serde_json::Value,
}

/// Where the subscription's connection stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionState {
    /// The first connection is being made.
    Connecting,
    /// Connected: events arrive as they happen.
    Live,
    /// Not connected; the next attempt starts at `retry_at` (or at once,
    /// after [`EventSubscription::reconnect_now`]).
    Reconnecting {
        /// Failed attempts since the last successful connection (1 first).
        attempt: u32,
        /// How long until the next attempt.
        delay: Duration,
        /// When the next attempt starts.
        retry_at: Instant,
        /// Why the stream is down: a transport error, the end of the
        /// stream, [`ClientError::StreamTooLarge`], or an error answer such
        /// as `TOO_MANY_STREAMS` (this token has as many streams open as
        /// the server allows) or `UNAVAILABLE`.
        error: ClientError,
    },
    /// The server ended the stream's access: it sent `access.revoked`, or
    /// answered 401 (the token is revoked, expired or unknown). The
    /// subscription stops here and never reconnects: the same token would
    /// be refused again. Log in again and subscribe anew.
    AccessEnded {
        /// Why, for people.
        reason: String,
    },
}

/// What an [`EventSubscription`] yields.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamItem {
    /// An event. A `reset` means what was missed cannot be replayed:
    /// refetch, then carry on.
    Event(ServerEvent),
    /// The connection changed state.
    State(ConnectionState),
}

/// A live subscription to `GET /v1/events`. Dropping it stops the task
/// behind it and closes the connection.
///
/// After [`ConnectionState::AccessEnded`] (always delivered, however far
/// behind the consumer is) the task ends and [`EventSubscription::next`]
/// yields `None`.
///
/// The task never waits for the consumer: it buffers up to
/// [`super::ClientConfig::stream_buffer`] items, and when that fills it
/// drops events until there is room again, then yields a `reset` event
/// (as the server does for a client that fell behind) and the current
/// state.
#[derive(Debug)]
pub struct EventSubscription {
    items: mpsc::Receiver<StreamItem>,
    task: tokio::task::JoinHandle<()>,
    kick: Reconnector,
}

/// A handle that cuts short a subscription's wait before reconnecting;
/// cheap to clone, and harmless when the stream is not waiting.
#[derive(Debug, Clone, Default)]
pub struct Reconnector(Arc<Notify>);

impl Reconnector {
    /// If the subscription is waiting to reconnect, it connects now;
    /// otherwise (live, connecting, or ended) nothing happens, and no
    /// later wait is cut short.
    pub fn reconnect_now(&self) {
        self.0.notify_waiters();
    }
}

impl EventSubscription {
    /// The next event or state change; `None` once the task ended: after
    /// [`ConnectionState::AccessEnded`], or if it panicked.
    pub async fn next(&mut self) -> Option<StreamItem> {
        self.items.recv().await
    }

    /// Skips the current wait before reconnecting (see [`Reconnector`]).
    pub fn reconnect_now(&self) {
        self.kick.reconnect_now();
    }

    /// A handle that does [`EventSubscription::reconnect_now`] from elsewhere.
    pub fn reconnector(&self) -> Reconnector {
        self.kick.clone()
    }
}

impl futures::Stream for EventSubscription {
    type Item = StreamItem;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<StreamItem>> {
        self.items.poll_recv(cx)
    }
}

impl Drop for EventSubscription {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ApiClient {
    /// Subscribes to the live event stream, resuming after `last_event_id`
    /// if given. Must be called within a tokio runtime.
    ///
    /// Yields [`ConnectionState::Connecting`], then `Live` once the server
    /// answers, then events; after an error or the end of the stream,
    /// `Reconnecting` (once per failed attempt, with a delay drawn from the
    /// upper half of one doubling from `stream_backoff` up to
    /// `stream_backoff_max`, reset by a successful connection) and `Live`
    /// again. Each reconnection sends the id of the last event seen as
    /// `Last-Event-ID`, so the server replays what was missed, or sends
    /// `reset` when it cannot. An `access.revoked` event (passed on) or a
    /// 401 answer ends it with `AccessEnded`.
    pub fn events(&self, last_event_id: Option<String>) -> EventSubscription {
        let (sender, items) = mpsc::channel(self.inner.config.stream_buffer.max(4));
        let outlet = Outlet { sender, overflowed: false, state: ConnectionState::Connecting };
        let kick = Reconnector::default();
        let last_event_id = last_event_id.filter(|id| !id.is_empty());
        let task = tokio::spawn(follow(self.clone(), last_event_id, outlet, kick.clone()));
        EventSubscription { items, task, kick }
    }
}

/// The task's end of the channel, which never blocks.
struct Outlet {
    sender: mpsc::Sender<StreamItem>,
    overflowed: bool,
    state: ConnectionState,
}

/// The consumer dropped its subscription.
struct Gone;

impl Outlet {
    fn push(&mut self, item: StreamItem) -> Result<(), Gone> {
        if let StreamItem::State(state) = &item {
            self.state = state.clone();
        }
        if self.overflowed {
            if self.sender.capacity() < 3 {
                return if self.sender.is_closed() { Err(Gone) } else { Ok(()) };
            }
            self.overflowed = false;
            self.send(fell_behind())?;
            self.send(StreamItem::State(self.state.clone()))?;
            return if matches!(item, StreamItem::State(_)) { Ok(()) } else { self.send(item) };
        }
        self.send(item)
    }

    /// Delivers the last state, waiting for room (after a `reset` if
    /// events were dropped): the consumer must learn why the stream ended.
    async fn end(mut self, state: ConnectionState) {
        if std::mem::take(&mut self.overflowed) && self.sender.send(fell_behind()).await.is_err() {
            return;
        }
        let _ = self.sender.send(StreamItem::State(state)).await;
    }

    fn send(&mut self, item: StreamItem) -> Result<(), Gone> {
        match self.sender.try_send(item) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!("event consumer fell behind; dropping events until it catches up");
                self.overflowed = true;
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Gone),
        }
    }
}

/// The `reset` that tells a consumer events were dropped.
fn fell_behind() -> StreamItem {
    StreamItem::Event(ServerEvent {
        id: None,
        kind: crate::events::RESET.into(),
        data: serde_json::json!({"reason": "the consumer fell behind; events were dropped"}),
    })
}

/// Why a connection stopped.
enum Down {
    /// It failed or ended: reconnect after a wait.
    Failed(ClientError),
    /// The server ended its access: stop.
    AccessEnded(String),
}

impl Down {
    /// A failed attempt to connect: a 401 means the token is no good.
    fn of_answer(error: ClientError) -> Down {
        match &error {
            ClientError::Problem { status: 401, problem } => {
                Down::AccessEnded(format!("the server refused the token: {}", problem.detail))
            }
            _ => Down::Failed(error),
        }
    }
}

/// Connects, reads and reconnects until the consumer goes away or the
/// server ends the stream's access.
async fn follow(client: ApiClient, mut last_id: Option<String>, mut outlet: Outlet, kick: Reconnector) {
    let config = client.inner.config.clone();
    let limits = Limits { line: config.stream_max_line, event: config.stream_max_event };
    let mut failures: u32 = 0;
    if outlet.push(StreamItem::State(ConnectionState::Connecting)).is_err() {
        return;
    }
    loop {
        let down = match connect(&client, last_id.as_deref()).await {
            Ok(response) => {
                if outlet.push(StreamItem::State(ConnectionState::Live)).is_err() {
                    return;
                }
                let parser = SseParser::new(limits);
                let mut heard = false;
                let read = read(response, parser, &mut last_id, &mut outlet, config.stream_idle_timeout, &mut heard);
                let down = match read.await {
                    Ok(down) => down,
                    Err(Gone) => return,
                };
                // A stream that answers and then fails before a whole event
                // (an oversized one, say) is no recovery: the backoff grows.
                if heard {
                    failures = 0;
                }
                if let Down::Failed(ClientError::StreamTooLarge { .. }) = &down {
                    // Resuming would replay the same oversized event: start
                    // over (the server answers with `reset`).
                    last_id = None;
                }
                down
            }
            Err(error) => Down::of_answer(error),
        };
        let error = match down {
            Down::Failed(error) => error,
            Down::AccessEnded(reason) => {
                tracing::warn!(%reason, "the event stream's access ended; not reconnecting");
                return outlet.end(ConnectionState::AccessEnded { reason }).await;
            }
        };
        failures = failures.saturating_add(1);
        let delay = backoff::delay(config.stream_backoff, config.stream_backoff_max, failures);
        tracing::debug!(attempt = failures, ?delay, %error, "event stream down; reconnecting");
        // Listening before the state goes out: a `reconnect_now` made as
        // soon as the consumer sees it is not missed.
        let kicked = kick.0.notified();
        tokio::pin!(kicked);
        kicked.as_mut().enable();
        let state = ConnectionState::Reconnecting { attempt: failures, delay, retry_at: Instant::now() + delay, error };
        if outlet.push(StreamItem::State(state)).is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = kicked => tracing::debug!("reconnecting now, as asked"),
            () = outlet.sender.closed() => return,
        }
    }
}

/// Opens the stream; an answer other than a 200 event stream is an error.
async fn connect(client: &ApiClient, last_id: Option<&str>) -> Result<reqwest::Response, ClientError> {
    let config = &client.inner.config;
    let mut builder = client.inner.http.request(Method::GET, client.url(&["v1", "events"])?);
    if let Some(auth) = &client.inner.auth {
        builder = builder.header(reqwest::header::AUTHORIZATION, auth.clone());
    }
    builder = builder.header(ACCEPT, "text/event-stream").header(CACHE_CONTROL, "no-cache");
    if let Some(id) = last_id {
        builder = builder.header("Last-Event-ID", id);
    }
    // No whole-request deadline (the stream is meant to stay open): the
    // answer's head must come within the request timeout, and then each
    // chunk within the idle timeout.
    let response = match tokio::time::timeout(config.request_timeout, builder.send()).await {
        Ok(sent) => sent.map_err(|e| ClientError::from_reqwest(&e))?,
        Err(_) => {
            let message = format!("no answer to GET /v1/events within {:?}", config.request_timeout);
            return Err(ClientError::Transport { message, timed_out: true });
        }
    };
    let status = response.status().as_u16();
    let is_stream = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if status == 200 && is_stream {
        return Ok(response);
    }
    let body = tokio::time::timeout(config.request_timeout, response.bytes()).await.ok().and_then(Result::ok);
    let body = body.unwrap_or_default();
    if (200..300).contains(&status) {
        return Err(ClientError::Decode { status, message: format!("not an event stream: {}", error::excerpt(&body)) });
    }
    Err(error::from_error_answer(status, &body))
}

/// Reads events until the stream fails or ends; returns why it stopped.
async fn read(
    response: reqwest::Response,
    mut parser: SseParser,
    last_id: &mut Option<String>,
    outlet: &mut Outlet,
    idle_timeout: Duration,
    heard: &mut bool,
) -> Result<Down, Gone> {
    let mut body = response.bytes_stream();
    let mut blocks = Vec::new();
    loop {
        let chunk = tokio::select! {
            next = tokio::time::timeout(idle_timeout, body.next()) => next,
            () = outlet.sender.closed() => return Err(Gone),
        };
        let chunk = match chunk {
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(e))) => return Ok(Down::Failed(ClientError::from_reqwest(&e))),
            Ok(None) => {
                let message = "the server ended the event stream".into();
                return Ok(Down::Failed(ClientError::Transport { message, timed_out: false }));
            }
            Err(_) => {
                let message = format!("the event stream was silent for {idle_timeout:?}");
                return Ok(Down::Failed(ClientError::Transport { message, timed_out: true }));
            }
        };
        let fed = parser.feed(&chunk, &mut blocks);
        *heard |= !blocks.is_empty();
        if let Some(down) = deliver(blocks.drain(..), last_id, outlet)? {
            return Ok(down);
        }
        if let Err(TooLarge { what, limit }) = fed {
            tracing::warn!(%what, limit, "the event stream sent too much at once; restarting it");
            return Ok(Down::Failed(ClientError::StreamTooLarge { what, limit }));
        }
    }
}

/// Hands parsed blocks to the consumer; an `access.revoked` event is the
/// last one, and ends the connection.
fn deliver(
    blocks: impl Iterator<Item = Block>,
    last_id: &mut Option<String>,
    outlet: &mut Outlet,
) -> Result<Option<Down>, Gone> {
    for block in blocks {
        if let Some(id) = &block.id {
            *last_id = Some(id.clone()).filter(|id| !id.is_empty());
        }
        let Some(data) = block.data else { continue };
        let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data));
        if block.kind == crate::events::ACCESS_REVOKED {
            let reason = data.get("reason").and_then(|r| r.as_str()).filter(|r| !r.is_empty());
            let reason = reason.unwrap_or("the server ended this stream's access").to_string();
            outlet.push(StreamItem::Event(ServerEvent { id: block.id, kind: block.kind, data }))?;
            return Ok(Some(Down::AccessEnded(reason)));
        }
        outlet.push(StreamItem::Event(ServerEvent { id: block.id, kind: block.kind, data }))?;
    }
    Ok(None)
}
