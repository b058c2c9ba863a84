//! `cargo xtask size`: where the app's bytes are. Builds the release web app, keeps a copy with
//! function names, and groups twiggy's per-function sizes by the module that caused them (our
//! modules first: a generic function instantiated for one of our types counts for that module).
//! Prints `wasm_code_kb` (the code section of the shipped main module), the sizes of the pages
//! loaded apart, and the table of the main module that ARCHITECTURE.md quotes.

use anyhow::{Context, Result, bail};
use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::root;

/// twiggy, from the registry at a pinned version, installed into the user's cargo bin.
const TWIGGY: &str = "0.8.0";

pub fn run(args: &[String]) -> Result<()> {
    let rows = args
        .iter()
        .find_map(|a| a.strip_prefix("--rows="))
        .map_or(Ok(40), str::parse)?;
    crate::web::build(false)?;
    let shipped = root().join("frontend/dist/pkg/frontend_bg.wasm");
    println!(
        "wasm_code_kb: {:.0}",
        code_section(&shipped)? as f64 / 1024.0
    );
    let named_dir = root().join("target/size");
    fs::create_dir_all(&named_dir)?;
    // The main module as split by the web build (the pages loaded apart are not in it).
    let wasm = root().join("target/wasm32-unknown-unknown/wasm-release/split/frontend.wasm");
    for part in crate::web::parts() {
        let bytes = fs::metadata(root().join("frontend/dist").join(&part))?.len();
        println!("part {part}: {:.0} KB", bytes as f64 / 1024.0);
    }
    crate::web::bindgen(&wasm, &named_dir, true)?;
    let named = named_dir.join("frontend_bg.wasm");
    let out = Command::new(twiggy()?)
        .args(["top", "-f", "csv"])
        .arg(&named)
        .output()
        .context("run twiggy")?;
    if !out.status.success() {
        bail!("twiggy: {}", String::from_utf8_lossy(&out.stderr));
    }
    let csv = String::from_utf8(out.stdout)?;
    let groups = group(&csv);
    let total: u64 = groups.iter().map(|(_, b)| b).sum();
    println!("| module | KB | % |\n|---|---:|---:|");
    for (name, bytes) in groups.iter().take(rows) {
        println!(
            "| {name} | {:.0} | {:.1} |",
            *bytes as f64 / 1024.0,
            100.0 * *bytes as f64 / total as f64
        );
    }
    println!(
        "| (all code and data) | {:.0} | 100 |",
        total as f64 / 1024.0
    );
    Ok(())
}

/// The size of the code section of a WebAssembly file.
pub fn code_section(wasm: &Path) -> Result<u64> {
    let bytes = fs::read(wasm).with_context(|| format!("read {}", wasm.display()))?;
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::CodeSectionStart { size, .. } = payload? {
            return Ok(u64::from(size));
        }
    }
    bail!("{} has no code section", wasm.display())
}

fn twiggy() -> Result<std::path::PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .context("no CARGO_HOME or HOME")?;
    let bin = home.join("bin/twiggy");
    if !bin.exists() {
        crate::sh(Command::new("cargo").args([
            "install",
            "--locked",
            "twiggy",
            "--version",
            TWIGGY,
        ]))?;
    }
    Ok(bin)
}

/// Sums twiggy's rows (`Name,ShallowSize,…`) by the module each item is charged to: the last of
/// our modules its name mentions (`frontend::pages::plan`, `shared::report`), else the crate it
/// starts with; custom sections (names) are left out.
fn group(csv: &str) -> Vec<(String, u64)> {
    let mut sums: HashMap<String, u64> = HashMap::new();
    for line in csv.lines().skip(1) {
        let Some((name, rest)) = split_csv(line) else {
            continue;
        };
        let Some(bytes) = rest.split(',').next().and_then(|b| b.parse::<u64>().ok()) else {
            continue;
        };
        if name.contains("custom section") || name.contains("subsection") {
            continue;
        }
        *sums.entry(charge(&name)).or_default() += bytes;
    }
    let mut groups: Vec<_> = sums.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    groups
}

/// The first field of a CSV line (quoted or not) and the rest.
fn split_csv(line: &str) -> Option<(String, &str)> {
    if let Some(quoted) = line.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().is_some_and(|(_, n)| *n == '"') {
                    chars.next();
                    name.push('"');
                } else {
                    return Some((name, quoted[i + 1..].strip_prefix(',')?));
                }
            } else {
                name.push(c);
            }
        }
        None
    } else {
        let (name, rest) = line.split_once(',')?;
        Some((name.to_owned(), rest))
    }
}

/// The module an item is charged to (see [`group`]).
fn charge(name: &str) -> String {
    if name.starts_with("data segment") {
        return "data (strings, tables)".to_owned();
    }
    // `frontend::…` or `shared::…` as a path's start (not core's `sort::shared::smallsort`).
    let ours = ["frontend::", "shared::"]
        .iter()
        .flat_map(|p| name.match_indices(p).map(|(at, _)| at))
        .filter(|&at| !name[..at].ends_with("::"))
        .max();
    if let Some(at) = ours {
        let path: Vec<&str> = name[at..]
            .split("::")
            .take_while(|s| {
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                    && !s.is_empty()
            })
            .take(3)
            .collect();
        // frontend::pages::plan, frontend::components::tree, shared::report (two levels).
        let depth = if path
            .get(1)
            .is_some_and(|s| *s == "pages" || *s == "components")
        {
            3
        } else {
            2
        };
        return path[..path.len().min(depth)].join("::");
    }
    let start = name.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
    let krate: String = start
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let krate = if krate.is_empty() {
        "other".to_owned()
    } else {
        krate
    };
    format!("{krate} (generic)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_charged_to_our_innermost_module() {
        assert_eq!(
            charge(
                "<tachys::html::element::HtmlElement<E,At,Ch> as tachys::view::Render>::build::h1"
            ),
            "tachys (generic)"
        );
        assert_eq!(
            charge("frontend::pages::import::__component_import_page::{{closure}}::h1"),
            "frontend::pages::import"
        );
        assert_eq!(
            charge(
                "shared::report::record::_::<impl serde_core::de::Deserialize for shared::report::record::Record>::deserialize::h5"
            ),
            "shared::report"
        );
        assert_eq!(charge("data segment \".rodata\""), "data (strings, tables)");
        assert_eq!(
            charge("core::slice::sort::shared::smallsort::insert_tail::h1"),
            "core (generic)"
        );
    }

    #[test]
    fn rows_are_summed_by_module() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
            \"\"\"function names\"\" subsection\",100,1,,\n\
            \"frontend::state::a::h1\",10,1,,\n\
            frontend::state::b::h2,5,1,,\n\
            \"<x as tachys::Render>::build, more\",7,1,,\n";
        assert_eq!(
            group(csv),
            vec![
                ("frontend::state".to_owned(), 15),
                ("x (generic)".to_owned(), 7)
            ]
        );
    }
}
