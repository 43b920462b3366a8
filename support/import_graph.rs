//! The import graph of a crate's `src/`, read from its `use` lines and inline
//! `crate::`/`super::`/`self::` paths, for the layering tests of each crate
//! (`tests/layers.rs`), which hold the code to the layers that
//! `docs/ARCHITECTURE.md` lists.
//!
//! A file imports another when it names a path that resolves to the module
//! the other defines (the longest known module prefix of the path). A parent
//! naming its own descendant is a declaration, not an import.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside the crate, e.g. `["views", "payouts"]`.
pub type Module = Vec<String>;

/// Every module of `src` (one per file; `mod.rs`/`lib.rs` name their folder)
/// and the modules each one imports.
#[derive(Debug, Default)]
pub struct Graph {
    /// Module → its file.
    pub files: BTreeMap<Module, PathBuf>,
    /// Module → the modules it imports.
    pub edges: BTreeMap<Module, BTreeSet<Module>>,
}

impl Graph {
    /// Reads every `.rs` file under `src` (but `main.rs` and `bin/`).
    pub fn read(src: &Path) -> Graph {
        let mut graph = Graph::default();
        collect(src, src, &mut graph.files);
        let known: BTreeSet<Module> = graph.files.keys().cloned().collect();
        for (module, file) in &graph.files {
            let text = strip_comments(&std::fs::read_to_string(file).unwrap_or_default());
            let targets = paths(&text)
                .into_iter()
                .filter_map(|p| resolve(module, &p, &known))
                .filter(|t| t != module && !t.starts_with(module))
                .collect();
            graph.edges.insert(module.clone(), targets);
        }
        graph
    }

    /// Groups of files that import each other in a loop.
    pub fn file_circles(&self) -> Vec<Vec<PathBuf>> {
        strongly_connected(&self.edges)
            .into_iter()
            .map(|group| group.iter().map(|m| self.files[m].clone()).collect())
            .collect()
    }

    /// The top-level modules each top-level module imports (`views::payouts`
    /// importing `keys` is `views → keys`).
    pub fn top_level_edges(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, targets) in &self.edges {
            let Some(top) = from.first() else { continue };
            for to in targets.iter().filter_map(|t| t.first()).filter(|t| *t != top) {
                out.entry(top.clone()).or_default().insert(to.clone());
            }
        }
        out
    }

    /// Imports that break `layers` (lowest first; a module may import only
    /// modules of lower layers), and top-level modules no layer names.
    pub fn layer_breaks(&self, layers: &[Vec<String>]) -> Vec<String> {
        let level = |m: &str| layers.iter().position(|l| l.iter().any(|x| x == m));
        let mut out = Vec::new();
        let tops: BTreeSet<&String> = self.files.keys().filter_map(|m| m.first()).collect();
        for top in tops {
            if level(top).is_none() {
                out.push(format!("`{top}` is in no layer"));
            }
        }
        for (from, targets) in self.top_level_edges() {
            for to in targets {
                if let (Some(a), Some(b)) = (level(&from), level(&to))
                    && a <= b
                {
                    out.push(format!("`{from}` (layer {}) imports `{to}` (layer {})", a + 1, b + 1));
                }
            }
        }
        out
    }
}

impl Graph {
    /// Where `layers` and the code disagree on names: a module listed twice,
    /// or a name the code has no module for (modules missing from the list
    /// are [`Graph::layer_breaks`]' business).
    pub fn layer_list_problems(&self, layers: &[Vec<String>]) -> Vec<String> {
        let mut named: BTreeMap<&String, usize> = BTreeMap::new();
        for name in layers.iter().flatten() {
            *named.entry(name).or_default() += 1;
        }
        let modules: BTreeSet<&String> = self.files.keys().filter_map(|m| m.first()).collect();
        let twice = named.iter().filter(|(_, n)| **n > 1).map(|(m, _)| format!("`{m}` is in more than one layer"));
        let unknown = named.keys().filter(|m| !modules.contains(*m)).map(|m| format!("`{m}` is not a module"));
        twice.chain(unknown).collect()
    }
}

/// The layers listed in `doc` after the line `marker`: one layer a line
/// (`1. a, b`), until the first line that is not a numbered item.
pub fn layers_in(doc: &str, marker: &str) -> Vec<Vec<String>> {
    let mut lines = doc.lines().skip_while(|l| !l.contains(marker)).skip(1).skip_while(|l| l.trim().is_empty());
    let mut layers = Vec::new();
    for line in lines.by_ref() {
        let Some((number, rest)) = line.trim().split_once(". ") else { break };
        if number.parse::<usize>().is_err() {
            break;
        }
        let names = rest.split(" — ").next().unwrap_or_default();
        layers
            .push(names.split(',').map(|n| n.trim().trim_matches('`').to_string()).filter(|n| !n.is_empty()).collect());
    }
    layers
}

/// The import graph of the crate at `manifest_dir` (its `src/`); panics if
/// it found almost no file, so that a wrong path cannot make a layering
/// test pass vacuously.
pub fn crate_graph(manifest_dir: &str) -> Graph {
    let graph = Graph::read(&Path::new(manifest_dir).join("src"));
    assert!(graph.files.len() > 10, "read only {} files of {manifest_dir}/src", graph.files.len());
    graph
}

/// The layers `docs/ARCHITECTURE.md` lists after `marker`, read from the
/// workspace of the crate at `manifest_dir`; panics if it lists none.
pub fn documented_layers(manifest_dir: &str, marker: &str) -> Vec<Vec<String>> {
    let path = Path::new(manifest_dir).join("../docs/ARCHITECTURE.md");
    let doc = std::fs::read_to_string(&path).expect("docs/ARCHITECTURE.md");
    let layers = layers_in(&doc, marker);
    assert!(!layers.is_empty(), "docs/ARCHITECTURE.md lists no layers after {marker:?}");
    layers
}

/// Circles as one line each: `a.rs ↔ b.rs`.
pub fn show_circles(circles: &[Vec<PathBuf>]) -> String {
    let lines: Vec<String> =
        circles.iter().map(|c| c.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(" ↔ ")).collect();
    lines.join("\n  ")
}

/// The layering tests of the crate this is included in: no import circle
/// between files, every top-level module importing only lower layers of
/// the list `docs/ARCHITECTURE.md` opens with `$marker`, and that list naming
/// each module once. `$what` names the source tree in messages.
macro_rules! layering_tests {
    ($marker:expr, $what:expr) => {
        const HERE: &str = env!("CARGO_MANIFEST_DIR");

        /// No two files import each other, directly or through others: every
        /// shared type lives below all of its users.
        #[test]
        fn no_file_imports_itself_through_others() {
            let circles = import_graph::crate_graph(HERE).file_circles();
            assert!(circles.is_empty(), "import circles in {}:\n  {}", $what, import_graph::show_circles(&circles));
        }

        /// Each top-level module imports only modules of lower layers than its
        /// own, as `docs/ARCHITECTURE.md` lists them, and every module is in a layer.
        #[test]
        fn modules_import_only_lower_layers() {
            let layers = import_graph::documented_layers(HERE, $marker);
            let breaks = import_graph::crate_graph(HERE).layer_breaks(&layers);
            assert!(
                breaks.is_empty(),
                "{} breaks the layers of docs/ARCHITECTURE.md:\n  {}\n\
                 Move the shared item down to the layer that owns it, or fix the list.",
                $what,
                breaks.join("\n  ")
            );
        }

        /// The documented layers name each top-level module exactly once and
        /// nothing else, so the list cannot drift from the code.
        #[test]
        fn layers_name_each_module_once() {
            let layers = import_graph::documented_layers(HERE, $marker);
            let problems = import_graph::crate_graph(HERE).layer_list_problems(&layers);
            assert!(problems.is_empty(), "the layers of docs/ARCHITECTURE.md:\n  {}", problems.join("\n  "));
        }
    };
}

fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<Module, PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "bin") {
                collect(root, &path, out);
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || (dir == root && path.ends_with("main.rs")) {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path).with_extension("");
        let mut module: Module = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if module.last().is_some_and(|l| l == "mod" || l == "lib") {
            module.pop();
        }
        out.insert(module, path);
    }
}

fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['/']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("//") {
            rest = tail.find('\n').map_or("", |n| &tail[n..]);
        } else if tail.starts_with("/*") {
            rest = tail.find("*/").map_or("", |n| &tail[n + 2..]);
        } else {
            out.push('/');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Every `crate::`/`super::`/`self::` path in `text`, once each, `use` groups
/// expanded.
fn paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let after = &rest[at + 4..];
        let starts_word =
            at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric() && rest.as_bytes()[at - 1] != b'_';
        if starts_word && let Some(end) = after.find(';') {
            let path: String = after[..end].chars().filter(|c| !c.is_whitespace()).collect();
            if ["crate", "super", "self"].iter().any(|r| path == *r || path.starts_with(&format!("{r}::"))) {
                out.extend(expand(&path));
            }
        }
        rest = after;
    }
    // Inline paths such as `crate::sanitize::cell(..)`.
    let bytes = text.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(root).map(|i| i + from) {
            from = at + root.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_' || bytes[at - 1] == b':') {
                continue;
            }
            let end = text[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(text.len(), |e| e + at);
            out.push(text[at..end].trim_end_matches(':').to_string());
        }
    }
    // A `use` line's path is also found inline: keep each path once, in
    // the order first seen.
    let mut seen = BTreeSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

/// `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn expand(path: &str) -> Vec<String> {
    let Some(open) = path.find('{') else {
        return vec![path.split(" as ").next().unwrap_or(path).trim_end_matches("::*").to_string()];
    };
    let head = &path[..open];
    let body = path[open + 1..].strip_suffix('}').unwrap_or(&path[open + 1..]);
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in body.chars().chain([',']) {
        match c {
            ',' if depth == 0 => {
                if !current.is_empty() {
                    parts.extend(expand(&current).into_iter().map(|p| format!("{head}{p}")));
                }
                current.clear();
                continue;
            }
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        current.push(c);
    }
    parts.into_iter().map(|p| p.trim_end_matches("::self").to_string()).collect()
}

fn resolve(here: &Module, path: &str, known: &BTreeSet<Module>) -> Option<Module> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let mut base: Module = Vec::new();
    if parts.first() == Some(&"crate") {
        parts.remove(0);
    } else {
        base = here.clone();
        while let Some(first) = parts.first() {
            match *first {
                "super" => {
                    base.pop();
                }
                "self" => {}
                _ => break,
            }
            parts.remove(0);
        }
    }
    (0..=parts.len())
        .rev()
        .map(|i| [base.clone(), parts[..i].iter().map(|p| p.to_string()).collect()].concat())
        .find(|candidate| known.contains(candidate))
}

/// Tarjan's strongly connected components with more than one member.
fn strongly_connected(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                s.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.out.push(group);
            }
        }
    }
    let mut s = State { edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), out: Vec::new() };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_groups_expand_and_comments_are_ignored() {
        assert_eq!(expand("crate::a::{b,c::{d,e}}"), ["crate::a::b", "crate::a::c::d", "crate::a::c::e"]);
        let text = strip_comments("use crate::a; // use crate::b;\n/* use crate::c; */ let x = super::d::f();");
        assert_eq!(paths(&text), ["crate::a", "super::d::f"]);
    }
}
