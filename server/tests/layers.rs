//! The wallet core's import structure: no file of `server/src` imports
//! another in a loop, and every top-level module imports only modules of
//! lower layers, in the order `docs/ARCHITECTURE.md` lists.

#[path = "../../support/import_graph.rs"]
mod import_graph;

use import_graph::Graph;
use std::collections::BTreeMap;
use std::path::Path;

/// The line of `docs/ARCHITECTURE.md` that opens the list of layers.
const MARKER: &str = "Layers of `server/src`, lowest first";

/// The import graph of `server/src`; panics if it found no file, so that a
/// wrong path cannot make the other tests pass vacuously.
fn graph() -> Graph {
    let graph = Graph::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.files.len() > 10, "read only {} files of server/src", graph.files.len());
    graph
}

/// The layers listed in `docs/ARCHITECTURE.md`.
fn documented_layers() -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ARCHITECTURE.md");
    let doc = std::fs::read_to_string(&path).expect("docs/ARCHITECTURE.md");
    let layers = import_graph::layers_in(&doc, MARKER);
    assert!(!layers.is_empty(), "docs/ARCHITECTURE.md lists no layers after {MARKER:?}");
    layers
}

/// No two files of `server/src` import each other, directly or through
/// others: every shared type lives below all of its users.
#[test]
fn no_file_imports_itself_through_others() {
    let circles = graph().file_circles();
    let shown: Vec<String> =
        circles.iter().map(|c| c.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(" ↔ ")).collect();
    assert!(circles.is_empty(), "import circles in server/src:\n  {}", shown.join("\n  "));
}

/// Each top-level module imports only modules of lower layers than its own,
/// as `docs/ARCHITECTURE.md` lists them, and every module is in a layer.
#[test]
fn modules_import_only_lower_layers() {
    let breaks = graph().layer_breaks(&documented_layers());
    assert!(
        breaks.is_empty(),
        "server/src breaks the layers of docs/ARCHITECTURE.md:\n  {}\n\
         Move the shared item down to the layer that owns it, or fix the list.",
        breaks.join("\n  ")
    );
}

/// The documented layers name each top-level module of `server/src` exactly
/// once and nothing else, so the list cannot drift from the code.
#[test]
fn layers_name_each_module_once() {
    let graph = graph();
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    for name in documented_layers().into_iter().flatten() {
        *named.entry(name).or_default() += 1;
    }
    let modules: Vec<&String> = graph.files.keys().filter_map(|m| m.first()).collect();
    let twice: Vec<&String> = named.iter().filter(|(_, n)| **n > 1).map(|(m, _)| m).collect();
    let unknown: Vec<&String> = named.keys().filter(|m| !modules.contains(m)).collect();
    assert!(twice.is_empty(), "in more than one layer: {twice:?}");
    assert!(unknown.is_empty(), "layers name modules server/src does not have: {unknown:?}");
}
