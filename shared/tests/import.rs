//! The plan-document text importer, on the seed plan (Kế hoạch 52/KH-UBND of Lạng Sơn, as
//! copied from a legal-documents website) and on small hand-written variants.

use std::fmt::Write as _;

use chrono::NaiveDate;
use proptest::prelude::*;
use shared::document::{DocumentKind, NodeKind, PlanMetadata, Reference};
use shared::import::{
    ImportError, ImportErrorKind, ParsedNode, ParsedPlan, WarningKind, import_plan_bytes,
    import_plan_text,
};
use shared::limits::TITLE_MAX_CHARS;

const SEED: &str = include_str!("fixtures/import/seed-52.txt");

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn import(input: &str) -> ParsedPlan {
    import_plan_text(input).unwrap_or_else(|e| panic!("import failed: {e}"))
}

fn seed() -> ParsedPlan {
    import(SEED)
}

/// The outline as compact text: one line per node, "label title", indented two spaces a level;
/// body paragraphs on lines of their own after "| ", a deadline after "hạn: ".
fn outline(plan: &ParsedPlan) -> String {
    fn walk(nodes: &[ParsedNode], depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        for node in nodes {
            let _ = writeln!(out, "{indent}{} {}", node.label, node.title);
            for paragraph in node.body.iter().flat_map(|b| b.split("\n\n")) {
                let _ = writeln!(out, "{indent}  | {paragraph}");
            }
            if let Some(deadline) = node.deadline {
                let _ = writeln!(out, "{indent}  hạn: {deadline}");
            }
            walk(&node.children, depth + 1, out);
        }
    }
    let mut out = String::new();
    walk(&plan.nodes, 0, &mut out);
    out
}

/// Imports `input` and compares its outline with `expected` (a leading newline is ignored).
fn check(input: &str, expected: &str) -> ParsedPlan {
    let plan = import(input);
    assert_eq!(
        outline(&plan).trim_end(),
        expected.strip_prefix('\n').unwrap_or(expected).trim_end(),
        "outline of {input:?}"
    );
    plan
}

fn warning_kinds(plan: &ParsedPlan) -> Vec<(usize, WarningKind)> {
    plan.warnings.iter().map(|w| (w.line, w.kind)).collect()
}

fn all_nodes(nodes: &[ParsedNode]) -> Vec<&ParsedNode> {
    let mut out = Vec::new();
    for node in nodes {
        out.push(node);
        out.extend(all_nodes(&node.children));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The seed plan

#[test]
fn seed_has_three_sections() {
    let plan = seed();
    let sections: Vec<_> = plan
        .nodes
        .iter()
        .map(|n| (n.kind, n.label.as_str(), n.title.as_str()))
        .collect();
    assert_eq!(
        sections,
        [
            (NodeKind::Section, "I", "MỤC ĐÍCH YÊU CẦU"),
            (NodeKind::Section, "II", "CĂN CỨ XÂY DỰNG KẾ HOẠCH"),
            (NodeKind::Section, "III", "CÁC NHIỆM VỤ CỤ THỂ"),
        ]
    );
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn seed_section_one_has_two_items_of_three_bullets() {
    let plan = seed();
    let section = &plan.nodes[0];
    let items: Vec<_> = section
        .children
        .iter()
        .map(|n| (n.kind, n.label.as_str(), n.title.as_str(), n.body.is_none()))
        .collect();
    assert_eq!(
        items,
        [
            (NodeKind::Item, "1", "Mục đích", true),
            (NodeKind::Item, "2", "Yêu cầu", true)
        ]
    );
    for item in &section.children {
        assert_eq!(item.children.len(), 3);
        for bullet in &item.children {
            assert_eq!(
                (bullet.kind, bullet.label.as_str()),
                (NodeKind::Bullet, "-")
            );
            assert!(bullet.children.is_empty() && bullet.body.is_none());
        }
    }
    assert!(
        section.children[0].children[0]
            .title
            .starts_with("Nhằm nâng cao nhận thức")
    );
}

#[test]
fn seed_section_two_holds_four_cited_bullets() {
    let plan = seed();
    let section = &plan.nodes[1];
    assert_eq!(section.children.len(), 4);
    assert!(section.children.iter().all(|n| n.kind == NodeKind::Bullet));
    assert!(section.children.iter().all(|n| !n.references.is_empty()));
    let cited: Vec<_> = section
        .children
        .iter()
        .flat_map(|n| &n.references)
        .map(|r| (r.kind, r.number.as_deref()))
        .collect();
    assert_eq!(
        cited,
        [
            (DocumentKind::Resolution, None),
            (DocumentKind::Conclusion, Some("57-KL/TW")),
            (DocumentKind::Directive, Some("1971/CT-TTg")),
            (DocumentKind::Decree, Some("05/2011/NĐ-CP")),
            (DocumentKind::Decision, Some("449/QĐ-TTg")),
            (DocumentKind::Decision, Some("2356/QĐ-TTg")),
            (DocumentKind::Directive, Some("29-CT/TU")),
        ]
    );
    assert_eq!(
        section.children[2].references[0],
        Reference {
            kind: DocumentKind::Decision,
            number: Some("449/QĐ-TTg".into()),
            date: Some(date(2013, 3, 12)),
            issuer: Some("Thủ tướng Chính phủ".into()),
            text: "Quyết định số 449/QĐ-TTg ngày 12/3/2013 của Thủ tướng Chính phủ".into(),
        }
    );
    let first = &section.children[0].references;
    assert_eq!(first[0].text, "Nghị quyết Trung ương 7 (khoá IX)");
    assert_eq!(first[1].issuer.as_deref(), Some("Bộ Chính trị"));
    assert_eq!(first[1].date, Some(date(2009, 11, 3)));
    assert_eq!(
        section.children[3].references[0].issuer.as_deref(),
        Some("Ban Thường vụ Tỉnh ủy Lạng Sơn")
    );
}

#[test]
fn seed_section_three_holds_ten_items() {
    let plan = seed();
    let section = &plan.nodes[2];
    let labels: Vec<_> = section.children.iter().map(|n| n.label.as_str()).collect();
    assert_eq!(labels, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    assert!(section.children.iter().all(|n| n.kind == NodeKind::Item
        && n.body.is_none()
        && n.children.is_empty()
        && n.deadline.is_none()));
    assert!(
        section.children[3]
            .title
            .starts_with("Phát triển giáo dục, đào tạo")
    );
    assert!(
        section.children[9]
            .title
            .ends_with("về công tác dân tộc trên địa bàn.")
    );
    let item_2: Vec<_> = section.children[1]
        .references
        .iter()
        .map(|r| (r.number.as_deref(), r.issuer.as_deref()))
        .collect();
    assert_eq!(
        item_2,
        [
            (Some("101/KH-UBND"), Some("UBND tỉnh")),
            (Some("102/2009/QĐ-TTg"), Some("Thủ tướng Chính phủ")),
        ]
    );
}

#[test]
fn seed_metadata() {
    let plan = seed();
    assert_eq!(
        plan.metadata,
        PlanMetadata {
            number: Some("52/KH-UBND".into()),
            kind: Some(DocumentKind::Plan),
            title: Some(
                "Triển khai thực hiện Chiến lược và Chương trình hành động thực hiện Chiến lược \
                 công tác dân tộc đến năm 2020 của Thủ tướng Chính phủ trên địa bàn tỉnh Lạng Sơn"
                    .into()
            ),
            issued_on: Some(date(2014, 6, 5)),
            effective_on: Some(date(2014, 6, 5)),
            issuer: Some("Uỷ ban nhân dân tỉnh Lạng Sơn".into()),
            signer: Some("Lý Vinh Quang".into()),
            place: Some("Lạng Sơn".into()),
            fields: vec!["Bộ máy hành chính".into(), "Văn hóa - Xã hội".into()],
            ..PlanMetadata::default()
        }
    );
}

#[test]
fn seed_preamble_and_references() {
    let plan = seed();
    let preamble = plan.preamble.as_deref().expect("a preamble");
    assert!(preamble.starts_with("Thực hiện Công văn số 1301/UBDT-KHTC"));
    assert!(preamble.ends_with("cụ thể như sau:"));

    let numbers: Vec<_> = plan
        .references
        .iter()
        .map(|r| r.number.as_deref().unwrap_or(&r.text))
        .collect();
    assert_eq!(
        numbers,
        [
            "1301/UBDT-KHTC",
            "29-CT/TU",
            "Nghị quyết Trung ương 7 (khoá IX)",
            "57-KL/TW",
            "1971/CT-TTg",
            "05/2011/NĐ-CP",
            "449/QĐ-TTg",
            "2356/QĐ-TTg",
            "101/KH-UBND",
            "102/2009/QĐ-TTg",
            "755/QĐ-TTg",
            "293/QĐ-TTg",
        ]
    );
    assert_eq!(
        plan.references[0],
        Reference {
            kind: DocumentKind::OfficialLetter,
            number: Some("1301/UBDT-KHTC".into()),
            date: Some(date(2013, 12, 20)),
            issuer: Some("Ủy ban Dân tộc".into()),
            text: "Công văn số 1301/UBDT-KHTC ngày 20/12/2013 của Ủy ban Dân tộc".into(),
        }
    );
}

#[test]
fn seed_lines_outside_the_document_are_never_nodes() {
    let plan = seed();
    for node in all_nodes(&plan.nodes) {
        let text = format!("{} {}", node.title, node.body.as_deref().unwrap_or(""));
        for outside in [
            "Chủ nhật",
            "27/10/2024",
            "Số hiệu",
            "Người ký",
            "UỶ BAN NHÂN DÂN",
            "CỘNG HÒA",
            "Độc lập - Tự do",
            "----",
            "Số: 52",
            "[...]",
            "KẾ HOẠCH\n",
        ] {
            assert!(
                !text.contains(outside),
                "{outside:?} in node at line {}",
                node.line
            );
        }
        assert!(node.line > 30, "node at line {}", node.line);
    }
    let count = all_nodes(&plan.nodes).len();
    assert_eq!(count, 3 + 2 + 6 + 4 + 10);
}

#[test]
fn seed_with_other_line_ends_gives_the_same_plan() {
    let plan = seed();
    assert_eq!(import(&SEED.replace('\n', "\r\n")), plan);
    assert_eq!(import(&SEED.replace('\n', "\r")), plan);
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), SEED.as_bytes()].concat();
    assert_eq!(import_plan_bytes(&with_bom), Ok(plan));
}

#[test]
fn seed_as_json() {
    let json = serde_json::to_value(seed()).expect("serialisable");
    let keys = |value: &serde_json::Value| -> Vec<String> {
        value
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect()
    };
    for key in ["metadata", "references", "nodes"] {
        assert!(json.get(key).is_some(), "no {key}");
    }
    let mut metadata = keys(&json["metadata"]);
    metadata.sort();
    assert_eq!(
        metadata,
        [
            "effective_on",
            "fields",
            "issued_on",
            "issuer",
            "kind",
            "number",
            "place",
            "signer",
            "title"
        ]
    );
    let reference = keys(&json["references"][0]);
    for key in ["kind", "number", "date", "issuer", "text"] {
        assert!(reference.contains(&key.to_owned()), "no reference {key}");
    }
    let node = &json["nodes"][0];
    for key in ["label", "kind", "title", "body", "deadline", "children"] {
        assert!(node.get(key).is_some(), "no node {key}");
    }
    assert_eq!(node["kind"], "section");
    assert_eq!(node["body"], serde_json::Value::Null);
    assert_eq!(json["metadata"]["kind"], "plan");
    assert_eq!(json["references"][2]["number"], serde_json::Value::Null);

    let text = serde_json::to_string(&seed()).expect("serialisable");
    assert!(text.contains(r#""issued_on":"2014-06-05""#));
    assert!(text.contains(r#""date":"2013-03-12""#));
    let back: ParsedPlan = serde_json::from_str(&text).expect("deserialisable");
    assert_eq!(back, seed());
}

#[test]
fn seed_repeated_to_a_megabyte() {
    let copies = 1_000_000 / SEED.len() + 1;
    let text = vec![SEED; copies].join("\n");
    let plan = import(&text);
    assert_eq!(plan.nodes.len(), 3 * copies);
    assert_eq!(plan.references.len(), seed().references.len() + 1);
}

// ---------------------------------------------------------------------------------------------
// Small variants

#[test]
fn heading_with_body_paragraphs() {
    let plan = check(
        "I. MỤC ĐÍCH\n\n1. Mục đích\n\nĐoạn thứ nhất.\n\nĐoạn thứ hai.\n\n2. Yêu cầu\nMột đoạn.\n",
        "
I MỤC ĐÍCH
  1 Mục đích
    | Đoạn thứ nhất.
    | Đoạn thứ hai.
  2 Yêu cầu
    | Một đoạn.",
    );
    assert_eq!(
        plan.nodes[0].children[0].body.as_deref(),
        Some("Đoạn thứ nhất.\n\nĐoạn thứ hai.")
    );
}

#[test]
fn label_alone_on_its_line_takes_the_next_paragraph() {
    check(
        "I.\nMỤC ĐÍCH\n1.\nMục đích\nNội dung.\nII.\n",
        "
I MỤC ĐÍCH
  1 Mục đích
    | Nội dung.
II II.",
    );
    let plan = import("I.\nMỤC ĐÍCH\nII.\n");
    assert_eq!(warning_kinds(&plan), [(3, WarningKind::EmptyTitle)]);
}

#[test]
fn one_paragraph_items() {
    check(
        "1. Tăng cường tuyên truyền, phổ biến. Tổ chức hội nghị.\n2. Rà soát, bổ sung chính sách.\n",
        "
1 Tăng cường tuyên truyền, phổ biến. Tổ chức hội nghị.
2 Rà soát, bổ sung chính sách.",
    );
}

#[test]
fn points_under_items() {
    let plan = check(
        "I. NHIỆM VỤ\n1. Giáo dục\na) Xây trường\nb) Đào tạo giáo viên\n- Chi tiết\nc) Nội trú\nd) Học bổng\nđ) Cử tuyển\n2. Y tế\n",
        "
I NHIỆM VỤ
  1 Giáo dục
    a Xây trường
    b Đào tạo giáo viên
      - Chi tiết
    c Nội trú
    d Học bổng
    đ Cử tuyển
  2 Y tế",
    );
    assert_eq!(plan.nodes[0].children[0].children[0].kind, NodeKind::Point);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn sub_bullets_under_bullets_and_bullets_under_sections() {
    let plan = check(
        "I. CĂN CỨ\n- Luật A;\n+ Điều 1;\n+ Điều 2;\n- Luật B.\nII. NHIỆM VỤ\n1. Việc một\n+ Ý phụ\n",
        "
I CĂN CỨ
  - Luật A;
    + Điều 1;
    + Điều 2;
  - Luật B.
II NHIỆM VỤ
  1 Việc một
    + Ý phụ",
    );
    assert_eq!(
        plan.nodes[0].children[0].children[0].kind,
        NodeKind::SubBullet
    );
}

#[test]
fn numbering_gaps_and_repeats_warn() {
    let plan = check(
        "I. A\n1. x\n3. y\n3. z\nIII. B\na) p\nc) q\n",
        "
I A
  1 x
  3 y
  3 z
III B
  a p
  c q",
    );
    assert_eq!(
        warning_kinds(&plan),
        [
            (3, WarningKind::NumberingGap),
            (4, WarningKind::NumberingRepeat),
            (5, WarningKind::NumberingGap),
            (7, WarningKind::NumberingGap),
        ]
    );
    assert!(plan.warnings[0].message.contains("“3” sau “1”"));
}

#[test]
fn numbering_may_run_on_across_sections() {
    let plan = import("I. A\n1. x\n2. y\nII. B\n3. z\n");
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    let plan = import("I. A\n2. x\n");
    assert_eq!(warning_kinds(&plan), [(2, WarningKind::NumberingGap)]);
}

#[test]
fn tabs_nbsp_and_crlf() {
    let plan = check(
        "KẾ\u{a0}HOẠCH\r\n\u{a0}\r\n\tTRIỂN KHAI\tVIỆC A \r\n\r\nI.\tMỤC\u{a0}ĐÍCH  \r\n1.\u{a0}Mục   đích\r\n-\tNhằm\u{a0}\u{a0}nâng cao.\r\n  + Chi\ttiết \r\n",
        "
I MỤC ĐÍCH
  1 Mục đích
    - Nhằm nâng cao.
      + Chi tiết",
    );
    assert_eq!(plan.metadata.kind, Some(DocumentKind::Plan));
    assert_eq!(plan.metadata.title.as_deref(), Some("Triển khai việc a"));
    assert_eq!(plan.nodes[0].children[0].line, 6);
    assert_eq!(plan.nodes[0].children[0].children[0].line, 7);
}

#[test]
fn document_without_metadata_block() {
    let plan = check(
        "UBND TỈNH LẠNG SƠN\n-----\nSố: 12/KH-UBND\nLạng Sơn, ngày 3 tháng 2 năm 2016\n\nKẾ HOẠCH\nTHỰC HIỆN ĐỀ ÁN PHÁT TRIỂN DU LỊCH TỈNH LẠNG SƠN\n\nĐể phát triển du lịch Lạng Sơn, UBND tỉnh ban hành kế hoạch như sau:\n\nI. MỤC ĐÍCH\n- Phát triển du lịch.\n",
        "
I MỤC ĐÍCH
  - Phát triển du lịch.",
    );
    assert_eq!(
        plan.metadata,
        PlanMetadata {
            number: Some("12/KH-UBND".into()),
            kind: Some(DocumentKind::Plan),
            title: Some("Thực hiện đề án phát triển du lịch tỉnh Lạng Sơn".into()),
            issued_on: Some(date(2016, 2, 3)),
            effective_on: None,
            issuer: Some("UBND tỉnh Lạng Sơn".into()),
            signer: None,
            place: Some("Lạng Sơn".into()),
            fields: vec![],
            ..PlanMetadata::default()
        }
    );
    assert_eq!(
        plan.preamble.as_deref(),
        Some("Để phát triển du lịch Lạng Sơn, UBND tỉnh ban hành kế hoạch như sau:")
    );
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn merged_header_columns_and_colon_metadata() {
    let plan = import(
        "Số hiệu: 7/KH-UBND\nNgười ký:\tNguyễn Văn A\nLĩnh vực: Văn hóa - Xã hội\n\nUỶ BAN NHÂN DÂN\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nHUYỆN CAO LỘC\tĐộc lập - Tự do - Hạnh phúc\n-------\t---------------\nSố: 7/KH-UBND\tCao Lộc, ngày 10 tháng 01 năm 2015\n\nKẾ HOẠCH\nPHÒNG CHỐNG THIÊN TAI NĂM 2015 CỦA HUYỆN CAO LỘC\n\nĐể chủ động ứng phó, UBND huyện Cao Lộc ban hành kế hoạch.\n\n1. Tuyên truyền.\n",
    );
    assert_eq!(plan.metadata.number.as_deref(), Some("7/KH-UBND"));
    assert_eq!(plan.metadata.signer.as_deref(), Some("Nguyễn Văn A"));
    assert_eq!(plan.metadata.fields, ["Văn hóa - Xã hội"]);
    assert_eq!(
        plan.metadata.issuer.as_deref(),
        Some("Uỷ ban nhân dân huyện Cao Lộc")
    );
    assert_eq!(plan.metadata.place.as_deref(), Some("Cao Lộc"));
    assert_eq!(plan.metadata.issued_on, Some(date(2015, 1, 10)));
    assert_eq!(
        plan.metadata.title.as_deref(),
        Some("Phòng chống thiên tai năm 2015 của huyện Cao Lộc")
    );
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn kind_heading_variants() {
    let plan = import(
        "QUYẾT ĐỊNH\nVề việc phê duyệt kế hoạch năm 2016\n\nCăn cứ Luật số 77/2015/QH13 ngày \
         19/6/2015;\n\n1. Phê duyệt kế hoạch.\n",
    );
    assert_eq!(plan.metadata.kind, Some(DocumentKind::Decision));
    assert_eq!(
        plan.metadata.title.as_deref(),
        Some("Về việc phê duyệt kế hoạch năm 2016")
    );
    assert_eq!(
        plan.preamble.as_deref(),
        Some("Căn cứ Luật số 77/2015/QH13 ngày 19/6/2015;")
    );
    assert_eq!(plan.references[0].kind, DocumentKind::Law);
    assert_eq!(plan.references[0].date, Some(date(2015, 6, 19)));
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);

    let plan = import("KẾ HOẠCH TRIỂN KHAI CÔNG TÁC NĂM 2016\nI. NHIỆM VỤ\n- Việc a.\n");
    assert_eq!(plan.metadata.kind, Some(DocumentKind::Plan));
    assert_eq!(
        plan.metadata.title.as_deref(),
        Some("Triển khai công tác năm 2016")
    );
}

#[test]
fn website_lines_without_header() {
    let plan = check(
        "Thứ hai, Ngày 28/10/2024\n\nChỉ thị 05/CT-UBND năm 2015 về tăng cường công tác\n\n\
         Số hiệu\t05/CT-UBND\nLoại văn bản\tChỉ thị\nNgày có hiệu lực\tĐã biết\n\n\
         1. Các sở, ngành thực hiện.\n",
        "1 Các sở, ngành thực hiện.",
    );
    assert_eq!(plan.metadata.kind, Some(DocumentKind::Directive));
    assert_eq!(plan.metadata.number.as_deref(), Some("05/CT-UBND"));
    assert_eq!(plan.metadata.effective_on, None);
    assert!(plan.references.is_empty(), "{:?}", plan.references);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    assert_eq!(plan.preamble, None);
}

#[test]
fn only_numbered_items() {
    let plan = check(
        "1. Việc thứ nhất.\n2. Việc thứ hai.\n3. Việc thứ ba.",
        "
1 Việc thứ nhất.
2 Việc thứ hai.
3 Việc thứ ba.",
    );
    assert!(plan.nodes.iter().all(|n| n.kind == NodeKind::Item));
    assert_eq!(plan.metadata, PlanMetadata::default());
    assert_eq!(plan.preamble, None);
    assert!(plan.warnings.is_empty());
}

#[test]
fn text_before_the_outline_outside_the_preamble_warns() {
    let plan = import("Ghi chú của người soạn.\n1. Việc một.\n");
    assert_eq!(warning_kinds(&plan), [(1, WarningKind::UnplacedText)]);
    assert_eq!(plan.preamble.as_deref(), Some("Ghi chú của người soạn."));
}

#[test]
fn references_with_and_without_date_and_issuer() {
    let plan = import(
        "1. Căn cứ Nghị quyết số 26-NQ/TW; Quyết định 1234/QĐ-UBND ngày 5/6/2015; Thông tư số \
         01/2014/TT-BNV của Bộ Nội vụ; các Chỉ thị, Nghị quyết của Đảng.\n\
         2. Theo Kế hoạch số 9/KH-UBND ngày 1 tháng 2 năm 2016 của UBND tỉnh, và Nghị quyết số \
         26-NQ/TW ngày 10/5/2016.\n",
    );
    let found: Vec<_> = plan.nodes[0]
        .references
        .iter()
        .map(|r| (r.kind, r.number.as_deref(), r.date, r.issuer.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (DocumentKind::Resolution, Some("26-NQ/TW"), None, None),
            (
                DocumentKind::Decision,
                Some("1234/QĐ-UBND"),
                Some(date(2015, 6, 5)),
                None
            ),
            (
                DocumentKind::Circular,
                Some("01/2014/TT-BNV"),
                None,
                Some("Bộ Nội vụ")
            ),
        ]
    );
    assert_eq!(plan.nodes[1].references[0].date, Some(date(2016, 2, 1)));
    // The union lists 26-NQ/TW once, with the date its second citation gives.
    assert_eq!(plan.references.len(), 4);
    assert_eq!(plan.references[0].date, Some(date(2016, 5, 10)));
    assert_eq!(plan.references[0].text, "Nghị quyết số 26-NQ/TW");
}

#[test]
fn deadline_in_a_node() {
    let plan = check(
        "1. Rà soát chính sách\nCác Sở báo cáo kết quả trước ngày 30/6/2016.\n2. Hoàn thành trước ngày 15 tháng 12 năm 2016 việc tổng kết.\n3. Thường xuyên.\n",
        "
1 Rà soát chính sách
  | Các Sở báo cáo kết quả trước ngày 30/6/2016.
  hạn: 2016-06-30
2 Hoàn thành trước ngày 15 tháng 12 năm 2016 việc tổng kết.
  hạn: 2016-12-15
3 Thường xuyên.",
    );
    assert_eq!(plan.nodes[2].deadline, None);
}

#[test]
fn recipients_end_the_content() {
    check(
        "1. Việc một.\n\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n\nKT. CHỦ TỊCH\n",
        "1 Việc một.",
    );
}

#[test]
fn over_long_title_is_split() {
    let sentence = "Câu đầu tiên ngắn gọn.";
    let input = format!("1. {sentence} {}\n", "rất dài ".repeat(TITLE_MAX_CHARS / 4));
    let plan = import(&input);
    let node = &plan.nodes[0];
    assert_eq!(node.title, sentence);
    assert!(
        node.body
            .as_deref()
            .is_some_and(|b| b.starts_with("rất dài"))
    );
    assert_eq!(warning_kinds(&plan), [(1, WarningKind::TitleTooLong)]);
}

#[test]
fn decomposed_unicode_is_composed() {
    let decomposed = "I. MU\u{323}C ĐI\u{301}CH\n1. Mu\u{323}c đi\u{301}ch\n";
    check(decomposed, "\nI MỤC ĐÍCH\n  1 Mục đích");
}

// ---------------------------------------------------------------------------------------------
// Errors

fn error(input: &[u8]) -> ImportError {
    import_plan_bytes(input).expect_err("should fail")
}

#[test]
fn empty_input() {
    for input in ["", "   \n\t\r\n", "\u{a0}\n", "\u{feff}"] {
        assert_eq!(
            error(input.as_bytes()),
            ImportError {
                line: 0,
                kind: ImportErrorKind::Empty
            },
            "{input:?}"
        );
        assert_eq!(
            import_plan_text(input).map_err(|e| e.kind),
            Err(ImportErrorKind::Empty)
        );
    }
    assert_eq!(error(b"").to_string(), "Tệp trống");
}

#[test]
fn nul_bytes_are_binary() {
    let e = error(b"I. A\n1. x\r\n2. y\0z\n");
    assert_eq!((e.line, &e.kind), (3, &ImportErrorKind::Binary));
    assert_eq!(
        import_plan_text("a\rb\0").map_err(|e| (e.line, e.kind)),
        Err((2, ImportErrorKind::Binary))
    );
}

#[test]
fn invalid_utf8_reports_its_line() {
    let e = error(b"I. M\xE1\xBB\xA4C\n1. ok\n2. bad \xC3\x28 here\n");
    assert_eq!((e.line, &e.kind), (3, &ImportErrorKind::InvalidUtf8));
    assert_eq!(e.to_string(), "Dòng 3: tệp không phải văn bản UTF-8");
    // UTF-16 has NUL bytes: binary.
    assert_eq!(error(b"\xFF\xFEI\0.\0").kind, ImportErrorKind::Binary);
    // Latin-1 text.
    assert_eq!(error(b"caf\xE9").kind, ImportErrorKind::InvalidUtf8);
}

#[test]
fn no_outline() {
    let e = import_plan_text("KẾ HOẠCH\nMột đoạn văn không đánh số.\n").expect_err("no outline");
    assert_eq!(e.kind, ImportErrorKind::NoOutline);
}

// ---------------------------------------------------------------------------------------------
// Any input

fn check_invariants(plan: &ParsedPlan) {
    for node in all_nodes(&plan.nodes) {
        assert!(
            !node.title.trim().is_empty(),
            "empty title at line {}",
            node.line
        );
        assert!(
            node.title.chars().count() <= TITLE_MAX_CHARS,
            "title too long at line {}",
            node.line
        );
        assert!(!node.label.is_empty());
    }
}

/// Our agency reference data.
fn registry() -> Vec<shared::registry::Agency> {
    shared::registry::parse_reference_data(
        include_str!("../../backend/seed/agencies.json"),
        include_str!("../../backend/seed/lang-son-units.json"),
        include_str!("../../backend/seed/lang-son-units-2025.json"),
    )
    .expect("reference data")
    .agencies
}

fn plausible_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("I.".to_owned()),
        Just("II. MỤC ĐÍCH".to_owned()),
        Just("IV.".to_owned()),
        Just("1.".to_owned()),
        Just("3. Việc".to_owned()),
        Just("a)".to_owned()),
        Just("đ) điểm".to_owned()),
        Just("- x".to_owned()),
        Just("+ y".to_owned()),
        Just("KẾ HOẠCH".to_owned()),
        Just("UỶ BAN NHÂN DÂN".to_owned()),
        Just("--------".to_owned()),
        Just("Số: 1/KH".to_owned()),
        Just("Lạng Sơn, ngày 05 tháng 6 năm 2014".to_owned()),
        Just("Số hiệu 52/KH-UBND".to_owned()),
        Just("Quyết định số 1/QĐ-TTg ngày 1/1/2020 của Thủ tướng".to_owned()),
        Just("trước ngày 31/2/2016".to_owned()),
        Just("Nơi nhận:".to_owned()),
        Just("[...]".to_owned()),
        Just("Phần I. ĐÁNH GIÁ".to_owned()),
        Just("PHẦN THỨ HAI".to_owned()),
        Just("Điều 2. Tổ chức thực hiện".to_owned()),
        Just("1.1. Mục".to_owned()),
        Just("2.1.3.".to_owned()),
        Just("1) việc".to_owned()),
        Just("– gạch".to_owned()),
        Just("• chấm".to_owned()),
        Just("* Đối với cấp tỉnh:".to_owned()),
        Just("Sở KH&ĐT chủ trì, phối hợp với Sở Tài chính, UBND các huyện, thành phố".to_owned()),
        Just("Cơ quan chủ trì: Sở Y tế; cơ quan phối hợp: Sở LĐ-TB&XH".to_owned()),
        Just("báo cáo trước ngày 15/12 hằng năm".to_owned()),
        Just("định kỳ 6 tháng, báo cáo trước ngày 15/6 và 15/12".to_owned()),
        Just("hoàn thành trong quý II/2016".to_owned()),
        Just("Trên đây là Kế hoạch".to_owned()),
        Just("TM. ỦY BAN NHÂN DÂN".to_owned()),
        Just("KT. CHỦ TỊCH".to_owned()),
        Just("(Đã ký)".to_owned()),
        "[a-zA-ZĐđÀ-ỹ .,;:()/\\-]{0,40}",
        "\\PC{0,60}",
        "[.]{2100}",
        "Câu [a ]{2100}",
        "1\\. [aâ. ]{2100}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_string_is_handled(input in any::<String>()) {
        if let Ok(mut plan) = import_plan_text(&input) {
            check_invariants(&plan);
            shared::import::suggest_from_registry(&mut plan, &registry());
        }
    }

    #[test]
    fn any_bytes_are_handled(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(plan) = import_plan_bytes(&input) {
            check_invariants(&plan);
        }
    }

    #[test]
    fn plausible_lines_are_handled(
        lines in proptest::collection::vec(plausible_line(), 0..40),
        crlf in any::<bool>(),
    ) {
        let input = lines.join(if crlf { "\r\n" } else { "\n" });
        if let Ok(plan) = import_plan_text(&input) {
            check_invariants(&plan);
            prop_assert_eq!(import_plan_bytes(input.as_bytes()), Ok(plan.clone()));
            let mut plan = plan;
            shared::import::suggest_from_registry(&mut plan, &registry());
            // Every suggestion names a node of the tree.
            let nodes = all_nodes(&plan.nodes);
            for s in &plan.suggested_assignments {
                prop_assert!(nodes.iter().any(|n| n.line == s.node_line && n.label == s.node_label));
            }
        }
    }
}

#[test]
fn the_closing_goes_into_the_metadata_never_into_the_tree() {
    let text = "UBND TỈNH LẠNG SƠN\nSố: 15/KH-UBND\nLạng Sơn, ngày 3 tháng 2 năm 2016\n\nKẾ HOẠCH\nKIỂM TRA CÔNG TÁC DÂN TỘC\n\nI. NỘI DUNG\n1. Kiểm tra các xã biên giới, hoàn thành trong quý II/2016.\n2. Báo cáo kết quả, thời hạn: tháng 7/2016.\nTrên đây là Kế hoạch kiểm tra, yêu cầu các cơ quan thực hiện./.\nNơi nhận:\tTM. ỦY BAN NHÂN DÂN\n- Ủy ban Dân tộc;\tKT. CHỦ TỊCH\n- Các Sở, ngành;\tPHÓ CHỦ TỊCH\n- Lưu: VT.\t(Đã ký)\n\tHoàng Văn Nghiệm\n";
    let plan = shared::import::import_plan_text(text).unwrap_or_else(|e| panic!("{e}"));
    let items = &plan.nodes[0].children;
    assert_eq!(items.len(), 2);
    assert!(items[1].body.is_none(), "{:?}", items[1].body);
    assert_eq!(items[0].deadline, NaiveDate::from_ymd_opt(2016, 6, 30));
    assert_eq!(items[1].deadline, NaiveDate::from_ymd_opt(2016, 7, 31));
    assert_eq!(
        plan.metadata.recipients,
        ["Ủy ban Dân tộc", "Các Sở, ngành", "Lưu: VT"]
    );
    assert_eq!(
        plan.metadata.signer_title.as_deref(),
        Some("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    );
    assert_eq!(plan.metadata.signer.as_deref(), Some("Hoàng Văn Nghiệm"));
}

#[test]
fn parts_articles_decimal_items_and_every_bullet() {
    let plan = check(
        "PHẦN I. ĐÁNH GIÁ\nI. Kết quả\n1. Việc một\n1.1. Việc con\n1.1.1. Việc cháu\n\
         a) điểm\n1) ý một\n2) ý hai\n– gạch\n+ cộng\n1.2 Việc con hai\n\
         Phần thứ hai: NHIỆM VỤ\n* Đối với cấp tỉnh:\n- gạch một\n• chấm\n\
         Điều 2. Tổ chức thực hiện\n1. Khoản\n2.1. Không khớp\n",
        "
Phần I ĐÁNH GIÁ
  I Kết quả
    1 Việc một
      1.1 Việc con
        1.1.1 Việc cháu
          a điểm
            1 ý một
            2 ý hai
              – gạch
                + cộng
      1.2 Việc con hai
Phần thứ hai NHIỆM VỤ
  * Đối với cấp tỉnh:
    - gạch một
    • chấm
  Điều 2 Tổ chức thực hiện
    1 Khoản
      2.1 Không khớp",
    );
    // "Điều 2" with no "Điều 1" is a gap; "2.1." under "1." a mismatch.
    assert_eq!(
        warning_kinds(&plan),
        [
            (16, WarningKind::NumberingGap),
            (18, WarningKind::NumberingMismatch)
        ]
    );
    assert!(
        plan.warnings[0]
            .message
            .contains("“Điều 2” thay vì “Điều 1”")
    );
    assert!(
        plan.warnings[1]
            .message
            .contains("“2.1” không khớp với mục cha “1”")
    );
}

#[test]
fn wrapped_lines_join_their_paragraph() {
    check(
        "1. Rà soát quỹ đất sản xuất cho hộ\nđồng bào dân tộc thiểu số;\nhoàn thành trước ngày 30/6/2016.\nĐoạn mới.\n",
        "
1 Rà soát quỹ đất sản xuất cho hộ đồng bào dân tộc thiểu số; hoàn thành trước ngày 30/6/2016.
  | Đoạn mới.
  hạn: 2016-06-30",
    );
}

/// The suggestions as (label, code, role) triples.
fn suggested(plan: &ParsedPlan) -> Vec<(String, String, shared::assignment::Role)> {
    plan.suggested_assignments
        .iter()
        .map(|s| (s.node_label.clone(), s.agency_code.to_string(), s.role))
        .collect()
}

#[test]
fn a_web_copys_header_cells_give_the_issuer_number_place_and_date() {
    let plan = import(
        "|\nỦY BAN NHÂN\nDÂN TỈNH LẠNG SƠN\n-------\n|\nCỘNG HÒA XÃ HỘI CHỦ\nNGHĨA VIỆT NAM\n\
         Độc lập - Tự do -\nHạnh phúc\n|\nSố: 7/KH-\nUBND\n|\nHà Nội,\nngày 05 tháng 6 năm 2014\n\n\
         KẾ HOẠCH\nThử nghiệm\n\nI. MỤC ĐÍCH\n1. Việc một.\n|\nNơi nhận:\n- Lưu: VT.\n|\n\
         CHỦ TỊCH\n\nNguyễn Văn A\n",
    );
    let m = &plan.metadata;
    assert_eq!(m.issuer.as_deref(), Some("Ủy ban nhân dân tỉnh Lạng Sơn"));
    assert_eq!(m.number.as_deref(), Some("7/KH-UBND"));
    assert_eq!(m.place.as_deref(), Some("Hà Nội"));
    assert_eq!(m.issued_on, chrono::NaiveDate::from_ymd_opt(2014, 6, 5));
    assert_eq!(m.title.as_deref(), Some("Thử nghiệm"));
    assert_eq!(m.signer.as_deref(), Some("Nguyễn Văn A"), "never the '|'");
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn a_trich_yeu_in_sentence_case_wrapped_or_not_is_read_and_a_preamble_is_not_taken_for_it() {
    let plan = import(
        "KẾ HOẠCH\nThực hiện chính sách đối với người có uy tín\ntrong đồng bào dân tộc thiểu số năm 2016\n\n\
         Thực hiện Quyết định số 56/2013/QĐ-TTg, UBND tỉnh ban hành Kế hoạch như sau:\n\nI. MỤC ĐÍCH\n",
    );
    assert_eq!(
        plan.metadata.title.as_deref(),
        Some(
            "Thực hiện chính sách đối với người có uy tín trong đồng bào dân tộc thiểu số năm 2016"
        )
    );
    assert!(
        plan.preamble
            .as_deref()
            .is_some_and(|p| p.starts_with("Thực hiện Quyết định"))
    );
    // No trích yếu: the paragraph under the heading ends in "như sau:" and is the preamble.
    let plan = import(
        "KẾ HOẠCH\nThực hiện Công văn số 12/UBDT, UBND tỉnh xây dựng kế hoạch như sau:\nI. MỤC ĐÍCH\n",
    );
    assert_eq!(plan.metadata.title, None);
    assert!(plan.preamble.is_some());
}

#[test]
fn an_agency_named_by_a_heading_answers_for_each_duty_under_it() {
    use shared::assignment::Role::{Coordinating, Lead};
    let mut plan = import(
        "IV. TỔ CHỨC THỰC HIỆN\n1. Sở Tài\nchính\n- Chủ trì thẩm định dự toán.\n- Tham mưu bố trí kinh phí.\n\
         - Phối hợp với Sở Y tế kiểm tra việc thực hiện.\n2. Sở Y tế, Ban Dân tộc tỉnh\n\
         Tổ chức khám bệnh cho đồng bào.\n",
    );
    shared::import::suggest_from_registry(&mut plan, &registry());
    let to = |l: &str, c: &str, r| (l.to_owned(), c.to_owned(), r);
    assert_eq!(
        suggested(&plan),
        [
            to("-", "STC", Lead),
            to("-", "STC", Lead),
            to("-", "STC", Coordinating),
            to("-", "SYT", Lead),
            to("2", "SYT", Lead),
            to("2", "BDT", Coordinating),
        ]
    );
}

#[test]
fn a_plan_written_after_a_merger_names_the_merged_agency_for_its_successor() {
    let mut plan = import(
        "Lạng Sơn, ngày 10 tháng 9 năm 2025\nKẾ HOẠCH\nThử\nIV. TỔ CHỨC THỰC HIỆN\n\
         1. Sở Kế hoạch và Đầu tư chủ trì bố trí vốn.\n2. Trung tâm Y tế huyện Bình Gia chủ trì khám bệnh.\n",
    );
    shared::import::suggest_from_registry(&mut plan, &registry());
    let codes: Vec<String> = plan
        .suggested_assignments
        .iter()
        .map(|s| s.agency_code.to_string())
        .collect();
    assert_eq!(
        codes,
        ["STC"],
        "Sở Kế hoạch và Đầu tư merged into Sở Tài chính"
    );
    let unmatched: Vec<&str> = plan
        .unmatched_agencies
        .iter()
        .map(|u| u.text.as_str())
        .collect();
    assert_eq!(
        unmatched,
        Vec::<&str>::new(),
        "item 2 is a sentence, not a heading"
    );
}

#[test]
fn a_decision_that_issues_a_plan_imports_the_plan_with_the_decision_as_its_document() {
    let plan = import(
        "Số: 9/QĐ-UBND\nQUYẾT ĐỊNH\nBan hành Kế hoạch thử\nCăn cứ Luật Tổ chức chính quyền địa phương;\n\
         QUYẾT ĐỊNH:\nĐiều 1. Ban hành kèm theo Quyết định này Kế hoạch thử.\nĐiều 2. Thi hành.\n\
         Nơi nhận:\n- Lưu: VT.\nCHỦ TỊCH\nNguyễn Văn B\n\nKẾ HOẠCH\nThử nghiệm kế hoạch kèm theo\n\
         (Ban hành kèm theo Quyết định số 9/QĐ-UBND)\nI. MỤC TIÊU\n1. Một việc.\nII. NHIỆM VỤ\n",
    );
    let labels: Vec<&str> = plan.nodes.iter().map(|n| n.label.as_str()).collect();
    assert_eq!(labels, ["I", "II"]);
    let m = &plan.metadata;
    assert_eq!(m.number.as_deref(), Some("9/QĐ-UBND"));
    assert_eq!(m.kind, Some(shared::document::DocumentKind::Plan));
    assert_eq!(m.title.as_deref(), Some("Thử nghiệm kế hoạch kèm theo"));
    assert_eq!(m.signer.as_deref(), Some("Nguyễn Văn B"));
    let preamble = plan.preamble.as_deref().unwrap_or("");
    assert!(preamble.contains("Điều 1. Ban hành kèm theo"), "{preamble}");
    assert!(
        !preamble.contains("Ban hành kèm theo Quyết định số 9"),
        "{preamble}"
    );
}

#[test]
fn a_web_copys_table_of_tasks_in_rows_between_bars_becomes_the_appendix() {
    let mut plan = import(
        "I. NHIỆM VỤ\n1. Các nhiệm vụ tại Phụ lục.\n\nPHỤ LỤC\n\
         | STT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành |\n\
         | 1 | Tổ chức hội nghị | Ban Dân tộc tỉnh | Sở Tài chính | Quý II/2016 |\n\
         | 2 | Khám bệnh | Sở Y tế | | Hằng năm |\n",
    );
    shared::import::suggest_from_registry(&mut plan, &registry());
    let appendix = plan.nodes.last().expect("the appendix");
    assert_eq!(appendix.label, "Phụ lục");
    let titles: Vec<&str> = appendix.children.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["Tổ chức hội nghị", "Khám bệnh"]);
    assert_eq!(
        appendix.children[0].deadline,
        chrono::NaiveDate::from_ymd_opt(2016, 6, 30)
    );
    assert!(appendix.children[1].recurring_deadline.is_some());
    let codes: Vec<String> = plan
        .suggested_assignments
        .iter()
        .map(|s| s.agency_code.to_string())
        .collect();
    assert_eq!(codes, ["BDT", "STC", "SYT"]);
}
