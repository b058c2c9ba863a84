//! Benchmarks (not timed tests). Each prints `name: value` lines:
//! `import_mb_per_s`, `tree_api_p50_ms`, `tree_api_p99_ms`, `tree_first_render_ms`,
//! `app_transfer_gzip_kb`. All in release builds.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::{cargo, root, sh};

pub fn run(_args: &[String]) -> Result<()> {
    crate::setup()?;
    crate::setup_browser_tests()?;
    sh(cargo().args([
        "run",
        "--release",
        "-q",
        "-p",
        "shared",
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
    ]))?;
    let dist = root().join("frontend/dist");
    let mut server = Command::new(root().join("target/release/examples/bench_api"))
        .arg("--serve")
        .arg(&dist)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("start bench_api")?;
    let stdout = server.stdout.take().context("bench_api stdout")?;
    let (mut url, mut plan) = (None, None);
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(u) = line.strip_prefix("url: ") {
            url = Some(u.to_owned());
        } else if let Some(p) = line.strip_prefix("plan: ") {
            plan = Some(p.to_owned());
            break;
        } else {
            println!("{line}");
        }
    }
    let (Some(url), Some(plan)) = (url, plan) else {
        let _ = server.kill();
        bail!("bench_api did not start");
    };
    let result = sh(Command::new("node")
        .arg("bench-render.js")
        .arg(&url)
        .arg(&plan)
        .arg(&dist)
        .current_dir(root().join("e2e")));
    drop(server.stdin.take());
    let _ = server.wait();
    result
}
