//! Colour themes named by meaning, loaded from `themes/*.toml` (embedded at
//! build time) into ratatui styles, with `NO_COLOR` and a 256-colour fallback.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::str::FromStr;

/// The themes shipped with the binary, in the order `t` cycles through them.
pub const BUILTIN: [(&str, &str); 2] = [
    ("terminal", include_str!("../../themes/terminal.toml")),
    ("ledger-paper", include_str!("../../themes/ledger-paper.toml")),
];

/// How much colour the terminal gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorMode {
    /// 24-bit colour as written in the theme.
    TrueColor,
    /// RGB mapped to the nearest of the 256 ANSI colours.
    Ansi256,
    /// `NO_COLOR`: no colours at all, only bold, dim, reverse and underline.
    None,
}

impl ColorMode {
    /// From the environment: `NO_COLOR` (non-empty) wins; true colour only
    /// when `COLORTERM` says `truecolor` or `24bit` (SSH does not forward it).
    pub fn from_env() -> ColorMode {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let colorterm = std::env::var("COLORTERM").unwrap_or_default();
        ColorMode::detect(no_color, &colorterm)
    }

    /// The mode for these environment values.
    pub fn detect(no_color: bool, colorterm: &str) -> ColorMode {
        if no_color {
            ColorMode::None
        } else if matches!(colorterm.to_ascii_lowercase().as_str(), "truecolor" | "24bit") {
            ColorMode::TrueColor
        } else {
            ColorMode::Ansi256
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    colors: Colors,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Colors {
    background: String,
    text: String,
    muted: String,
    accent: String,
    ok: String,
    warn: String,
    error: String,
    border: String,
    title: String,
    selection_bg: String,
    selection_fg: String,
    banner_bg: String,
    banner_fg: String,
}

/// A theme failed to load.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// The TOML is malformed or misses a colour.
    #[error("theme file: {0}")]
    Toml(#[from] toml::de::Error),
    /// A colour value is not understood.
    #[error("theme {theme}: colour {key} = {value:?} is not #rrggbb, a colour name, an index or \"default\"")]
    Colour {
        /// The theme.
        theme: String,
        /// The colour's meaning.
        key: &'static str,
        /// What was written.
        value: String,
    },
    /// No theme has this name.
    #[error("no theme named {0:?} (known: terminal, ledger-paper)")]
    Unknown(String),
}

/// A loaded theme: one style per meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    /// Plain text on the background.
    pub text: Style,
    /// Secondary text: labels, hints, times.
    pub muted: Style,
    /// Highlights: the current tab, keys in hints.
    pub accent: Style,
    /// Healthy, green.
    pub ok: Style,
    /// Worth a look, amber.
    pub warn: Style,
    /// Broken, red.
    pub error: Style,
    /// Block borders.
    pub border: Style,
    /// Block titles.
    pub title: Style,
    /// The selected tab or item: its own text and background colours.
    pub selection: Style,
    /// The selected table row: a background only, so coloured cells keep their colour.
    pub highlight: Style,
    /// The production banner.
    pub banner: Style,
}

impl Theme {
    /// Loads a built-in theme by name for this colour mode.
    pub fn builtin(name: &str, mode: ColorMode) -> Result<Theme, ThemeError> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name).ok_or_else(|| ThemeError::Unknown(name.into()))?;
        Theme::parse(text, mode)
    }

    /// The name of the built-in theme after `name`, wrapping around.
    pub fn next_builtin(name: &str) -> &'static str {
        let at = BUILTIN.iter().position(|(n, _)| *n == name).unwrap_or(0);
        BUILTIN[(at + 1) % BUILTIN.len()].0
    }

    /// Parses a theme file.
    pub fn parse(text: &str, mode: ColorMode) -> Result<Theme, ThemeError> {
        let file: ThemeFile = toml::from_str(text)?;
        let c = &file.colors;
        let theme = file.name.clone();
        let colour = |key: &'static str, value: &str| -> Result<Color, ThemeError> {
            parse_colour(value, mode).ok_or_else(|| ThemeError::Colour {
                theme: theme.clone(),
                key,
                value: value.into(),
            })
        };
        let bg = colour("background", &c.background)?;
        let on_bg = |fg: Color| Style::new().fg(fg).bg(bg);
        let fg = |key, value: &str| colour(key, value).map(on_bg);
        let mut out = Theme {
            name: file.name.clone(),
            text: fg("text", &c.text)?,
            muted: fg("muted", &c.muted)?,
            accent: fg("accent", &c.accent)?.add_modifier(Modifier::BOLD),
            ok: fg("ok", &c.ok)?,
            warn: fg("warn", &c.warn)?,
            error: fg("error", &c.error)?.add_modifier(Modifier::BOLD),
            border: fg("border", &c.border)?,
            title: fg("title", &c.title)?.add_modifier(Modifier::BOLD),
            selection: Style::new()
                .fg(colour("selection_fg", &c.selection_fg)?)
                .bg(colour("selection_bg", &c.selection_bg)?),
            highlight: Style::new().bg(colour("selection_bg", &c.selection_bg)?),
            banner: Style::new()
                .fg(colour("banner_fg", &c.banner_fg)?)
                .bg(colour("banner_bg", &c.banner_bg)?)
                .add_modifier(Modifier::BOLD),
        };
        if mode == ColorMode::None {
            out.muted = out.muted.add_modifier(Modifier::DIM);
            out.warn = out.warn.add_modifier(Modifier::BOLD);
            out.error = out.error.add_modifier(Modifier::UNDERLINED);
            out.selection = out.selection.add_modifier(Modifier::REVERSED);
            out.highlight = out.highlight.add_modifier(Modifier::REVERSED);
            out.banner = out.banner.add_modifier(Modifier::REVERSED);
        }
        Ok(out)
    }
}

/// A theme colour for this mode; `None` when it is not understood.
fn parse_colour(value: &str, mode: ColorMode) -> Option<Color> {
    if value.eq_ignore_ascii_case("default") {
        return Some(Color::Reset);
    }
    let colour = Color::from_str(value).ok()?;
    Some(match (mode, colour) {
        (ColorMode::None, _) => Color::Reset,
        (ColorMode::Ansi256, Color::Rgb(r, g, b)) => Color::Indexed(ansi_colours::ansi256_from_rgb((r, g, b))),
        (_, other) => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_builtin_themes_load_in_every_mode() {
        for (name, _) in BUILTIN {
            for mode in [ColorMode::TrueColor, ColorMode::Ansi256, ColorMode::None] {
                let theme = Theme::builtin(name, mode).unwrap();
                assert_eq!(theme.name, name);
            }
        }
    }

    #[test]
    fn default_keeps_the_terminal_background() {
        let theme = Theme::builtin("terminal", ColorMode::TrueColor).unwrap();
        assert_eq!(theme.text.bg, Some(Color::Reset));
        assert_eq!(theme.error.fg, Some(Color::Rgb(0xff, 0x5f, 0x5f)));
    }

    #[test]
    fn the_fallback_maps_rgb_to_the_256_palette() {
        let theme = Theme::builtin("terminal", ColorMode::Ansi256).unwrap();
        assert!(matches!(theme.ok.fg, Some(Color::Indexed(_))));
        let paper = Theme::builtin("ledger-paper", ColorMode::Ansi256).unwrap();
        assert!(matches!(paper.text.bg, Some(Color::Indexed(_))));
    }

    #[test]
    fn no_color_keeps_only_modifiers() {
        let theme = Theme::builtin("ledger-paper", ColorMode::None).unwrap();
        for style in [theme.text, theme.ok, theme.error, theme.selection, theme.banner] {
            assert!(style.fg.is_none_or(|c| c == Color::Reset));
            assert!(style.bg.is_none_or(|c| c == Color::Reset));
        }
        assert!(theme.selection.add_modifier.contains(Modifier::REVERSED));
        assert!(theme.banner.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn colour_mode_follows_the_environment_values() {
        assert_eq!(ColorMode::detect(true, "truecolor"), ColorMode::None);
        assert_eq!(ColorMode::detect(false, "24bit"), ColorMode::TrueColor);
        assert_eq!(ColorMode::detect(false, ""), ColorMode::Ansi256);
    }

    #[test]
    fn a_bad_colour_is_named() {
        let text = BUILTIN[0].1.replace("#5fcf80", "greenish");
        let err = Theme::parse(&text, ColorMode::TrueColor).unwrap_err().to_string();
        assert!(err.contains("ok") && err.contains("greenish"), "{err}");
    }

    #[test]
    fn cycling_wraps_around() {
        assert_eq!(Theme::next_builtin("terminal"), "ledger-paper");
        assert_eq!(Theme::next_builtin("ledger-paper"), "terminal");
    }
}
