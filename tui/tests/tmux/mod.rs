//! A tmux session for the end-to-end tests of the real binary: start it,
//! type into it, read its screen and paste buffer, wait for text, and kill
//! it when dropped. Each session runs its own tmux server (its own socket,
//! no user config) with `set-clipboard on`, so an OSC 52 copy by the cockpit
//! lands in that server's paste buffer.

#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A tmux session that is killed when dropped.
pub struct Tmux {
    name: String,
}

impl Tmux {
    pub fn start(name: &str, command: &str) -> Tmux {
        let tmux = Tmux { name: name.into() };
        let _ = tmux.command().arg("kill-server").stderr(Stdio::null()).status();
        let status = tmux
            .command()
            .args(["new-session", "-d", "-s", name, "-x", "100", "-y", "30", command])
            .args([";", "set-option", "-s", "set-clipboard", "on"])
            .status()
            .expect("tmux starts");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    /// `tmux` on this session's own server.
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.name, "-f", "/dev/null"]);
        command
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        assert!(self.command().args(&args).status().unwrap().success());
    }

    pub fn text(&self, text: &str) {
        assert!(self.command().args(["send-keys", "-t", &self.name, "-l", text]).status().unwrap().success());
    }

    pub fn screen(&self) -> String {
        let out = self.command().args(["capture-pane", "-p", "-t", &self.name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The newest paste buffer (what the last OSC 52 copy set), if any.
    pub fn buffer(&self) -> Option<String> {
        let out = self.command().arg("show-buffer").output().unwrap();
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
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

    /// Waits until the screen no longer shows `gone`.
    pub fn wait_gone(&self, gone: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.screen().contains(gone) {
            assert!(Instant::now() < deadline, "the screen kept showing {gone:?}:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Settles the hold the cockpit has selected or open, as an operator
    /// would: `key`, the reason, the provider's reference if given, Enter,
    /// `y`. Returns the confirmation and the result card as shown.
    pub fn settle(&self, key: &str, reason: &str, evidence: Option<&str>) -> (String, String) {
        self.keys(&[key]);
        self.wait_for("Settle hold");
        self.text(reason);
        if let Some(evidence) = evidence {
            self.keys(&["Tab"]);
            self.text(evidence);
        }
        self.keys(&["Enter"]);
        let confirm = self.wait_for("Press y to confirm");
        self.keys(&["y"]);
        (confirm, self.wait_for("✓ posted"))
    }

    /// Esc on a result card, waiting until it is gone: an Esc followed at
    /// once by another key reads as Alt and that key.
    pub fn close_card(&self) {
        self.keys(&["Escape"]);
        self.wait_gone("✓ posted");
    }

    /// `q`, then waits up to `within` for the cockpit to end.
    pub fn quits(&self, within: Duration) {
        self.keys(&["q"]);
        let deadline = Instant::now() + within;
        while self.alive() {
            assert!(Instant::now() < deadline, "the cockpit did not quit on q:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn alive(&self) -> bool {
        self.command().args(["has-session", "-t", &self.name]).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").stderr(Stdio::null()).status();
    }
}

pub fn tmux_available() -> bool {
    Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success())
}

/// Whether `what` must be skipped for want of tmux: says so loudly, and
/// fails under CI, where tmux is part of the machine.
pub fn skipped(what: &str) -> bool {
    if tmux_available() {
        return false;
    }
    assert!(std::env::var_os("CI").is_none(), "tmux is required under CI");
    eprintln!("\n*** SKIPPED: {what}: tmux is not installed ***\n");
    true
}
