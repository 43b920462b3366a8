//! `ledgerdeck`, the operations cockpit: a pure state machine ([`app::App`])
//! fed by [`data::DataMsg`] and asking for [`data::Request`]s, drawn with
//! ratatui, and run by [`runtime`] against a [`runtime::Fetcher`].

pub mod app;
pub mod chrome;
pub mod command_form;
pub mod config;
pub mod credentials;
pub mod data;
pub mod demo;
pub mod fetch;
pub mod hold_form;
pub mod keymap;
pub mod login;
pub mod palette;
pub mod result_card;
pub mod runtime;
pub mod sanitize;
pub mod smoke;
pub mod theme;
pub mod views;
