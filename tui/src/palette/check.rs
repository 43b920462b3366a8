//! One form field's typed check before anything is sent: required,
//! an amount positive and within its currency's scale, a known currency,
//! an RFC 3339 time, an http(s) URL of bounded length, one of the choices.

use crate::money::{CURRENCIES, scale};
use ledgerdeck_client::FieldKind;
use rust_decimal::Decimal;
use std::str::FromStr;

/// The longest URL a form accepts.
pub const MAX_URL: usize = 2048;

/// One field's typed check.
pub fn check(
    kind: FieldKind,
    required: bool,
    choices: &[String],
    value: &str,
    currency: Option<&str>,
) -> Result<(), String> {
    if value.is_empty() {
        return if required || kind == FieldKind::Reason { Err("required".into()) } else { Ok(()) };
    }
    match kind {
        FieldKind::Amount => {
            let amount = Decimal::from_str(value).map_err(|_| "not a decimal amount, e.g. 1250.00".to_string())?;
            if amount <= Decimal::ZERO {
                return Err("must be more than zero".into());
            }
            if let Some(scale) = currency.and_then(scale)
                && amount.scale() > scale
            {
                return Err(format!("at most {scale} decimals for {}", currency.unwrap_or_default()));
            }
            Ok(())
        }
        FieldKind::Currency if scale(value).is_none() => {
            let codes: Vec<&str> = CURRENCIES.iter().map(|(c, _)| *c).collect();
            Err(format!("one of {}", codes.join(" ")))
        }
        FieldKind::Timestamp => chrono::DateTime::parse_from_rfc3339(value)
            .map(|_| ())
            .map_err(|_| "an RFC 3339 time, e.g. 2026-01-31T09:30:00Z".into()),
        FieldKind::Url if value.chars().count() > MAX_URL => Err(format!("at most {MAX_URL} characters")),
        FieldKind::Url if !(value.starts_with("http://") || value.starts_with("https://")) => {
            Err("must start with http:// or https://".into())
        }
        FieldKind::Choice if !choices.iter().any(|c| c == value) => Err(format!("one of {}", choices.join(", "))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_checked_against_the_scale() {
        let amount = |v: &str, c: Option<&str>| check(FieldKind::Amount, true, &[], v, c);
        assert!(amount("1.23", Some("USD")).is_ok());
        assert!(amount("1.234", Some("USD")).is_err());
        assert!(amount("1.234", None).is_ok(), "no currency field: the server decides");
        assert!(amount("0.00000001", Some("BTC")).is_ok());
        assert!(amount("0", Some("USD")).is_err());
        assert!(amount("-1", None).is_err());
        assert!(amount("abc", None).is_err());
        assert!(amount("", None).is_err());
    }

    #[test]
    fn other_kinds_are_checked() {
        assert!(check(FieldKind::Currency, true, &[], "XYZ", None).is_err());
        assert!(check(FieldKind::Currency, true, &[], "USDT", None).is_ok());
        assert!(check(FieldKind::Timestamp, true, &[], "2026-01-31T09:30:00Z", None).is_ok());
        assert!(check(FieldKind::Timestamp, true, &[], "yesterday", None).is_err());
        assert!(check(FieldKind::Url, true, &[], "ftp://x", None).is_err());
        assert!(check(FieldKind::Url, true, &[], &format!("https://{}", "a".repeat(2048)), None).is_err());
        assert!(check(FieldKind::Url, true, &[], "https://x.example/hook", None).is_ok());
        assert!(check(FieldKind::Reason, true, &[], "", None).is_err());
        assert!(check(FieldKind::Text, false, &[], "", None).is_ok());
    }
}
