//! The import corpus: plan documents of varied formats (text and Word), each with its expected
//! outline, deadlines, warnings and suggested assignments as a snapshot beside it
//! (`NN-name.outline`). `UPDATE_SNAPSHOTS=1 cargo test -p shared --features docx --test corpus`
//! rewrites the snapshots; read the diff before committing it.
#![cfg(feature = "docx")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use shared::import::{
    ImportErrorKind, ImportedDocument, ParsedNode, import_document, suggest_from_registry,
};
use shared::registry::parse_reference_data;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/corpus")
}

fn registry() -> Vec<shared::registry::Agency> {
    parse_reference_data(
        include_str!("../../backend/seed/agencies.json"),
        include_str!("../../backend/seed/lang-son-units.json"),
        include_str!("../../backend/seed/lang-son-units-2025.json"),
    )
    .expect("reference data")
    .agencies
}

fn short(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// The snapshot of an imported document: metadata, outline (with deadlines and the number of
/// citations), warnings and suggestions.
fn render(doc: &ImportedDocument) -> String {
    fn walk(nodes: &[ParsedNode], depth: usize, out: &mut String) {
        for n in nodes {
            let _ = write!(
                out,
                "{:indent$}{} ┆ {}",
                "",
                n.label,
                short(&n.title, 70),
                indent = depth * 2
            );
            if let Some(d) = n.deadline {
                let _ = write!(out, " ⏰ {}", d.format("%d/%m/%Y"));
            }
            if let Some(r) = &n.recurring_deadline {
                let _ = write!(out, " ↻ {}", r.describe_vi());
            }
            if !n.references.is_empty() {
                let _ = write!(out, " § {}", n.references.len());
            }
            out.push('\n');
            walk(&n.children, depth + 1, out);
        }
    }
    let plan = &doc.plan;
    let m = &plan.metadata;
    let mut out = String::new();
    let _ = writeln!(out, "số: {:?}", m.number);
    let _ = writeln!(out, "loại: {:?}", m.kind.map(|k| k.name_vi()));
    let _ = writeln!(
        out,
        "trích yếu: {:?}",
        m.title.as_deref().map(|t| short(t, 90))
    );
    let _ = writeln!(
        out,
        "ngày: {:?}",
        m.issued_on.map(|d| d.format("%d/%m/%Y").to_string())
    );
    let _ = writeln!(out, "cơ quan: {:?}", m.issuer);
    let _ = writeln!(out, "người ký: {:?} ({:?})", m.signer, m.signer_title);
    let _ = writeln!(out, "nơi nhận: {}", m.recipients.join(" | "));
    let paragraphs: Vec<&str> = plan
        .preamble
        .as_deref()
        .map(|p| p.split("\n\n").collect())
        .unwrap_or_default();
    let _ = writeln!(out, "mở đầu: {} đoạn", paragraphs.len());
    for p in paragraphs {
        let _ = writeln!(out, "  {}", short(p, 100));
    }
    let _ = writeln!(out, "văn bản viện dẫn: {}", plan.references.len());
    for r in &plan.references {
        let _ = writeln!(
            out,
            "  {} {} {} {}",
            r.kind.name_vi(),
            r.number.as_deref().unwrap_or(&r.text),
            r.date
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            r.issuer.as_deref().unwrap_or("")
        );
    }
    out.push_str("---\n");
    walk(&plan.nodes, 0, &mut out);
    out.push_str("---\n");
    for w in &plan.warnings {
        let _ = writeln!(out, "cảnh báo dòng {}: {}", w.line, w.message);
    }
    for s in &plan.suggested_assignments {
        let _ = writeln!(
            out,
            "đề xuất: {} {:?} mục {} (dòng {}) «{}»: {}",
            s.agency_code,
            s.role,
            s.node_label,
            s.node_line,
            s.agency_text,
            short(&s.duty, 60)
        );
    }
    for u in &plan.unmatched_agencies {
        let _ = writeln!(
            out,
            "chưa có trong danh mục: «{}» {:?} mục {} (dòng {})",
            u.text, u.role, u.node_label, u.node_line
        );
    }
    out
}

#[test]
fn corpus_matches_its_snapshots() {
    let registry = registry();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut documents: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("txt" | "docx")))
        .collect();
    documents.sort();
    assert!(
        documents.len() >= 12,
        "the corpus holds {} documents",
        documents.len()
    );
    let mut failures = Vec::new();
    for path in &documents {
        let bytes = std::fs::read(path).expect("read");
        let mut doc = import_document(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        suggest_from_registry(&mut doc.plan, &registry);
        let actual = render(&doc);
        // Every node's line is a line of the source, and no node comes from the closing.
        fn lines_ok(nodes: &[ParsedNode], count: usize) -> bool {
            nodes
                .iter()
                .all(|n| n.line >= 1 && n.line <= count && lines_ok(&n.children, count))
        }
        assert!(
            lines_ok(&doc.plan.nodes, doc.lines.len()),
            "{}",
            path.display()
        );
        let snapshot = path.with_extension("outline");
        if update {
            std::fs::write(&snapshot, &actual).expect("write snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&snapshot).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "{}: differs from {}\n--- actual ---\n{actual}",
                path.display(),
                snapshot.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nothing_of_the_closing_leaks_into_the_tree() {
    for path in std::fs::read_dir(corpus_dir()).expect("corpus") {
        let path = path.expect("entry").path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("txt" | "docx")
        ) {
            continue;
        }
        let doc = import_document(&std::fs::read(&path).expect("read")).expect("import");
        fn walk(nodes: &[ParsedNode], path: &Path) {
            for n in nodes {
                for text in std::iter::once(&n.title).chain(n.body.as_ref()) {
                    for bad in [
                        "Nơi nhận",
                        "(Đã ký)",
                        "TM. ỦY BAN",
                        "KT. CHỦ TỊCH",
                        "Lưu: VT",
                    ] {
                        assert!(
                            !text.contains(bad),
                            "{}: “{bad}” in node {}",
                            path.display(),
                            n.label
                        );
                    }
                }
                walk(&n.children, path);
            }
        }
        walk(&doc.plan.nodes, &path);
    }
}

/// The corpus's Word files, as bytes.
fn word_files() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(corpus_dir()).expect("corpus") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("docx") {
            out.push(std::fs::read(path).expect("read"));
        }
    }
    out.sort();
    out
}

/// A Word file with `document` as its body XML (stored, not compressed).
fn docx_with(document: &str) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("word/document.xml", options).expect("start");
    zip.write_all(document.as_bytes()).expect("write");
    zip.finish().expect("finish");
    out.into_inner()
}

fn xml_piece() -> impl proptest::strategy::Strategy<Value = &'static str> {
    proptest::sample::select(vec![
        "<w:p>",
        "</w:p>",
        "<w:r>",
        "</w:r>",
        "<w:t>",
        "</w:t>",
        "I. MỤC ĐÍCH",
        "1. Việc",
        "a) điểm",
        "Sở Y tế chủ trì",
        "<w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>",
        "<w:tbl>",
        "</w:tbl>",
        "<w:tr>",
        "</w:tr>",
        "<w:tc>",
        "</w:tc>",
        "<w:br/>",
        "<w:tab/>",
        "&amp;",
        "&#x1;",
        "&bogus;",
        "<w:del>",
        "</w:del>",
        "Nội dung nhiệm vụ",
        "Cơ quan chủ trì",
        "Hằng năm",
        "Quý II/2016",
        "<!-- c -->",
        "<![CDATA[x]]>",
        "<",
        ">",
        "\"",
        "\u{0}",
    ])
}

/// Every node (and sub-node) has a title and a line within the document's `count` lines.
fn lines_ok(nodes: &[ParsedNode], count: usize) -> bool {
    nodes
        .iter()
        .all(|n| n.line <= count + 1 && !n.title.trim().is_empty() && lines_ok(&n.children, count))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        failure_persistence: None,
        cases: 200,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// A damaged Word file (bytes changed, or cut short) is read or refused, never a panic.
    #[test]
    fn damaged_word_files_are_handled(
        which in 0usize..3,
        flips in proptest::collection::vec((proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>()), 0..8),
        cut in proptest::option::of(proptest::prelude::any::<usize>()),
    ) {
        let files = word_files();
        let mut bytes = files[which % files.len()].clone();
        for (at, byte) in flips {
            let len = bytes.len();
            bytes[at % len] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        match import_document(&bytes) {
            // Read: every node has a title and a line of the document.
            Ok(mut doc) => {
                proptest::prop_assert!(lines_ok(&doc.plan.nodes, doc.lines.len()));
                suggest_from_registry(&mut doc.plan, &registry());
            }
            // Refused: as damaged (or, cut short enough, as no plan at all), not as anything else.
            Err(e) => proptest::prop_assert!(
                matches!(
                    e.kind,
                    ImportErrorKind::NotDocx(_)
                        | ImportErrorKind::NoOutline
                        | ImportErrorKind::Empty
                        | ImportErrorKind::InvalidUtf8
                        | ImportErrorKind::Binary
                ),
                "{e:?}"
            ),
        }
    }

    /// Any sequence of Word XML pieces, well-formed or not, is read or refused.
    #[test]
    fn arbitrary_word_xml_is_handled(pieces in proptest::collection::vec(xml_piece(), 0..60)) {
        let document = format!("<w:document xmlns:w=\"w\"><w:body>{}</w:body></w:document>", pieces.concat());
        if let Ok(doc) = import_document(&docx_with(&document)) {
            proptest::prop_assert!(lines_ok(&doc.plan.nodes, doc.lines.len()));
        }
    }
}
