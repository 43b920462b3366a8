//! Stored times for people: every time is stored as microseconds since the
//! Unix epoch ([`crate::store::now_micros`]) and leaves as RFC 3339 in UTC.

use crate::error::{LedgerError, LedgerResult};
use chrono::{DateTime, SecondsFormat};

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
}
