//! Times and durations as every view writes them (amounts: `crate::money`).

use crate::sanitize;
use chrono::{DateTime, Utc};

/// Seconds as a short age: `42s`, `3m 20s`, `5h 02m`, `2d 04h`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {:02}h", s / 86400, s % 86400 / 3600),
    }
}

/// Microseconds as a short duration: `850 µs`, `412 ms`, `3.2 s`.
pub fn took(micros: i64) -> String {
    match micros.max(0) {
        m @ 0..1_000 => format!("{m} µs"),
        m @ 1_000..1_000_000 => format!("{} ms", m / 1_000),
        m => format!("{:.1} s", m as f64 / 1e6),
    }
}

/// An RFC 3339 time as a list shows it, with its day: `31 Jan 09:30:05`
/// (UTC, which the column's header says); anything else shown inert.
pub fn stamp(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&Utc).format("%d %b %H:%M:%S").to_string(),
        Err(_) => sanitize::cell(rfc3339, 15),
    }
}

/// An RFC 3339 time in full: `2026-01-31 09:30:05 UTC`.
pub fn datetime(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&Utc).format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        Err(_) => sanitize::cell(rfc3339, 23),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_durations_read_short() {
        assert_eq!(age(42), "42s");
        assert_eq!(age(200), "3m 20s");
        assert_eq!(age(5 * 3600 + 120), "5h 02m");
        assert_eq!(age(2 * 86400 + 4 * 3600), "2d 04h");
        assert_eq!(took(850), "850 µs");
        assert_eq!(took(412_000), "412 ms");
        assert_eq!(took(2_400_000), "2.4 s");
    }

    #[test]
    fn list_stamps_carry_the_day_and_full_times_say_utc() {
        assert_eq!(stamp("2026-01-31T09:30:05.123456Z"), "31 Jan 09:30:05");
        assert_eq!(stamp("2026-01-31T11:30:05+02:00"), "31 Jan 09:30:05");
        assert_eq!(datetime("2026-01-31T09:30:05Z"), "2026-01-31 09:30:05 UTC");
        assert_eq!(stamp("\x1b[2Jlater"), "later");
    }
}
