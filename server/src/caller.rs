//! Who is asking: the identity a bearer token stands for. The lowest layer
//! that knows about callers, so that authentication (`access`), the audit
//! log (`audit`) and the command layer (`commands`) can all name it.

use ledgerdeck_client::Role;

/// How a caller's token came to be: the wire type, stored by its name.
pub use ledgerdeck_client::SignIn;

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The operator's name (idempotency keys are scoped to it).
    pub name: String,
    /// The operator's role.
    pub role: Role,
    /// The id of the token that authenticated the call, when one did.
    pub token_id: Option<String>,
    /// How the token came to be.
    pub sign_in: SignIn,
    /// The verified email a signed-in token is bound to.
    pub email: Option<String>,
    /// When the token stops working (µs since the epoch), if it does.
    pub expires_at: Option<i64>,
}

impl Caller {
    /// A caller known by `name` alone (tests, the server's own work).
    pub fn new(name: impl Into<String>, role: Role) -> Caller {
        Caller { name: name.into(), role, token_id: None, sign_in: SignIn::Token, email: None, expires_at: None }
    }

    /// The person behind the call, for rules that must not be satisfied by
    /// one person holding two tokens (four eyes): the signed-in email when
    /// there is one, else the operator name, compared without case.
    pub fn identity(&self) -> String {
        self.email.as_deref().unwrap_or(&self.name).trim().to_lowercase()
    }
}
