//! Times, durations and amounts as every view writes them.

use crate::sanitize;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// An RFC 3339 time as `HH:MM:SS` (UTC); anything else shown inert as sent.
pub fn clock(rfc3339: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&Utc).format("%H:%M:%S").to_string(),
        Err(_) => sanitize::cell(rfc3339, 8),
    }
}

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

/// An amount with thousands separators: `1,250.00`.
pub fn money(amount: Decimal) -> String {
    let text = amount.abs().to_string();
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
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
    fn clock_shows_utc_time_or_the_text_inert() {
        assert_eq!(clock("2026-01-31T09:30:05.123456Z"), "09:30:05");
        assert_eq!(clock("\x1b[2Jlater"), "later");
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(Decimal::new(125000, 2)), "1,250.00");
        assert_eq!(money(Decimal::new(30, 0)), "30");
        assert_eq!(money(Decimal::new(123456789, 2)), "1,234,567.89");
        assert_eq!(money(Decimal::new(-99, 2)), "-0.99");
    }
}
