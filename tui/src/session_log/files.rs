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
    /// whose time cannot be read goes to `fallback`'s).
    pub fn append(&self, records: &[Record], fallback: NaiveDate) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)?;
        let mut at = 0;
        while at < records.len() {
            let day = records[at].day().unwrap_or(fallback);
            let mut lines = Vec::new();
            while at < records.len() && records[at].day().unwrap_or(fallback) == day {
                serde_json::to_writer(&mut lines, &records[at]).map_err(io::Error::other)?;
                lines.push(b'\n');
                at += 1;
            }
            // One write per day's batch, on a file opened for appending: a
            // line is never split between two runs writing at once.
            OpenOptions::new().create(true).append(true).open(self.path_for(day))?.write_all(&lines)?;
        }
        Ok(())
    }

    /// Removes the day files older than `keep_days` before `today` (and
    /// nothing else in the directory); returns what it removed.
    pub fn purge(&self, today: NaiveDate) -> io::Result<Vec<PathBuf>> {
        let oldest_kept = today - chrono::Days::new(u64::from(self.keep_days) - 1);
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
