//! API tokens: `$LEDGERDECK_TOKEN` first, else the OS credential store
//! through keyring-core (the keyring 4 API) under service `ledgerdeck` and
//! the profile's name. On Linux that store is the kernel's keyutils, which
//! works on a headless box over SSH where no Secret Service runs; macOS uses
//! the Keychain and Windows the Credential Manager. Where no store works we
//! say so; a token is reported saved only after it reads back.

use keyring_core::{CredentialStore, Entry, Error as KeyringError};
use std::sync::Arc;

/// The keyring service name.
pub const SERVICE: &str = "ledgerdeck";
/// The environment variable whose token overrides the stored one.
pub const TOKEN_ENV: &str = "LEDGERDECK_TOKEN";

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `$LEDGERDECK_TOKEN`.
    Env,
    /// The credential store.
    Keyring,
    /// Typed at a prompt for this session only.
    Prompt,
}

/// A token and where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// The bearer token.
    pub secret: String,
    /// Its source.
    pub source: TokenSource,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token").field("secret", &"…").field("source", &self.source).finish()
    }
}

/// The credential store failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// No credential store works on this machine.
    #[error("no credential store is available here ({0}); the token was not saved — set {TOKEN_ENV} instead")]
    Unavailable(String),
    /// The store refused or failed.
    #[error("the credential store failed: {0}")]
    Failed(String),
    /// The store accepted the token but does not give it back.
    #[error("the credential store did not keep the token; it was not saved — set {TOKEN_ENV} instead")]
    NotKept,
}

/// The token store of one credential backend.
#[derive(Clone)]
pub struct Tokens {
    store: Result<Arc<CredentialStore>, String>,
}

impl Tokens {
    /// The platform's store: keyutils on Linux, Keychain on macOS, the
    /// Credential Manager on Windows; elsewhere none.
    pub fn platform() -> Tokens {
        Tokens { store: platform_store() }
    }

    /// A given store (tests use keyring-core's mock store).
    pub fn with_store(store: Arc<CredentialStore>) -> Tokens {
        Tokens { store: Ok(store) }
    }

    /// A store that does not work, with the reason.
    pub fn unavailable(reason: &str) -> Tokens {
        Tokens { store: Err(reason.into()) }
    }

    fn entry(&self, profile: &str) -> Result<Entry, CredentialError> {
        let store = self.store.as_ref().map_err(|e| CredentialError::Unavailable(e.clone()))?;
        store.build(SERVICE, profile, None).map_err(store_error)
    }

    /// The profile's token: the environment's, else the stored one, else `None`.
    pub fn load(&self, profile: &str) -> Result<Option<Token>, CredentialError> {
        if let Some(secret) = std::env::var(TOKEN_ENV).ok().filter(|t| !t.trim().is_empty()) {
            return Ok(Some(Token { secret: secret.trim().into(), source: TokenSource::Env }));
        }
        self.load_stored(profile)
    }

    /// The stored token only.
    pub fn load_stored(&self, profile: &str) -> Result<Option<Token>, CredentialError> {
        match self.entry(profile)?.get_password() {
            Ok(secret) => Ok(Some(Token { secret, source: TokenSource::Keyring })),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Stores the token and reads it back; only then is it saved.
    pub fn save(&self, profile: &str, secret: &str) -> Result<(), CredentialError> {
        let entry = self.entry(profile)?;
        entry.set_password(secret).map_err(store_error)?;
        match entry.get_password() {
            Ok(back) if back == secret => Ok(()),
            Ok(_) | Err(KeyringError::NoEntry) => Err(CredentialError::NotKept),
            Err(e) => Err(store_error(e)),
        }
    }

    /// Deletes the stored token; `false` when there was none.
    pub fn delete(&self, profile: &str) -> Result<bool, CredentialError> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }
}

fn store_error(e: KeyringError) -> CredentialError {
    match e {
        KeyringError::NoStorageAccess(inner) => CredentialError::Unavailable(inner.to_string()),
        KeyringError::NoDefaultStore | KeyringError::NotSupportedByStore(_) => {
            CredentialError::Unavailable(e.to_string())
        }
        other => CredentialError::Failed(other.to_string()),
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    let store: Arc<CredentialStore> = linux_keyutils_keyring_store::Store::new().map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new().map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new().map_err(|e| e.to_string())?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<Arc<CredentialStore>, String> {
    Err("this platform has no supported credential store".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> Tokens {
        Tokens::with_store(keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn save_load_delete_round_trip() {
        let tokens = mock();
        assert_eq!(tokens.load_stored("p").unwrap(), None);
        tokens.save("p", "ldk_1_secret").unwrap();
        let token = tokens.load_stored("p").unwrap().unwrap();
        assert_eq!((token.secret.as_str(), token.source), ("ldk_1_secret", TokenSource::Keyring));
        assert!(tokens.delete("p").unwrap());
        assert!(!tokens.delete("p").unwrap());
    }

    #[test]
    fn without_a_store_nothing_pretends_to_be_saved() {
        let tokens = Tokens::unavailable("no keyutils");
        let err = tokens.save("p", "t").unwrap_err();
        assert!(matches!(err, CredentialError::Unavailable(_)));
        assert!(err.to_string().contains("not saved"), "{err}");
        assert!(tokens.load_stored("p").is_err());
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let token = Token { secret: "ldk_1_secret".into(), source: TokenSource::Env };
        assert!(!format!("{token:?}").contains("secret\""));
        assert!(!format!("{token:?}").contains("ldk_1"));
    }
}
