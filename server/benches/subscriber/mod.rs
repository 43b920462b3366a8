//! One `GET /v1/events` subscriber for the events benchmark: reads the raw
//! stream in its own task and notes the seq of every `command.posted` event
//! and when it arrived, without parsing its JSON (the bench shares the
//! machine with the server, so its readers must cost little).

use futures::StreamExt;
use std::time::Instant;
use tokio::sync::watch;

/// When one event reached the subscriber.
#[derive(Debug, Clone, Copy)]
pub struct Sight {
    /// Its change-log seq (the SSE id).
    pub seq: i64,
    /// When its last byte was read.
    pub at: Instant,
    /// The same moment on the wall clock, in µs since the epoch (to compare
    /// with the change row's write time).
    pub wall_micros: i64,
}

/// What a subscriber saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every `command.posted` event, in arrival order.
    pub events: Vec<Sight>,
    /// `reset` events (a lagging subscriber gets one; it must not).
    pub resets: usize,
    /// Why the stream stopped early, if it did.
    pub error: Option<String>,
}

/// A running subscriber.
pub struct Subscriber {
    /// The highest seq seen so far.
    progress: watch::Receiver<i64>,
    task: tokio::task::JoinHandle<Seen>,
    stop: tokio_util::sync::CancellationToken,
}

fn wall_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

impl Subscriber {
    /// Opens the stream as `token`; returns once the server has answered
    /// (so the subscription exists).
    pub async fn open(http: &reqwest::Client, url: &str, token: &str) -> Result<Subscriber, String> {
        let response = http.get(url).bearer_auth(token).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("GET /v1/events: {}", response.status()));
        }
        let (tell, progress) = watch::channel(0);
        let stop = tokio_util::sync::CancellationToken::new();
        let task = tokio::spawn(read(response, tell, stop.clone()));
        Ok(Subscriber { progress, task, stop })
    }

    /// Waits until it has seen seq `through` (or `deadline`), then closes
    /// the stream; what it saw.
    pub async fn finish(mut self, through: i64, deadline: Instant) -> Seen {
        let reached = self.progress.wait_for(|seen| *seen >= through);
        let _ = tokio::time::timeout_at(deadline.into(), reached).await;
        self.stop.cancel();
        self.task.await.unwrap_or_else(|e| Seen { error: Some(e.to_string()), ..Seen::default() })
    }
}

async fn read(
    response: reqwest::Response,
    tell: watch::Sender<i64>,
    stop: tokio_util::sync::CancellationToken,
) -> Seen {
    let mut body = response.bytes_stream();
    let mut seen = Seen::default();
    let mut buffer: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        let chunk = tokio::select! {
            _ = stop.cancelled() => return seen,
            chunk = body.next() => chunk,
        };
        let chunk = match chunk {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => {
                seen.error = Some(e.to_string());
                return seen;
            }
            None => {
                seen.error = Some("the server ended the stream".into());
                return seen;
            }
        };
        let (at, wall) = (Instant::now(), wall_micros());
        buffer.extend_from_slice(&chunk);
        let mut used = 0;
        while let Some(end) = buffer[used..].windows(2).position(|w| w == b"\n\n") {
            let block = &buffer[used..used + end];
            used += end + 2;
            let (mut kind, mut id) = ("", None);
            for line in block.split(|b| *b == b'\n') {
                if let Some(v) = line.strip_prefix(b"event:") {
                    kind = std::str::from_utf8(v).unwrap_or("").trim();
                } else if let Some(v) = line.strip_prefix(b"id:") {
                    id = std::str::from_utf8(v).ok().and_then(|v| v.trim().parse::<i64>().ok());
                }
            }
            match (kind, id) {
                ("command.posted", Some(seq)) => {
                    seen.events.push(Sight { seq, at, wall_micros: wall });
                    tell.send_replace(seq);
                }
                ("reset", _) => seen.resets += 1,
                _ => {}
            }
        }
        buffer.drain(..used);
    }
}
