//! Who is asking: the identity a bearer token stands for. The lowest layer
//! that knows about callers, so that authentication (`access`), the audit
//! log (`audit`) and the command layer (`commands`) can all name it.

use ledgerdeck_client::Role;

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The operator's name (idempotency keys are scoped to it).
    pub name: String,
    /// The operator's role.
    pub role: Role,
}
