//! The server binary's command line, beyond what `main.rs` declares itself.
//! Only the binary uses it; the library knows nothing of flags.

pub mod workers;
