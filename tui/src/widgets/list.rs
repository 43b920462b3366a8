//! Paged lists: taking a page into the rows held, the list's frame, and the
//! filter line typed above a list.

use super::{block, cell, say};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// A paged list's title: `(n: more)` while another page can be loaded.
pub fn paged_title(title: &str, more: bool) -> String {
    if more { format!("{title} (n: more)") } else { title.to_string() }
}

/// Takes a page into a paged list: appended to the rows held or replacing
/// them, the cursor kept and the selection clamped. Returns whether anything
/// changed (an identical refresh redraws nothing).
pub fn take_page<T: Clone + PartialEq>(
    rows: &mut Option<Vec<T>>,
    next: &mut Option<String>,
    selected: &mut usize,
    page: ledgerdeck_client::Page<T>,
    append: bool,
) -> bool {
    let mut items = if append { rows.clone().unwrap_or_default() } else { Vec::new() };
    items.extend(page.items);
    if rows.as_ref() == Some(&items) && *next == page.next_cursor {
        return false;
    }
    *selected = (*selected).min(items.len().saturating_sub(1));
    *rows = Some(items);
    *next = page.next_cursor;
    true
}

/// Draws a paged list's bordered frame into `area` and returns its inner
/// area with the rows, or `None` after saying `loading…` (nothing loaded
/// yet) or `empty` (nothing to list).
pub fn paged_list<'r, T>(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    more: bool,
    rows: Option<&'r Vec<T>>,
    empty: &str,
    theme: &Theme,
) -> Option<(Rect, &'r [T])> {
    let title = paged_title(title, more);
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    match rows {
        None => say(frame, inner, "loading…", theme),
        Some(rows) if rows.is_empty() => say(frame, inner, empty, theme),
        Some(rows) => return Some((inner, rows)),
    }
    None
}

/// The `filter:` line while a filter is typed, scrolled to keep the cursor in
/// view, with the terminal cursor placed on it.
pub fn filter_input(frame: &mut Frame, area: Rect, input: &tui_input::Input, theme: &Theme) -> Line<'static> {
    let width = usize::from(area.width.saturating_sub(10));
    let scroll = input.visual_scroll(width);
    let visible: String = input.value().chars().skip(scroll).collect();
    if let Some(x) = (area.x + 8).checked_add((input.visual_cursor().saturating_sub(scroll)) as u16) {
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
    Line::from(vec![Span::styled("filter: ", theme.accent), Span::styled(cell(&visible, width as u16), theme.text)])
}
