//! The `[keys]` table of `config.toml`, read with the line of every entry so
//! that a refusal can name it.
//!
//! ```toml
//! [keys]                 # everywhere the action is bound
//! settle = "S"
//! cycle_status = "F"
//! quit = ["q", "ctrl-q"]
//!
//! [keys.payouts]         # in one context only
//! open = "o"
//! ```

use super::Action;
use super::combo::parse_combination;
use crokey::KeyCombination;
use toml::de::{DeTable, DeValue};

/// One override: the keys of an action, everywhere or in one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The context's name, or `None` for every context.
    pub context: Option<String>,
    /// The action.
    pub action: Action,
    /// Its keys from now on (they replace the defaults).
    pub keys: Vec<KeyCombination>,
    /// The line of `config.toml` that says so (1-based).
    pub line: usize,
}

/// Every override of the file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The overrides.
    pub items: Vec<Override>,
}

/// A `[keys]` entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct OverridesError {
    /// The line (1-based).
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

impl Overrides {
    /// The `[keys]` table of a config file's text (none is no override).
    /// The rest of the file is the profiles' business.
    pub fn parse(text: &str) -> Result<Overrides, OverridesError> {
        let document = DeTable::parse(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            OverridesError { line, message: e.message().to_string() }
        })?;
        let mut out = Overrides::default();
        let Some(keys) = document.get_ref().get("keys") else { return Ok(out) };
        let line = |span: std::ops::Range<usize>| line_of(text, span.start);
        let Some(table) = keys.get_ref().as_table() else {
            return Err(OverridesError { line: line(keys.span()), message: "keys must be a table".into() });
        };
        for (name, value) in table {
            match value.get_ref() {
                DeValue::Table(inner) => {
                    for (action, keys) in inner {
                        out.items.push(one(text, Some(name.get_ref()), action.get_ref(), keys, line(action.span()))?);
                    }
                }
                _ => out.items.push(one(text, None, name.get_ref(), value, line(name.span()))?),
            }
        }
        out.items.sort_by_key(|o| o.line);
        Ok(out)
    }
}

fn one(
    text: &str,
    context: Option<&str>,
    action: &str,
    value: &toml::Spanned<DeValue<'_>>,
    line: usize,
) -> Result<Override, OverridesError> {
    let refuse = |message: String| OverridesError { line, message };
    let where_ = context.map_or_else(|| "[keys]".to_string(), |c| format!("[keys.{c}]"));
    let Some(parsed) = Action::parse(action) else {
        let known: Vec<&str> = Action::known_names().collect();
        return Err(refuse(format!("{where_}: unknown action {action:?} (known: {})", known.join(", "))));
    };
    let texts: Vec<&str> = match value.get_ref() {
        DeValue::String(s) => vec![s.as_ref()],
        DeValue::Array(items) => {
            let mut texts = Vec::new();
            for item in items.iter() {
                match item.get_ref().as_str() {
                    Some(s) => texts.push(s),
                    None => {
                        return Err(OverridesError {
                            line: line_of(text, item.span().start),
                            message: format!("{where_} {action}: a key is a string such as \"ctrl-s\""),
                        });
                    }
                }
            }
            texts
        }
        _ => return Err(refuse(format!("{where_} {action}: a key (\"S\") or a list of keys ([\"S\", \"F5\"])"))),
    };
    if texts.is_empty() {
        return Err(refuse(format!("{where_} {action}: at least one key")));
    }
    let keys = texts
        .iter()
        .map(|t| parse_combination(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refuse(format!("{where_} {action}: {e}")))?;
    Ok(Override { context: context.map(str::to_string), action: parsed, keys, line })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_carries_its_context_and_line() {
        let text = "[profiles.x]\nurl = \"u\"\n\n[keys]\nsettle = \"S\"\nquit = [\"q\", \"ctrl-q\"]\n\n[keys.payouts]\nopen = \"o\"\n";
        let o = Overrides::parse(text).unwrap();
        let lines: Vec<(Option<&str>, Action, usize, usize)> =
            o.items.iter().map(|o| (o.context.as_deref(), o.action, o.keys.len(), o.line)).collect();
        assert_eq!(
            lines,
            [(None, Action::Settle, 1, 5), (None, Action::Quit, 2, 6), (Some("payouts"), Action::Open, 1, 9)]
        );
        assert_eq!(Overrides::parse("[profiles.x]\nurl = \"u\"\n").unwrap(), Overrides::default());
    }

    #[test]
    fn bad_entries_name_their_line() {
        let err = Overrides::parse("[keys]\n\nsetle = \"S\"\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.to_string().starts_with("line 3: [keys]: unknown action \"setle\""), "{err}");
        let err = Overrides::parse("[keys.payouts]\nsettle = \"hyper-s\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("[keys.payouts] settle") && err.message.contains("hyper"), "{err}");
        assert_eq!(Overrides::parse("[keys]\nsettle = 3\n").unwrap_err().line, 2);
        assert_eq!(Overrides::parse("[keys]\nsettle = []\n").unwrap_err().line, 2);
        assert_eq!(Overrides::parse("[keys]\nsettle = [\"S\",\n  4]\n").unwrap_err().line, 3);
    }
}
