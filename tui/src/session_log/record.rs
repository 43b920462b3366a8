//! One line of the session log: a command as it was sent, or as it was
//! answered, with only its key parameters — never a secret.

use crate::command::{Answer, Outgoing};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The longest text kept of one parameter or detail.
const MAX_TEXT: usize = 200;

/// Whether the line is the send or the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Handed to the network (written at once, so a crash still shows the key).
    Sent,
    /// Its answer arrived (or it never left: `NOT_SENT`).
    Answered,
}

/// How a command was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It ran.
    Posted,
    /// The server replayed an earlier execution of the same key.
    Replayed,
    /// A definite no (the code says why), or never sent (`NOT_SENT`).
    Refused,
    /// No answer came: the outcome is unknown and the key was kept.
    NoAnswer,
}

impl Outcome {
    /// How the overlay and the file name it.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Posted => "posted",
            Outcome::Replayed => "replayed",
            Outcome::Refused => "refused",
            Outcome::NoAnswer => "no answer",
        }
    }
}

/// One JSON line of the session log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The send or the answer.
    pub event: Event,
    /// The cockpit's number for the command (per run).
    pub request: u64,
    /// The profile in use.
    pub profile: String,
    /// Who is at the keyboard.
    pub operator: String,
    /// The command's name.
    pub command: String,
    /// Its key parameters: ids, amounts, currency, reference.
    pub params: BTreeMap<String, Value>,
    /// The idempotency key it was sent with.
    pub idempotency_key: String,
    /// How it was answered (`None` on the send).
    pub outcome: Option<Outcome>,
    /// The problem's code of a refusal.
    pub code: Option<String>,
    /// What went wrong, for people.
    pub detail: Option<String>,
    /// What the command acted on or created.
    pub subject_id: Option<String>,
    /// The ledger transactions it wrote.
    #[serde(default)]
    pub transaction_ids: Vec<String>,
    /// The server's request id, when its answer names one (the server does
    /// not send one yet, so this is empty for now).
    pub server_request_id: Option<String>,
}

impl Record {
    /// The line for `command` as it is sent.
    pub fn sent(at: DateTime<Utc>, request: u64, who: (&str, &str), command: &Outgoing) -> Record {
        Record {
            at: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            event: Event::Sent,
            request,
            profile: who.0.to_string(),
            operator: who.1.to_string(),
            command: command.command.clone(),
            params: key_params(&command.body),
            idempotency_key: command.key.clone(),
            outcome: None,
            code: None,
            detail: None,
            subject_id: None,
            transaction_ids: Vec::new(),
            server_request_id: None,
        }
    }

    /// The line for the answer to the command `sent` recorded. A result's
    /// `reference` is not kept: for `create_webhook_endpoint` it is the secret.
    pub fn answered(at: DateTime<Utc>, sent: &Record, answer: &Answer) -> Record {
        let mut record =
            Record { at: at.to_rfc3339_opts(SecondsFormat::Millis, true), event: Event::Answered, ..sent.clone() };
        match answer {
            Answer::Done(result) => {
                record.outcome = Some(if result.replayed { Outcome::Replayed } else { Outcome::Posted });
                record.subject_id = result.subject_id.as_deref().map(clip);
                record.transaction_ids = result.transaction_ids.iter().map(|t| clip(t)).collect();
            }
            Answer::Refused { code, detail, .. } => {
                record.outcome = Some(Outcome::Refused);
                record.code = code.as_deref().map(clip);
                record.detail = Some(clip(detail));
            }
            Answer::NoAnswer { detail } => {
                record.outcome = Some(Outcome::NoAnswer);
                record.detail = Some(clip(detail));
            }
        }
        record
    }

    /// The UTC day the line belongs to (its file).
    pub fn day(&self) -> Option<chrono::NaiveDate> {
        DateTime::parse_from_rfc3339(&self.at).ok().map(|t| t.with_timezone(&Utc).date_naive())
    }
}

/// Whether a body field is a key parameter worth recording: ids, amounts,
/// the currency and the business reference. Anything else (a reason, a URL,
/// a secret) is left out, and a name that smells of a credential never
/// passes, whatever it ends with.
pub fn is_key_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let credential = ["secret", "token", "password", "key"].iter().any(|w| lower.contains(w));
    let wanted = lower == "id"
        || lower.ends_with("_id")
        || lower.ends_with("_ids")
        || ["amount", "currency", "reference", "direction"].contains(&lower.as_str());
    wanted && !credential
}

/// The key parameters of a command's body, texts clipped.
pub fn key_params(body: &Value) -> BTreeMap<String, Value> {
    let Some(fields) = body.as_object() else { return BTreeMap::new() };
    fields
        .iter()
        .filter(|(name, _)| is_key_param(name))
        .filter_map(|(name, value)| Some((name.clone(), plain(value)?)))
        .collect()
}

/// A value as it is kept: text clipped, numbers and flags as they are, lists
/// of those; anything nested is dropped.
fn plain(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) => Some(Value::String(clip(s))),
        Value::Number(_) | Value::Bool(_) => Some(value.clone()),
        Value::Array(items) => Some(Value::Array(items.iter().take(100).filter_map(plain).collect())),
        Value::Null | Value::Object(_) => None,
    }
}

fn clip(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}
