//! Exports: `GET /v1/exports/{kind}` as a stream of byte chunks, and the
//! same written to any `AsyncWrite` with progress.
//!
//! An export may run for minutes, so it has no whole-request deadline;
//! instead the server must answer, and then send each next chunk, within
//! [`ClientConfig::stream_idle_timeout`](super::ClientConfig::stream_idle_timeout)
//! (default 30 s). Before the answer arrives, transport errors and 502/503/504
//! are retried as for every read; once bytes flow, a failure ends the export
//! with [`ClientError::Transport`]. An error answer is a
//! [`ClientError::Problem`], as on every route.

use super::{ApiClient, ClientError, error};
use crate::export::{ExportFormat, ExportKind, ExportProgress, ExportQuery, RecordCounter};
use bytes::Bytes;
use futures::Stream;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// The most of an error answer's body that is read.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// An export's body as it arrives: chunks of bytes, each within the idle
/// timeout of the one before, or a [`ClientError::Transport`].
pub struct ExportStream {
    format: ExportFormat,
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, ClientError>> + Send>>,
}

impl std::fmt::Debug for ExportStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportStream").field("format", &self.format).finish_non_exhaustive()
    }
}

impl ExportStream {
    /// The format the server answered in.
    pub fn format(&self) -> ExportFormat {
        self.format
    }

    /// The next chunk, `None` at the end of the export.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, ClientError>> {
        futures::StreamExt::next(self).await
    }
}

impl Stream for ExportStream {
    type Item = Result<Bytes, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

fn idle_error(idle: Duration) -> ClientError {
    ClientError::Transport { message: format!("the export sent nothing for {} s", idle.as_secs()), timed_out: true }
}

/// Exports.
impl ApiClient {
    /// `GET /v1/exports/{kind}` in `format`: the body as a stream of chunks.
    pub async fn export(
        &self,
        kind: ExportKind,
        query: &ExportQuery,
        format: ExportFormat,
    ) -> Result<ExportStream, ClientError> {
        let idle = self.inner.config.stream_idle_timeout;
        let url = self.url(&["v1", "exports", kind.as_str()])?;
        let mut builder = self.inner.http.request(Method::GET, url).query(query).header(ACCEPT, format.media_type());
        if let Some(auth) = &self.inner.auth {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        let request = builder.build().map_err(|e| ClientError::from_reqwest(&e))?;
        let attempts = self.inner.config.get_attempts.max(1);
        let mut delay = self.inner.config.get_backoff;
        let mut attempt = 1;
        let response = loop {
            let copy = request.try_clone().ok_or_else(|| ClientError::Invalid { message: "unclonable".into() })?;
            let outcome = match tokio::time::timeout(idle, self.inner.http.execute(copy)).await {
                Err(_) => Err(idle_error(idle)),
                Ok(sent) => sent.map_err(|e| ClientError::from_reqwest(&e)),
            };
            let again = match &outcome {
                Err(e) => e.is_transport(),
                Ok(response) => matches!(response.status().as_u16(), 502..=504),
            };
            if !again || attempt >= attempts {
                break outcome?;
            }
            tracing::debug!(%kind, attempt, attempts, "export request failed; retrying");
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
            attempt += 1;
        };
        let status = response.status().as_u16();
        if !(200..=299).contains(&status) {
            return Err(error::from_error_answer(status, &read_bounded(response, idle).await));
        }
        let answered = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(ExportFormat::from_accept);
        if answered != Some(format) {
            return Err(ClientError::Decode {
                status,
                message: format!("the export came as {answered:?}, not {}", format.media_type()),
            });
        }
        let chunks = futures::stream::unfold(Some(response), move |state| async move {
            let mut response = state?;
            match tokio::time::timeout(idle, response.chunk()).await {
                Err(_) => Some((Err(idle_error(idle)), None)),
                Ok(Err(e)) => Some((Err(ClientError::from_reqwest(&e)), None)),
                Ok(Ok(None)) => None,
                Ok(Ok(Some(chunk))) => Some((Ok(chunk), Some(response))),
            }
        });
        Ok(ExportStream { format, inner: Box::pin(chunks) })
    }

    /// Streams an export into `writer`, calling `progress` after each chunk
    /// with the records and bytes so far; flushes the writer at the end and
    /// returns the totals. A failure to write is [`ClientError::Write`]; what
    /// was written before it stays in the writer.
    pub async fn export_to_writer<W>(
        &self,
        kind: ExportKind,
        query: &ExportQuery,
        format: ExportFormat,
        mut writer: W,
        mut progress: impl FnMut(ExportProgress),
    ) -> Result<ExportProgress, ClientError>
    where
        W: AsyncWrite + Unpin,
    {
        let mut stream = self.export(kind, query, format).await?;
        let mut counter = RecordCounter::new(format);
        let write_error = |e: std::io::Error| ClientError::Write { message: e.to_string() };
        while let Some(chunk) = stream.next_chunk().await {
            let chunk = chunk?;
            writer.write_all(&chunk).await.map_err(write_error)?;
            counter.feed(&chunk);
            progress(counter.progress());
        }
        writer.flush().await.map_err(write_error)?;
        Ok(counter.progress())
    }
}

/// At most [`MAX_ERROR_BODY`] bytes of an error answer's body.
async fn read_bounded(mut response: reqwest::Response, idle: Duration) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match tokio::time::timeout(idle, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    body
}
