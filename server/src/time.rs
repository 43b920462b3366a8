//! Stored times for people: every time is stored as microseconds since the
//! Unix epoch ([`crate::store::now_micros`]), leaves as RFC 3339 in UTC, and
//! comes in (a list's `from`/`to`) as RFC 3339 with any offset.

use crate::error::{LedgerError, LedgerResult};
use chrono::{DateTime, SecondsFormat};

/// Parses an RFC 3339 time into microseconds since the epoch; `None` if it
/// is not one.
pub(crate) fn parse_rfc3339(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_micros())
}

/// Formats stored microseconds since the epoch as RFC 3339 in UTC.
pub(crate) fn rfc3339(micros: i64) -> LedgerResult<String> {
    DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Micros, true))
        .ok_or_else(|| LedgerError::Internal(format!("stored time {micros} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc_with_microseconds() {
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(1_700_000_000_123_456).unwrap(), "2023-11-14T22:13:20.123456Z");
        assert!(rfc3339(i64::MAX).is_err());
    }

    #[test]
    fn rfc3339_parses_back_to_microseconds() {
        assert_eq!(parse_rfc3339("2023-11-14T22:13:20.123456Z"), Some(1_700_000_000_123_456));
        assert_eq!(parse_rfc3339("2023-11-14T23:13:20.123456+01:00"), Some(1_700_000_000_123_456));
        for bad in ["", "2023-11-14", "2023-11-14 22:13:20", "1700000000", "2023-02-30T00:00:00Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }
}
