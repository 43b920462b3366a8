//! Waking the event tailers after a commit that wrote change rows.
//!
//! In-process tailers follow a counter (a `watch` channel), so no wake-up is
//! lost and every tailer of the process wakes. Other processes on the same
//! PostgreSQL database hear a `NOTIFY` sent *after* the commit, from a
//! background task that coalesces bursts into one notification: a
//! `NOTIFY` inside the changing transaction would take PostgreSQL's
//! database-wide notify lock at every commit and serialise them all.
//! A lost notification only delays: tailers also poll.

use sqlx::AnyPool;
use std::sync::{Arc, OnceLock};
use tokio::sync::watch;

/// The PostgreSQL channel the tailers listen on.
pub const CHANNEL: &str = "ledgerdeck_changes";
const NOTIFY: &str = "NOTIFY ledgerdeck_changes";

/// The wake-up signal of one store; cheap to clone.
#[derive(Debug, Clone)]
pub struct ChangeSignal {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    commits: watch::Sender<u64>,
    /// The pool to `NOTIFY` through (PostgreSQL only).
    notify_pool: Option<AnyPool>,
    notifier: OnceLock<()>,
}

impl ChangeSignal {
    /// A signal; with `notify_pool`, commits are also announced to other
    /// processes through PostgreSQL `NOTIFY`.
    pub fn new(notify_pool: Option<AnyPool>) -> Self {
        let (commits, _) = watch::channel(0);
        ChangeSignal { inner: Arc::new(Inner { commits, notify_pool, notifier: OnceLock::new() }) }
    }

    /// Announces that change rows were committed.
    pub fn committed(&self) {
        self.inner.commits.send_modify(|n| *n = n.wrapping_add(1));
        if let Some(pool) = &self.inner.notify_pool {
            self.inner.notifier.get_or_init(|| start_notifier(pool.clone(), self.inner.commits.subscribe()));
        }
    }

    /// Announces committed change rows to other processes and waits until
    /// the notification is sent: for a short-lived process (the token CLI)
    /// that would exit before a background task ran.
    pub async fn committed_and_flushed(&self) {
        self.inner.commits.send_modify(|n| *n = n.wrapping_add(1));
        if let Some(pool) = &self.inner.notify_pool {
            notify(pool).await;
        }
    }

    /// A receiver that changes at every commit of this process.
    pub fn follow(&self) -> watch::Receiver<u64> {
        self.inner.commits.subscribe()
    }
}

fn start_notifier(pool: AnyPool, mut commits: watch::Receiver<u64>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    // The commit that starts the notifier is announced too.
    commits.mark_changed();
    runtime.spawn(async move {
        // Ends when the store (and so the sender) is gone.
        while commits.changed().await.is_ok() {
            commits.mark_unchanged();
            if pool.is_closed() {
                return;
            }
            notify(&pool).await;
        }
    });
}

async fn notify(pool: &AnyPool) {
    if let Err(e) = sqlx::query(NOTIFY).execute(pool).await {
        tracing::debug!(error = %e, "change notification not sent; other instances will poll");
    }
}
