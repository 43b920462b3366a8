//! The keys in force: every context's default table with the `[keys]`
//! overrides applied, checked so that no key means two things in one
//! context.

use super::combo::{combination, label_of, of_code};
use super::overrides::Overrides;
use super::{Action, Context, GLOBAL, KeyEntry};
use crokey::KeyCombination;
use crossterm::event::{KeyCode, KeyEvent};
use std::fmt::Write as _;

/// One binding in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The keys that trigger `action`.
    pub keys: Vec<KeyCombination>,
    /// The action.
    pub action: Action,
    /// A second action sharing the line (`j/k move`) and its keys.
    pub reverse: Option<(Action, Vec<KeyCombination>)>,
    /// How the keys are written in help and hints.
    pub label: String,
    /// What it does, for people.
    pub description: &'static str,
    /// Whether it changes anything on the server (hidden when read-only).
    pub writes: bool,
    /// Whether the footer shows it.
    pub hint: bool,
    /// The `config.toml` line that set these keys, if one did.
    line: Option<usize>,
}

impl Binding {
    fn from_entry(e: &KeyEntry) -> Binding {
        Binding {
            keys: e.keys.iter().map(|k| of_code(*k, e.modifiers)).collect(),
            action: e.action,
            reverse: e.reverse.map(|(a, keys)| (a, keys.iter().map(|k| of_code(*k, e.modifiers)).collect())),
            label: e.label.to_string(),
            description: e.description,
            writes: e.writes,
            hint: e.hint,
            line: None,
        }
    }

    /// The action `combo` triggers here, if any.
    fn action_of(&self, combo: &KeyCombination) -> Option<Action> {
        if self.keys.contains(combo) {
            return Some(self.action);
        }
        self.reverse.as_ref().filter(|(_, keys)| keys.contains(combo)).map(|(a, _)| *a)
    }

    fn relabel(&mut self) {
        let first = |keys: &[KeyCombination]| keys.first().map(label_of).unwrap_or_default();
        self.label = match &self.reverse {
            Some((_, up)) => format!("{}/{}", first(&self.keys), first(up)),
            None => self.keys.iter().map(label_of).collect::<Vec<_>>().join("/"),
        };
    }
}

/// A `[keys]` override the contexts cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map_or(String::new(), |l| format!("line {l}: ")))]
pub struct KeymapError {
    /// The `config.toml` line at fault, when a line is.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// The keys in force, per context.
#[derive(Debug, Clone)]
pub struct Keymap {
    global: Vec<Binding>,
    contexts: Vec<(&'static Context, Vec<Binding>)>,
    default_numbers: bool,
}

impl Keymap {
    /// The default tables of `contexts` (the global one is always there),
    /// with a number key for each of `views` (number, title), then the
    /// overrides applied in file order.
    pub fn build(
        contexts: &[&'static Context],
        views: &[(u8, &'static str)],
        overrides: &Overrides,
    ) -> Result<Keymap, KeymapError> {
        let numbers = views.iter().map(|(n, title)| {
            let keys = char::from_digit(u32::from(*n), 10)
                .map(|c| vec![of_code(KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)])
                .unwrap_or_default();
            Binding {
                keys,
                action: Action::GoTo(*n),
                reverse: None,
                label: n.to_string(),
                description: title,
                writes: false,
                hint: false,
                line: None,
            }
        });
        let global = numbers.chain(GLOBAL.entries.iter().map(Binding::from_entry)).collect();
        let mut tables: Vec<(&'static Context, Vec<Binding>)> = Vec::new();
        // Shared contexts (the filter input, the confirmation) are listed
        // by every view that uses them: one table each.
        for context in contexts.iter().copied().filter(|c| *c != &GLOBAL) {
            if !tables.iter().any(|(c, _)| *c == context) {
                tables.push((context, context.entries.iter().map(Binding::from_entry).collect()));
            }
        }
        let mut keymap = Keymap { global, contexts: tables, default_numbers: true };
        for o in &overrides.items {
            keymap.apply(o.context.as_deref(), o.action, &o.keys, o.line)?;
        }
        keymap.check()?;
        Ok(keymap)
    }

    fn apply(
        &mut self,
        context: Option<&str>,
        action: Action,
        keys: &[KeyCombination],
        line: usize,
    ) -> Result<(), KeymapError> {
        let refuse = |message: String| KeymapError { line: Some(line), message };
        let name = action.name();
        let where_ = context.map_or_else(|| "[keys]".to_string(), |c| format!("[keys.{c}]"));
        let mut tables: Vec<&mut Vec<Binding>> = match context {
            None => std::iter::once(&mut self.global)
                .chain(self.contexts.iter_mut().filter(|(c, _)| !c.fixed).map(|(_, b)| b))
                .collect(),
            Some("global") => vec![&mut self.global],
            Some(wanted) => match self.contexts.iter_mut().find(|(c, _)| c.name == wanted) {
                Some((c, _)) if c.fixed => {
                    return Err(refuse(format!("{where_}: the keys of {} are fixed", c.title.to_lowercase())));
                }
                Some((_, bindings)) => vec![bindings],
                None => {
                    let known: Vec<&str> =
                        std::iter::once("global").chain(self.contexts.iter().map(|(c, _)| c.name)).collect();
                    return Err(refuse(format!("unknown context [keys.{wanted}] (known: {})", known.join(", "))));
                }
            },
        };
        let mut found = false;
        for binding in tables.iter_mut().flat_map(|t| t.iter_mut()) {
            if binding.action == action {
                binding.keys = keys.to_vec();
            } else if let Some((_, up)) = binding.reverse.as_mut().filter(|(a, _)| *a == action) {
                *up = keys.to_vec();
            } else {
                continue;
            }
            found = true;
            binding.line = Some(line);
            binding.relabel();
        }
        if matches!(action, Action::GoTo(_)) && found {
            self.default_numbers = false;
        }
        if !found {
            let place = context.map_or("any context".to_string(), |c| format!("[keys.{c}]"));
            return Err(refuse(format!("{where_}: {name} is not bound in {place}")));
        }
        Ok(())
    }

    /// No key may mean two actions in one context (its own keys and the
    /// global ones that apply there).
    fn check(&self) -> Result<(), KeymapError> {
        let scopes = std::iter::once((&GLOBAL, &self.global, None))
            .chain(self.contexts.iter().map(|(c, own)| (*c, own, c.global.then_some(&self.global))));
        for (context, own, global) in scopes {
            let bindings: Vec<&Binding> = own.iter().chain(global.into_iter().flatten()).collect();
            let mut keys: Vec<(&KeyCombination, Action, &Binding)> = Vec::new();
            for b in &bindings {
                let reverse = b.reverse.iter().flat_map(|(a, ks)| ks.iter().map(move |k| (k, *a)));
                for (key, action) in b.keys.iter().map(|k| (k, b.action)).chain(reverse) {
                    if let Some((_, other, other_binding)) = keys.iter().find(|(k, a, _)| *k == key && *a != action) {
                        let line = b.line.max(other_binding.line);
                        return Err(KeymapError {
                            line,
                            message: format!(
                                "{} would be both {} and {} in {} ([keys.{}])",
                                label_of(key),
                                other.name(),
                                action.name(),
                                context.title.to_lowercase(),
                                context.name,
                            ),
                        });
                    }
                    keys.push((key, action, b));
                }
            }
        }
        Ok(())
    }

    fn own_bindings(&self, context: &Context) -> &[Binding] {
        if context == &GLOBAL {
            return &self.global;
        }
        self.contexts.iter().find(|(c, _)| *c == context).map_or(&[], |(_, b)| b.as_slice())
    }

    /// The context's own bindings in force (writing ones too).
    pub fn own(&self, context: &Context) -> &[Binding] {
        self.own_bindings(context)
    }

    /// The global bindings, the views' number keys first.
    pub fn global(&self) -> &[Binding] {
        &self.global
    }

    /// Whether the number keys are the defaults (`1`…`n` in view order).
    pub fn default_numbers(&self) -> bool {
        self.default_numbers
    }

    /// The bindings in force in `context`: its own, then the global ones
    /// where they apply, without writing ones when writes are hidden.
    pub fn entries<'a>(&'a self, context: &Context, hides_writes: bool) -> impl Iterator<Item = &'a Binding> + 'a {
        let global: &[Binding] = if context.global { &self.global } else { &[] };
        self.own_bindings(context).iter().chain(global).filter(move |b| !(hides_writes && b.writes))
    }

    /// The action of `key` in `context`, if any.
    pub fn lookup(&self, context: &Context, key: &KeyEvent, hides_writes: bool) -> Option<Action> {
        let combo = combination(key);
        self.entries(context, hides_writes).find_map(|b| b.action_of(&combo))
    }

    /// The footer hints of `context`, in table order.
    pub fn hints<'a>(&'a self, context: &Context, hides_writes: bool) -> impl Iterator<Item = &'a Binding> + 'a {
        self.entries(context, hides_writes).filter(|b| b.hint)
    }

    /// Every context's keys as a table, for `ledgerdeck keys`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let scopes = std::iter::once((&GLOBAL, &self.global)).chain(self.contexts.iter().map(|(c, b)| (*c, b)));
        for (context, bindings) in scopes {
            let note = match (context.fixed, context.global) {
                (true, _) => "  (fixed)",
                (false, true) => "  (and the global keys)",
                (false, false) => "",
            };
            let _ = writeln!(out, "[{}] {}{note}", context.name, context.title);
            for b in bindings {
                let actions = match &b.reverse {
                    Some((up, _)) => format!("{} / {}", b.action.name(), up.name()),
                    None => b.action.name().into_owned(),
                };
                let writes = if b.writes { "  (writes)" } else { "" };
                let _ = writeln!(out, "  {:<12} {:<22} {}{writes}", b.label, actions, b.description);
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BACK, CONFIRM, FILTER_INPUT, MOVE, entry, writes};
    use super::*;
    use crossterm::event::KeyModifiers;

    static LIST: Context = Context {
        name: "list",
        title: "List",
        entries: &[
            MOVE,
            entry(&[KeyCode::Char('S')], "S", "status", Action::CycleStatus),
            writes(entry(&[KeyCode::Char('s')], "s", "settle", Action::Settle)),
            writes(entry(&[KeyCode::Char('r')], "r", "release", Action::Release)),
        ],
        global: true,
        fixed: false,
    };
    static DETAIL: Context = Context { name: "detail", title: "Detail", entries: &[BACK], global: true, fixed: false };
    const VIEWS: [(u8, &str); 2] = [(1, "One"), (2, "Two")];

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn build(text: &str) -> Result<Keymap, KeymapError> {
        let overrides = Overrides::parse(text).map_err(|e| KeymapError { line: Some(e.line), message: e.message })?;
        Keymap::build(&[&LIST, &DETAIL, &FILTER_INPUT, &CONFIRM], &VIEWS, &overrides)
    }

    #[test]
    fn defaults_look_up_as_their_tables_say() {
        let k = build("").unwrap();
        assert_eq!(k.lookup(&LIST, &key('s'), false), Some(Action::Settle));
        assert_eq!(k.lookup(&LIST, &key('s'), true), None, "writes hidden");
        assert_eq!(k.lookup(&LIST, &key('k'), false), Some(Action::Up));
        assert_eq!(k.lookup(&LIST, &key('2'), false), Some(Action::GoTo(2)));
        assert_eq!(k.lookup(&FILTER_INPUT, &key('q'), false), None, "prompts take no global keys");
        assert_eq!(k.lookup(&LIST, &KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL), false), None);
        assert!(k.default_numbers());
    }

    #[test]
    fn an_override_moves_an_action_and_its_label() {
        let k = build("[keys]\nsettle = \"X\"\n").unwrap();
        assert_eq!(k.lookup(&LIST, &key('X'), false), Some(Action::Settle));
        assert_eq!(k.lookup(&LIST, &key('s'), false), None);
        assert!(k.hints(&LIST, false).any(|b| b.label == "X" && b.description == "settle"));
        let k = build("[keys.list]\ndown = \"n\"\n").unwrap();
        assert_eq!(k.lookup(&LIST, &key('n'), false), Some(Action::Down));
        assert_eq!(k.lookup(&LIST, &key('k'), false), Some(Action::Up));
        assert_eq!(k.own(&LIST)[0].label, "n/k");
    }

    #[test]
    fn two_actions_on_one_key_in_one_context_are_refused_with_the_line() {
        let err = build("[keys]\n\nsettle = \"r\"\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("r would be both"), "{err}");
        let err = build("[keys]\nquit = \"s\"\n").unwrap_err();
        assert_eq!(err.line, Some(2), "a global key shadowing a view's: {err}");
        assert!(build("[keys]\nsettle = \"S\"\n").is_err(), "S is the status key");
        assert!(build("[keys]\nsettle = \"S\"\ncycle_status = \"F\"\n").is_ok());
    }

    #[test]
    fn unknown_and_unbound_names_are_refused() {
        assert_eq!(build("[keys.nope]\nopen = \"o\"\n").unwrap_err().line, Some(2));
        let err = build("[keys.detail]\nsettle = \"o\"\n").unwrap_err();
        assert!(err.message.contains("settle is not bound in [keys.detail]"), "{err}");
        assert!(build("[keys]\nview_3 = \"F3\"\n").is_err(), "no third view");
        assert!(!build("[keys]\nview_2 = \"F2\"\n").unwrap().default_numbers());
    }
}
