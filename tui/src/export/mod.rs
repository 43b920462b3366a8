//! The export key: the list the view shows, with its filter, streamed into
//! a file. The key opens a prompt that says what is exported, with the
//! path prefilled (`<download or state dir>/ledgerdeck-<kind>-<time>.csv`)
//! and the format (Tab switches csv/jsonl, the extension follows); Enter
//! asks the network side for [`Request::Export`], Esc cancels. While it
//! runs, a panel at the foot of the view counts the rows; then it says the
//! rows and the path, or the failure's code and detail, until the next key.
//! Keys meanwhile go where they always go. One export runs at a time.

mod describe;
mod render;

pub use describe::{describe, file_name, filters, toggled, with_extension};
pub use render::{render, tail};

use crate::data::{DataMsg, ExportFormat, ExportKind, ExportQuery, Request};
use crate::keys::{Action, Context, entry};
use crate::notice::Level;
use chrono::{DateTime, Utc};
use crossterm::event::KeyCode::{self, BackTab, Enter, Esc, Tab};
use crossterm::event::KeyEvent;
use rust_decimal::Decimal;
use std::path::PathBuf;
use tui_input::Input;

/// The export prompt has the keyboard (its keys are fixed; the rest is typed into the path).
pub static EXPORT_PROMPT: Context = Context {
    name: "export_prompt",
    title: "Export",
    entries: &[
        entry(&[Enter], "Enter", "export", Action::Open),
        entry(&[Tab], "Tab", "csv/jsonl", Action::NextField),
        entry(&[Esc], "Esc", "cancel", Action::Back),
    ],
    global: false,
    fixed: true,
};

/// What a view can export: the kind and the filters it shows, and what of
/// its filter the export cannot carry (matched on loaded rows only).
#[derive(Debug, Clone, PartialEq)]
pub struct Exportable {
    /// What is exported.
    pub kind: ExportKind,
    /// The view's filters as the export's.
    pub query: ExportQuery,
    /// A part of the view's filter the server does not apply, said in the prompt.
    pub note: Option<String>,
}

impl Exportable {
    /// An export of `kind` with `query` and nothing left out.
    pub fn new(kind: ExportKind, query: ExportQuery) -> Exportable {
        Exportable { kind, query, note: None }
    }
}

/// The prompt, while open.
#[derive(Debug)]
pub struct Prompt {
    /// What is exported.
    pub what: Exportable,
    /// CSV or JSON lines.
    pub format: ExportFormat,
    /// The file's path, as typed.
    pub path: Input,
    /// Why Enter did not start it.
    pub error: Option<String>,
}

/// An export under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Its id, which its messages carry.
    pub id: u64,
    /// What is exported.
    pub kind: ExportKind,
    /// The file asked for.
    pub path: PathBuf,
    /// Rows written so far.
    pub rows: u64,
    /// Bytes written so far.
    pub bytes: u64,
}

/// How the last export ended, shown until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Done (ok) or failed (error).
    pub level: Level,
    /// `exported 12,405 holds rows (1.2 MB)`, `export of holds failed: FILE_EXISTS`.
    pub headline: String,
    /// The file written, or what went wrong (already inert).
    pub detail: String,
}

/// The export prompt, the export under way and how the last one ended.
#[derive(Debug)]
pub struct ExportState {
    /// The prompt, while open.
    pub prompt: Option<Prompt>,
    /// The export under way.
    pub job: Option<Job>,
    /// How the last export ended, until the next key.
    pub outcome: Option<Outcome>,
    /// Where the path starts ([`default_dir`] unless changed).
    pub dir: PathBuf,
    next_id: u64,
}

impl Default for ExportState {
    fn default() -> Self {
        ExportState { prompt: None, job: None, outcome: None, dir: default_dir(), next_id: 1 }
    }
}

/// The user's download directory, else `<state dir>/ledgerdeck`, else
/// `<data dir>/ledgerdeck`, else the working directory.
pub fn default_dir() -> PathBuf {
    dirs::download_dir()
        .or_else(|| dirs::state_dir().map(|d| d.join("ledgerdeck")))
        .or_else(|| dirs::data_dir().map(|d| d.join("ledgerdeck")))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// What a key did in the prompt.
#[derive(Debug, Default, PartialEq)]
pub struct Keyed {
    /// Something visible changed.
    pub changed: bool,
    /// The export to start.
    pub request: Option<Request>,
}

impl ExportState {
    /// Whether the prompt has the keyboard.
    pub fn is_open(&self) -> bool {
        self.prompt.is_some()
    }

    /// Opens the prompt for `what`, the path prefilled for `now`; refused
    /// (with what to say) while an export runs.
    pub fn open(&mut self, what: Exportable, now: DateTime<Utc>) -> Result<(), String> {
        if let Some(job) = &self.job {
            return Err(format!("an export is running: {}", progress_text(job)));
        }
        self.outcome = None;
        let format = ExportFormat::Csv;
        let path = self.dir.join(file_name(what.kind, format, now));
        self.prompt = Some(Prompt { what, format, path: Input::new(path.display().to_string()), error: None });
        Ok(())
    }

    /// A key while the prompt is open.
    pub fn on_key(&mut self, key: KeyEvent) -> Keyed {
        let Some(prompt) = self.prompt.as_mut() else { return Keyed::default() };
        match key.code {
            KeyCode::Esc => {
                self.prompt = None;
                Keyed { changed: true, request: None }
            }
            Tab | BackTab => {
                prompt.format = toggled(prompt.format);
                let path = with_extension(prompt.path.value(), prompt.format);
                prompt.path = Input::new(path);
                Keyed { changed: true, request: None }
            }
            Enter => {
                let path = prompt.path.value().trim().to_string();
                if path.is_empty() || path.ends_with('/') {
                    prompt.error = Some("name the file to write".into());
                    return Keyed { changed: true, request: None };
                }
                let Some(prompt) = self.prompt.take() else { return Keyed::default() };
                let (id, path) = (self.next_id, PathBuf::from(path));
                self.next_id += 1;
                let kind = prompt.what.kind;
                self.job = Some(Job { id, kind, path: path.clone(), rows: 0, bytes: 0 });
                let query = Box::new(prompt.what.query);
                let request = Request::Export { id, kind, query, format: prompt.format, path };
                Keyed { changed: true, request: Some(request) }
            }
            _ => {
                let changed = crate::input::edit(&mut prompt.path, key);
                if changed {
                    prompt.error = None;
                }
                Keyed { changed, request: None }
            }
        }
    }

    /// Takes an export's message; returns whether anything shown changed.
    pub fn on_data(&mut self, msg: &DataMsg) -> bool {
        let Some(job) = self.job.as_mut() else { return false };
        let kind = job.kind.as_str();
        let outcome = match msg {
            DataMsg::ExportProgress { id, rows, bytes } if *id == job.id => {
                let changed = (job.rows, job.bytes) != (*rows, *bytes);
                (job.rows, job.bytes) = (*rows, *bytes);
                return changed;
            }
            DataMsg::ExportDone { id, rows, bytes, path } if *id == job.id => Outcome {
                level: Level::Ok,
                headline: format!("exported {} {kind} rows ({})", count(*rows), size(*bytes)),
                detail: format!("to {}", crate::sanitize::clean(&path.display().to_string())),
            },
            DataMsg::ExportFailed { id, detail, code } if *id == job.id => Outcome {
                level: Level::Error,
                headline: match code {
                    Some(code) => format!("export of {kind} failed: {}", crate::sanitize::cell(code, 40)),
                    None => format!("export of {kind} failed"),
                },
                detail: crate::sanitize::clean(detail).into_owned(),
            },
            _ => return false,
        };
        self.job = None;
        self.outcome = Some(outcome);
        true
    }

    /// A key was pressed outside the prompt: the last outcome has been seen.
    pub fn seen(&mut self) -> bool {
        self.outcome.take().is_some()
    }
}

/// `exporting holds… 12,400 rows (1.2 MB)`.
pub(crate) fn progress_text(job: &Job) -> String {
    format!("exporting {}… {} rows ({})", job.kind.as_str(), count(job.rows), size(job.bytes))
}

/// A count grouped by thousands: `12,400`.
pub fn count(n: u64) -> String {
    crate::money::grouped(Decimal::from(n))
}

/// Bytes in short, one decimal truncated: `812 B`, `14.2 KB`, `1.2 MB`,
/// `3.4 GB` (powers of 1,000).
pub fn size(bytes: u64) -> String {
    let unit = |per: u64, name: &str| format!("{}.{} {name}", bytes / per, bytes % per / (per / 10));
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => unit(1_000, "KB"),
        1_000_000..1_000_000_000 => unit(1_000_000, "MB"),
        _ => unit(1_000_000_000, "GB"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts are grouped, sizes short.
    #[test]
    fn counts_and_sizes_read_short() {
        assert_eq!(count(12_400), "12,400");
        assert_eq!(size(812), "812 B");
        assert_eq!(size(14_290), "14.2 KB");
        assert_eq!(size(1_250_000), "1.2 MB");
        assert_eq!(size(3_400_000_000), "3.4 GB");
    }
}
