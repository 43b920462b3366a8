//! Profiles: named servers with their theme, read-only and production flags,
//! kept in `<config dir>/ledgerdeck/config.toml` (or `$LEDGERDECK_CONFIG`).
//!
//! ```toml
//! default_profile = "prod"
//!
//! [profiles.prod]
//! url = "https://ledger.example.com"
//! theme = "terminal"
//! read_only = true
//! production = true
//! operator = "ada"
//! role = "viewer"   # viewer, operator (default) or admin
//!
//! [keys]            # see `crate::keys::Overrides`
//! settle = "S"
//! cycle_status = "F"
//!
//! [bulk]
//! concurrency = 4   # bulk commands in flight at once, 1–64
//!
//! [session_log]
//! keep_days = 30    # day files kept, today included (at least 1)
//! ```

use ledgerdeck_client::Role;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The environment variable that names another config file (tests use it).
pub const CONFIG_ENV: &str = "LEDGERDECK_CONFIG";
/// The server a bare `ledgerdeck` talks to when no profile exists.
pub const LOCAL_URL: &str = "http://127.0.0.1:8080";
/// The theme when a profile names none.
pub const DEFAULT_THEME: &str = "terminal";

/// The config file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profile used when none is named.
    pub default_profile: Option<String>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileEntry>,
    /// Key overrides, read (with their lines) by [`crate::keys::Overrides`].
    #[serde(default)]
    pub keys: Option<toml::Table>,
    /// Bulk actions.
    #[serde(default)]
    pub bulk: Option<BulkSettings>,
    /// The session log's settings.
    #[serde(default)]
    pub session_log: SessionLogConfig,
}

/// The `[bulk]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkSettings {
    /// How many of a bulk's commands may be in flight at once (1–64).
    #[serde(default, deserialize_with = "concurrency")]
    pub concurrency: Option<usize>,
}

/// The most bulk commands the config may put in flight at once.
pub const MAX_BULK_CONCURRENCY: usize = 64;

fn concurrency<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let n = usize::deserialize(d)?;
    if !(1..=MAX_BULK_CONCURRENCY).contains(&n) {
        return Err(serde::de::Error::custom(format!(
            "bulk concurrency must be between 1 and {MAX_BULK_CONCURRENCY}, not {n}"
        )));
    }
    Ok(Some(n))
}

/// The `[session_log]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionLogConfig {
    /// How many days of files to keep, today included (default 30, at least 1).
    pub keep_days: Option<u32>,
}

/// One `[profiles.<name>]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileEntry {
    /// The server's base URL.
    pub url: String,
    /// The theme's name.
    pub theme: Option<String>,
    /// Hide and refuse every write.
    #[serde(default)]
    pub read_only: bool,
    /// Draw the production banner.
    #[serde(default)]
    pub production: bool,
    /// The operator's name shown in the status bar (default: `$USER`).
    pub operator: Option<String>,
    /// The most the cockpit offers this profile: the token's role (from
    /// `GET /v1/me`) is narrowed to it, never widened. Unset: the token's role.
    pub role: Option<Role>,
    /// Where `ledgerdeck login --sso` signs in (`[profiles.<name>.sso]`).
    #[serde(default)]
    pub sso: Option<SsoSettings>,
}

/// Where to sign in with SSO: a profile's `[profiles.<name>.sso]` table, or
/// `ledgerdeck login --sso`'s flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoSettings {
    /// The OIDC issuer URL (`https://accounts.google.com` for Google).
    pub issuer: String,
    /// The OAuth client id (Google: a "TVs and Limited Input devices" client).
    pub client_id: String,
    /// The client's secret, for providers that want one in the device flow
    /// (Google does; for an installed app it is not a secret).
    pub client_secret: Option<String>,
}

/// A resolved profile: what the cockpit runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name (also the keyring user).
    pub name: String,
    /// The server's base URL.
    pub url: String,
    /// The theme's name.
    pub theme: String,
    /// Hide and refuse every write.
    pub read_only: bool,
    /// Draw the production banner.
    pub production: bool,
    /// Who is at the keyboard.
    pub operator: String,
    /// The operator's role, until the server says the token's.
    pub role: Role,
    /// The role the profile names, if it names one: the token's role is
    /// narrowed to it, never widened.
    pub role_ceiling: Option<Role>,
}

/// The config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: toml::de::Error,
    },
    /// The named profile is not in the file.
    #[error("no profile named {name:?} in {path} (known: {known})")]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The file.
        path: PathBuf,
        /// The names there are.
        known: String,
    },
}

/// Where the config file is: `$LEDGERDECK_CONFIG`, else the user's config dir.
pub fn config_path() -> PathBuf {
    match std::env::var_os(CONFIG_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => dirs::config_dir().unwrap_or_else(|| PathBuf::from(".")).join("ledgerdeck").join("config.toml"),
    }
}

impl Config {
    /// Reads the file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text).map_err(|source| ConfigError::Parse { path: path.into(), source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path: path.into(), source }),
        }
    }

    /// Bulk commands in flight at once, if `[bulk] concurrency` says.
    pub fn bulk_concurrency(&self) -> Option<usize> {
        self.bulk.and_then(|b| b.concurrency)
    }

    /// The `[profiles.<name>.sso]` table of profile `name`, if it has one.
    pub fn sso(&self, name: &str) -> Option<&SsoSettings> {
        self.profiles.get(name)?.sso.as_ref()
    }

    /// Parses the file's text.
    pub fn parse(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    /// The profile to run with. `--profile` names one; `--server` points at a
    /// server (overriding the profile's URL, or without any profile); with
    /// neither, the default profile, the only profile, or a local server.
    pub fn resolve(
        &self,
        profile: Option<&str>,
        server: Option<&str>,
        path: &Path,
        user: &str,
    ) -> Result<Profile, ConfigError> {
        let name = match profile {
            Some(name) => Some(name.to_string()),
            None if server.is_some() => None,
            None => self.default_profile.clone().or_else(|| {
                let mut names = self.profiles.keys();
                match (names.next(), names.next()) {
                    (Some(only), None) => Some(only.clone()),
                    _ => None,
                }
            }),
        };
        let mut resolved = match name {
            Some(name) => {
                let entry = self.profiles.get(&name).ok_or_else(|| ConfigError::UnknownProfile {
                    name: name.clone(),
                    path: path.into(),
                    known: self.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
                })?;
                Profile {
                    name,
                    url: entry.url.clone(),
                    theme: entry.theme.clone().unwrap_or_else(|| DEFAULT_THEME.into()),
                    read_only: entry.read_only,
                    production: entry.production,
                    operator: entry.operator.clone().unwrap_or_else(|| user.into()),
                    role: entry.role.unwrap_or(Role::Operator),
                    role_ceiling: entry.role,
                }
            }
            None => Profile {
                name: if server.is_some() { "direct".into() } else { "local".into() },
                url: LOCAL_URL.into(),
                theme: DEFAULT_THEME.into(),
                read_only: false,
                production: false,
                operator: user.into(),
                role: Role::Operator,
                role_ceiling: None,
            },
        };
        if let Some(url) = server {
            resolved.url = url.into();
        }
        Ok(resolved)
    }
}

/// The login name of the person at the keyboard, for the status bar.
pub fn current_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "operator".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
default_profile = "staging"

[profiles.staging]
url = "https://staging.example"

[profiles.prod]
url = "https://prod.example"
theme = "ledger-paper"
read_only = true
production = true
operator = "ada"
role = "viewer"
"#;

    fn config() -> Config {
        Config::parse(FILE).unwrap()
    }

    #[test]
    fn the_default_profile_is_used_when_none_is_named() {
        let p = config().resolve(None, None, Path::new("c.toml"), "me").unwrap();
        assert_eq!(
            (p.name.as_str(), p.url.as_str(), p.theme.as_str()),
            ("staging", "https://staging.example", "terminal")
        );
        assert!(!p.read_only && !p.production);
        assert_eq!(p.operator, "me");
        assert_eq!(p.role, Role::Operator);
    }

    #[test]
    fn a_named_profile_carries_its_flags() {
        let p = config().resolve(Some("prod"), None, Path::new("c.toml"), "me").unwrap();
        assert!(p.read_only && p.production);
        assert_eq!((p.theme.as_str(), p.operator.as_str()), ("ledger-paper", "ada"));
        assert_eq!(p.role, Role::Viewer);
    }

    #[test]
    fn server_overrides_the_url_or_stands_alone() {
        let p = config().resolve(Some("prod"), Some("http://x:1"), Path::new("c.toml"), "me").unwrap();
        assert_eq!((p.name.as_str(), p.url.as_str()), ("prod", "http://x:1"));
        assert!(p.production);
        let direct = config().resolve(None, Some("http://y:2"), Path::new("c.toml"), "me").unwrap();
        assert_eq!((direct.name.as_str(), direct.url.as_str()), ("direct", "http://y:2"));
    }

    #[test]
    fn an_unknown_profile_names_the_known_ones() {
        let err = config().resolve(Some("nope"), None, Path::new("c.toml"), "me").unwrap_err().to_string();
        assert!(err.contains("nope") && err.contains("prod, staging"), "{err}");
    }

    #[test]
    fn no_file_means_the_local_server() {
        let empty = Config::load(Path::new("/nonexistent/ledgerdeck.toml")).unwrap();
        let p = empty.resolve(None, None, Path::new("c.toml"), "me").unwrap();
        assert_eq!((p.name.as_str(), p.url.as_str()), ("local", LOCAL_URL));
    }

    #[test]
    fn bulk_concurrency_is_read_and_bounded() {
        assert_eq!(Config::parse("[bulk]\nconcurrency = 8\n").unwrap().bulk_concurrency(), Some(8));
        assert_eq!(Config::parse("").unwrap().bulk_concurrency(), None);
        for bad in ["0", "65", "-1", "\"4\""] {
            assert!(Config::parse(&format!("[bulk]\nconcurrency = {bad}\n")).is_err(), "{bad}");
        }
        assert!(Config::parse("[bulk]\nparallel = 2\n").is_err());
    }

    #[test]
    fn the_session_log_keeps_days_as_configured() {
        assert_eq!(config().session_log.keep_days, None);
        let c = Config::parse("[session_log]\nkeep_days = 7\n").unwrap();
        assert_eq!(c.session_log.keep_days, Some(7));
        assert!(Config::parse("[session_log]\nkeep_days = -1\n").is_err());
        assert!(Config::parse("[session_log]\nkeepdays = 7\n").is_err());
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(Config::parse("[profiles.x]\nurl = \"u\"\nreadonly = true\n").is_err());
    }
}
