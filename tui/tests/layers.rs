//! The cockpit's import structure: no file of `tui/src` imports another in a
//! loop, and every top-level module imports only modules of lower layers, in
//! the order `docs/ARCHITECTURE.md` lists.

#[macro_use]
#[path = "../../support/import_graph.rs"]
mod import_graph;

layering_tests!("Layers of `tui/src`, lowest first", "tui/src");
