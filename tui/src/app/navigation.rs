//! Going to what a thing points to and coming back: the back stack, the
//! title path, and the copy and go-to choosers.

use super::App;
use crate::data::Request;
use crate::keys::{Action, Context};
use crate::notice::Level;
use crate::views::{Link, Nav, Target, Value, ViewId};
use crate::widgets::Chooser;

/// One step taken with a link: where it came from, to go back with Esc.
#[derive(Debug)]
pub(super) struct Crumb {
    /// The view left, where it stood, and the path it showed.
    from: ViewId,
    from_nav: Nav,
    from_path: Vec<String>,
    /// The view gone to, where it stood before, and the context it opened in.
    to: ViewId,
    to_nav: Option<Nav>,
    entered: &'static Context,
}

/// What an open chooser is choosing.
#[derive(Debug)]
pub(super) enum Choosing {
    /// A value to copy.
    Copy(Vec<Value>),
    /// A link to follow.
    GoTo(Vec<Link>),
}

impl App {
    /// Opens `target` in its view, remembering where the operator stood.
    pub(super) fn open_target(&mut self, target: Target) -> (bool, Vec<Request>) {
        let (from, to) = (self.view, target.view());
        let from_nav = self.views.get(from).save();
        let from_path = self.view_path(from);
        let to_nav = (to != from).then(|| self.views.get(to).save());
        let (_, requests) = self.dispatch(to, |view, cx| view.open(&target, cx));
        self.view = to;
        let entered = self.views.get(to).context();
        self.history.push(Crumb { from, from_nav, from_path, to, to_nav, entered });
        (true, requests)
    }

    /// Whether Esc now goes back along the path: the view is where a link
    /// left it, no prompt, form or deeper detail on top. Contexts of one
    /// place share a title (Gates' findings with and without the fix key),
    /// so the title is what is compared.
    pub(super) fn at_crumb(&self) -> bool {
        self.history
            .last()
            .is_some_and(|c| c.to == self.view && self.views.get(self.view).context().title == c.entered.title)
    }

    /// Esc along the path: the view gone to is put back as it was, and the
    /// one left is shown where it stood; each asks again for what it stood
    /// on that is no longer loaded.
    pub(super) fn back(&mut self) -> (bool, Vec<Request>) {
        let Some(crumb) = self.history.pop() else { return (false, Vec::new()) };
        let mut requests = Vec::new();
        if let Some(nav) = crumb.to_nav {
            requests.extend(
                self.dispatch(crumb.to, |view, cx| {
                    view.restore(nav, cx);
                    false
                })
                .1,
            );
        }
        self.view = crumb.from;
        requests.extend(
            self.dispatch(crumb.from, |view, cx| {
                view.restore(crumb.from_nav, cx);
                false
            })
            .1,
        );
        (true, requests)
    }

    /// A view's own part of the title path: its title and what it shows.
    fn view_path(&self, view: ViewId) -> Vec<String> {
        std::iter::once(view.title().to_string()).chain(self.views.get(view).crumbs()).collect()
    }

    /// The title path while a link was followed (`Gates › wallet_drift ›
    /// wallet m-acme USD`), or `None` at the top.
    pub(super) fn title_path(&self) -> Option<Vec<String>> {
        let first = self.history.first()?;
        let mut path = first.from_path.clone();
        for crumb in &self.history[1..] {
            path.extend(crumb.from_path.iter().skip(1).cloned());
        }
        let current = self.views.get(self.view).crumbs();
        if current.is_empty() {
            path.push(self.view.title().to_string());
        }
        path.extend(current);
        Some(path)
    }

    /// `g`: the selection's one link is followed; several open a chooser.
    pub(super) fn go_to(&mut self) -> (bool, Vec<Request>) {
        let mut links = self.views.get(self.view).links();
        match links.len() {
            0 => {
                self.notify(Level::Info, "nothing to go to from here".into());
                (true, Vec::new())
            }
            1 => self.open_target(links.remove(0).target),
            _ => {
                let lines = links.iter().map(|l| ("go to".to_string(), l.label.clone())).collect();
                self.chooser = Some((Chooser::new("Go to", lines), Choosing::GoTo(links)));
                (true, Vec::new())
            }
        }
    }

    /// `y`: a chooser of the selection's values to copy.
    pub(super) fn copy_chooser(&mut self) -> (bool, Vec<Request>) {
        let values = self.views.get(self.view).values();
        if values.is_empty() {
            self.notify(Level::Info, "nothing to copy here".into());
            return (true, Vec::new());
        }
        let lines = values.iter().map(|v| (v.label.to_string(), v.value.clone())).collect();
        self.chooser = Some((Chooser::new("Copy", lines), Choosing::Copy(values)));
        (true, Vec::new())
    }

    /// A key while a chooser is open.
    pub(super) fn chooser_action(&mut self, action: Option<Action>) -> (bool, Vec<Request>) {
        let Some((chooser, _)) = self.chooser.as_mut() else { return (false, Vec::new()) };
        match action {
            Some(Action::Down) if chooser.selected + 1 < chooser.lines.len() => chooser.selected += 1,
            Some(Action::Up) if chooser.selected > 0 => chooser.selected -= 1,
            Some(Action::Back) => self.chooser = None,
            Some(Action::Open) => {
                let Some((chooser, choosing)) = self.chooser.take() else { return (false, Vec::new()) };
                return match choosing {
                    Choosing::GoTo(mut links) if chooser.selected < links.len() => {
                        self.open_target(links.swap_remove(chooser.selected).target)
                    }
                    Choosing::Copy(values) => match values.get(chooser.selected) {
                        Some(value) => self.copy(value),
                        None => (true, Vec::new()),
                    },
                    Choosing::GoTo(_) => (true, Vec::new()),
                };
            }
            _ => return (false, Vec::new()),
        }
        (true, Vec::new())
    }

    /// Puts `value` on the operator's clipboard (the runtime writes it as
    /// OSC 52) and says so, and whether cleaning changed it; an empty or
    /// over-long value is not copied.
    fn copy(&mut self, value: &Value) -> (bool, Vec<Request>) {
        let Some(clean) = crate::sanitize::for_clipboard(&value.value) else {
            let limit = crate::sanitize::CLIPBOARD_MAX;
            self.notify(Level::Warn, format!("{}: nothing to copy, or over {limit} characters", value.label));
            return (true, Vec::new());
        };
        let cleaned = if clean == value.value { "" } else { " (control characters removed)" };
        self.notify(Level::Ok, format!("copied {} {}{cleaned}", value.label, crate::sanitize::cell(&clean, 60)));
        self.clipboard = Some(clean);
        (true, Vec::new())
    }

    /// What the runtime is to put on the clipboard, once.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }
}
