//! A reader of server-sent events for tests, over a streaming response.

use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;

/// One parsed server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// Reads server-sent events from a streaming response.
pub struct SseReader {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        SseReader { body: response.bytes_stream().boxed(), buffer: String::new() }
    }

    /// The next event (comments and keep-alives skipped), within 10 s.
    pub async fn next(&mut self) -> Sse {
        self.next_or_end().await.expect("stream still open")
    }

    /// The next event within 10 s, or `None` once the server ended the
    /// stream.
    pub async fn next_or_end(&mut self) -> Option<Sse> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some(Sse { id, event, data: serde_json::from_str(&data).expect("event data is JSON") });
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.body.next())
                .await
                .expect("an event or the end within 10 s")?
                .expect("stream chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Skips events until one of `kind` whose data satisfies `pick`.
    pub async fn until(&mut self, kind: &str, pick: impl Fn(&Value) -> bool) -> Sse {
        loop {
            let event = self.next().await;
            if event.event == kind && pick(&event.data) {
                return event;
            }
        }
    }
}
