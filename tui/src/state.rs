//! Where the cockpit keeps its state — the session logs and its own log
//! file — and its tracing into that file. The TUI owns the terminal, so
//! nothing may go to stderr while it runs: client warnings (a stream whose
//! access ended, reads retried) go to the log file instead.

use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

/// The environment variable that puts the cockpit's state somewhere else
/// (tests point it at a temporary directory).
pub const STATE_DIR_ENV: &str = "LEDGERDECK_STATE_DIR";
/// The environment variable with the log file's filter (`tracing` syntax).
pub const LOG_FILTER_ENV: &str = "LEDGERDECK_LOG";
/// The filter when none is given: the client's retries and reconnections too.
pub const DEFAULT_FILTER: &str = "info,ledgerdeck_client=debug";

/// The cockpit's state directory: `$LEDGERDECK_STATE_DIR`, else
/// `<platform state dir>/ledgerdeck` (`$XDG_STATE_HOME`, `~/.local/state`),
/// else `<local data dir>/ledgerdeck` (macOS, Windows have no state dir).
pub fn state_dir() -> PathBuf {
    match std::env::var_os(STATE_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::state_dir().or_else(dirs::data_local_dir).unwrap_or_else(|| PathBuf::from(".")).join("ledgerdeck"),
    }
}

/// The log file when `--log-file` names none: `<state dir>/ledgerdeck.log`.
pub fn default_log_file() -> PathBuf {
    state_dir().join("ledgerdeck.log")
}

/// A subscriber that appends plain-text events passing `filter` to the file
/// at `path` (its directory made if missing).
pub fn file_subscriber(path: &Path, filter: &str) -> io::Result<impl tracing_subscriber::util::SubscriberInitExt> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let filter = EnvFilter::try_new(filter).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    Ok(tracing_subscriber::fmt().with_writer(Mutex::new(file)).with_ansi(false).with_env_filter(filter).finish())
}

/// Sends the process's tracing to the file at `path`, filtered by
/// `$LEDGERDECK_LOG` (else [`DEFAULT_FILTER`]).
pub fn init_log_file(path: &Path) -> io::Result<()> {
    let filter = std::env::var(LOG_FILTER_ENV).unwrap_or_else(|_| DEFAULT_FILTER.to_string());
    use tracing_subscriber::util::SubscriberInitExt;
    file_subscriber(path, &filter)?.try_init().map_err(io::Error::other)
}
