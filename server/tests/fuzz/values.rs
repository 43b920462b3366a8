//! Value generators for the API fuzz test: strings, amounts, integers and
//! JSON values built from an OpenAPI schema, mixing schema-valid values with
//! deliberately hostile ones, and ids of real objects where a field names one.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

/// Ids of real objects, read from the database before each route is fuzzed,
/// so that handlers get past their lookups.
#[derive(Debug, Clone, Default)]
pub struct Pools {
    pub wallets: Vec<String>,
    pub holds: Vec<String>,
    pub transactions: Vec<String>,
    pub messages: Vec<String>,
    pub endpoints: Vec<String>,
    pub findings: Vec<String>,
}

impl Pools {
    /// The pool of ids a field or parameter of this name refers to.
    pub fn for_name(&self, name: &str) -> Option<&[String]> {
        let pool = match name {
            "wallet_id" | "from_wallet_id" | "to_wallet_id" => &self.wallets,
            "hold_id" => &self.holds,
            "transaction_id" => &self.transactions,
            "message_id" => &self.messages,
            "endpoint_id" => &self.endpoints,
            "finding_id" => &self.findings,
            _ => return None,
        };
        Some(pool)
    }
}

/// Strings that have broken parsers, databases and terminals before.
const NASTY: &[&str] = &[
    "",
    " ",
    "0",
    "-0",
    "-1",
    "null",
    "true",
    "NaN",
    "1e9999",
    "١٢٣",
    "１２３",
    "\u{0}",
    "a\u{0}b",
    "\u{1b}[31mred\u{1b}[0m",
    "line\nbreak",
    "tab\tand\rreturn",
    "\u{202e}reversed",
    "\u{feff}bom",
    "😀💸",
    "'; DROP TABLE wallets; --",
    "\" OR 1=1 --",
    "%",
    "%00",
    "%zz",
    "_",
    "*",
    "../../etc/passwd",
    "{}",
    "[]",
    "\\",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999999999999",
];

/// Amounts that are not plain positive decimals, or are but are extreme.
const BAD_AMOUNTS: &[&str] = &[
    "1e9999",
    "1e3",
    "-0",
    "-1",
    "-0.01",
    "0",
    "0.0",
    "0.001",
    "0.000000001",
    "0.0000000000000000000000000001",
    "١٢٣",
    "１２３",
    "1.",
    ".5",
    "1..2",
    "+1",
    "1,00",
    " 1",
    "1 ",
    "0x10",
    "NaN",
    "inf",
    "00.10",
    "1.000",
    "92233720368547758.07",
    "92233720368547758.08",
    "9223372036854775807",
    "184467440737095516.16",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "99999999999999999999999999999999999999.99",
];

/// A hostile or random string.
pub fn nasty_string() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(NASTY).prop_map(str::to_string),
        3 => "\\PC{0,24}",
        2 => ".{0,16}",
        1 => select(vec![256usize, 4096, 70_000]).prop_map(|n| "x".repeat(n)),
    ]
    .boxed()
}

/// A plain decimal amount, sometimes over-precise, or a hostile one.
pub fn amount() -> BoxedStrategy<String> {
    let units = prop_oneof![3 => 0u64..20, 1 => 0u64..3000];
    let plain = (units, 0usize..4, 0u64..1000).prop_map(|(units, width, frac)| match width {
        0 => units.to_string(),
        w => format!("{units}.{:0w$}", frac % 10u64.pow(w as u32)),
    });
    prop_oneof![8 => plain, 2 => select(BAD_AMOUNTS).prop_map(str::to_string), 1 => nasty_string()].boxed()
}

/// An integer query value, in range or not, or not an integer at all.
pub fn integer_text(minimum: Option<i64>, maximum: Option<i64>) -> BoxedStrategy<String> {
    let lo = minimum.unwrap_or(-5);
    let hi = maximum.unwrap_or(600).max(lo + 1);
    prop_oneof![
        6 => (lo..=hi).prop_map(|n| n.to_string()),
        2 => select(vec![i64::MIN, -1, 0, 1, 1000, 1_000_000, i64::MAX]).prop_map(|n| n.to_string()),
        2 => select(vec!["1.5", "1e3", "", " 5", "5 ", "+5", "0x10", "١٢", "18446744073709551616"]).prop_map(str::to_string),
        1 => nasty_string(),
    ]
    .boxed()
}

/// An RFC 3339 time in the past or future, or a broken one.
fn timestamp() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (1970i32..2100, 1u32..13, 1u32..29, 0u32..24).prop_map(|(y, mo, d, h)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:00:00Z")),
        1 => select(vec!["2026-02-30T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-01-01", "yesterday", "1700000000"])
            .prop_map(str::to_string),
        1 => nasty_string(),
    ]
    .boxed()
}

/// Mostly `known`, sometimes anything.
fn known_or_nasty(known: &[&'static str]) -> BoxedStrategy<String> {
    prop_oneof![8 => select(known.to_vec()).prop_map(str::to_string), 1 => nasty_string()].boxed()
}

/// A string for a field or parameter called `name`: an id of a real object,
/// a known currency or provider, a plausible URL, or something hostile.
pub fn string_for(name: &str, pools: &Pools) -> BoxedStrategy<String> {
    if let Some(pool) = pools.for_name(name).filter(|p| !p.is_empty()) {
        let real = select(pool.to_vec());
        return prop_oneof![12 => real, 1 => nasty_string(), 1 => "[0-9a-f-]{36}"].boxed();
    }
    match name {
        // Search and the exact-match filters: real ids of every kind, merchant
        // ids, near misses and wildcard look-alikes.
        "q" | "reference" => {
            let ids: Vec<String> =
                [&pools.wallets, &pools.holds, &pools.transactions, &pools.messages, &pools.findings]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .chain(["m-1", "m-2", "fuzz-merchant", "%", "_", "m-%", "*"].map(String::from))
                    .collect();
            prop_oneof![6 => select(ids), 3 => nasty_string(), 1 => "[a-zA-Z0-9 ._-]{1,24}"].boxed()
        }
        "from" | "to" => timestamp(),
        "system" => known_or_nasty(&["true", "false"]),
        "amount" => amount(),
        "currency" => known_or_nasty(&["USD", "EUR", "BTC", "USDT", "NGN", "usd", "XXX"]),
        "provider" => known_or_nasty(&["sandbox", "sandbox", "sandbox", "sandbox", "other"]),
        "merchant_id" => known_or_nasty(&["m-1", "m-2", "fuzz-merchant"]),
        "url" => known_or_nasty(&[
            "http://127.0.0.1:9/hook",
            "https://example.invalid/events",
            "ftp://example.invalid/",
            "http://",
            "javascript:alert(1)",
        ]),
        "event_types" => known_or_nasty(&["*", "payout.*,wallet.created", "wallet.created", ",", "nope.*"]),
        "secret" => known_or_nasty(&["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "not-a-secret"]),
        "effective_at" => timestamp(),
        "status" => known_or_nasty(&[
            "reserved",
            "submitted",
            "manual_review",
            "settled",
            "released",
            "paid",
            "failed",
            "pending",
            "OPEN",
            "RESOLVED",
            "dead",
            "delivered",
        ]),
        "kind" => {
            known_or_nasty(&["payin", "payout_reserve", "transfer", "correction", "available", "reserved", "bank"])
        }
        "gate" => known_or_nasty(&ledgerdeck_client::gates::GATES),
        "cursor" => prop_oneof![2 => nasty_string(), 1 => "[A-Za-z0-9+/=_-]{1,40}"].boxed(),
        _ => prop_oneof![3 => "[a-zA-Z0-9 ._-]{1,24}", 2 => nasty_string()].boxed(),
    }
}

/// A JSON value of the wrong kind for almost any field.
pub fn wrong_type() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        Just(json!(1e308)),
        Just(json!(-0.0)),
        Just(json!(0.001)),
        Just(json!([])),
        Just(json!(["USD"])),
        Just(json!({})),
        Just(json!({"nested": {"deeper": [1, 2, 3]}})),
    ]
    .boxed()
}

/// Follows a `$ref` into the document's components.
pub fn resolve<'a>(schema: &'a Value, doc: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(doc.pointer(pointer).unwrap_or(&Value::Null), doc)
        }
        None => schema,
    }
}

/// A schema-valid value (as valid as the schema says) for a field called
/// `name`; strings lean on the name, so an id field gets real ids.
pub fn valid_value(name: &str, schema: &Value, doc: &Value, pools: &Pools) -> BoxedStrategy<Value> {
    let schema = resolve(schema, doc);
    if let Some(options) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
        let choices: Vec<BoxedStrategy<Value>> = options.iter().map(|s| valid_value(name, s, doc, pools)).collect();
        return (0..choices.len().max(1), choices).prop_map(|(i, values)| values[i].clone()).boxed();
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array).filter(|v| !v.is_empty()) {
        let unknown = nasty_string().prop_map(Value::from);
        return prop_oneof![8 => select(values.clone()), 1 => unknown].boxed();
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["string"],
    };
    let nullable = types.contains(&"null");
    let main = types.iter().find(|t| **t != "null").copied().unwrap_or("string");
    let value = match main {
        "object" => object_value(schema, doc, pools),
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            prop::collection::vec(valid_value(name, &items, doc, pools), 0..4).prop_map(Value::from).boxed()
        }
        "integer" => {
            let lo = schema.get("minimum").and_then(Value::as_i64).unwrap_or(-5);
            let hi = schema.get("maximum").and_then(Value::as_i64).unwrap_or(1000);
            (lo..=hi.max(lo)).prop_map(Value::from).boxed()
        }
        "number" => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from).boxed(),
        "boolean" => any::<bool>().prop_map(Value::from).boxed(),
        _ => string_for(name, pools).prop_map(Value::from).boxed(),
    };
    if nullable { prop_oneof![4 => value, 1 => Just(Value::Null)].boxed() } else { value }
}

/// An object with every required property and some optional ones.
pub fn object_value(schema: &Value, doc: &Value, pools: &Pools) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields = Vec::new();
    for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let value = valid_value(name, property, doc, pools);
        let value = if required.contains(&name.as_str()) {
            value.prop_map(Some).boxed()
        } else {
            prop::option::weighted(0.6, value).boxed()
        };
        let name = name.clone();
        fields.push(value.prop_map(move |v| (name.clone(), v)).boxed());
    }
    fields
        .prop_map(|fields| {
            Value::Object(fields.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect::<Map<_, _>>())
        })
        .boxed()
}
