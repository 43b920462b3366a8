//! `ledgerdeck login --sso`: the OAuth 2.0 device authorization grant
//! (RFC 8628) against an OIDC provider. `device` is the pure core (what the
//! provider's answers mean and how long to wait); `flow` talks to the
//! provider and hands the ID token to the server for a session token.

pub mod device;
pub mod flow;

pub use crate::config::SsoSettings;

use crate::config::Profile;
use crate::credentials::Tokens;
use device::DeviceAuthorization;
use flow::{FlowError, FlowOptions};

/// The settings in force: each flag given overrides the profile's table;
/// an issuer and a client id are required.
pub fn settings(
    profile: Option<&SsoSettings>,
    issuer: Option<&str>,
    client_id: Option<&str>,
    client_secret: Option<&str>,
) -> Result<SsoSettings, String> {
    let base = profile.cloned().unwrap_or_default();
    let settings = SsoSettings {
        issuer: issuer.map_or(base.issuer, str::to_string),
        client_id: client_id.map_or(base.client_id, str::to_string),
        client_secret: client_secret.map(str::to_string).or(base.client_secret),
    };
    if settings.issuer.trim().is_empty() || settings.client_id.trim().is_empty() {
        return Err("SSO needs an issuer and a client id: --sso-issuer and --sso-client-id, \
                    or a [profiles.<name>.sso] table with issuer and client_id"
            .into());
    }
    Ok(settings)
}

/// What to print while waiting: the URL and the code to type there.
pub fn instructions(auth: &DeviceAuthorization) -> String {
    let mut text = format!(
        "To sign in, open {} and enter the code {}",
        crate::sanitize::clean(&auth.verification_uri),
        crate::sanitize::clean(&auth.user_code)
    );
    if let Some(complete) = &auth.verification_uri_complete {
        text.push_str(&format!("\n(or open {})", crate::sanitize::clean(complete)));
    }
    text.push_str("\nWaiting for the sign-in to finish…");
    text
}

/// Signs in with SSO and stores the session token for `profile` like any
/// token. Returns what to tell the operator.
pub async fn login(
    profile: &Profile,
    settings: &SsoSettings,
    tokens: &Tokens,
    options: &FlowOptions,
    show: impl FnOnce(&DeviceAuthorization),
) -> Result<String, FlowError> {
    let session = flow::sign_in(settings, &profile.url, options, show).await?;
    tokens.save(&profile.name, &session.token)?;
    Ok(format!(
        "signed in to {} as {} ({}), until {}; the session token is stored",
        profile.name,
        crate::sanitize::clean(&session.email),
        session.role.as_str(),
        session.expires_at
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn flags_override_the_profile_table_and_both_are_needed() {
        let config = Config::parse(
            "[profiles.prod]\nurl = \"https://l\"\n[profiles.prod.sso]\n\
             issuer = \"https://accounts.google.com\"\nclient_id = \"abc\"\nclient_secret = \"s\"\n",
        )
        .unwrap();
        let table = config.sso("prod");
        let from_table = settings(table, None, None, None).unwrap();
        assert_eq!(from_table.issuer, "https://accounts.google.com");
        assert_eq!((from_table.client_id.as_str(), from_table.client_secret.as_deref()), ("abc", Some("s")));
        let flagged = settings(table, Some("https://idp.example"), Some("xyz"), None).unwrap();
        assert_eq!((flagged.issuer.as_str(), flagged.client_id.as_str()), ("https://idp.example", "xyz"));
        assert_eq!(flagged.client_secret.as_deref(), Some("s"));
        let err = settings(None, Some("https://idp.example"), None, None).unwrap_err();
        assert!(err.contains("client id"), "{err}");
        assert!(
            Config::parse("[profiles.p]\nurl = \"u\"\n[profiles.p.sso]\nissuer = \"i\"\nclient = \"c\"\n").is_err()
        );
    }

    #[test]
    fn instructions_show_the_url_and_code_inert() {
        let auth = DeviceAuthorization {
            device_code: "secret-device-code".into(),
            user_code: "ABCD-EFGH\u{1b}[2J".into(),
            verification_uri: "https://www.google.com/device".into(),
            verification_uri_complete: None,
            expires_in: 600,
            interval: Some(5),
        };
        let text = instructions(&auth);
        assert!(text.contains("https://www.google.com/device") && text.contains("ABCD-EFGH"), "{text}");
        assert!(!text.contains('\u{1b}') && !text.contains("secret-device-code"), "{text}");
    }
}
