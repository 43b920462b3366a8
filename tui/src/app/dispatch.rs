//! The one site where the app hands something to a view: a window ([`Cx`])
//! for it to act through, then what it asked for carried out.

use super::App;
use crate::data::Request;
use crate::views::{Cx, Effects, View, ViewId};

impl App {
    /// Runs `f` on view `id`, then carries out what it asked for. Returns
    /// whether anything visible changed and the requests to send.
    pub(super) fn dispatch(
        &mut self,
        id: ViewId,
        f: impl FnOnce(&mut dyn View, &mut Cx) -> bool,
    ) -> (bool, Vec<Request>) {
        let (hides_writes, shown, fresh) = (self.hides_writes(), id == self.view, self.fresh(id));
        let role = self.session.role;
        let mut effects = Effects::default();
        let changed = {
            let mut cx = Cx::new(id, self.now, &mut self.tracker, &mut effects);
            cx.hides_writes = hides_writes;
            cx.shown = shown;
            cx.fresh = fresh;
            cx.role = role;
            f(self.views.get_mut(id), &mut cx)
        };
        let (also, requests) = self.carry_out(effects);
        (changed || also, requests)
    }

    /// Runs `f` on every view, in tab order.
    pub(super) fn broadcast(&mut self, f: impl Fn(&mut dyn View, &mut Cx) -> bool) -> (bool, Vec<Request>) {
        let mut changed = false;
        let mut requests = Vec::new();
        for id in ViewId::ALL {
            let (c, mut r) = self.dispatch(*id, &f);
            changed |= c;
            requests.append(&mut r);
        }
        (changed, requests)
    }

    fn carry_out(&mut self, effects: Effects) -> (bool, Vec<Request>) {
        let Effects { mut requests, notice, form, refresh, open } = effects;
        let mut changed = false;
        if let Some((level, text)) = notice {
            self.notify(level, text);
            changed = true;
        }
        if let Some((command, prefill)) = form {
            let session = (self.session.role, self.session.read_only);
            let candidates = self.candidates();
            let handled = self.palette.open_prefilled(&command, &prefill, session, candidates);
            changed |= handled.changed;
            requests.extend(handled.requests);
        }
        for view in refresh {
            requests.extend(self.refresh(view));
        }
        if let Some(target) = open {
            let (_, more) = self.open_target(target);
            requests.extend(more);
            changed = true;
        }
        (changed, requests)
    }
}
