//! Exact money: currencies with a scale, decimal strings in, integer minor
//! units stored, decimals out. Never floats.

use ledgerdeck_client::FieldError;
use rust_decimal::Decimal;
use std::str::FromStr;

/// The largest amount one command may move, in minor units (10^15).
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// The largest magnitude a stored balance may reach, in minor units (10^18).
/// Together with [`MAX_AMOUNT_MINOR`] this keeps `balance + amount` far from
/// `i64` overflow on every database.
pub const MAX_BALANCE_MINOR: i64 = 1_000_000_000_000_000_000;

/// A currency the ledger knows: its code and how many digits follow the point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    /// ISO-style code, e.g. `USD`.
    pub code: String,
    /// Digits after the decimal point (USD 2, USDT 6, BTC 8).
    pub scale: u32,
}

impl Currency {
    /// Converts minor units to a decimal carrying exactly this currency's scale
    /// (`125000` USD is `1250.00`).
    pub fn to_decimal(&self, minor: i64) -> Decimal {
        Decimal::new(minor, self.scale)
    }

    /// Parses a positive amount of this currency from its decimal string.
    ///
    /// Rejects, as a message about `field`: anything that is not a plain
    /// decimal, more fractional digits than the scale, zero or negative
    /// values, and amounts above [`MAX_AMOUNT_MINOR`].
    pub fn parse_positive(&self, field: &str, text: &str) -> Result<i64, FieldError> {
        let minor = self.parse_minor(field, text)?;
        if minor <= 0 {
            return Err(FieldError::new(field, "must be greater than zero"));
        }
        Ok(minor)
    }

    fn parse_minor(&self, field: &str, text: &str) -> Result<i64, FieldError> {
        let plain = !text.is_empty()
            && text.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            && text.chars().filter(|c| *c == '.').count() <= 1
            && !text.starts_with('.')
            && !text.ends_with('.')
            && text.rfind('-').is_none_or(|i| i == 0);
        if !plain {
            return Err(FieldError::new(field, format!("must be a decimal string such as \"12.50\", not {text:?}")));
        }
        let value = Decimal::from_str(text).map_err(|_| FieldError::new(field, format!("{:?} is too large", text)))?;
        if value.scale() > self.scale {
            return Err(FieldError::new(
                field,
                format!("{} allows at most {} digits after the point", self.code, self.scale),
            ));
        }
        let too_large = || FieldError::new(field, format!("must not exceed {}", self.to_decimal(MAX_AMOUNT_MINOR)));
        let minor = value.checked_mul(Decimal::from(10i64.pow(self.scale))).ok_or_else(too_large)?;
        let minor: i64 = minor.trunc().try_into().map_err(|_| too_large())?;
        if minor.abs() > MAX_AMOUNT_MINOR {
            return Err(too_large());
        }
        Ok(minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency { code: "USD".into(), scale: 2 }
    }

    #[test]
    fn parses_to_minor_units_at_the_currency_scale() {
        assert_eq!(usd().parse_positive("amount", "1250.00"), Ok(125_000));
        assert_eq!(usd().parse_positive("amount", "1250.5"), Ok(125_050));
        assert_eq!(usd().parse_positive("amount", "7"), Ok(700));
        let btc = Currency { code: "BTC".into(), scale: 8 };
        assert_eq!(btc.parse_positive("amount", "0.00000001"), Ok(1));
    }

    #[test]
    fn rejects_more_digits_than_the_scale() {
        let err = usd().parse_positive("amount", "1.001").unwrap_err();
        assert_eq!(err.field, "amount");
        assert!(err.message.contains("at most 2 digits"), "{}", err.message);
        assert!(usd().parse_positive("amount", "1.000").is_err());
    }

    #[test]
    fn rejects_zero_negative_and_malformed() {
        for bad in ["0", "0.00", "-5", "", "1e3", "1,5", " 1", "+1", "1.", ".5", "NaN", "1.2.3", "--1", "1-"] {
            assert!(usd().parse_positive("amount", bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn rejects_overflow() {
        assert!(usd().parse_positive("amount", "99999999999999999999999999999").is_err());
        assert!(usd().parse_positive("amount", "10000000000000.01").is_err());
        assert_eq!(usd().parse_positive("amount", "10000000000000.00"), Ok(MAX_AMOUNT_MINOR));
    }

    #[test]
    fn formats_with_the_currency_scale() {
        assert_eq!(usd().to_decimal(125_000).to_string(), "1250.00");
        assert_eq!(usd().to_decimal(-5).to_string(), "-0.05");
    }
}
