//! The session log on disk: `<state dir>/ledgerdeck/sessions/YYYY-MM-DD.jsonl`,
//! one JSON line per record, one file per UTC day (a record goes to the file
//! of its own time), appended as records arrive; at start, files of days
//! older than `keep_days` are removed. The state dir is
//! [`crate::state::state_dir`].

use super::Record;
use chrono::NaiveDate;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How many days of session logs are kept unless `config.toml` says.
pub const DEFAULT_KEEP_DAYS: u32 = 30;

/// An append that stopped part way: the first `written` records are on
/// disk, the rest are not.
#[derive(Debug, thiserror::Error)]
#[error("{error} ({written} records written before it)")]
pub struct AppendError {
    /// How many records, from the first, were written.
    pub written: usize,
    /// Why the next could not be.
    #[source]
    pub error: io::Error,
}

/// The day files of one directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFiles {
    dir: PathBuf,
    keep_days: u32,
}

impl SessionFiles {
    /// The files in `dir`, keeping `keep_days` days (today counts as one;
    /// at least one is kept).
    pub fn new(dir: impl Into<PathBuf>, keep_days: u32) -> SessionFiles {
        SessionFiles { dir: dir.into(), keep_days: keep_days.max(1) }
    }

    /// The files under the state dir: `<state dir>/sessions`.
    pub fn in_state_dir(keep_days: u32) -> SessionFiles {
        SessionFiles::new(crate::state::state_dir().join("sessions"), keep_days)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of `day`.
    pub fn path_for(&self, day: NaiveDate) -> PathBuf {
        self.dir.join(format!("{}.jsonl", day.format("%Y-%m-%d")))
    }

    /// Appends `records`, each to the file of its own UTC day (a record
    /// whose time cannot be read goes to `fallback`'s). On a failure it says
    /// how many records, from the first, are on disk: the rest are not.
    pub fn append(&self, records: &[Record], fallback: NaiveDate) -> Result<(), AppendError> {
        if records.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir).map_err(|error| AppendError { written: 0, error })?;
        let mut at = 0;
        while at < records.len() {
            let written = at;
            let failed = |error| AppendError { written, error };
            let day = records[at].day().unwrap_or(fallback);
            let mut lines = Vec::new();
            while at < records.len() && records[at].day().unwrap_or(fallback) == day {
                serde_json::to_writer(&mut lines, &records[at]).map_err(|e| failed(io::Error::other(e)))?;
                lines.push(b'\n');
                at += 1;
            }
            // One write per day's batch, on a file opened for appending: a
            // line is never split between two runs writing at once.
            let mut file = OpenOptions::new().create(true).append(true).open(self.path_for(day)).map_err(failed)?;
            file.write_all(&lines).map_err(failed)?;
        }
        Ok(())
    }

    /// Removes the day files older than `keep_days` before `today` (and
    /// nothing else in the directory); returns what it removed.
    pub fn purge(&self, today: NaiveDate) -> io::Result<Vec<PathBuf>> {
        // A `keep_days` reaching before the calendar's start keeps everything.
        let Some(oldest_kept) = today.checked_sub_days(chrono::Days::new(u64::from(self.keep_days) - 1)) else {
            return Ok(Vec::new());
        };
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut removed = Vec::new();
        for entry in entries {
            let path = entry?.path();
            let day = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".jsonl"))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            if day.is_some_and(|day| day < oldest_kept) && path.is_file() {
                std::fs::remove_file(&path)?;
                removed.push(path);
            }
        }
        removed.sort();
        Ok(removed)
    }
}
