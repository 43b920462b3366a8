//! `ledgerdeck`, the operations cockpit: a pure state machine ([`app::App`])
//! fed by [`data::DataMsg`] and asking for [`data::Request`]s, drawn with
//! ratatui, and run by [`runtime`] against a [`runtime::Fetcher`]. Each view
//! owns its folder under [`views`]; the app only dispatches.

pub mod app;
pub mod bulk;
pub mod command;
pub mod config;
pub mod credentials;
pub mod data;
#[cfg(feature = "demo")]
pub mod demo;
pub mod export;
pub mod export_cli;
pub mod fetch;
pub mod find;
pub mod frame;
pub mod input;
pub mod keys;
pub mod login;
pub mod money;
pub mod notice;
pub mod palette;
pub mod part_file;
pub mod runtime;
pub mod sanitize;
pub mod session_log;
pub mod smoke;
pub mod sso;
pub mod state;
pub mod theme;
pub mod views;
pub mod widgets;
