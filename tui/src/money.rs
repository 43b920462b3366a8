//! Currencies and amounts as the cockpit shows them: every amount at its
//! currency's scale, with thousands grouped (`3,961.98 USD`,
//! `0.12500000 BTC`), the same in every view. Amounts stay `Decimal`s.

use rust_decimal::Decimal;
use std::str::FromStr;

/// The seeded currencies and their scales (digits after the point).
pub const CURRENCIES: [(&str, u32); 10] = [
    ("NGN", 2),
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("KES", 2),
    ("GHS", 2),
    ("GEL", 2),
    ("USDT", 6),
    ("USDC", 6),
    ("BTC", 8),
];

/// The scale of a known currency.
pub fn scale(code: &str) -> Option<u32> {
    CURRENCIES.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

/// An amount with thousands separators, as written: `1,250.00`.
pub fn grouped(amount: Decimal) -> String {
    let text = amount.abs().to_string();
    let (int, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let sign = if amount.is_sign_negative() && !amount.is_zero() { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// An amount at its currency's scale, grouped: `3,961.98` for USD,
/// `0.12500000` for BTC. Digits are only ever added: an amount finer than
/// its currency's scale (which the server never sends) keeps its digits
/// rather than be rounded out of sight, and a currency the cockpit does not
/// know keeps the digits it came with.
pub fn amount(amount: Decimal, currency: &str) -> String {
    let mut shown = amount;
    shown.rescale(scale(currency).unwrap_or(0).max(amount.scale()));
    grouped(shown)
}

/// A figure the server sent as text in `unit`: an amount when the unit is a
/// currency (formatted as [`amount`] does), else the text as it came
/// (seconds, a count).
pub fn figure(text: &str, unit: &str) -> String {
    match (scale(unit), Decimal::from_str(text)) {
        (Some(_), Ok(value)) => amount(value, unit),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_show_at_their_scale_with_groups() {
        assert_eq!(amount(Decimal::new(396198, 2), "USD"), "3,961.98");
        assert_eq!(amount(Decimal::new(30, 0), "USD"), "30.00");
        assert_eq!(amount(Decimal::new(125, 3), "BTC"), "0.12500000");
        assert_eq!(amount(Decimal::new(-123456789, 2), "NGN"), "-1,234,567.89");
        assert_eq!(amount(Decimal::new(15, 1), "XYZ"), "1.5");
        assert_eq!(grouped(Decimal::new(-99, 2)), "-0.99");
    }

    #[test]
    fn figures_in_a_currency_read_as_amounts() {
        assert_eq!(figure("12750.00", "USD"), "12,750.00");
        assert_eq!(figure("14400", "seconds"), "14400");
        assert_eq!(figure("not a number", "USD"), "not a number");
    }

    #[test]
    fn no_digit_is_rounded_away() {
        assert_eq!(amount(Decimal::new(125, 3), "USD"), "0.125", "a sub-cent drift stays visible");
        assert_eq!(amount(Decimal::new(135, 3), "USD"), "0.135");
        assert_eq!(amount(Decimal::new(3000, 3), "USD"), "3.000", "as sent");
    }
}
