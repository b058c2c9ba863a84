//! Importer throughput and memory:
//! `cargo run --release -p shared --features docx --example bench_import [plan.txt]`.
//!
//! Prints `name: value` lines:
//! - `import_50mb_seconds`, `import_50mb_peak_rss_mb`, `import_50mb_rss_above_input_mb`: one
//!   import of a 50 MB text (the plan repeated), measured first, in a fresh process, from
//!   Linux's high-water mark of resident memory (`VmHWM`);
//! - `import_mb_per_s`: text (default: the seed plan of the tests, repeated to 1 MB), as many
//!   imports as fit in about a second;
//! - `import_corpus_mb_per_s`: every text document of the test corpus, each imported with its
//!   suggested assignments;
//! - `docx_mb_per_s` and `docx_xml_mb_per_s`: a generated Word file of 6,000 numbered
//!   paragraphs and a 600-row table of tasks, per megabyte of file and of unpacked XML.

use std::hint::black_box;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use shared::import::{import_document, import_plan_text, suggest_from_registry};

const SEED: &str = include_str!("../tests/fixtures/import/seed-52.txt");
const TARGET_BYTES: usize = 1_000_000;
const BIG_BYTES: usize = 50 * 1_000_000;
const TARGET_TIME: Duration = Duration::from_secs(1);

/// Runs `f` as many times as fit in about a second (after one warm-up run); the runs per
/// second.
fn rate(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_micros(1));
    let runs = (TARGET_TIME.as_secs_f64() / once.as_secs_f64())
        .ceil()
        .max(1.0) as u32;
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    f64::from(runs) / start.elapsed().as_secs_f64()
}

/// Linux's `VmHWM` (peak resident memory) of this process, in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn repeat_to(plan: &str, bytes: usize) -> String {
    let copies = bytes.div_ceil(plan.len() + 1);
    vec![plan; copies].join("\n")
}

/// A Word file: `paragraphs` automatically numbered paragraphs (sections, items, points) and
/// a table of tasks of `rows` rows.
fn generated_docx(paragraphs: usize, rows: usize) -> (Vec<u8>, usize) {
    let numbering = r#"<w:numbering xmlns:w="w"><w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#;
    let mut doc = String::from(
        r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>KẾ HOẠCH</w:t></w:r></w:p>"#,
    );
    for i in 0..paragraphs {
        let level = match i % 20 {
            0 => 0,
            k if k % 4 == 1 => 1,
            _ => 2,
        };
        doc.push_str(&format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">Nhiệm vụ số {i}: tổ chức tuyên truyền, phổ biến chính sách dân tộc </w:t></w:r><w:r><w:t>cho đồng bào, hoàn thành trước ngày 30/6/2016.</w:t></w:r></w:p>"#
        ));
    }
    doc.push_str("<w:p><w:r><w:t>PHỤ LỤC</w:t></w:r></w:p><w:tbl>");
    let cell = |t: &str| format!("<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>");
    doc.push_str("<w:tr>");
    for h in [
        "STT",
        "Nội dung nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Thời gian hoàn thành",
        "Sản phẩm",
    ] {
        doc.push_str(&cell(h));
    }
    doc.push_str("</w:tr>");
    for r in 0..rows {
        doc.push_str("<w:tr>");
        for c in [
            &(r + 1).to_string(),
            "Rà soát, hỗ trợ phát triển sản xuất cho hộ nghèo",
            "Ban Dân tộc tỉnh",
            "Sở Tài chính, Sở KH&amp;ĐT, UBND các huyện, thành phố",
            "Quý II/2016",
            "Báo cáo",
        ] {
            doc.push_str(&cell(c));
        }
        doc.push_str("</w:tr>");
    }
    doc.push_str("</w:tbl></w:body></w:document>");
    let xml_bytes = doc.len() + numbering.len();
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in [
        ("word/document.xml", &doc),
        ("word/numbering.xml", &numbering.to_owned()),
    ] {
        zip.start_file(name, options).expect("zip");
        zip.write_all(content.as_bytes()).expect("zip");
    }
    zip.finish().expect("zip");
    (out.into_inner(), xml_bytes)
}

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

    // 50 MB first, while the process is still small.
    let big = repeat_to(&plan, BIG_BYTES);
    let before = peak_rss_mb();
    let start = Instant::now();
    match import_plan_text(&big) {
        Ok(parsed) => {
            let seconds = start.elapsed().as_secs_f64();
            let peak = peak_rss_mb();
            println!("import_50mb_seconds: {seconds:.2}");
            if let (Some(before), Some(peak)) = (before, peak) {
                println!("import_50mb_peak_rss_mb: {peak:.0}");
                println!("import_50mb_rss_above_input_mb: {:.0}", peak - before);
            }
            drop(black_box(parsed));
        }
        Err(e) => {
            eprintln!("50 MB import failed: {e}");
            return ExitCode::FAILURE;
        }
    }
    drop(big);

    let text = repeat_to(&plan, TARGET_BYTES);
    if let Err(e) = import_plan_text(&text) {
        eprintln!("import failed: {e}");
        return ExitCode::FAILURE;
    }
    let per_s = rate(|| {
        let _ = black_box(import_plan_text(black_box(&text)));
    });
    println!("import_mb_per_s: {:.1}", per_s * text.len() as f64 / 1e6);

    let registry = shared::registry::parse_reference_data(
        include_str!("../../backend/seed/agencies.json"),
        include_str!("../../backend/seed/lang-son-units.json"),
        include_str!("../../backend/seed/lang-son-units-2025.json"),
    )
    .expect("reference data")
    .agencies;
    let corpus_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/corpus");
    let mut corpus: Vec<Vec<u8>> = std::fs::read_dir(&corpus_dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("txt"))
                .filter_map(|p| std::fs::read(p).ok())
                .collect()
        })
        .unwrap_or_default();
    corpus.sort();
    let corpus_bytes: usize = corpus.iter().map(Vec::len).sum();
    if corpus_bytes > 0 {
        let per_s = rate(|| {
            for doc in &corpus {
                if let Ok(mut d) = import_document(black_box(doc)) {
                    suggest_from_registry(&mut d.plan, &registry);
                    black_box(d);
                }
            }
        });
        println!(
            "import_corpus_mb_per_s: {:.1}",
            per_s * corpus_bytes as f64 / 1e6
        );
    }

    let (docx, xml_bytes) = generated_docx(6_000, 600);
    match import_document(&docx) {
        Ok(d) if !d.plan.nodes.is_empty() => {}
        Ok(_) => {
            eprintln!("the generated Word file gave no nodes");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("the generated Word file failed: {e}");
            return ExitCode::FAILURE;
        }
    }
    let per_s = rate(|| {
        let _ = black_box(import_document(black_box(&docx)));
    });
    println!("docx_file_kb: {}", docx.len() / 1024);
    println!("docx_mb_per_s: {:.1}", per_s * docx.len() as f64 / 1e6);
    println!("docx_xml_mb_per_s: {:.1}", per_s * xml_bytes as f64 / 1e6);
    ExitCode::SUCCESS
}
