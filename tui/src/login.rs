//! `ledgerdeck login` and `logout`: a hidden token prompt, verification by a
//! caller-given closure (the integration checks the token against the
//! server), and the credential store.

use crate::config::Profile;
use crate::credentials::{CredentialError, Tokens};

/// What verification said about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// The server accepted it; the text says what it checked.
    Accepted(String),
}

/// Login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// No token was typed.
    #[error("no token given; nothing was saved")]
    Empty,
    /// Reading the prompt failed.
    #[error("cannot read the token: {0}")]
    Prompt(#[from] std::io::Error),
    /// The server refused the token.
    #[error("the server refused the token ({0}); nothing was saved")]
    Refused(String),
    /// The credential store could not keep it.
    #[error(transparent)]
    Store(#[from] CredentialError),
}

/// Reads a token with `prompt`, verifies it with `verify(url, token)` and
/// stores it for the profile. Returns what to tell the operator.
pub fn login(
    profile: &Profile,
    tokens: &Tokens,
    prompt: impl FnOnce(&str) -> std::io::Result<String>,
    verify: impl FnOnce(&str, &str) -> Result<Verified, String>,
) -> Result<String, LoginError> {
    let token = prompt(&format!("API token for {} ({}): ", profile.name, profile.url))?;
    let token = token.trim();
    if token.is_empty() {
        return Err(LoginError::Empty);
    }
    let verified = verify(&profile.url, token).map_err(LoginError::Refused)?;
    tokens.save(&profile.name, token)?;
    let Verified::Accepted(what) = verified;
    Ok(format!("logged in to {}: {what}; the token is stored", profile.name))
}

/// Removes the profile's stored token. Returns what to tell the operator.
pub fn logout(profile: &Profile, tokens: &Tokens) -> Result<String, CredentialError> {
    Ok(if tokens.delete(&profile.name)? {
        format!("removed the stored token of {}", profile.name)
    } else {
        format!("no token was stored for {}", profile.name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            name: "staging".into(),
            url: "http://x".into(),
            theme: "terminal".into(),
            read_only: false,
            production: false,
            operator: "ada".into(),
            role: ledgerdeck_client::Role::Operator,
            role_ceiling: None,
        }
    }

    fn tokens() -> Tokens {
        Tokens::with_store(keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn a_verified_token_is_stored() {
        let t = tokens();
        let said = login(
            &profile(),
            &t,
            |_| Ok(" ldk_1_s \n".into()),
            |_, tok| {
                assert_eq!(tok, "ldk_1_s");
                Ok(Verified::Accepted("ada (operator)".into()))
            },
        )
        .unwrap();
        assert!(said.contains("ada (operator)"));
        assert_eq!(t.load_stored("staging").unwrap().unwrap().secret, "ldk_1_s");
        assert!(logout(&profile(), &t).unwrap().contains("removed"));
        assert!(logout(&profile(), &t).unwrap().contains("no token"));
    }

    #[test]
    fn a_refused_or_empty_token_is_not_stored() {
        let t = tokens();
        let err = login(&profile(), &t, |_| Ok("bad".into()), |_, _| Err("401 UNAUTHENTICATED".into())).unwrap_err();
        assert!(matches!(err, LoginError::Refused(_)));
        assert!(matches!(login(&profile(), &t, |_| Ok("  ".into()), |_, _| unreachable!()), Err(LoginError::Empty)));
        assert_eq!(t.load_stored("staging").unwrap(), None);
    }

    #[test]
    fn without_a_store_login_says_so() {
        let t = Tokens::unavailable("keyutils: operation not permitted");
        let err = login(&profile(), &t, |_| Ok("tok".into()), |_, _| Ok(Verified::Accepted("ok".into())))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no credential store") && err.contains("not saved"), "{err}");
    }
}
