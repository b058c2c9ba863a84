//! Benchmarks (not timed tests). Each prints `name: value` lines:
//! `import_mb_per_s`, `backup_restore_ms` (with `backup_ms`, `restore_ms`), `tree_api_p50_ms`,
//! `tree_api_p99_ms`, `tree_first_render_ms`, `app_transfer_gzip_kb`, `app_transfer_br_kb`,
//! `wasm_code_kb`, the low-end tablet's (e2e/bench-device.js: `first_visit_3g_ms`,
//! `cold_start_cached_ms`, `sync_20_edits_3g_ms`, `scroll_20k_dropped_frames`, …), the assignment board's
//! `board_first_render_ms` and `drop_to_update_ms`, reports' `report_compile_ms`,
//! `report_docx_ms`, `report_docx_kb`, `report_push_bytes`, `report_editor_first_render_ms`, a day
//! of inspections' `photo_downscale_ms`, `visit_save_ms`, `inspection_sync_ms` and
//! `photo_upload_overhead` (e2e/bench-inspection.js), and the sync benchmark's (`cargo xtask bench sync` runs it alone):
//! `workload_sha256`, `initial_pull_ms`, `push_ms`, `pull_changes_ms`, …, the same on a
//! SurrealDB server with two server processes (`cluster_sync_p99_ms`, …), and on a plan of
//! 100,000 tasks (`plan100k_first_pull_ms`, …). All in release builds.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::{cargo, root, sh};

pub fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        None => {}
        Some("sync") => return sync(),
        // The app's transfer sizes of the web build in `frontend/dist` as it stands.
        Some("transfer") => return transfer(&root().join("frontend/dist")),
        Some(other) => bail!("unknown benchmark {other:?}: cargo xtask bench [sync|transfer]"),
    }
    crate::setup()?;
    crate::setup_browser_tests()?;
    sh(cargo().args([
        "run",
        "--release",
        "-q",
        "-p",
        "shared",
        "--features",
        "docx",
        "--example",
        "bench_import",
    ]))?;
    crate::web::build(false)?;
    sh(cargo().args([
        "build",
        "--release",
        "-p",
        "backend",
        "--example",
        "bench_api",
        "--example",
        "bench_reports",
    ]))?;
    sh(&mut Command::new(
        root().join("target/release/examples/bench_reports"),
    ))?;
    let dist = root().join("frontend/dist");
    let mut server = Command::new(root().join("target/release/examples/bench_api"))
        .arg("--serve")
        .arg(&dist)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("start bench_api")?;
    let stdout = server.stdout.take().context("bench_api stdout")?;
    transfer(&dist)?;
    let (mut url, mut plan, mut token, mut report_token) = (None, None, None, None);
    let mut big = None;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(u) = line.strip_prefix("url: ") {
            url = Some(u.to_owned());
        } else if let Some(p) = line.strip_prefix("plan_big: ") {
            big = Some(p.to_owned());
        } else if let Some(t) = line.strip_prefix("report_token: ") {
            report_token = Some(t.to_owned());
        } else if let Some(t) = line.strip_prefix("token: ") {
            token = Some(t.to_owned());
        } else if let Some(p) = line.strip_prefix("plan: ") {
            plan = Some(p.to_owned());
            break;
        } else {
            println!("{line}");
        }
    }
    let (Some(url), Some(plan), Some(token), Some(report_token), Some(big)) =
        (url, plan, token, report_token, big)
    else {
        let _ = server.kill();
        bail!("bench_api did not start");
    };
    let result = sh(Command::new("node")
        .arg("bench-render.js")
        .arg(&url)
        .arg(&plan)
        .arg(&token)
        .current_dir(root().join("e2e")));
    let board = sh(Command::new("node")
        .arg("bench-board.js")
        .arg(&url)
        .arg(&plan)
        .arg(&token)
        .current_dir(root().join("e2e")));
    let report = sh(Command::new("node")
        .arg("bench-report.js")
        .arg(&url)
        .arg(&plan)
        .arg(&report_token)
        .current_dir(root().join("e2e")));
    let inspection = sh(Command::new("node")
        .arg("bench-inspection.js")
        .arg(&url)
        .arg(&plan)
        .arg(&token)
        .current_dir(root().join("e2e")));
    let device = sh(Command::new("node")
        .arg("bench-device.js")
        .arg(&url)
        .arg(&plan)
        .arg(&big)
        .arg(&token)
        .current_dir(root().join("e2e")));
    drop(server.stdin.take());
    let _ = server.wait();
    result?;
    board?;
    report?;
    inspection?;
    device?;
    sync()
}

/// What a first visit downloads before the app is usable: every file of the app (the service
/// worker's list, and the worker itself) but the pages loaded apart, as the server sends them,
/// Brotli (`app_transfer_br_kb`) or gzip (`app_transfer_gzip_kb`); the pages loaded apart,
/// which the service worker fetches after the page has loaded (`app_parts_br_kb`); and
/// `wasm_code_kb`, the main module's code.
fn transfer(dist: &std::path::Path) -> Result<()> {
    let size = |f: &std::path::Path| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
    let sent = |file: &str, suffix: &str| {
        let plain = dist.join(file);
        let packed = size(&dist.join(format!("{file}.{suffix}")));
        if packed == 0 { size(&plain) } else { packed }
    };
    let parts = crate::web::parts();
    let (mut br, mut gz, mut parts_br) = (0, 0, 0);
    for file in crate::web::shell().iter().chain(&["sw.js".to_owned()]) {
        if parts.contains(file) {
            parts_br += sent(file, "br");
        } else {
            br += sent(file, "br");
            gz += sent(file, "gz");
        }
    }
    let kb = |b: u64| b as f64 / 1024.0;
    println!("app_transfer_gzip_kb: {:.0}", kb(gz));
    println!("app_transfer_br_kb: {:.0}", kb(br));
    println!("app_parts_br_kb: {:.0}", kb(parts_br));
    let code = crate::size::code_section(&dist.join("pkg/frontend_bg.wasm"))?;
    println!("wasm_code_kb: {:.0}", kb(code));
    Ok(())
}

/// The sync benchmark of issue 3 on its canonical workload (2,000 tasks), against the release
/// server binary on loopback. One cargo invocation builds the server and the benchmark, so that
/// features unify once and the database engine is compiled once.
///
/// Then the same on a SurrealDB server with two server processes (`cluster_…` figures), with
/// the `surreal` binary `cargo xtask run --cluster` builds (built the same way, so not twice).
fn sync() -> Result<()> {
    let workload = sync_workload(2000, "workload.json")?;
    sh(cargo().args(["build", "--release", "-p", "backend", "-p", "surreal"]))?;
    sh(cargo().args([
        "build",
        "--release",
        "-p",
        "backend",
        "--bin",
        "backend",
        "--example",
        "bench_sync",
    ]))?;
    let bench = || {
        let mut cmd = Command::new(root().join("target/release/examples/bench_sync"));
        cmd.arg(&workload)
            .arg("--server-bin")
            .arg(root().join("target/release/backend"));
        cmd
    };
    sh(&mut bench())?;
    sh(bench()
        .arg("--cluster")
        .arg(root().join("target/release/surreal")))?;
    // A plan of 100,000 tasks (`plan100k_first_pull_ms`, …; about 5 minutes, most of it seeding).
    let big = sync_workload(100_000, "workload-100k.json")?;
    sh(
        Command::new(root().join("target/release/examples/bench_sync"))
            .arg(&big)
            .arg("--server-bin")
            .arg(root().join("target/release/backend"))
            .args(["--label", "plan100k"]),
    )
}

/// Writes the sync workload of `n` tasks (`node e2e/sync-workload.js --n N`, the canonical
/// generator) to `target/bench/NAME`.
pub fn sync_workload(n: usize, name: &str) -> Result<PathBuf> {
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let path = dir.join(name);
    let out = std::fs::File::create(&path).with_context(|| format!("create {}", path.display()))?;
    sh(Command::new("node")
        .arg("e2e/sync-workload.js")
        .args(["--n", &n.to_string()])
        .current_dir(root())
        .stdout(out))?;
    Ok(path)
}
