//! Following `GET /v1/events`: a spawned task keeps one stream open,
//! reconnects with exponential backoff after any error or end of stream,
//! resumes with `Last-Event-ID`, and hands events and connection states to
//! an [`EventSubscription`] through a channel.

use super::sse_parser::SseParser;
use super::{ApiClient, ClientError, error};
use futures::StreamExt;
use reqwest::Method;
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

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
    /// Not connected; the next attempt starts at `retry_at`.
    Reconnecting {
        /// Failed attempts since the last successful connection (1 first).
        attempt: u32,
        /// How long until the next attempt.
        delay: Duration,
        /// When the next attempt starts.
        retry_at: Instant,
        /// Why the stream is down (a transport error, or an error answer
        /// such as `UNAUTHENTICATED`, or the end of the stream).
        error: ClientError,
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
/// The task never waits for the consumer: it buffers up to
/// [`super::ClientConfig::stream_buffer`] items, and when that fills it
/// drops events until there is room again, then yields a `reset` event
/// (as the server does for a client that fell behind) and the current
/// state.
#[derive(Debug)]
pub struct EventSubscription {
    items: mpsc::Receiver<StreamItem>,
    task: tokio::task::JoinHandle<()>,
}

impl EventSubscription {
    /// The next event or state change; `None` only if the task ended
    /// (it reconnects forever, so that means it panicked).
    pub async fn next(&mut self) -> Option<StreamItem> {
        self.items.recv().await
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
    /// `Reconnecting` (once per failed attempt, with a doubling delay from
    /// `stream_backoff` up to `stream_backoff_max`, reset by a successful
    /// connection) and `Live` again. Each reconnection sends the id of the
    /// last event seen as `Last-Event-ID`, so the server replays what was
    /// missed, or sends `reset` when it cannot.
    pub fn events(&self, last_event_id: Option<String>) -> EventSubscription {
        let (sender, items) = mpsc::channel(self.inner.config.stream_buffer.max(4));
        let outlet = Outlet { sender, overflowed: false, state: ConnectionState::Connecting };
        let task = tokio::spawn(follow(self.clone(), last_event_id.filter(|id| !id.is_empty()), outlet));
        EventSubscription { items, task }
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
            let reset = ServerEvent {
                id: None,
                kind: crate::events::RESET.into(),
                data: serde_json::json!({"reason": "the consumer fell behind; events were dropped"}),
            };
            self.send(StreamItem::Event(reset))?;
            self.send(StreamItem::State(self.state.clone()))?;
            return if matches!(item, StreamItem::State(_)) { Ok(()) } else { self.send(item) };
        }
        self.send(item)
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

/// Connects, reads and reconnects until the consumer goes away.
async fn follow(client: ApiClient, mut last_id: Option<String>, mut outlet: Outlet) {
    let config = client.inner.config.clone();
    let mut failures: u32 = 0;
    if outlet.push(StreamItem::State(ConnectionState::Connecting)).is_err() {
        return;
    }
    loop {
        let error = match connect(&client, last_id.as_deref()).await {
            Ok(response) => {
                failures = 0;
                if outlet.push(StreamItem::State(ConnectionState::Live)).is_err() {
                    return;
                }
                match read(response, &mut last_id, &mut outlet, config.stream_idle_timeout).await {
                    Ok(error) => error,
                    Err(Gone) => return,
                }
            }
            Err(error) => error,
        };
        failures = failures.saturating_add(1);
        let delay = backoff(config.stream_backoff, config.stream_backoff_max, failures);
        tracing::debug!(attempt = failures, ?delay, %error, "event stream down; reconnecting");
        let state = ConnectionState::Reconnecting { attempt: failures, delay, retry_at: Instant::now() + delay, error };
        if outlet.push(StreamItem::State(state)).is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = outlet.sender.closed() => return,
        }
    }
}

/// `base` doubled for each failure after the first, at most `max`.
fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(failures.saturating_sub(1))).min(max)
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
    last_id: &mut Option<String>,
    outlet: &mut Outlet,
    idle_timeout: Duration,
) -> Result<ClientError, Gone> {
    let mut body = response.bytes_stream();
    let mut parser = SseParser::default();
    loop {
        let chunk = tokio::select! {
            next = tokio::time::timeout(idle_timeout, body.next()) => next,
            () = outlet.sender.closed() => return Err(Gone),
        };
        let chunk = match chunk {
            Ok(Some(Ok(chunk))) => chunk,
            Ok(Some(Err(e))) => return Ok(ClientError::from_reqwest(&e)),
            Ok(None) => {
                return Ok(ClientError::Transport {
                    message: "the server ended the event stream".into(),
                    timed_out: false,
                });
            }
            Err(_) => {
                let message = format!("the event stream was silent for {idle_timeout:?}");
                return Ok(ClientError::Transport { message, timed_out: true });
            }
        };
        for block in parser.feed(&chunk) {
            if let Some(id) = &block.id {
                *last_id = Some(id.clone()).filter(|id| !id.is_empty());
            }
            let Some(data) = block.data else { continue };
            let data = serde_json::from_str(&data).unwrap_or(serde_json::Value::String(data));
            outlet.push(StreamItem::Event(ServerEvent { id: block.id, kind: block.kind, data }))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_to_its_cap() {
        let (base, max) = (Duration::from_millis(250), Duration::from_secs(10));
        let delays: Vec<u64> = (1..=9).map(|n| backoff(base, max, n).as_millis() as u64).collect();
        assert_eq!(delays, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
        assert_eq!(backoff(base, max, u32::MAX), max);
    }
}
