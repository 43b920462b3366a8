//! Writing an export so that its name only ever holds a whole file: the
//! rows go to a hidden temporary file next to the target, which takes the
//! target's name only once everything is written and synced, and never in
//! place of a file that is already there (unless asked to replace it, as
//! `ledgerdeck export --force` does, and then in one rename). A failure (or
//! a dropped task) removes the temporary file.

use std::io;
use std::path::{Path, PathBuf};
use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncWriteExt, BufWriter};

/// Why a file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Something is already at the target's name.
    #[error("{} already exists; choose another name", .0.display())]
    Exists(PathBuf),
    /// Reading or writing failed.
    #[error("cannot write {}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
}

impl FileError {
    /// The code the cockpit shows for it.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Exists(_) => "FILE_EXISTS",
            FileError::Io { .. } => "FILE_WRITE_FAILED",
        }
    }
}

/// A file being written under a temporary name, to become `target`.
#[derive(Debug)]
pub struct PartFile {
    target: PathBuf,
    part: PathBuf,
    replace: bool,
    writer: Option<BufWriter<File>>,
}

/// `~/…` against the home directory, and a relative path against the
/// working directory.
pub fn absolute(path: &Path) -> PathBuf {
    let home = path.strip_prefix("~").ok().and_then(|rest| Some(dirs::home_dir()?.join(rest)));
    let path = home.unwrap_or_else(|| path.to_path_buf());
    if path.is_absolute() {
        return path;
    }
    std::env::current_dir().map(|d| d.join(&path)).unwrap_or(path)
}

impl PartFile {
    /// Starts a file for `target` (made absolute; missing directories are
    /// made). Refuses at once if `target` exists, unless `replace`.
    pub async fn create(target: &Path, replace: bool) -> Result<PartFile, FileError> {
        let target = absolute(target);
        let io = |error| FileError::Io { path: target.clone(), error };
        let name = target.file_name().ok_or_else(|| io(io::Error::other("the path names no file")))?;
        if !replace && tokio::fs::try_exists(&target).await.map_err(io)? {
            return Err(FileError::Exists(target));
        }
        let dir = target.parent().unwrap_or(Path::new("/"));
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
        let part = dir.join(format!(".{}.{}.part", name.to_string_lossy(), uuid::Uuid::now_v7().simple()));
        let file = OpenOptions::new().write(true).create_new(true).open(&part).await.map_err(io)?;
        Ok(PartFile { target, part, replace, writer: Some(BufWriter::new(file)) })
    }

    /// Where the rows go.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("a part file is written only before it is committed")
    }

    /// The name it will take.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes and syncs the rows, then gives the file its name, unless
    /// something took the name meanwhile (or in its place, if `replace`).
    /// Returns the file's path.
    pub async fn commit(mut self) -> Result<PathBuf, FileError> {
        let io = |error| FileError::Io { path: self.target.clone(), error };
        let mut writer = self.writer.take().expect("committed once");
        writer.flush().await.map_err(io)?;
        writer.get_mut().sync_all().await.map_err(io)?;
        drop(writer);
        if self.replace {
            tokio::fs::rename(&self.part, &self.target).await.map_err(io)?;
            return Ok(self.target.clone());
        }
        // A hard link never replaces an existing name; where the file
        // system has none, the name is checked and the file renamed.
        match tokio::fs::hard_link(&self.part, &self.target).await {
            Ok(()) => {
                let _ = tokio::fs::remove_file(&self.part).await;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(FileError::Exists(self.target.clone())),
            Err(_) => {
                if tokio::fs::try_exists(&self.target).await.map_err(io)? {
                    return Err(FileError::Exists(self.target.clone()));
                }
                tokio::fs::rename(&self.part, &self.target).await.map_err(io)?;
            }
        }
        Ok(self.target.clone())
    }
}

impl Drop for PartFile {
    /// Whatever happened, the temporary file does not stay behind.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    /// A committed file holds what was written, under its name only.
    #[tokio::test]
    async fn a_committed_file_takes_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub").join("out.csv");
        let mut part = PartFile::create(&target, false).await.unwrap();
        part.writer().write_all(b"a,b\n1,2\n").await.unwrap();
        assert!(!target.exists(), "nothing is under the name before the commit");
        assert_eq!(part.commit().await.unwrap(), target);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a,b\n1,2\n");
        assert_eq!(names(&dir.path().join("sub")), ["out.csv"]);
    }

    /// A file dropped before its commit (a failed export) leaves nothing.
    #[tokio::test]
    async fn an_abandoned_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut part = PartFile::create(&dir.path().join("out.csv"), false).await.unwrap();
        part.writer().write_all(b"half a row").await.unwrap();
        drop(part);
        assert!(names(dir.path()).is_empty());
    }

    /// An existing file is never replaced: refused at the start, and at
    /// the commit when it appeared meanwhile (the other file is kept).
    #[tokio::test]
    async fn an_existing_file_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "mine").unwrap();
        assert!(matches!(PartFile::create(&target, false).await, Err(FileError::Exists(_))));

        let late = dir.path().join("late.csv");
        let mut part = PartFile::create(&late, false).await.unwrap();
        part.writer().write_all(b"rows").await.unwrap();
        std::fs::write(&late, "someone else's").unwrap();
        let err = part.commit().await.unwrap_err();
        assert_eq!(err.code(), "FILE_EXISTS");
        assert_eq!(std::fs::read_to_string(&late).unwrap(), "someone else's");
        assert_eq!(names(dir.path()), ["late.csv", "out.csv"]);
    }

    /// Asked to replace, a whole file takes the name in one rename.
    #[tokio::test]
    async fn a_replacing_file_takes_the_name_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "yesterday's").unwrap();
        let mut part = PartFile::create(&target, true).await.unwrap();
        part.writer().write_all(b"today's").await.unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "yesterday's", "kept until the commit");
        part.commit().await.unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "today's");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }
}
