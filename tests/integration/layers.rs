//! The top-level modules of `src/` depend on each other one way: every
//! `crate::` path points to a module on the same line or a lower line of the
//! layer list at the top of `src/lib.rs`, and no modules import each other in
//! a circle. Read from the source text (comments and string literals
//! skipped), so a new upward `use` fails here, not in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module name → modules it names in `crate::` paths.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The layers listed between `// layers:` and `// end of layers` in
/// `lib.rs`, bottom first, each a list of module names.
fn documented_layers(lib: &str) -> Vec<Vec<String>> {
    let mut layers = Vec::new();
    let mut inside = false;
    for line in lib.lines() {
        let t = line.trim();
        if t == "// layers:" {
            inside = true;
        } else if t == "// end of layers" {
            return layers;
        } else if inside {
            let names: Vec<String> = t
                .trim_start_matches("//")
                .split(',')
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect();
            assert!(!names.is_empty(), "empty line in the layer list: {line:?}");
            layers.push(names);
        }
    }
    panic!("src/lib.rs has no `// layers:` ... `// end of layers` list");
}

/// The text with comments, string and character literals blanked out, so
/// that only code is searched for paths.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (i == 0 || !ident(b[i - 1])) && matches!(next, Some('"' | '#')) && {
            let mut j = i + 1;
            while b.get(j) == Some(&'#') {
                j += 1;
            }
            b.get(j) == Some(&'"')
        } {
            // Raw string: r"...", r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '"'), or else a lifetime.
            if next == Some('\\') {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// First names of the paths a `use` group lists: `a, b::c, d::{e, f}` gives
/// `a, b, d`.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut at_start = true;
    let mut current = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                at_start = true;
                continue;
            }
            _ => {}
        }
        if depth == 0 && at_start {
            if c.is_alphanumeric() || c == '_' {
                current.push(c);
            } else if !current.is_empty() {
                heads.push(std::mem::take(&mut current));
                at_start = false;
            }
        }
    }
    if !current.is_empty() {
        heads.push(current);
    }
    heads
}

/// Top-level modules named by `crate::` paths in `code`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `mycrate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            out.extend(group_heads(&group[..end]));
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("read src").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module graph of `src/`: each top-level module's `crate::` paths,
/// with names the crate root re-exports (`pub use scenario::Scenario`)
/// mapped to their module.
fn module_graph(src: &Path, lib: &str) -> Graph {
    let mut root_names = BTreeMap::new();
    for line in lib.lines() {
        if let Some(rest) = line.trim().strip_prefix("pub use ") {
            let module = rest.split("::").next().unwrap_or("").to_string();
            let names = rest.rsplit("::").next().unwrap_or("");
            for n in names.trim_matches(['{', '}', ';']).split(',') {
                root_names.insert(n.trim().to_string(), module.clone());
            }
        }
    }
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for f in files {
        let rel = f.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a file");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read a source file");
        let deps = graph.entry(module.clone()).or_default();
        for name in crate_paths(&code_only(&text)) {
            let name = root_names.get(&name).cloned().unwrap_or(name);
            if name != module && name != "self" {
                deps.insert(name);
            }
        }
    }
    graph
}

/// Everything wrong with `graph` against `layers`: modules missing from the
/// list, imports of a higher layer, and circles.
fn problems(graph: &Graph, layers: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut layer_of = BTreeMap::new();
    for (i, line) in layers.iter().enumerate() {
        for m in line {
            if layer_of.insert(m.clone(), i).is_some() {
                out.push(format!("{m} is listed twice"));
            }
        }
    }
    for m in graph.keys() {
        if !layer_of.contains_key(m) {
            out.push(format!("module {m} is not in the layer list of src/lib.rs"));
        }
    }
    for m in layer_of.keys() {
        if !graph.contains_key(m) {
            out.push(format!("the layer list names {m}, which is no module"));
        }
    }
    for (m, deps) in graph {
        let Some(&lm) = layer_of.get(m) else { continue };
        for d in deps {
            if let Some(&ld) = layer_of.get(d)
                && ld > lm
            {
                out.push(format!(
                    "{m} (layer {}) imports {d} (layer {}, above it)",
                    lm + 1,
                    ld + 1
                ));
            }
        }
    }
    // Circles: peel off modules with no dependencies left (Kahn); whatever
    // remains lies on or behind a circle.
    let mut left: Graph = graph
        .iter()
        .map(|(m, d)| {
            let d = d.iter().filter(|x| graph.contains_key(*x)).cloned();
            (m.clone(), d.collect())
        })
        .collect();
    loop {
        let done: Vec<String> = left
            .iter()
            .filter(|(_, d)| d.is_empty())
            .map(|(m, _)| m.clone())
            .collect();
        if done.is_empty() {
            break;
        }
        for m in &done {
            left.remove(m);
        }
        for d in left.values_mut() {
            for m in &done {
                d.remove(m);
            }
        }
    }
    if !left.is_empty() {
        let names: Vec<String> = left
            .iter()
            .map(|(m, d)| {
                format!(
                    "{m} -> {}",
                    d.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        out.push(format!("import circle among: {}", names.join("; ")));
    }
    out
}

#[test]
fn modules_import_only_their_own_layer_or_below_and_never_in_a_circle() {
    let src = src_dir();
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("read lib.rs");
    let layers = documented_layers(&lib);
    let graph = module_graph(&src, &lib);
    // The reading works: known downward paths are seen.
    assert!(graph["engine"].contains("scenario"), "{graph:?}");
    assert!(graph["report"].contains("metrics"), "{graph:?}");
    let found = problems(&graph, &layers);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_fails_on_an_upward_import_and_on_a_circle() {
    let layers = vec![
        vec!["a".to_string(), "b".to_string()],
        vec!["c".to_string()],
    ];
    let graph = |edges: &[(&str, &str)]| {
        let mut g: Graph = ["a", "b", "c"]
            .iter()
            .map(|m| (m.to_string(), BTreeSet::new()))
            .collect();
        for (from, to) in edges {
            g.get_mut(*from).unwrap().insert(to.to_string());
        }
        g
    };
    assert!(problems(&graph(&[("c", "a"), ("b", "a")]), &layers).is_empty());
    let up = problems(&graph(&[("a", "c")]), &layers);
    assert_eq!(up, ["a (layer 1) imports c (layer 2, above it)"]);
    let circle = problems(&graph(&[("a", "b"), ("b", "a")]), &layers);
    assert_eq!(circle, ["import circle among: a -> b; b -> a"]);
}

#[test]
fn paths_are_read_from_code_only() {
    let code = code_only(
        r####"
        use crate::{engine::Sim, metrics::{self, Recorder}};
        // use crate::report;
        /// [`crate::optimise`]
        let s = "crate::fit"; let r = r#"crate::load"#; let q = '"'; let l: &'a str;
        let x = crate::map::Point::new(0.0, 0.0);
        "####,
    );
    let found: Vec<String> = crate_paths(&code).into_iter().collect();
    assert_eq!(found, ["engine", "map", "metrics"]);
}
