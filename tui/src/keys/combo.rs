//! Key combinations as the keymap compares and shows them, through crokey:
//! one normal form for what a terminal sends and what a config file says.

use crokey::{KeyCombination, KeyCombinationFormat};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The normal form of what a terminal sent. A letter's case and Shift agree
/// (`S` is Shift-s whether or not the terminal reported Shift), Shift is
/// dropped from other characters (the character already says it: `?`, `:`),
/// Shift-Tab is BackTab, and BackTab carries no Shift of its own.
pub fn combination(key: &KeyEvent) -> KeyCombination {
    normal(KeyCombination::one_key(key.code, key.modifiers))
}

fn normal(combo: KeyCombination) -> KeyCombination {
    let mut combo = combo.normalized();
    let code = *combo.codes.first();
    match code {
        KeyCode::Char(c) if !c.is_ascii_alphabetic() => combo.modifiers.remove(KeyModifiers::SHIFT),
        KeyCode::Tab if combo.modifiers.contains(KeyModifiers::SHIFT) => {
            combo = KeyCombination::one_key(KeyCode::BackTab, combo.modifiers - KeyModifiers::SHIFT);
        }
        KeyCode::BackTab => combo.modifiers.remove(KeyModifiers::SHIFT),
        _ => {}
    }
    combo
}

/// A default binding's key (with the entry's modifiers) in normal form.
pub fn of_code(code: KeyCode, modifiers: KeyModifiers) -> KeyCombination {
    normal(KeyCombination::one_key(code, modifiers))
}

/// A key as a config file writes it: `s`, `S` (Shift-s), `ctrl-s`, `F2`,
/// `enter`, `esc`, `tab`, `shift-tab`, `space`, `?`. One key per
/// combination: terminals cannot report several at once.
pub fn parse_combination(text: &str) -> Result<KeyCombination, String> {
    let text = text.trim();
    let parsed = crokey::parse(text).map_err(|e| e.to_string())?;
    if !parsed.is_ansi_compatible() {
        return Err(format!("{text:?} names several keys at once; a terminal reports one key at a time"));
    }
    // crokey reads `S` as `s`: a lone upper-case letter means Shift.
    let last = text.rsplit('-').next().unwrap_or(text);
    let mut combo = parsed;
    if let [c] = last.chars().collect::<Vec<_>>()[..]
        && c.is_ascii_uppercase()
    {
        combo = KeyCombination::one_key(KeyCode::Char(c), combo.modifiers | KeyModifiers::SHIFT);
    }
    Ok(normal(combo))
}

/// How a key is written in help and hints: `S`, `Ctrl-s`, `F2`, `Enter`,
/// `S-Tab`.
pub fn label_of(combo: &KeyCombination) -> String {
    match (*combo.codes.first(), combo.modifiers) {
        (KeyCode::BackTab, KeyModifiers::NONE) => "S-Tab".into(),
        _ => KeyCombinationFormat::default().with_implicit_shift().to_string(*combo),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn what_terminals_send_and_what_configs_say_meet_in_one_form() {
        let shift_s = combination(&key(KeyCode::Char('S'), KeyModifiers::SHIFT));
        assert_eq!(combination(&key(KeyCode::Char('S'), KeyModifiers::NONE)), shift_s);
        assert_eq!(parse_combination("S").unwrap(), shift_s);
        assert_eq!(parse_combination("shift-s").unwrap(), shift_s);
        assert_ne!(parse_combination("s").unwrap(), shift_s);
        assert_eq!(of_code(KeyCode::Char('S'), KeyModifiers::NONE), shift_s);
        let question = combination(&key(KeyCode::Char('?'), KeyModifiers::SHIFT));
        assert_eq!(question, of_code(KeyCode::Char('?'), KeyModifiers::NONE));
        assert_eq!(parse_combination("?").unwrap(), question);
        let back_tab = combination(&key(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(back_tab, of_code(KeyCode::BackTab, KeyModifiers::NONE));
        assert_eq!(parse_combination("shift-tab").unwrap(), back_tab);
        assert_eq!(parse_combination("backtab").unwrap(), back_tab);
        assert_ne!(parse_combination("ctrl-r").unwrap(), of_code(KeyCode::Char('r'), KeyModifiers::NONE));
        assert_eq!(parse_combination("F2").unwrap(), of_code(KeyCode::F(2), KeyModifiers::NONE));
        assert!(parse_combination("hyper-x").is_err());
        assert!(parse_combination("a-b").is_err(), "two keys at once");
    }

    #[test]
    fn labels_read_as_the_keys_are_written() {
        let label = |t: &str| label_of(&parse_combination(t).unwrap());
        assert_eq!(label("S"), "S");
        assert_eq!(label("s"), "s");
        assert_eq!(label("ctrl-s"), "Ctrl-s");
        assert_eq!(label("f2"), "F2");
        assert_eq!(label("enter"), "Enter");
        assert_eq!(label("esc"), "Esc");
        assert_eq!(label("shift-tab"), "S-Tab");
    }
}
