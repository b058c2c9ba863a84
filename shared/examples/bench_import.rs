//! Importer throughput: `cargo run --release -p shared --example bench_import [plan.txt]`.
//!
//! Repeats the plan text (default: the seed plan of the tests) in whole copies to at least
//! 1 MB, imports it as many times as fit in about a second, and prints one line:
//! `import_mb_per_s: <megabytes per second>`.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use shared::import::import_plan_text;

const SEED: &str = include_str!("../tests/fixtures/import/seed-52.txt");
const TARGET_BYTES: usize = 1_000_000;
const TARGET_TIME: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let plan = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => SEED.to_owned(),
    };
    if plan.is_empty() {
        eprintln!("the plan text is empty");
        return ExitCode::FAILURE;
    }
    let copies = TARGET_BYTES.div_ceil(plan.len());
    let text = vec![plan.as_str(); copies].join("\n");

    // Warm up, check the text imports, and size the run to about a second.
    let start = Instant::now();
    if let Err(e) = import_plan_text(&text) {
        eprintln!("import failed: {e}");
        return ExitCode::FAILURE;
    }
    let once = start.elapsed().max(Duration::from_micros(1));
    let runs = (TARGET_TIME.as_secs_f64() / once.as_secs_f64())
        .ceil()
        .max(1.0) as u32;

    let start = Instant::now();
    for _ in 0..runs {
        let _ = black_box(import_plan_text(black_box(&text)));
    }
    let seconds = start.elapsed().as_secs_f64();
    let megabytes = (text.len() as f64 * f64::from(runs)) / 1e6;
    println!("import_mb_per_s: {:.1}", megabytes / seconds);
    ExitCode::SUCCESS
}
