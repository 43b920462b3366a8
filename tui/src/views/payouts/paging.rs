//! The queue as a virtual list: pages fetched by cursor as the selection
//! nears either end of what is loaded, at most [`MAX_PAGES`] kept.

use super::{LoadedPage, MAX_PAGES, NEAR, PayoutsState, Sort, parse_filter};
use crate::data::Request;
use ledgerdeck_client::{HoldQuery, HoldView, Page};

impl PayoutsState {
    pub(super) fn page_request(&mut self, index: usize) -> Option<Request> {
        let cursor = self.cursors.get(index)?.clone();
        if index > 0 && cursor.is_none() {
            return None;
        }
        let q = HoldQuery { cursor, ..self.base_query() };
        if self.loading.as_ref() == Some(&q) {
            return None;
        }
        self.loading = Some(q.clone());
        Some(Request::LoadHolds(q))
    }

    /// Starts the list again from its first page (a new filter or status).
    pub fn reload(&mut self) -> Request {
        self.pages.clear();
        self.cursors = vec![None];
        self.loaded = false;
        self.selected = 0;
        self.loading = None;
        self.page_request(0).expect("the first page is always fetchable")
    }

    /// What a periodic refresh asks for: the first page if none, else the
    /// front page loaded again; and the open hold.
    pub fn refresh_requests(&mut self) -> Vec<Request> {
        let front = self.pages.front().map_or(0, |p| p.index);
        self.loading = None;
        self.left.clear();
        let mut out: Vec<Request> = self.page_request(front).into_iter().collect();
        if let Some(id) = &self.open {
            out.push(Request::LoadHold(id.clone()));
        }
        out
    }

    /// A page could not be loaded: the next move asks again.
    pub fn read_failed(&mut self, query: &HoldQuery) {
        if self.loading.as_ref() == Some(query) {
            self.loading = None;
        }
    }

    /// Every loaded row, in page order.
    pub fn rows(&self) -> impl Iterator<Item = &HoldView> {
        self.pages.iter().flat_map(|p| &p.items)
    }

    /// How many rows are held in memory.
    pub fn loaded_rows(&self) -> usize {
        self.pages.iter().map(|p| p.items.len()).sum()
    }

    /// The rows shown: loaded rows matching the reference text, in the chosen order.
    pub fn shown(&self) -> Vec<&HoldView> {
        let text = self.editing.as_ref().map_or(self.filter.as_str(), |i| i.value());
        let (_, words) = parse_filter(text);
        let mut rows: Vec<&HoldView> =
            self.rows().filter(|h| words.iter().all(|w| h.reference.to_lowercase().contains(w))).collect();
        match self.sort {
            Sort::Age => {}
            Sort::Amount => rows.sort_by_key(|h| std::cmp::Reverse(h.amount)),
            Sort::Provider => rows.sort_by(|a, b| a.provider.cmp(&b.provider)),
        }
        rows
    }

    pub(super) fn selected_id(&self) -> Option<String> {
        self.shown().get(self.selected).map(|h| h.id.clone())
    }

    pub(super) fn reselect(&mut self, id: Option<String>) {
        let shown = self.shown();
        self.selected = id
            .and_then(|id| shown.iter().position(|h| h.id == id))
            .unwrap_or(self.selected)
            .min(shown.len().saturating_sub(1));
    }

    /// The hold a settle or release would act on.
    pub fn target(&self) -> Option<HoldView> {
        match &self.open {
            Some(id) => self
                .detail
                .as_ref()
                .filter(|d| &d.hold.id == id)
                .map(|d| d.hold.clone())
                .or_else(|| self.rows().find(|h| &h.id == id).cloned()),
            None => self.shown().get(self.selected).map(|h| (*h).clone()),
        }
    }

    /// Takes a page of holds, if it is for the list in force.
    pub fn set_holds(&mut self, query: HoldQuery, page: Page<HoldView>) -> (bool, Vec<Request>) {
        let cursor = query.cursor.clone();
        if (HoldQuery { cursor: None, ..query.clone() }) != self.base_query() {
            return (false, Vec::new());
        }
        if self.loading.as_ref() == Some(&query) {
            self.loading = None;
        }
        let Some(index) = self.cursors.iter().position(|c| *c == cursor) else { return (false, Vec::new()) };
        let keep = self.selected_id();
        if index + 1 == self.cursors.len() {
            self.cursors.push(page.next_cursor.clone());
        } else {
            self.cursors[index + 1] = page.next_cursor.clone();
        }
        let at_front = self.pages.front().is_some_and(|p| index < p.index);
        let mut confirm = Vec::new();
        if let Some(p) = self.pages.iter_mut().find(|p| p.index == index) {
            // A marked hold this page no longer lists may have left the
            // queue (or only moved to another page): its detail says which.
            let gone =
                p.items.iter().filter(|h| self.marks.contains_key(&h.id) && !page.items.iter().any(|n| n.id == h.id));
            confirm.extend(gone.map(|h| Request::LoadHold(h.id.clone())));
            p.items = page.items;
        } else if at_front {
            self.pages.push_front(LoadedPage { index, items: page.items });
            if self.pages.len() > MAX_PAGES {
                self.pages.pop_back();
            }
        } else if self.pages.back().is_none_or(|p| p.index + 1 == index) {
            self.pages.push_back(LoadedPage { index, items: page.items });
            if self.pages.len() > MAX_PAGES {
                self.pages.pop_front();
            }
        } else {
            return (false, Vec::new());
        }
        self.loaded = true;
        self.reselect(keep);
        confirm.extend(self.more());
        (true, confirm)
    }

    /// The page to fetch next, if the selection nears either end of what is loaded.
    pub(super) fn more(&mut self) -> Vec<Request> {
        if self.loading.is_some() || self.pages.is_empty() {
            return Vec::new();
        }
        let shown = self.shown().len();
        let (front, back) = (self.pages.front().map_or(0, |p| p.index), self.pages.back().map_or(0, |p| p.index));
        if self.selected + NEAR >= shown
            && let Some(r) = self.page_request(back + 1)
        {
            return vec![r];
        }
        if self.selected < NEAR && front > 0 {
            return self.page_request(front - 1).into_iter().collect();
        }
        Vec::new()
    }
}
