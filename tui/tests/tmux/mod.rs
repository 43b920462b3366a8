//! A tmux session for the end-to-end tests of the real binary: start it,
//! type into it, read its screen, wait for text, and kill it when dropped.

#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux session that is killed when dropped.
pub struct Tmux {
    name: String,
}

impl Tmux {
    pub fn start(name: &str, command: &str) -> Tmux {
        let _ = Command::new("tmux").args(["kill-session", "-t", name]).status();
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", name, "-x", "100", "-y", "30", command])
            .status()
            .expect("tmux starts");
        assert!(status.success(), "tmux new-session failed");
        Tmux { name: name.into() }
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    pub fn text(&self, text: &str) {
        assert!(Command::new("tmux").args(["send-keys", "-t", &self.name, "-l", text]).status().unwrap().success());
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits up to `within` until the screen shows all of `want`; returns the screen.
    pub fn wait_within(&self, want: &[&str], within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let screen = self.screen();
            if want.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            assert!(Instant::now() < deadline, "the screen never showed {want:?}:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn wait_for(&self, want: &str) -> String {
        self.wait_within(&[want], Duration::from_secs(15))
    }

    pub fn alive(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.name]).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.name]).status();
    }
}

pub fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}
