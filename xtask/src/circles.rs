//! Import circles between the files of a crate: which file names an item of which other file
//! (`use crate::…`, `super::…`, a child module by name, and paths written inline), and the
//! groups of files that reach each other. A module may name what its ancestors hold (they
//! contain it), so those uses are not counted. Tests are left out (`#[cfg(test)] mod tests`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path from the crate root (`["import", "agencies"]`).
type ModPath = Vec<String>;

/// The files of the crate under `src` by module path.
fn modules(src: &Path) -> BTreeMap<ModPath, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap_or(&path);
            let mut parts: Vec<String> = rel
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            // Only files reached from the crate root (not `bin/`, `build.rs` and the like).
            if parts.first().is_some_and(|p| p == "bin") {
                continue;
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The code of a file without its test module.
fn code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&i| {
            lines[i].trim() == "#[cfg(test)]"
                && lines
                    .get(i + 1)
                    .is_some_and(|l| l.trim_start().starts_with("mod tests"))
        })
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .filter(|l| !l.trim_start().starts_with("//"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths of a `use` tree (`a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`).
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).trim().to_owned()];
    };
    let prefix = &tree[..open];
    let inner = tree[open + 1..].trim_end().trim_end_matches('}');
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| {
            if p == "self" {
                prefix.trim_end_matches("::").to_owned()
            } else {
                format!("{prefix}{p}")
            }
        })
        .collect()
}

/// Every path a file's code names: its `use` trees, expanded, and `crate::…`/`super::…` paths
/// written inline.
fn named_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let after = &rest[at + 4..];
        let Some(end) = after.find(';') else { break };
        if before.is_none_or(|c| !c.is_alphanumeric() && c != '_') {
            out.extend(expand(&after[..end].replace(['\n', ' '], "")));
        }
        rest = &after[end..];
    }
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(path.trim_end_matches(':').to_owned());
            from = at + start.len();
        }
    }
    out
}

/// The module a path names (the longest prefix that is a module with a file), from `here`.
fn target(path: &str, here: &ModPath, mods: &BTreeMap<ModPath, PathBuf>) -> Option<ModPath> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let (mut base, rest): (ModPath, &[&str]) = match segs.first().copied() {
        Some("crate") => (Vec::new(), &segs[1..]),
        Some("super") => {
            let mut b = here.clone();
            let mut i = 0;
            while segs.get(i) == Some(&"super") {
                b.pop();
                i += 1;
            }
            (b, &segs[i..])
        }
        Some("self") => (here.clone(), &segs[1..]),
        // A child module named directly (`use agencies::X` in `import/mod.rs`).
        Some(first) => {
            let mut child = here.clone();
            child.push(first.to_owned());
            if !mods.contains_key(&child) {
                return None;
            }
            (here.clone(), &segs[..])
        }
        None => return None,
    };
    let mut found = mods.contains_key(&base).then(|| base.clone());
    for s in rest {
        base.push((*s).to_owned());
        if mods.contains_key(&base) {
            found = Some(base.clone());
        } else {
            break;
        }
    }
    found
}

/// The groups of files under `src` that import each other (each sorted), none when there is
/// no circle.
pub fn circles(src: &Path) -> Vec<Vec<PathBuf>> {
    let mods = modules(src);
    let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (here, file) in &mods {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for path in named_paths(&code(&text)) {
            let Some(to) = target(&path, here, &mods) else {
                continue;
            };
            // Naming itself or an ancestor (which contains it) is no import.
            if to == *here || here.starts_with(&to) {
                continue;
            }
            edges.entry(here.clone()).or_default().insert(to);
        }
    }
    strongly_connected(&mods.keys().cloned().collect::<Vec<_>>(), &edges)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| group.iter().map(|m| mods[m].clone()).collect())
        .collect()
}

/// The circles of every crate of the workspace at `root`, one line each.
pub fn report(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for krate in ["shared", "backend", "frontend", "xtask"] {
        for group in circles(&root.join(krate).join("src")) {
            found.push(
                group
                    .iter()
                    .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
                    .collect::<Vec<_>>()
                    .join(" ⇄ "),
            );
        }
    }
    found
}

/// Tarjan's strongly connected components.
fn strongly_connected(
    nodes: &[ModPath],
    edges: &BTreeMap<ModPath, BTreeSet<ModPath>>,
) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        edges: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<ModPath, usize>,
        low: BTreeMap<ModPath, usize>,
        stack: Vec<ModPath>,
        on_stack: BTreeSet<ModPath>,
        next: usize,
        out: Vec<Vec<ModPath>>,
    }
    fn visit(v: &ModPath, s: &mut State) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        s.on_stack.insert(v.clone());
        let targets: Vec<ModPath> = s
            .edges
            .get(v)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        for w in targets {
            if !s.index.contains_key(&w) {
                visit(&w, s);
                let lw = s.low[&w];
                let lv = s.low[v];
                s.low.insert(v.clone(), lv.min(lw));
            } else if s.on_stack.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low[v];
                s.low.insert(v.clone(), lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = w == *v;
                group.push(w);
                if done {
                    break;
                }
            }
            group.sort();
            s.out.push(group);
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for n in nodes {
        if !s.index.contains_key(n) {
            visit(n, &mut s);
        }
    }
    s.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_expand_to_paths() {
        assert_eq!(
            expand("crate::{api,state::{self,PlanStore}}"),
            ["crate::api", "crate::state", "crate::state::PlanStore"]
        );
    }

    #[test]
    fn a_circle_is_found_and_an_ancestor_is_no_import() {
        let dir = std::env::temp_dir().join(format!("circles-{}", std::process::id()));
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("a")).unwrap_or_else(|e| panic!("{e}"));
        let write = |p: &str, t: &str| {
            std::fs::write(src.join(p), t).unwrap_or_else(|e| panic!("{e}"));
        };
        write("lib.rs", "pub mod a;\npub mod b;\n");
        write("a/mod.rs", "pub mod c;\npub use c::C;\npub struct A;\n");
        write("a/c.rs", "use super::A;\npub struct C;\n");
        write("b.rs", "use crate::a::C;\npub struct B;\n");
        assert!(circles(&src).is_empty());
        write("a/c.rs", "use super::A;\nuse crate::b::B;\npub struct C;\n");
        let found = circles(&src);
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].len(), 3, "{found:?}");
    }

    /// No crate of the workspace has an import circle (ARCHITECTURE.md, "Direction").
    #[test]
    fn no_import_circle_in_any_crate() {
        let found = report(&crate::root());
        assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
    }
}
