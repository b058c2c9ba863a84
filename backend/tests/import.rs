//! Importing a plan document over HTTP against a real embedded database: the preview of text
//! and Word files with suggested assignments, the save of a reviewed plan with the suggestions
//! accepted, and every kind of bad input answered 4xx in Vietnamese.

mod common;

use common::*;
use reqwest::StatusCode;
use shared::access::UserRole;
use shared::api::{ApiError, ErrorCode, SaveImportRequest};
use shared::assignment::Role;
use shared::ids::PlanId;
use shared::import::ImportedDocument;
use shared::plan::{PlanSummary, PlanTree};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/tests/fixtures/import/corpus"
);

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(format!("{CORPUS}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn preview(client: &reqwest::Client, s: &Server, bytes: Vec<u8>) -> reqwest::Response {
    client
        .post(s.url("/import/preview"))
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn preview_ok(s: &Server, bytes: Vec<u8>) -> ImportedDocument {
    let r = preview(&s.client, s, bytes).await;
    assert_eq!(r.status(), StatusCode::OK);
    body(r).await
}

/// Sends a reviewed plan to be saved.
async fn save(s: &Server, req: &SaveImportRequest) -> reqwest::Response {
    post_json(
        &s.client,
        s.url("/import"),
        &serde_json::to_value(req).expect("json"),
    )
    .send()
    .await
    .expect("send")
}

async fn refused(r: reqwest::Response, status: StatusCode) -> ApiError {
    assert_eq!(r.status(), status);
    let e: ApiError = body(r).await;
    assert!(!e.message.is_empty());
    e
}

/// A ZIP archive holding `parts` (name, content), deflated.
type Part<'a> = (&'a str, &'a dyn Fn(&mut dyn std::io::Write));

fn zip_of(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, write) in parts {
        zip.start_file(*name, options).expect("start");
        write(&mut zip);
    }
    zip.finish().expect("finish");
    out.into_inner()
}

#[tokio::test]
async fn text_and_word_files_are_previewed_with_suggestions() {
    let s = Server::start("mem://").await;

    let doc = preview_ok(&s, corpus("10-to-chuc-thuc-hien.txt")).await;
    assert_eq!(doc.plan.metadata.number.as_deref(), Some("118/KH-UBND"));
    assert!(doc.lines.len() > 50);
    let sections: Vec<&str> = doc.plan.nodes.iter().map(|n| n.label.as_str()).collect();
    assert_eq!(sections, ["I", "II", "III", "IV"]);
    let suggestion = |code: &str, label: &str| {
        doc.plan
            .suggested_assignments
            .iter()
            .find(|x| x.agency_code == code && x.node_label == label && x.node_line > 45)
            .unwrap_or_else(|| panic!("{code} at {label}"))
    };
    let kh = suggestion("SKHDT", "2");
    assert_eq!((kh.role, kh.agency_text.as_str()), (Role::Lead, "Sở KH&ĐT"));
    assert_eq!(suggestion("STC", "2").role, Role::Coordinating);
    assert_eq!(suggestion("UBNDH", "10").role, Role::Lead);
    // The node a suggestion names starts on its line of the source.
    assert!(doc.lines[kh.node_line - 1].starts_with("2. Sở KH&ĐT"));

    let doc = preview_ok(&s, corpus("14-phu-luc-bang.docx")).await;
    let appendix = doc.plan.nodes.last().expect("appendix");
    assert_eq!(appendix.label, "Phụ lục");
    let first_task = &appendix.children[0].children[0];
    assert!(first_task.deadline.is_some());
    assert!(
        doc.plan
            .suggested_assignments
            .iter()
            .any(|x| x.node_line == first_task.line && x.role == Role::Lead)
    );

    // Saved with every suggestion: the recurring deadline and the assignments are kept.
    let mut plan = doc.plan.clone();
    let all = plan.suggested_assignments.clone();
    shared::import::review::apply_suggestions(&mut plan.nodes, &all).expect("apply");
    let id = PlanId(uuid::Uuid::new_v4());
    let r = save(
        &s,
        &SaveImportRequest {
            id,
            plan,
            source_sha256: doc.sha256.clone(),
            allow_duplicate: false,
        },
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let tree: PlanTree = body(s.get(&format!("/plans/{id}")).await).await;
    let yearly = tree
        .nodes
        .iter()
        .find(|n| n.title.starts_with("Xây dựng chuyên mục"))
        .expect("row 2");
    assert_eq!(
        yearly.recurring_deadline.as_ref().map(|r| r.every),
        Some(shared::document::Recurrence::Year)
    );
    assert_eq!(yearly.lead(), Some("DPTTH"));
    assert_eq!(tree.plan.metadata.number.as_deref(), Some("76/KH-UBND"));
    s.stop().await;
}

#[tokio::test]
async fn a_reviewed_import_is_saved_with_the_accepted_assignments() {
    let s = Server::start("mem://").await;
    let doc = preview_ok(&s, corpus("10-to-chuc-thuc-hien.txt")).await;
    let mut plan = doc.plan.clone();
    // The user accepts the suggestions of section IV, item 2, and renames item IV.1.
    let accepted: Vec<_> = plan
        .suggested_assignments
        .iter()
        .filter(|x| {
            x.node_label == "2" && x.agency_text.contains("KH&ĐT")
                || x.agency_code == "STC" && x.duty.contains("bố trí vốn")
        })
        .cloned()
        .collect();
    assert_eq!(accepted.len(), 2);
    shared::import::review::apply_suggestions(&mut plan.nodes, &accepted).expect("apply");
    plan.nodes[3].children[0].title = "Ban Dân tộc tỉnh: thường trực".to_owned();

    let id = PlanId(uuid::Uuid::new_v4());
    let req = SaveImportRequest {
        id,
        plan: plan.clone(),
        source_sha256: None,
        allow_duplicate: false,
    };
    let r = save(&s, &req).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let summary: PlanSummary = body(r).await;
    assert_eq!(summary.id, id);

    let tree: PlanTree = body(s.get(&format!("/plans/{id}")).await).await;
    let four = top(&tree, "IV");
    let items = children(&tree, four.id);
    assert_eq!(items[0].title, "Ban Dân tộc tỉnh: thường trực");
    let two = items.iter().find(|n| n.label == "2").expect("IV.2");
    assert_eq!(two.lead(), Some("SKHDT"));
    assert_eq!(two.assignments[1].agency, "STC");
    assert_eq!(two.assignments[1].role, Role::Coordinating);

    // The same request again makes no second plan.
    let r = save(&s, &req).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Two leads on one task, an agency not in the registry, an empty title: refused.
    let mut bad = plan.clone();
    bad.nodes[3].children[1]
        .assignments
        .push(shared::assignment::Assignment {
            agency: "SYT".into(),
            role: Role::Lead,
            deadline: None,
        });
    for (bad, words) in [
        (bad, "chủ trì"),
        (
            {
                let mut p = plan.clone();
                p.nodes[0].children[0].assignments = vec![shared::assignment::Assignment {
                    agency: "KHONGCO".into(),
                    role: Role::Lead,
                    deadline: None,
                }];
                p
            },
            "danh mục",
        ),
        (
            {
                let mut p = plan.clone();
                p.nodes[0].title = " ".into();
                p
            },
            "Tiêu đề",
        ),
    ] {
        let req = SaveImportRequest {
            id: PlanId(uuid::Uuid::new_v4()),
            plan: bad,
            source_sha256: None,
            allow_duplicate: false,
        };
        let r = save(&s, &req).await;
        let e = refused(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(e.message.contains(words), "{}", e.message);
    }
    s.stop().await;
}

#[tokio::test]
async fn a_plan_imported_twice_is_pointed_out_before_it_is_saved_again() {
    let s = Server::start("mem://").await;
    let save_as = |doc: &ImportedDocument, allow_duplicate: bool| SaveImportRequest {
        id: PlanId(uuid::Uuid::new_v4()),
        plan: doc.plan.clone(),
        source_sha256: doc.sha256.clone(),
        allow_duplicate,
    };

    let word = preview_ok(&s, corpus("16-word-khong-can-le.docx")).await;
    let sha = word.sha256.clone().expect("the file's SHA-256");
    assert_eq!(sha.len(), 64);
    let first = save_as(&word, false);
    assert_eq!(save(&s, &first).await.status(), StatusCode::CREATED);

    // The same file again: refused, naming the stored plan and the day it was imported.
    let again = preview_ok(&s, corpus("16-word-khong-can-le.docx")).await;
    assert_eq!(again.sha256.as_deref(), Some(sha.as_str()));
    let e = refused(
        save(&s, &save_as(&again, false)).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(e.code, ErrorCode::Duplicate);
    assert_eq!(e.duplicates.len(), 1);
    assert_eq!(e.duplicates[0].id, first.id);
    assert!(e.duplicates[0].same_file);
    assert!(
        e.message.starts_with(
            "Kế hoạch số 88/KH-UBND của Ủy ban nhân dân tỉnh Lạng Sơn đã có (nhập ngày "
        ),
        "{}",
        e.message
    );

    // Another file with the same number from the same issuer (written otherwise): refused too.
    let typed = "UBND TỈNH LẠNG SƠN\nSố: 88/KH-UBND\nKẾ HOẠCH\nCông tác dân tộc năm 2019\n\
                 I. NHIỆM VỤ\n1. Tuyên truyền chính sách dân tộc.\n";
    let typed = preview_ok(&s, typed.as_bytes().to_vec()).await;
    assert_eq!(
        typed.plan.metadata.issuer.as_deref(),
        Some("UBND tỉnh Lạng Sơn")
    );
    let e = refused(
        save(&s, &save_as(&typed, false)).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(e.duplicates.len(), 1);
    assert!(!e.duplicates[0].same_file);
    // Another number is another plan; a forged SHA-256 is ignored.
    let mut other = typed.clone();
    other.plan.metadata.number = Some("89/KH-UBND".into());
    other.sha256 = Some("not a hash".into());
    assert_eq!(
        save(&s, &save_as(&other, false)).await.status(),
        StatusCode::CREATED
    );

    // "Vẫn lưu thành kế hoạch mới".
    assert_eq!(
        save(&s, &save_as(&again, true)).await.status(),
        StatusCode::CREATED
    );
    let plans: Vec<PlanSummary> = body(s.get("/plans").await).await;
    let count = |number: &str| {
        plans
            .iter()
            .filter(|p| p.metadata.number.as_deref() == Some(number))
            .count()
    };
    assert_eq!((count("88/KH-UBND"), count("89/KH-UBND")), (2, 1));
    s.stop().await;
}

#[tokio::test]
async fn bad_files_get_a_clear_error_and_the_server_stays_up() {
    let s = Server::start("mem://").await;

    // Random bytes, invalid UTF-8, text without numbering, a damaged .docx.
    let mut noise = Vec::new();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..100_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.push((x % 251) as u8 + 1);
    }
    for (bytes, words) in [
        (noise, "UTF-8"),
        (b"I. M\xe1\xbb\xa5c \xff".to_vec(), "UTF-8"),
        (
            "Chỉ một đoạn văn không đánh số.".as_bytes().to_vec(),
            "đánh số",
        ),
        (b"PK\x03\x04 broken".to_vec(), "Word"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0".to_vec(), ".docx"),
        (Vec::new(), "trống"),
    ] {
        let e = refused(
            preview(&s.client, &s, bytes).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(e.message.contains(words), "{}", e.message);
    }

    // A ZIP bomb: word/document.xml unpacks to 70 MB of blanks.
    let bomb = zip_of(&[("word/document.xml", &|w: &mut dyn std::io::Write| {
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..70 {
            w.write_all(&chunk).expect("ok");
        }
    })]);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let e = refused(
        preview(&s.client, &s, bomb).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(e.message.contains("quá lớn"), "{}", e.message);

    // Deeply nested XML: read as a stream, no stack overflow.
    let deep = zip_of(&[("word/document.xml", &|w: &mut dyn std::io::Write| {
        w.write_all(b"<w:document xmlns:w=\"x\"><w:body>")
            .expect("ok");
        for _ in 0..200_000 {
            w.write_all(b"<w:p><w:r>").expect("ok");
        }
        w.write_all("<w:t>I. Mục</w:t>".as_bytes()).expect("ok");
    })]);
    let r = preview(&s.client, &s, deep).await;
    assert!(r.status().is_client_error(), "{}", r.status());

    // Over the size limit.
    let big = vec![b'a'; shared::limits::IMPORT_MAX_BYTES + 1];
    let e = refused(
        preview(&s.client, &s, big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(e.code, ErrorCode::PayloadTooLarge);

    // Malformed JSON to the save.
    let r = s
        .client
        .post(s.url("/import"))
        .header("content-type", "application/json")
        .body("{\"id\": 1")
        .send()
        .await
        .expect("ok");
    assert!(r.status().is_client_error(), "{}", r.status());

    // Still answering.
    assert_eq!(s.get("/plans").await.status(), StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn only_the_standing_agency_imports() {
    let s = Server::start("mem://").await;
    let officer = s
        .as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
        .await;
    let r = preview(&officer, &s, corpus("03-thap-phan.txt")).await;
    refused(r, StatusCode::FORBIDDEN).await;
    let standing = s.as_user("bdt.tt", UserRole::Standing, Some("BDT")).await;
    assert_eq!(
        preview(&standing, &s, corpus("03-thap-phan.txt"))
            .await
            .status(),
        StatusCode::OK
    );
    let anonymous = reqwest::Client::new();
    assert_eq!(
        preview(&anonymous, &s, corpus("03-thap-phan.txt"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    s.stop().await;
}

#[tokio::test]
async fn a_saved_plans_document_details_are_changed_like_any_other_edit() {
    use shared::mutation::Mutation;
    use shared::report::{RecordEdit, RecordKey, ReportMutation};
    use shared::sync::{HistoryEntry, PullRequest};
    let s = Server::start("mem://").await;
    let plan = s.seed_plan().await.plan.id;
    let edit = |edit: RecordEdit| Mutation::Report {
        op: ReportMutation::Edit {
            key: RecordKey::Document,
            edit,
        },
    };
    let title = "Triển khai Chiến lược công tác dân tộc đến năm 2020 trên địa bàn tỉnh Lạng Sơn";
    for m in [
        edit(RecordEdit::Title(format!("  {title} "))),
        edit(RecordEdit::Signer("Lý Vinh Quang".into())),
    ] {
        assert_eq!(refusal(&s.mutate(plan, &m).await), None);
    }
    // Checked as the review checks them; an agency's officer may not change them.
    let refused = refusal(
        &s.mutate(plan, &edit(RecordEdit::Number("năm hai".into())))
            .await,
    )
    .cloned()
    .expect("refused");
    assert!(refused.to_string().contains("52/KH-UBND"), "{refused}");
    let officer = s
        .as_user("can-bo-stc", UserRole::AgencyOfficer, Some("STC"))
        .await;
    let answer = push_as(&s, &officer, plan, edit(RecordEdit::Title("Khác".into()))).await;
    let refused = refusal(&answer).expect("refused");
    assert!(refused.to_string().contains("thường trực"), "{refused}");

    // The list and the tree show the plan as it stands: the rest as imported.
    let plans: Vec<PlanSummary> = body(s.get("/plans").await).await;
    let m = &plans[0].metadata;
    assert_eq!(m.title.as_deref(), Some(title));
    assert_eq!(m.number.as_deref(), Some("52/KH-UBND"));
    let tree: PlanTree = body(s.get(&format!("/plans/{plan}")).await).await;
    assert_eq!(tree.plan.metadata.title.as_deref(), Some(title));
    assert_eq!(tree.plan.metadata.signer.as_deref(), Some("Lý Vinh Quang"));

    // Devices learn of it by pulling, as of any edit; and it is in the history.
    let pulled = s
        .pull(
            plan,
            &PullRequest {
                cursor: shared::sync::ChangeNo::ZERO,
                clients: vec![],
                holds: None,
            },
        )
        .await;
    let record = pulled
        .records
        .iter()
        .find(|r| r.key() == RecordKey::Document)
        .expect("the document record");
    let shared::report::Record::Document(d) = record else {
        panic!("{record:?}");
    };
    assert_eq!(d.over(&Default::default()).title.as_deref(), Some(title));
    let history: Vec<HistoryEntry> =
        body(s.get(&format!("/plans/{plan}/document/history")).await).await;
    assert_eq!(history.len(), 2, "two changes applied");
    assert!(
        history
            .iter()
            .all(|h| h.record == Some(RecordKey::Document))
    );
    s.stop().await;
}
