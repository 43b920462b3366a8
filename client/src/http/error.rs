//! [`ClientError`]: what can go wrong between a call and its typed answer,
//! and how an HTTP answer that is not the expected body becomes one.

use crate::problem::{ErrorCode, FieldError, Problem};
use serde::Deserialize;

/// Why a call did not produce its typed answer.
///
/// The variant tells a caller what it knows about the server's side:
///
/// - [`ClientError::Problem`]: the server (or something in front of it)
///   answered with an error. A refusal is definite: the command wrote
///   nothing. A few answers are not refusals (a timeout, a key still in
///   progress, a 5xx): see [`ClientError::outcome_unknown`].
/// - [`ClientError::Transport`]: no complete answer arrived (connection
///   refused or dropped, timeout, broken body). For a command the outcome is
///   **unknown**: it may have executed. Retry it with the same idempotency
///   key, which replays the stored result if it did.
/// - [`ClientError::Decode`]: an answer arrived but its body was not what
///   the route returns. A command that got a 2xx here did execute.
/// - [`ClientError::Invalid`]: the request could not be built (a base URL,
///   token or idempotency key that cannot go on the wire); nothing was sent.
/// - [`ClientError::StreamTooLarge`]: the event stream sent a line or an
///   event larger than the client takes; the stream is restarted.
/// - [`ClientError::Write`]: an export could not be written locally.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// An error answer, as the server's `application/problem+json` document.
    ///
    /// An error answer that is not a problem document (a proxy's HTML 502,
    /// say) is turned into one here, with `type` `about:blank`, the
    /// status's reason as `title`, the start of the body as `detail` and a
    /// code chosen from the status: see [`synthesized_code`].
    #[error("{} (HTTP {status}): {}{}", problem.code, problem.detail, field_list(&problem.errors))]
    Problem {
        /// The HTTP status of the answer.
        status: u16,
        /// The problem document.
        problem: Problem,
    },
    /// No answer: the outcome of a command is unknown.
    #[error("no answer from the server{}: {message}", if *timed_out { " (timed out)" } else { "" })]
    Transport {
        /// What failed, with its causes.
        message: String,
        /// Whether a deadline ran out (rather than the connection failing).
        timed_out: bool,
    },
    /// An answer whose body is not what the route returns.
    #[error("unexpected answer (HTTP {status}): {message}")]
    Decode {
        /// The HTTP status of the answer.
        status: u16,
        /// What did not match.
        message: String,
    },
    /// The request could not be built; nothing was sent.
    #[error("invalid request: {message}")]
    Invalid {
        /// What is wrong with it.
        message: String,
    },
    /// The event stream sent a line or an event's data over the limit set
    /// by [`super::ClientConfig::stream_max_line`] or
    /// [`super::ClientConfig::stream_max_event`]; it was not kept.
    #[error("the event stream sent {what} over the limit of {}", size(*limit))]
    StreamTooLarge {
        /// What was too large.
        what: StreamPart,
        /// The limit in bytes.
        limit: usize,
    },
    /// An export arrived but could not be written where it was asked to go
    /// (a full disk, a closed pipe); what came before is written.
    #[error("cannot write the export: {message}")]
    Write {
        /// The I/O error.
        message: String,
    },
}

/// A part of the event stream that has a size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamPart {
    /// One line (a field, a comment).
    Line,
    /// One event's data, its lines joined.
    Event,
}

impl std::fmt::Display for StreamPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StreamPart::Line => "a line",
            StreamPart::Event => "an event's data",
        })
    }
}

/// A byte count for people: `1 MiB`, `64 KiB`, `100 bytes`.
fn size(bytes: usize) -> String {
    match bytes {
        0 => "0 bytes".into(),
        b if b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

impl ClientError {
    /// The problem's stable code, for [`ClientError::Problem`].
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Problem { problem, .. } => Some(problem.code),
            _ => None,
        }
    }

    /// Whether no answer arrived, so a command's outcome is unknown.
    pub fn is_transport(&self) -> bool {
        matches!(self, ClientError::Transport { .. })
    }

    /// Whether a command that failed this way may still have run, so its
    /// idempotency key must be kept and a resubmit must reuse it.
    ///
    /// True when no answer arrived ([`ClientError::Transport`]), when an
    /// answer arrived that could not be read ([`ClientError::Decode`]: a 2xx
    /// here did run), and for the problems that do not settle the outcome:
    /// a deadline that ran out on the server's side (`TIMEOUT`; the
    /// transaction may still commit behind it), the same key still being
    /// worked on (`IDEMPOTENCY_IN_PROGRESS`), storage or the service being
    /// unavailable, an internal error, and any 500, 502, 503 or 504 (a proxy
    /// in front may have cut off an answer that was coming).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ClientError::Transport { .. } | ClientError::Decode { .. } => true,
            ClientError::Problem { status, problem } => {
                matches!(status, 500 | 502..=504)
                    || matches!(
                        problem.code,
                        ErrorCode::Timeout
                            | ErrorCode::IdempotencyInProgress
                            | ErrorCode::StorageUnavailable
                            | ErrorCode::Unavailable
                            | ErrorCode::Internal
                    )
            }
            ClientError::Invalid { .. } | ClientError::StreamTooLarge { .. } | ClientError::Write { .. } => false,
        }
    }

    /// Whether a deadline ran out before an answer arrived.
    pub fn is_timeout(&self) -> bool {
        matches!(self, ClientError::Transport { timed_out: true, .. })
    }

    /// The HTTP status of the answer, when one arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Problem { status, .. } | ClientError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The per-field messages of a `VALIDATION_FAILED`; empty otherwise.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ClientError::Problem { problem, .. } => &problem.errors,
            _ => &[],
        }
    }

    /// A reqwest error, with its chain of causes: `Invalid` if the request
    /// could not be built, `Transport` otherwise.
    pub(crate) fn from_reqwest(error: &reqwest::Error) -> ClientError {
        if error.is_builder() {
            return ClientError::Invalid { message: chain(error) };
        }
        ClientError::Transport { message: chain(error), timed_out: error.is_timeout() }
    }
}

fn field_list(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("; {}: {}", e.field, e.message)).collect()
}

/// `error: cause: cause…`, without the URL's query (which may carry filters
/// but never the token, which travels in a header).
fn chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The code given to an error answer that is not a problem document:
/// `UNAVAILABLE` for 502, 503 and 504 (a proxy or load balancer with no
/// healthy server behind it: safe to retry), the server's own mapping for
/// the 4xx statuses it uses (and `UNAVAILABLE` for 429, which asks to come
/// back later), `MALFORMED_REQUEST` for other 4xx and `INTERNAL` for
/// anything else.
pub fn synthesized_code(status: u16) -> ErrorCode {
    match status {
        502..=504 => ErrorCode::Unavailable,
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        406 => ErrorCode::NotAcceptable,
        408 => ErrorCode::Timeout,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        429 => ErrorCode::Unavailable,
        400..=499 => ErrorCode::MalformedRequest,
        _ => ErrorCode::Internal,
    }
}

/// A problem document whose `code` this client may not know (a newer
/// server's), read leniently so that its detail and field errors survive.
#[derive(Deserialize)]
struct LenientProblem {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

/// The error for a non-2xx answer with this body.
pub(crate) fn from_error_answer(status: u16, body: &[u8]) -> ClientError {
    if let Ok(problem) = serde_json::from_slice::<Problem>(body) {
        return ClientError::Problem { status, problem };
    }
    let code = synthesized_code(status);
    let (title, detail, errors) = match serde_json::from_slice::<LenientProblem>(body) {
        Ok(lenient) => {
            let detail = match (&lenient.code, lenient.detail) {
                (Some(code), Some(detail)) => format!("{code}: {detail}"),
                (_, Some(detail)) => detail,
                (_, None) => excerpt(body),
            };
            (lenient.title, detail, lenient.errors)
        }
        Err(_) => (None, excerpt(body), Vec::new()),
    };
    let problem = Problem {
        type_uri: "about:blank".into(),
        title: title.unwrap_or_else(|| {
            let reason = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
            reason.map_or_else(|| format!("HTTP {status}"), str::to_string)
        }),
        status,
        detail,
        code,
        errors,
    };
    ClientError::Problem { status, problem }
}

/// A body's text with runs of whitespace and control characters collapsed
/// to one space, at most 200 characters; or a note that it was empty.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()).collect();
    let clean: String = words.join(" ").chars().take(200).collect();
    if clean.is_empty() { "the answer had no body".to_string() } else { clean }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_documents_are_read_as_sent() {
        let body = br#"{"type":"urn:ledgerdeck:problem:VALIDATION_FAILED","title":"Validation failed","status":422,
            "detail":"bad fields","code":"VALIDATION_FAILED","errors":[{"field":"amount","message":"not a number"}]}"#;
        let error = from_error_answer(422, body);
        assert_eq!(error.code(), Some(ErrorCode::ValidationFailed));
        assert_eq!(error.field_errors(), [FieldError::new("amount", "not a number")]);
        assert_eq!(error.to_string(), "VALIDATION_FAILED (HTTP 422): bad fields; amount: not a number");
    }

    #[test]
    fn other_error_bodies_get_a_code_from_their_status() {
        let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>";
        let error = from_error_answer(502, html);
        let ClientError::Problem { status: 502, problem } = &error else { panic!("{error:?}") };
        assert_eq!((problem.code, problem.type_uri.as_str()), (ErrorCode::Unavailable, "about:blank"));
        assert_eq!(problem.detail, "<html> <head><title>502 Bad Gateway</title></head> </html>");
        assert_eq!(problem.title, "Bad Gateway");
        assert_eq!(from_error_answer(500, b"").code(), Some(ErrorCode::Internal));
        assert_eq!(from_error_answer(404, b"Not Found").code(), Some(ErrorCode::NotFound));
        assert_eq!(from_error_answer(418, b"teapot").code(), Some(ErrorCode::MalformedRequest));
    }

    #[test]
    fn an_unknown_code_keeps_its_detail_and_fields() {
        let body = br#"{"title":"New","status":409,"detail":"later","code":"SOMETHING_NEW",
            "errors":[{"field":"x","message":"y"}]}"#;
        let error = from_error_answer(409, body);
        let ClientError::Problem { problem, .. } = &error else { panic!("{error:?}") };
        assert_eq!(problem.detail, "SOMETHING_NEW: later");
        assert_eq!(problem.errors.len(), 1);
    }

    /// Only refusals settle a command; an answer that does not (a timeout,
    /// a key in progress, a proxy's 502) leaves its outcome unknown.
    #[test]
    fn only_refusals_settle_a_command() {
        let problem = |status: u16, code: &str| {
            let body = format!(
                r#"{{"type":"urn:ledgerdeck:problem:{code}","title":"t","status":{status},"detail":"d","code":"{code}"}}"#
            );
            let error = from_error_answer(status, body.as_bytes());
            assert_eq!(error.code().map(|c| c.as_str()), Some(code), "{error:?}");
            error
        };
        for (status, code) in [
            (408, "TIMEOUT"),
            (409, "IDEMPOTENCY_IN_PROGRESS"),
            (503, "STORAGE_UNAVAILABLE"),
            (503, "UNAVAILABLE"),
            (500, "INTERNAL"),
        ] {
            assert!(problem(status, code).outcome_unknown(), "{code} must keep the key");
        }
        assert!(from_error_answer(502, b"<html>Bad Gateway</html>").outcome_unknown());
        assert!(ClientError::Transport { message: "reset".into(), timed_out: false }.outcome_unknown());
        assert!(ClientError::Decode { status: 200, message: "not json".into() }.outcome_unknown());
        for (status, code) in
            [(409, "HOLD_NOT_OPEN"), (422, "VALIDATION_FAILED"), (403, "FORBIDDEN"), (409, "FLAG_DENIED")]
        {
            assert!(!problem(status, code).outcome_unknown(), "{code} is a refusal");
        }
        assert!(!ClientError::Invalid { message: "bad key".into() }.outcome_unknown());
    }

    #[test]
    fn transport_errors_say_whether_they_timed_out() {
        let error = ClientError::Transport { message: "connection refused".into(), timed_out: false };
        assert!(error.is_transport() && !error.is_timeout() && error.code().is_none());
        assert_eq!(error.to_string(), "no answer from the server: connection refused");
        let error = ClientError::Transport { message: "deadline".into(), timed_out: true };
        assert_eq!(error.to_string(), "no answer from the server (timed out): deadline");
    }

    /// An oversized stream says in words what was too large and the limit.
    #[test]
    fn a_stream_too_large_says_what_and_the_limit() {
        let error = ClientError::StreamTooLarge { what: StreamPart::Line, limit: 1 << 20 };
        assert_eq!(error.to_string(), "the event stream sent a line over the limit of 1 MiB");
        assert!(!error.is_transport() && error.code().is_none() && error.status().is_none());
        let error = ClientError::StreamTooLarge { what: StreamPart::Event, limit: 1000 };
        assert_eq!(error.to_string(), "the event stream sent an event's data over the limit of 1000 bytes");
        assert_eq!(size(64 << 10), "64 KiB");
    }
}
