//! Command parameters: checked against the registry's field specs before a
//! command runs, then read through typed accessors.

use crate::error::{LedgerError, LedgerResult};
use crate::money::Currency;
use ledgerdeck_client::{FieldError, FieldKind};
use serde_json::{Map, Value};

/// The longest text a field may hold, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// The longest URL a field may hold, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// The longest id a field may hold, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// A field of a registry entry, as declared in code.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// The JSON member name.
    pub name: &'static str,
    /// Its kind.
    pub kind: FieldKind,
    /// Whether it must be present.
    pub required: bool,
    /// One line for the operator.
    pub help: &'static str,
    /// The allowed values of a `Choice`.
    pub choices: &'static [&'static str],
}

impl FieldDef {
    /// A required field.
    pub const fn required(name: &'static str, kind: FieldKind, help: &'static str) -> Self {
        FieldDef { name, kind, required: true, help, choices: &[] }
    }

    /// An optional field.
    pub const fn optional(name: &'static str, kind: FieldKind, help: &'static str) -> Self {
        FieldDef { name, kind, required: false, help, choices: &[] }
    }

    /// A required choice among `choices`.
    pub const fn choice(name: &'static str, choices: &'static [&'static str], help: &'static str) -> Self {
        FieldDef { name, kind: FieldKind::Choice, required: true, help, choices }
    }

    /// An optional choice among `choices`.
    pub const fn optional_choice(name: &'static str, choices: &'static [&'static str], help: &'static str) -> Self {
        FieldDef { name, kind: FieldKind::Choice, required: false, help, choices }
    }
}

/// Parameters that passed the field checks.
#[derive(Debug, Clone)]
pub struct Params(Map<String, Value>);

impl Params {
    /// Checks `body` against `fields`: an object, no unknown members, every
    /// required field present, each value a string of its kind's shape.
    /// Collects every problem rather than stopping at the first.
    pub fn check(fields: &[FieldDef], body: Value) -> LedgerResult<Params> {
        let Value::Object(map) = body else {
            return Err(LedgerError::field("body", "must be a JSON object"));
        };
        let mut errors = Vec::new();
        for name in map.keys() {
            if !fields.iter().any(|f| f.name == name) {
                errors.push(FieldError::new(clean_name(name), "is not a parameter of this command"));
            }
        }
        for field in fields {
            match map.get(field.name) {
                None | Some(Value::Null) if field.required => errors.push(FieldError::new(field.name, "is required")),
                None | Some(Value::Null) => {}
                Some(Value::String(text)) => {
                    if let Err(message) = check_shape(field, text) {
                        errors.push(FieldError::new(field.name, message));
                    }
                }
                Some(_) => errors.push(FieldError::new(field.name, "must be a string")),
            }
        }
        if errors.is_empty() { Ok(Params(map)) } else { Err(LedgerError::Validation(errors)) }
    }

    /// The canonical JSON of these parameters (keys sorted), for request hashing.
    pub fn canonical(&self) -> String {
        let mut sorted: Vec<(&String, &Value)> = self.0.iter().filter(|(_, v)| !v.is_null()).collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let object: Map<String, Value> = sorted.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Value::Object(object).to_string()
    }

    /// An optional text field, trimmed.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }

    /// A required text field (presence was checked).
    pub fn required(&self, name: &str) -> LedgerResult<&str> {
        self.text(name).ok_or_else(|| LedgerError::field(name, "is required"))
    }

    /// A required amount in `currency`, as minor units.
    pub fn amount(&self, name: &str, currency: &Currency) -> LedgerResult<i64> {
        currency.parse_positive(name, self.required(name)?).map_err(|e| LedgerError::Validation(vec![e]))
    }

    /// An optional timestamp, as microseconds since the epoch.
    pub fn timestamp(&self, name: &str) -> LedgerResult<Option<i64>> {
        self.text(name).map(|t| parse_timestamp(t).map_err(|m| LedgerError::field(name, m))).transpose()
    }
}

/// A member name fit to echo back: bounded and free of control characters.
fn clean_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(MAX_ID_CHARS).collect()
}

fn parse_timestamp(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_micros())
        .map_err(|_| "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z".to_string())
}

fn check_shape(field: &FieldDef, text: &str) -> Result<(), String> {
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    let trimmed = text.trim();
    if field.required && trimmed.is_empty() {
        return Err("is required".into());
    }
    match field.kind {
        FieldKind::Text | FieldKind::Reason if text.chars().count() > MAX_TEXT_CHARS => {
            Err(format!("must be at most {MAX_TEXT_CHARS} characters"))
        }
        FieldKind::Text | FieldKind::Reason => Ok(()),
        FieldKind::WalletId | FieldKind::HoldId | FieldKind::TransactionId => {
            if trimmed.len() > MAX_ID_CHARS || !trimmed.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c))
            {
                Err("is not a valid id".into())
            } else {
                Ok(())
            }
        }
        FieldKind::Currency => {
            if (3..=5).contains(&trimmed.len()) && trimmed.chars().all(|c| c.is_ascii_uppercase()) {
                Ok(())
            } else {
                Err("must be a currency code such as USD".into())
            }
        }
        FieldKind::Amount => {
            if trimmed.len() <= 40 {
                Ok(())
            } else {
                Err("is too long to be an amount".into())
            }
        }
        FieldKind::Choice if field.choices.contains(&trimmed) => Ok(()),
        FieldKind::Choice => Err(format!("must be one of: {}", field.choices.join(", "))),
        FieldKind::Timestamp => parse_timestamp(trimmed).map(|_| ()),
        FieldKind::Url => check_url(text),
    }
}

fn check_url(text: &str) -> Result<(), String> {
    if text.chars().count() > MAX_URL_CHARS {
        return Err(format!("must be at most {MAX_URL_CHARS} characters"));
    }
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !text.chars().any(char::is_whitespace) => Ok(()),
        _ => Err("must be an http:// or https:// URL with a host".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: &[FieldDef] = &[
        FieldDef::required("wallet_id", FieldKind::WalletId, "wallet"),
        FieldDef::required("amount", FieldKind::Amount, "amount"),
        FieldDef::optional("reference", FieldKind::Text, "ref"),
        FieldDef::choice("direction", &["credit", "debit"], "dir"),
    ];

    fn fields_of(err: LedgerError) -> Vec<String> {
        err.field_errors().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn accepts_a_well_formed_object() {
        let p = Params::check(FIELDS, json!({"wallet_id": "w1", "amount": "1.00", "direction": "debit"})).unwrap();
        assert_eq!(p.required("wallet_id").unwrap(), "w1");
        assert_eq!(p.text("reference"), None);
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        let err = Params::check(FIELDS, json!({"amount": 12.5, "direction": "sideways", "extra": 1})).unwrap_err();
        let mut fields = fields_of(err);
        fields.sort();
        assert_eq!(fields, ["amount", "direction", "extra", "wallet_id"]);
    }

    #[test]
    fn refuses_non_objects_control_characters_and_long_text() {
        assert_eq!(fields_of(Params::check(FIELDS, json!([1, 2])).unwrap_err()), ["body"]);
        let bad = json!({"wallet_id": "w1", "amount": "1", "direction": "credit", "reference": "a\u{7}b"});
        assert_eq!(fields_of(Params::check(FIELDS, bad).unwrap_err()), ["reference"]);
        let long = json!({"wallet_id": "w1", "amount": "1", "direction": "credit", "reference": "x".repeat(501)});
        assert_eq!(fields_of(Params::check(FIELDS, long).unwrap_err()), ["reference"]);
    }

    #[test]
    fn canonical_form_ignores_key_order() {
        let a = Params::check(FIELDS, json!({"wallet_id": "w1", "amount": "1", "direction": "credit"})).unwrap();
        let b = Params::check(FIELDS, json!({"direction": "credit", "amount": "1", "wallet_id": "w1"})).unwrap();
        assert_eq!(a.canonical(), b.canonical());
    }
}
