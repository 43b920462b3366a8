//! The async loop. Terminal events, data from the [`Fetcher`] and a 250 ms
//! tick are awaited together; everything queued is drained, then the screen
//! is drawn once, only when the app is dirty, inside a synchronized update.
//! The network never runs on this loop: the fetcher is its own task, fed
//! through a channel it reads at its own pace, so a hung server cannot hold
//! up a key press.

use crate::app::App;
use crate::command::{Answer, NOT_SENT};
use crate::data::{DataMsg, Request};
use crate::session_log::files::SessionFiles;
use chrono::Utc;
use crossterm::event::{Event, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::{FutureExt, Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, Write};
use std::time::Duration;
use tokio::sync::mpsc::{self, error::TrySendError};

/// How often the clock ticks (countdowns, stale marks, periodic refresh).
pub const TICK: Duration = Duration::from_millis(250);
/// Requests waiting for the fetcher; past this a request is refused, not queued.
pub const REQUEST_QUEUE: usize = 256;
/// Messages waiting for the loop.
pub const DATA_QUEUE: usize = 1024;

/// The network side of the cockpit, implemented by the integration over the
/// typed API client. It runs as its own task for the whole session.
///
/// Contract:
/// - read [`Request`]s from `requests` until it closes (the cockpit quit), and
///   never let one slow request hold up the others (spawn per request);
/// - answer each read with its [`DataMsg`] (or [`DataMsg::ReadFailed`]) and
///   each command with [`DataMsg::CommandDone`] / [`DataMsg::CommandFailed`]
///   carrying the [`Request::Command`]'s `id` (`unknown: true` when no
///   answer came, so the kept idempotency key replays on a resubmit);
/// - follow the live event stream and send [`DataMsg::Connection`] on every
///   state change and [`DataMsg::Live`] for each event;
/// - send with `data.send(..).await`; a closed channel means stop.
pub trait Fetcher: Send + 'static {
    /// Serves the cockpit until `requests` closes.
    fn run(self, requests: mpsc::Receiver<Request>, data: mpsc::Sender<DataMsg>) -> impl Future<Output = ()> + Send;
}

impl<F, Fut> Fetcher for F
where
    F: FnOnce(mpsc::Receiver<Request>, mpsc::Sender<DataMsg>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    fn run(self, requests: mpsc::Receiver<Request>, data: mpsc::Sender<DataMsg>) -> impl Future<Output = ()> + Send {
        self(requests, data)
    }
}

/// Restores the terminal when dropped: on a normal return, an error return
/// or an unwinding panic (ratatui's panic hook covers an abort as well).
pub struct TerminalGuard {
    /// The terminal on stdout.
    pub terminal: ratatui::DefaultTerminal,
}

impl TerminalGuard {
    /// Raw mode, alternate screen, panic hook.
    pub fn init() -> io::Result<TerminalGuard> {
        Ok(TerminalGuard { terminal: ratatui::try_init()? })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Runs the cockpit on this terminal with this fetcher until the operator quits.
pub async fn run(app: App, fetcher: impl Fetcher) -> io::Result<()> {
    run_with(app, fetcher, None).await
}

/// [`run`], appending the session log to `files` as it grows.
pub async fn run_with(mut app: App, fetcher: impl Fetcher, files: Option<SessionFiles>) -> io::Result<()> {
    let (request_tx, request_rx) = mpsc::channel(REQUEST_QUEUE);
    let (data_tx, data_rx) = mpsc::channel(DATA_QUEUE);
    let fetch = tokio::spawn(fetcher.run(request_rx, data_tx));
    let mut guard = TerminalGuard::init()?;
    // In raw mode Ctrl-C is a key (the app quits on it); a SIGINT from
    // elsewhere ends the loop the same way, and the guard restores.
    let files = files.as_ref();
    let result = tokio::select! {
        result = drive_with(&mut app, &mut guard.terminal, EventStream::new(), data_rx, &request_tx, files) => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    drop(request_tx);
    fetch.abort();
    drop(guard);
    result
}

/// The loop itself, over any crossterm-backed terminal and event stream
/// (tests drive it with a buffer and a scripted stream).
pub async fn drive<W, S>(
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<W>>,
    events: S,
    data: mpsc::Receiver<DataMsg>,
    requests: &mpsc::Sender<Request>,
) -> io::Result<()>
where
    W: Write,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    drive_with(app, terminal, events, data, requests, None).await
}

/// [`drive`], appending each new session-log record to `files` once
/// everything queued is handled (a send before its answer).
pub async fn drive_with<W, S>(
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<W>>,
    mut events: S,
    mut data: mpsc::Receiver<DataMsg>,
    requests: &mpsc::Sender<Request>,
    files: Option<&SessionFiles>,
) -> io::Result<()>
where
    W: Write,
    S: Stream<Item = io::Result<Event>> + Unpin,
{
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut data_open = true;
    let mut events_open = true;
    let mut log_failing = false;
    let start = app.start();
    send_all(app, requests, start);
    loop {
        tokio::select! {
            event = events.next(), if events_open => match event {
                Some(event) => on_event(app, event?, requests),
                None => events_open = false,
            },
            msg = data.recv(), if data_open => match msg {
                Some(msg) => {
                    let follow = app.on_data(msg);
                    send_all(app, requests, follow);
                }
                None => data_open = false,
            },
            _ = tick.tick() => {
                let follow = app.on_tick(Utc::now());
                send_all(app, requests, follow);
            }
        }
        // Drain whatever else is already queued before drawing once.
        while let Ok(msg) = data.try_recv() {
            let follow = app.on_data(msg);
            send_all(app, requests, follow);
        }
        while events_open && let Some(event) = events.next().now_or_never() {
            match event {
                Some(event) => on_event(app, event?, requests),
                None => events_open = false,
            }
        }
        write_session_log(app, files, &mut log_failing);
        if app.should_quit() {
            return Ok(());
        }
        if let Some(text) = app.take_clipboard() {
            // OSC 52: the operator's own terminal puts it on its clipboard,
            // over SSH and inside tmux too. The text was made inert first.
            crossterm::execute!(
                terminal.backend_mut(),
                crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
            )?;
        }
        draw(terminal, app)?;
    }
}

/// Appends what the session log gained to the day's file. A failure is
/// never fatal: the records not written are kept for the next try, and it
/// is logged (to the log file: the terminal is the cockpit's) once when it
/// starts and once when writing works again.
fn write_session_log(app: &mut App, files: Option<&SessionFiles>, failing: &mut bool) {
    let mut records = app.take_session_records();
    let Some(files) = files else { return };
    match files.append(&records, Utc::now().date_naive()) {
        Ok(()) if *failing && !records.is_empty() => {
            *failing = false;
            tracing::info!(dir = %files.dir().display(), "the session log is written again");
        }
        Ok(()) => {}
        Err(e) => {
            let waiting = records.split_off(e.written.min(records.len()));
            let dropped = app.put_back_session_records(waiting);
            if !*failing || dropped > 0 {
                tracing::warn!(dir = %files.dir().display(), error = %e, dropped, "cannot write the session log; keeping the records for the next try");
            }
            *failing = true;
        }
    }
}

fn on_event(app: &mut App, event: Event, requests: &mpsc::Sender<Request>) {
    match event {
        Event::Key(key) => {
            let out = app.on_key(key);
            send_all(app, requests, out);
        }
        Event::Resize(..) => app.dirty = true,
        _ => {}
    }
}

/// Hands requests to the fetcher without ever waiting for it. A command
/// or an export that does not fit is answered at once as not sent (a
/// definite answer: nothing left the cockpit); a read that does not fit is
/// dropped (the next refresh asks again). What the app asks for in turn
/// (a bulk's next item after one was not sent) goes through the same door.
fn send_all(app: &mut App, requests: &mpsc::Sender<Request>, out: Vec<Request>) {
    let mut queue = VecDeque::from(out);
    while let Some(request) = queue.pop_front() {
        let Err(TrySendError::Full(r) | TrySendError::Closed(r)) = requests.try_send(request) else { continue };
        let follow = match r {
            Request::Command { id, .. } => app.on_data(Answer::not_sent(id)),
            Request::Export { id, .. } => {
                let detail = "the request queue is full: nothing was exported".to_string();
                app.on_data(DataMsg::ExportFailed { id, detail, code: Some(NOT_SENT.into()) })
            }
            _ => Vec::new(),
        };
        queue.extend(follow);
    }
}

/// Draws if and only if the app is dirty, wrapped in a synchronized update
/// so the terminal shows the frame at once. Returns whether it drew.
pub fn draw<W: Write>(terminal: &mut Terminal<CrosstermBackend<W>>, app: &mut App) -> io::Result<bool> {
    if !app.dirty {
        return Ok(false);
    }
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| app.render(frame))?;
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(true)
}
