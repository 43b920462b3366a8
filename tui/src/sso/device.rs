//! The device grant's pure core: the device authorization answer, what each
//! token-endpoint answer means, and how long to wait before the next poll
//! (`interval`, raised on `slow_down`; never past `expires_in`).

use serde::Deserialize;
use std::time::Duration;

/// The grant type of a device-code token request.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The provider's answer to the device authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeviceAuthorization {
    /// What the cockpit polls with (never shown).
    pub device_code: String,
    /// What the operator types at the verification URL.
    pub user_code: String,
    /// Where the operator goes (Google calls it `verification_url`).
    #[serde(alias = "verification_url")]
    pub verification_uri: String,
    /// The URL with the code filled in, if the provider offers one.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// Seconds the codes are valid.
    pub expires_in: u64,
    /// Seconds between polls (RFC 8628: 5 when absent).
    #[serde(default)]
    pub interval: Option<u64>,
}

/// What one token-endpoint answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// Signed in: the ID token.
    Token(String),
    /// `authorization_pending`: ask again after the interval.
    Pending,
    /// `slow_down`: ask again, less often.
    SlowDown,
    /// `access_denied`: the operator said no.
    Denied,
    /// `expired_token`: the codes ran out.
    Expired,
    /// Anything else.
    Failed(String),
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// Reads a token-endpoint answer (`status`, JSON `body`).
pub fn read_poll(status: u16, body: &[u8]) -> Poll {
    let Ok(answer) = serde_json::from_slice::<TokenAnswer>(body) else {
        return Poll::Failed(format!("the token endpoint answered {status} with no JSON"));
    };
    if (200..300).contains(&status) {
        return match answer.id_token {
            Some(token) if !token.is_empty() => Poll::Token(token),
            _ => Poll::Failed("the provider sent no ID token (is `openid email` in the scope?)".into()),
        };
    }
    match answer.error.as_deref() {
        Some("authorization_pending") => Poll::Pending,
        Some("slow_down") => Poll::SlowDown,
        Some("access_denied") => Poll::Denied,
        Some("expired_token") => Poll::Expired,
        Some(other) => Poll::Failed(match answer.error_description {
            Some(why) => format!("{other}: {why}"),
            None => other.to_string(),
        }),
        None => Poll::Failed(format!("the token endpoint answered {status}")),
    }
}

/// Why the device login ended without an ID token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The operator refused at the provider.
    #[error("sign-in was refused at the provider (access_denied); nothing was saved")]
    Denied,
    /// The code expired before the operator finished.
    #[error("the code expired before sign-in finished; run `ledgerdeck login --sso` again")]
    Expired,
    /// The provider answered something else.
    #[error("the provider refused: {0}")]
    Failed(String),
}

/// What to do after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Poll again after this long.
    Wait(Duration),
    /// Signed in.
    Done(String),
    /// Give up.
    Fail(DeviceError),
}

/// The polling schedule of one device login.
#[derive(Debug, Clone)]
pub struct Poller {
    interval: Duration,
    slow_down_step: Duration,
    left: Duration,
}

impl Poller {
    /// A schedule for `auth`; `slow_down_step` is how much each `slow_down`
    /// adds to the interval (RFC 8628: 5 s).
    pub fn new(auth: &DeviceAuthorization, slow_down_step: Duration) -> Poller {
        Poller {
            interval: Duration::from_secs(auth.interval.unwrap_or(5).max(1)),
            slow_down_step,
            left: Duration::from_secs(auth.expires_in),
        }
    }

    /// The wait before the first poll.
    pub fn first(&mut self) -> Next {
        self.wait()
    }

    /// The current interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    fn wait(&mut self) -> Next {
        if self.left < self.interval {
            return Next::Fail(DeviceError::Expired);
        }
        self.left -= self.interval;
        Next::Wait(self.interval)
    }

    /// What to do after `answer`.
    pub fn after(&mut self, answer: Poll) -> Next {
        match answer {
            Poll::Token(token) => Next::Done(token),
            Poll::Pending => self.wait(),
            Poll::SlowDown => {
                self.interval += self.slow_down_step;
                self.wait()
            }
            Poll::Denied => Next::Fail(DeviceError::Denied),
            Poll::Expired => Next::Fail(DeviceError::Expired),
            Poll::Failed(why) => Next::Fail(DeviceError::Failed(why)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(interval: Option<u64>, expires_in: u64) -> DeviceAuthorization {
        DeviceAuthorization {
            device_code: "d".into(),
            user_code: "U".into(),
            verification_uri: "https://x/device".into(),
            verification_uri_complete: None,
            expires_in,
            interval,
        }
    }

    #[test]
    fn answers_are_read_as_rfc_8628_says() {
        assert_eq!(read_poll(200, br#"{"id_token":"t","access_token":"a"}"#), Poll::Token("t".into()));
        assert!(matches!(read_poll(200, br#"{"access_token":"a"}"#), Poll::Failed(_)));
        assert_eq!(read_poll(400, br#"{"error":"authorization_pending"}"#), Poll::Pending);
        assert_eq!(read_poll(400, br#"{"error":"slow_down"}"#), Poll::SlowDown);
        assert_eq!(read_poll(400, br#"{"error":"access_denied"}"#), Poll::Denied);
        assert_eq!(read_poll(400, br#"{"error":"expired_token"}"#), Poll::Expired);
        assert_eq!(
            read_poll(401, br#"{"error":"invalid_client","error_description":"no such client"}"#),
            Poll::Failed("invalid_client: no such client".into())
        );
        assert!(matches!(read_poll(502, b"<html>"), Poll::Failed(_)));
    }

    #[test]
    fn the_interval_is_honoured_and_slow_down_adds_five_seconds() {
        let mut poller = Poller::new(&auth(None, 600), Duration::from_secs(5));
        assert_eq!(poller.first(), Next::Wait(Duration::from_secs(5)), "5 s when the provider names none");
        assert_eq!(poller.after(Poll::Pending), Next::Wait(Duration::from_secs(5)));
        assert_eq!(poller.after(Poll::SlowDown), Next::Wait(Duration::from_secs(10)));
        assert_eq!(poller.after(Poll::Pending), Next::Wait(Duration::from_secs(10)), "slow_down lasts");
        assert_eq!(poller.after(Poll::Token("t".into())), Next::Done("t".into()));
    }

    #[test]
    fn refusal_expiry_and_running_out_of_time_end_the_login() {
        let mut poller = Poller::new(&auth(Some(2), 600), Duration::from_secs(5));
        assert_eq!(poller.after(Poll::Denied), Next::Fail(DeviceError::Denied));
        assert_eq!(poller.after(Poll::Expired), Next::Fail(DeviceError::Expired));
        let mut poller = Poller::new(&auth(Some(2), 5), Duration::from_secs(5));
        assert_eq!(poller.first(), Next::Wait(Duration::from_secs(2)));
        assert_eq!(poller.after(Poll::Pending), Next::Wait(Duration::from_secs(2)));
        assert_eq!(poller.after(Poll::Pending), Next::Fail(DeviceError::Expired), "never polls past expires_in");
    }
}
