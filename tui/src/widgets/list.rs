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

/// The line above a filtered list: the input while typing, else the filter
/// in force, else `hint` (what may be typed).
pub fn filter_line(frame: &mut Frame, area: Rect, filter: &crate::input::FilterLine, hint: &str, theme: &Theme) {
    let line = match &filter.editing {
        Some(input) => filter_input(frame, area, input, theme),
        None if filter.applied.is_empty() => Line::from(Span::styled(cell(hint, area.width), theme.muted)),
        None => Line::from(vec![
            Span::styled("filter: ", theme.muted),
            Span::styled(cell(&filter.applied, area.width.saturating_sub(8)), theme.text),
        ]),
    };
    frame.render_widget(ratatui::widgets::Paragraph::new(line), area);
}

/// A paged list with its filter line on top: the bordered frame (its title
/// saying whether more pages follow), the filter line, and the area left for
/// the rows, or `None` after saying `loading…` (nothing loaded yet) or
/// `empty` (nothing to list).
#[allow(clippy::too_many_arguments)]
pub fn filtered_list<'r, T>(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    more: bool,
    rows: Option<&'r Vec<T>>,
    empty: &str,
    filter: (&crate::input::FilterLine, &str),
    theme: &Theme,
) -> Option<(Rect, &'r [T])> {
    let title = paged_title(title, more);
    let outer = block(&title, theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [filter_area, list_area] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(1),
        ratatui::layout::Constraint::Fill(1),
    ])
    .areas(inner);
    filter_line(frame, filter_area, filter.0, filter.1, theme);
    match rows {
        None => say(frame, list_area, "loading…", theme),
        Some(rows) if rows.is_empty() => say(frame, list_area, empty, theme),
        Some(rows) => return Some((list_area, rows)),
    }
    None
}
