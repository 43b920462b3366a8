//! The server's SSO flags (flattened into `ledgerdeck-server serve`).

use super::SsoConfig;
use ledgerdeck_client::Role;
use std::time::Duration;

/// Single sign-on flags. SSO is on when `--sso-issuer` is given.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SsoArgs {
    /// The OIDC issuer URL, exactly as its ID tokens name it
    /// (`https://accounts.google.com` for Google).
    #[arg(long, env = "LEDGERDECK_SSO_ISSUER")]
    pub sso_issuer: Option<String>,
    /// The OAuth client id(s) whose ID tokens are accepted (comma list).
    #[arg(long = "sso-client-id", env = "LEDGERDECK_SSO_CLIENT_IDS", value_delimiter = ',')]
    pub sso_client_ids: Vec<String>,
    /// How long an SSO session token lives, in hours.
    #[arg(long, env = "LEDGERDECK_SSO_SESSION_HOURS", default_value_t = 12)]
    pub sso_session_hours: u64,
    /// Seed of the admin allowlist (comma list of emails).
    #[arg(long = "sso-admin", env = "LEDGERDECK_SSO_ADMINS", value_delimiter = ',')]
    pub sso_admins: Vec<String>,
    /// Seed of the operator allowlist (comma list of emails).
    #[arg(long = "sso-operator", env = "LEDGERDECK_SSO_OPERATORS", value_delimiter = ',')]
    pub sso_operators: Vec<String>,
    /// Seed of the viewer allowlist (comma list of emails).
    #[arg(long = "sso-viewer", env = "LEDGERDECK_SSO_VIEWERS", value_delimiter = ',')]
    pub sso_viewers: Vec<String>,
    /// Development only: while every allowlist is empty, any verified email
    /// of the issuer signs in as a viewer (without it, empty lists admit nobody).
    #[arg(long, env = "LEDGERDECK_SSO_DEV_OPEN")]
    pub sso_dev_open: bool,
}

impl SsoArgs {
    /// The configuration these flags ask for: `Ok(None)` without an issuer.
    pub fn config(&self) -> Result<Option<SsoConfig>, String> {
        let Some(issuer) = self.sso_issuer.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let client_ids: Vec<String> =
            self.sso_client_ids.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if client_ids.is_empty() {
            return Err("--sso-issuer needs at least one --sso-client-id".into());
        }
        let mut config = SsoConfig::new(issuer, client_ids);
        config.session_ttl = Duration::from_secs(self.sso_session_hours.clamp(1, 24 * 30) * 3600);
        config.dev_open = self.sso_dev_open;
        let lists =
            [(&self.sso_admins, Role::Admin), (&self.sso_operators, Role::Operator), (&self.sso_viewers, Role::Viewer)];
        for (emails, role) in lists {
            config.seed.extend(emails.iter().filter(|e| !e.trim().is_empty()).map(|e| (e.clone(), role)));
        }
        Ok(Some(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sso: SsoArgs,
    }

    fn parse(args: &[&str]) -> Result<Option<SsoConfig>, String> {
        Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied())).unwrap().sso.config()
    }

    #[test]
    fn flags_make_the_configuration_and_its_seed() {
        assert!(parse(&[]).unwrap().is_none(), "off without an issuer");
        assert!(parse(&["--sso-issuer", "https://idp"]).unwrap_err().contains("--sso-client-id"));
        let config = parse(&[
            "--sso-issuer",
            "https://accounts.google.com",
            "--sso-client-id",
            "a,b",
            "--sso-admin",
            "ana@example.com",
            "--sso-operator",
            "bo@example.com,cy@example.com",
            "--sso-session-hours",
            "2",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(config.issuer, "https://accounts.google.com");
        assert_eq!(config.client_ids, ["a", "b"]);
        assert_eq!(config.session_ttl, Duration::from_secs(7200));
        assert!(!config.dev_open, "fail closed unless asked");
        let seed: Vec<(&str, Role)> = config.seed.iter().map(|(e, r)| (e.as_str(), *r)).collect();
        assert_eq!(
            seed,
            [("ana@example.com", Role::Admin), ("bo@example.com", Role::Operator), ("cy@example.com", Role::Operator)]
        );
        let default = parse(&["--sso-issuer", "https://idp", "--sso-client-id", "c"]).unwrap().unwrap();
        assert_eq!(default.session_ttl, Duration::from_secs(12 * 3600), "12 h by default");
    }
}
