//! Recipes, so the README's commands stay short:
//!
//! - `cargo xtask run [-- SERVER FLAGS]`: install what is missing, build the app in release
//!   mode, start the server on http://127.0.0.1:8080 with the embedded database under ./data;
//! - `cargo xtask run --cluster`: the same app on a SurrealDB server, two servers of ours and
//!   nginx in front (see `cluster`);
//! - `cargo xtask test`: formatting, clippy (native and wasm32), every test tier including the
//!   short sync benchmark and the browser tests (what CI runs; `cargo xtask ci` is the same);
//! - `cargo xtask test-on-server`: the API tests against a SurrealDB server (part of `test`);
//! - `cargo xtask build-web [--dev]`: build the web app into frontend/dist;
//! - `cargo xtask bench [sync]`: the benchmarks (or only the sync one), one `name: value` line
//!   per figure;
//! - `cargo xtask size [--rows=N]`: the web app's code section (`wasm_code_kb`) and where its
//!   bytes are, by module (twiggy, installed from the registry when missing);
//! - `cargo xtask circles`: the import circles between files of each crate (none allowed; a
//!   unit test of `cargo xtask test` checks the same).

mod bench;
mod circles;
mod cluster;
mod icon;
mod size;
mod web;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    STARTED.get_or_init(std::time::Instant::now);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("run") if args.iter().any(|a| a == "--cluster") => cluster::run(),
        Some("run") => run(&args[1..]),
        Some("test") | Some("ci") => test(),
        Some("test-on-server") => cluster::api_tests_on_a_server(),
        Some("build-web") => web::build(args.iter().any(|a| a == "--dev")),
        Some("setup") => setup(),
        Some("bench") => bench::run(&args[1..]),
        Some("size") => size::run(&args[1..]),
        Some("circles") => {
            let found = circles::report(&root);
            if found.is_empty() {
                println!("no import circle");
                Ok(())
            } else {
                bail!("import circles:\n{}", found.join("\n"))
            }
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <run|test|ci|test-on-server|build-web|setup|bench|size|circles>"
            );
            std::process::exit(2);
        }
    }
}

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs a command, failing with its name if it fails.
/// Each command is printed with the minutes since xtask started, and its own duration when it
/// ends, so a CI log shows where the time goes.
pub fn sh(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    // The program and its arguments, without the environment `cargo()` clears.
    let short = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let began = std::time::Instant::now();
    eprintln!("» [{}] {shown}", since_start());
    let status = cmd
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    eprintln!(
        "« [{}] {:.0} s: {}",
        since_start(),
        began.elapsed().as_secs_f64(),
        short.chars().take(120).collect::<String>()
    );
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Minutes and seconds since xtask started (`mm:ss`).
fn since_start() -> String {
    let secs = STARTED
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs();
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

/// Cargo, without the variables `cargo run` set for xtask itself (`CARGO_PKG_NAME=xtask`, …):
/// some build scripts (ring's) rerun when they change, and with them rustls and the database
/// engine would be rebuilt whenever `cargo xtask …` and a plain `cargo …` take turns.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || [
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
            ]
            .contains(&name.as_ref())
        {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd
}

/// What building and running need: the wasm32 target.
pub fn setup() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-unknown-unknown"))
        .unwrap_or(false);
    if !installed {
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// Installs Debian `packages` (as root or through sudo, with their recommended packages when
/// `recommends`) unless `present` exists.
pub fn apt_install(present: &str, packages: &[&str], recommends: bool) -> Result<()> {
    if Path::new(present).exists() {
        return Ok(());
    }
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut c = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    sh(&mut apt(&["update", "-q"]))?;
    let flags: &[&str] = if recommends {
        &["install", "-y", "-q"]
    } else {
        &["install", "-y", "-q", "--no-install-recommends"]
    };
    sh(&mut apt(&[flags, packages].concat()))
}

/// What the tests of exported Word files need: LibreOffice to turn them into PDF (Times New
/// Roman's metric twin, Liberation Serif), and poppler's pdftotext and pdfinfo to read the PDF.
pub fn setup_document_tests() -> Result<()> {
    apt_install(
        "/usr/bin/soffice",
        &["libreoffice-writer-nogui", "fonts-liberation2"],
        false,
    )?;
    apt_install("/usr/bin/pdftotext", &["poppler-utils"], false)
}

/// What the browser tests need: Debian's Chromium, nginx (in front of two servers in one
/// test) and the npm packages of e2e/.
pub fn setup_browser_tests() -> Result<()> {
    apt_install("/usr/bin/chromium", &["chromium", "fonts-noto-core"], true)?;
    apt_install("/usr/sbin/nginx", &["nginx"], false)?;
    if !Path::new("e2e/node_modules/@playwright/test").exists() {
        sh(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir("e2e"))?;
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run(server_args: &[String]) -> Result<()> {
    setup()?;
    web::build(false)?;
    let args: Vec<&str> = server_args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--")
        .collect();
    sh(cargo()
        .args(["run", "--release", "-p", "backend", "--", "serve"])
        .args(args))
}

fn test() -> Result<()> {
    setup()?;
    setup_document_tests()?;
    sh(cargo().args(["fmt", "--all", "--", "--check"]))?;
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--exclude",
        "frontend",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    sh(cargo().args([
        "clippy",
        "-p",
        "frontend",
        "-p",
        "shared",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    sh(cargo().args(["test", "--workspace", "--exclude", "frontend"]))?;
    // The API tests once more, against a SurrealDB server instead of the embedded engine.
    cluster::api_tests_on_a_server()?;
    // The app's own logic (its errors, its review state), natively: no browser needed. Its
    // dependencies unoptimised: built cold, 76 s instead of 217 s at the workspace's level 1,
    // for tests that take milliseconds.
    sh(cargo().args([
        "test",
        "-p",
        "frontend",
        "--config",
        "profile.dev.package.\"*\".opt-level=0",
    ]))?;
    // The server binary and the sync benchmark `cargo test` just built (building them apart
    // with `cargo build -p backend` would unify features differently and compile the database
    // engine a second time).
    let backend = root().join("target/debug/backend");
    let bench_sync = root().join("target/debug/examples/bench_sync");
    let surreal = root().join("target/debug/surreal");
    for built in [&backend, &bench_sync, &surreal] {
        if !built.exists() {
            bail!("{} is missing after cargo test", built.display());
        }
    }
    // The sync benchmark, short (200 tasks, 20 devices): it fails on an edit lost silently, a
    // conflict missing or spurious, or a failed sync.
    let workload = bench::sync_workload(200, "workload-short.json")?;
    sh(Command::new(&bench_sync)
        .arg(&workload)
        .arg("--server-bin")
        .arg(&backend)
        .args(["--clients", "20"]))?;
    // Browser tests: the release web app against that server binary.
    setup_browser_tests()?;
    web::build(false)?;
    sh(Command::new("npx")
        .args(["playwright", "test"])
        .current_dir("e2e")
        .env("BACKEND_BIN", &backend)
        .env("SURREAL_BIN", &surreal)
        .env("STATIC_DIR", root().join("frontend/dist")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn root_holds_the_workspace_manifest() {
        assert!(super::root().join("Cargo.toml").exists());
    }
}
