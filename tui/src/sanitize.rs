//! Makes server text inert before it is drawn: escape sequences (CSI, OSC,
//! DCS, …) go whole, other control characters become spaces or go, and
//! bidirectional overrides and isolates go; then text is clipped to a width
//! with an ellipsis. Values for the clipboard are cleaned the same way,
//! zero-width characters dropped too, and bounded.

use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Bidirectional formatting characters that can reorder what is shown.
const BIDI: [char; 12] = [
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

fn is_bidi(c: char) -> bool {
    BIDI.contains(&c)
}

/// Whether `text` needs cleaning at all.
fn is_clean(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() || is_bidi(c))
}

/// `text` with escape sequences, control characters and bidi controls
/// removed; whitespace controls (tab, newline) become one space each.
pub fn clean(text: &str) -> Cow<'_, str> {
    if is_clean(text) {
        return Cow::Borrowed(text);
    }
    // Whitespace controls outside sequences stay visible as a gap.
    let spaced: String = text.chars().map(|c| if matches!(c, '\t' | '\n' | '\r') { ' ' } else { c }).collect();
    let stripped = strip_ansi_escapes::strip_str(&spaced);
    // Whatever the parser let through (C1 controls, DEL, lone bytes) goes too.
    Cow::Owned(stripped.chars().filter(|&c| !c.is_control() && !is_bidi(c)).collect())
}

/// The longest value put on the clipboard, in characters: ids, references
/// and keys are far shorter; anything longer is not what an operator meant.
pub const CLIPBOARD_MAX: usize = 4096;

/// Zero-width characters: invisible in a cell, so not copied either (what is
/// copied is what was shown).
const ZERO_WIDTH: [char; 5] = ['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'];

/// `text` as it may go on the clipboard: [`clean`], zero-width characters
/// dropped and surrounding spaces trimmed; `None` when it is empty or longer
/// than [`CLIPBOARD_MAX`].
pub fn for_clipboard(text: &str) -> Option<String> {
    let value: String = clean(text).chars().filter(|c| !ZERO_WIDTH.contains(c)).collect();
    let value = value.trim();
    (!value.is_empty() && value.chars().count() <= CLIPBOARD_MAX).then(|| value.to_string())
}

/// Clips `text` to `width` terminal cells, ending with `…` when cut.
pub fn clip(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// [`clean`] then [`clip`]: the one call for drawing a server string in a cell.
pub fn cell(text: &str, width: usize) -> String {
    clip(&clean(text), width).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_inert(text: &str) {
        assert!(!text.chars().any(|c| c.is_control() || is_bidi(c)), "not inert: {text:?}");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(clean("payin for order 42"), Cow::Borrowed(_)));
    }

    #[test]
    fn csi_sequences_go_whole() {
        assert_eq!(clean("a\x1b[2Jb\x1b[31;1mred\x1b[0m"), "abred");
        assert_eq!(clean("\x1b[?1049h\x1b[Hx"), "x");
    }

    #[test]
    fn osc_sequences_go_whole_with_bel_or_st() {
        assert_eq!(clean("x\x1b]52;c;ZXZpbA==\x07y"), "xy");
        assert_eq!(clean("x\x1b]0;title\x1b\\y"), "xy");
        assert_eq!(clean("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"), "link");
    }

    #[test]
    fn dcs_and_c1_controls_go() {
        assert_eq!(clean("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        let c1 = clean("a\u{9b}31mb\u{9d}0;t\u{7}c\u{85}d");
        assert_inert(&c1);
        assert!(c1.starts_with('a') && c1.ends_with('d'));
    }

    #[test]
    fn other_controls_become_spaces_or_go() {
        assert_eq!(clean("a\tb\nc\r\nd"), "a b c  d");
        assert_eq!(clean("bell\x07 nul\0 del\x7f bs\x08"), "bell nul del bs");
    }

    #[test]
    fn bidi_overrides_and_isolates_go() {
        let hostile = "pay \u{202E}txt.exe\u{202C} \u{2066}x\u{2069}\u{200E}\u{200F}\u{061C}\u{202A}\u{202B}\u{202D}\u{2067}\u{2068}";
        assert_eq!(clean(hostile), "pay txt.exe x");
    }

    #[test]
    fn a_lone_escape_at_the_end_goes() {
        assert_eq!(clean("abc\x1b"), "abc");
        assert_eq!(clean("abc\x1b["), "abc");
    }

    #[test]
    fn unicode_text_survives() {
        assert_eq!(clean("Zahlung für Müller — ₦1,250 ✓ 支付"), "Zahlung für Müller — ₦1,250 ✓ 支付");
    }

    #[test]
    fn the_clipboard_gets_what_was_shown_and_nothing_too_long() {
        let hostile = "\x1b]52;c;aGk=\x07PSK-\u{200B}44\u{9B}\u{9C}11\u{FEFF}\n";
        assert_eq!(for_clipboard(hostile).as_deref(), Some("PSK-4411"));
        assert_eq!(for_clipboard(&"x".repeat(CLIPBOARD_MAX)).map(|v| v.len()), Some(CLIPBOARD_MAX));
        assert_eq!(for_clipboard(&"x".repeat(CLIPBOARD_MAX + 1)), None);
        assert_eq!(for_clipboard("\x1b[2J \u{200B}"), None, "nothing left to copy");
    }

    #[test]
    fn clip_adds_an_ellipsis_only_when_cut() {
        assert_eq!(clip("abcdef", 6), "abcdef");
        assert_eq!(clip("abcdefg", 6), "abcde…");
        assert_eq!(clip("abc", 0), "");
        assert_eq!(clip("abc", 1), "…");
    }

    #[test]
    fn clip_counts_wide_characters_as_two_cells() {
        let clipped = clip("支付支付支付", 5);
        assert_eq!(clipped, "支付…");
        assert!(clipped.width() <= 5);
    }

    #[test]
    fn a_long_hostile_line_is_inert_and_fits() {
        let long = format!("\x1b[2J\x1b]52;c;aGk=\x07\u{202E}{}", "x".repeat(10_000));
        let drawn = cell(&long, 40);
        assert_inert(&drawn);
        assert_eq!(drawn.width(), 40);
        assert!(drawn.ends_with('…'));
    }
}
