//! Ledger: transactions with their postings, newest first (cursor-paged,
//! `n` for more); Enter opens one; `x` reverses it through the generated
//! `reverse_transaction` form.

use super::{Effect, block, cell, clock, paged_list, say, take_page, widths};
use crate::data::{Request, ViewId};
use crate::keymap::{Action, Context};
use crate::theme::Theme;
use ledgerdeck_client::{Page, TransactionView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

/// What the Ledger view shows.
#[derive(Debug, Default)]
pub struct LedgerState {
    /// The transactions loaded so far.
    pub transactions: Option<Vec<TransactionView>>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// The selected row.
    pub selected: usize,
    /// The transaction open.
    pub open: Option<String>,
    /// Its detail, once it arrived.
    pub detail: Option<TransactionView>,
}

impl LedgerState {
    /// Where keys are read.
    pub fn context(&self) -> Context {
        if self.open.is_some() { Context::LedgerDetail } else { Context::Ledger }
    }

    /// Takes a page of transactions.
    pub fn set_page(&mut self, page: Page<TransactionView>, append: bool) -> bool {
        take_page(&mut self.transactions, &mut self.next, &mut self.selected, page, append)
    }

    /// Takes a transaction if it is the one open.
    pub fn set_detail(&mut self, t: TransactionView) -> bool {
        if self.open.as_deref() != Some(&t.id) || self.detail.as_ref() == Some(&t) {
            return false;
        }
        self.detail = Some(t);
        true
    }

    fn len(&self) -> usize {
        self.transactions.as_ref().map_or(0, Vec::len)
    }

    /// The transaction a reversal would act on.
    pub fn target(&self) -> Option<String> {
        self.open.clone().or_else(|| self.transactions.as_ref()?.get(self.selected).map(|t| t.id.clone()))
    }

    /// Navigation, paging and opening.
    pub fn on_action(&mut self, action: Action) -> Effect {
        match (self.context(), action) {
            (Context::Ledger, Action::Down) if self.selected + 1 < self.len() => {
                self.selected += 1;
                Effect::changed()
            }
            (Context::Ledger, Action::Up) if self.selected > 0 => {
                self.selected -= 1;
                Effect::changed()
            }
            (Context::Ledger, Action::More) => match self.next.clone() {
                Some(cursor) => Effect::request(Request::LoadMore { view: ViewId::Ledger, cursor }),
                None => Effect::default(),
            },
            (Context::Ledger, Action::Open) => {
                let Some(id) = self.target() else { return Effect::default() };
                self.detail = self.transactions.iter().flatten().find(|t| t.id == id).cloned();
                self.open = Some(id.clone());
                Effect::request(Request::LoadTransaction(id))
            }
            (Context::LedgerDetail, Action::Back) => {
                self.open = None;
                Effect::changed()
            }
            _ => Effect::default(),
        }
    }
}

/// Draws the Ledger view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &LedgerState, theme: &Theme) {
    if state.open.is_some() {
        return render_detail(frame, area, state.detail.as_ref(), theme);
    }
    let more = state.next.is_some();
    let Some((inner, txns)) = paged_list(
        frame,
        area,
        "Transactions, newest first",
        more,
        state.transactions.as_ref(),
        "no transactions",
        theme,
    ) else {
        return;
    };
    let columns = [
        Constraint::Length(8),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Fill(2),
    ];
    let w = widths(inner.width.saturating_sub(2), &columns);
    let header = Row::new(["booked", "kind", "description", "legs", "postings"]).style(theme.muted);
    let rows = txns.iter().map(|t| {
        let legs: Vec<String> = t
            .postings
            .iter()
            .map(|p| format!("{} {} {}", cell(&p.account_id, 24), p.amount, cell(&p.currency, 5)))
            .collect();
        let kind = if t.reversed_by.is_some() { format!("{} ↺", t.kind) } else { t.kind.clone() };
        Row::new(vec![
            Line::from(clock(&t.booked_at)),
            Line::from(cell(&kind, w[1])),
            Line::from(cell(&t.description, w[2])),
            Line::from(t.postings.len().to_string()),
            Line::from(cell(&legs.join(" · "), w[4])),
        ])
    });
    let mut table_state = TableState::new().with_selected(Some(state.selected));
    let table = Table::new(rows, w.iter().map(|&n| Constraint::Length(n)))
        .header(header)
        .row_highlight_style(theme.highlight)
        .highlight_symbol("› ");
    frame.render_stateful_widget(table, inner, &mut table_state);
}

fn render_detail(frame: &mut Frame, area: Rect, t: Option<&TransactionView>, theme: &Theme) {
    let outer = block("Transaction", theme);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(t) = t else { return say(frame, inner, "loading…", theme) };
    let width = inner.width.saturating_sub(14);
    let pair = |label: &str, value: &str| {
        Line::from(vec![Span::styled(format!("{label:<13} "), theme.muted), Span::raw(cell(value, width))])
    };
    let mut lines = vec![
        pair("id", &t.id),
        pair("kind", &t.kind),
        pair("description", &t.description),
        pair("reference", t.reference.as_deref().unwrap_or("—")),
        pair("booked", &t.booked_at),
        pair("effective", &t.effective_at),
        pair("hold", t.hold_id.as_deref().unwrap_or("—")),
        pair("reverses", t.reverses_id.as_deref().unwrap_or("—")),
        pair("reversed by", t.reversed_by.as_deref().unwrap_or("—")),
        Line::default(),
        Line::from(Span::styled("postings", theme.title)),
    ];
    for p in &t.postings {
        let style = if p.amount.is_sign_negative() { theme.warn } else { theme.ok };
        lines.push(Line::from(vec![
            Span::styled(format!("{:>3} ", p.seq), theme.muted),
            Span::raw(format!("{:<40} ", cell(&p.account_id, 40))),
            Span::styled(format!("{:>16} ", p.amount.to_string()), style),
            Span::raw(cell(&p.currency, 6)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
