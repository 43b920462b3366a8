//! Webhook signatures in the Standard Webhooks scheme: `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`, keyed by a `whsec_<base64>` secret. Used to verify
//! provider events coming in (and to sign webhooks going out).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// How far a signed timestamp may be from now, in seconds.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret is not `whsec_<base64>`.
    #[error("the secret is not in whsec_<base64> form")]
    BadSecret,
    /// A header is missing or unreadable.
    #[error("missing or unreadable {0} header")]
    MissingHeader(&'static str),
    /// The timestamp is too far from now.
    #[error("the webhook timestamp is outside the {TOLERANCE_SECS} s tolerance")]
    Stale,
    /// No signature in the header matches.
    #[error("no signature matches")]
    Mismatch,
}

fn key_of(secret: &str) -> Result<Vec<u8>, SignatureError> {
    let encoded = secret.strip_prefix("whsec_").ok_or(SignatureError::BadSecret)?;
    STANDARD.decode(encoded).map_err(|_| SignatureError::BadSecret)
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `webhook-signature` header value for a message.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    let key = key_of(secret)?;
    Ok(format!("v1,{}", STANDARD.encode(mac(&key, id, timestamp, body).finalize().into_bytes())))
}

/// Checks a message's signature header (which may list several
/// space-separated signatures) in constant time, and its timestamp against
/// `now_secs`.
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    signatures: &str,
    body: &[u8],
    now_secs: i64,
) -> Result<(), SignatureError> {
    let key = key_of(secret)?;
    if (now_secs - timestamp).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    for candidate in signatures.split_whitespace() {
        let Some(encoded) = candidate.strip_prefix("v1,") else { continue };
        let Ok(bytes) = STANDARD.decode(encoded) else { continue };
        if mac(&key, id, timestamp, body).verify_slice(&bytes).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// A fresh `whsec_` secret.
pub fn new_secret() -> Result<String, getrandom::Error> {
    let mut key = [0u8; 24];
    getrandom::fill(&mut key)?;
    Ok(format!("whsec_{}", STANDARD.encode(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    #[test]
    fn matches_the_specification_example() {
        assert_eq!(sign(SECRET, ID, TS, BODY).unwrap(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn verifies_and_refuses() {
        let good = sign(SECRET, ID, TS, BODY).unwrap();
        assert_eq!(verify(SECRET, ID, TS, &good, BODY, TS + 10), Ok(()));
        assert_eq!(verify(SECRET, ID, TS, &format!("v1,AAAA {good}"), BODY, TS), Ok(()), "any listed signature");
        assert_eq!(verify(SECRET, ID, TS, &good, b"{}", TS), Err(SignatureError::Mismatch));
        assert_eq!(verify(SECRET, "msg_other", TS, &good, BODY, TS), Err(SignatureError::Mismatch));
        assert_eq!(verify(SECRET, ID, TS, &good, BODY, TS + 301), Err(SignatureError::Stale));
        assert_eq!(verify("whsec_AAAA", ID, TS, &good, BODY, TS), Err(SignatureError::Mismatch));
        assert_eq!(verify("nope", ID, TS, &good, BODY, TS), Err(SignatureError::BadSecret));
    }
}
