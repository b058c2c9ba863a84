//! The HTTP API against a real embedded database: the server on port 0, `mem://` (or a
//! SurrealKV folder where a restart matters), requests over loopback.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::api::{ApiError, ErrorCode};
use shared::ids::{ClientId, NodeId, PlanId};
use shared::mutation::{Mutation, MutationError, NodeEdit, Position};
use shared::plan::{Node, PlanSummary, PlanTree};
use shared::sync::{ClientSeq, Pending, PullRequest, PushRequest, PushResponse};

#[tokio::test]
async fn health_and_the_seed_plan() {
    let s = Server::start("mem://").await;
    let health: Value = body(s.get("/health").await).await;
    assert_eq!(health["status"], "ok");

    let tree = s.seed_plan().await;
    assert_eq!(tree.plan.metadata.number.as_deref(), Some("52/KH-UBND"));
    assert_eq!(tree.plan.metadata.signer.as_deref(), Some("Lý Vinh Quang"));
    let tops: Vec<&str> = {
        let mut t: Vec<&Node> = tree.nodes.iter().filter(|n| n.parent.is_none()).collect();
        t.sort_by(|a, b| a.rank.cmp(&b.rank));
        t.into_iter().map(|n| n.label.as_str()).collect()
    };
    assert_eq!(tops, ["I", "II", "III"]);
    let tasks = children(&tree, top(&tree, "III").id);
    assert_eq!(tasks.len(), 10);
    assert!(tasks[3].title.starts_with("Phát triển giáo dục, đào tạo"));
    assert_eq!(children(&tree, top(&tree, "II").id).len(), 4);

    let agencies: Vec<Value> = body(s.get("/agencies").await).await;
    assert!(
        agencies
            .iter()
            .any(|a| a["code"] == "BDT" && a["successor"] == "SDTTG")
    );
    let units: Vec<Value> = body(s.get("/admin-units").await).await;
    assert_eq!(
        units.iter().filter(|u| u["level"] == "district").count(),
        11
    );
    s.stop().await;
}

/// Accepted pushes are written out of the journal by the server itself, with no reader of the
/// plan asking for it (`Service::write_out_later`): a plan nobody reads again does not keep its
/// edits only in the journal.
#[tokio::test]
async fn accepted_pushes_are_written_out_with_no_reader() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let tasks = children(&tree, top(&tree, "III").id);
    for (i, task) in tasks.iter().take(5).enumerate() {
        let edit = Mutation::EditNode {
            id: task.id,
            edit: NodeEdit::Title(format!("Nhiệm vụ ghi sau {i}")),
        };
        assert_eq!(refusal(&s.mutate(plan, &edit).await), None);
    }
    // From here on nothing reads the plan: only the journal is looked at, until it is empty.
    let waited = std::time::Instant::now();
    while s
        .service
        .writes_waiting(plan)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(10),
            "accepted pushes still wait in the journal after 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    s.stop().await;
}

#[tokio::test]
async fn a_plan_unused_for_a_while_leaves_memory_and_is_read_again_on_its_next_use() {
    use std::time::Duration;
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    // A plan only read as a tree (`GET /api/plans/{id}`: encoded and kept) leaves memory too.
    assert_eq!(s.service.plans_in_memory(), 1);
    assert_eq!(s.service.forget_idle_plans(Duration::ZERO).await, 0);
    assert_eq!(s.service.plans_in_memory(), 0);
    let tasks = children(&tree, top(&tree, "III").id);
    let first = edit_title(tasks[0].id, "Sửa trước khi kế hoạch rời bộ nhớ");
    assert_eq!(refusal(&s.mutate(plan, &first).await), None);
    let whole = PullRequest {
        cursor: shared::sync::ChangeNo::ZERO,
        clients: Vec::new(),
        holds: None,
    };
    let before = s.pull(plan, &whole).await;
    assert_eq!(s.service.plans_in_memory(), 1);
    // Just used: kept.
    assert_eq!(
        s.service.forget_idle_plans(Duration::from_secs(60)).await,
        0
    );
    assert_eq!(s.service.plans_in_memory(), 1);
    // Unused for longer than asked (here: any time at all): forgotten.
    assert_eq!(s.service.forget_idle_plans(Duration::ZERO).await, 1);
    assert_eq!(s.service.plans_in_memory(), 0);
    // Its next pull reads it again, the same as before.
    let again = s.pull(plan, &whole).await;
    assert_eq!(again.cursor, before.cursor);
    assert_eq!(again.nodes, before.nodes);
    assert_eq!(s.service.plans_in_memory(), 1);
    // And a push after a forget is applied once, on the plan as the database has it.
    assert_eq!(s.service.forget_idle_plans(Duration::ZERO).await, 1);
    let second = edit_title(tasks[1].id, "Sửa sau khi kế hoạch được đọc lại");
    assert_eq!(refusal(&s.mutate(plan, &second).await), None);
    let after = s.pull(plan, &whole).await;
    let title = |id: NodeId| {
        after
            .nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.title.clone())
            .unwrap_or_default()
    };
    assert_eq!(title(tasks[0].id), "Sửa trước khi kế hoạch rời bộ nhớ");
    assert_eq!(title(tasks[1].id), "Sửa sau khi kế hoạch được đọc lại");
    assert!(after.cursor > before.cursor);
    s.stop().await;
}

#[tokio::test]
async fn create_edit_move_delete() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let iii = top(&tree, "III").id;
    let task4 = children(&tree, iii)[3].id;

    // Create a child of task 4.
    let id = new_id();
    let create = Mutation::CreateNode {
        id,
        parent: Some(task4),
        position: Position::Last,
        title: "Xây dựng trường bán trú".into(),
        body: Some("Chi tiết".into()),
        deadline: chrono::NaiveDate::from_ymd_opt(2016, 6, 30),
        label: "a".into(),
        owner: None,
    };
    assert_eq!(refusal(&s.mutate(plan, &create).await), None);
    // The same create again, as a new mutation, is refused, not duplicated.
    assert!(matches!(
        refusal(&s.mutate(plan, &create).await),
        Some(MutationError::AlreadyExists { .. })
    ));

    // Edit its title.
    let edit = Mutation::EditNode {
        id,
        edit: NodeEdit::Title("Xây dựng trường phổ thông dân tộc bán trú".into()),
    };
    assert_eq!(refusal(&s.mutate(plan, &edit).await), None);

    // Move it under section I, first.
    let i = top(&tree, "I").id;
    let mv = Mutation::MoveNode {
        id,
        parent: Some(i),
        position: Position::First,
    };
    assert_eq!(refusal(&s.mutate(plan, &mv).await), None);
    let after = s.seed_plan().await;
    let node = after
        .nodes
        .iter()
        .find(|n| n.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("lost"));
    assert_eq!(node.title, "Xây dựng trường phổ thông dân tộc bán trú");
    assert_eq!(node.deadline, chrono::NaiveDate::from_ymd_opt(2016, 6, 30));
    assert_eq!(children(&after, i)[0].id, id);

    // Moving section III into its own task is refused, with the reason.
    let cycle = Mutation::MoveNode {
        id: iii,
        parent: Some(task4),
        position: Position::Last,
    };
    let answer = s.mutate(plan, &cycle).await;
    let e = refusal(&answer).cloned();
    assert!(matches!(e, Some(MutationError::Cycle { .. })));
    assert!(
        e.map(|e| e.to_string())
            .unwrap_or_default()
            .contains("Không thể chuyển")
    );

    // An empty title is refused with the Vietnamese rule.
    let blank = Mutation::EditNode {
        id,
        edit: NodeEdit::Title("  ".into()),
    };
    let answer = s.mutate(plan, &blank).await;
    assert_eq!(
        refusal(&answer).map(|e| e.to_string()).as_deref(),
        Some("Tiêu đề không được để trống.")
    );

    // Delete task 4 of section III with its subtree (nothing under it now).
    let del = Mutation::DeleteNode { id: task4 };
    assert_eq!(refusal(&s.mutate(plan, &del).await), None);
    assert!(matches!(
        refusal(&s.mutate(plan, &del).await),
        Some(MutationError::NodeNotFound { .. })
    ));
    let after = s.seed_plan().await;
    assert_eq!(after.nodes.len(), tree.nodes.len());
    assert_eq!(children(&after, iii).len(), 9);
    s.stop().await;
}

#[tokio::test]
async fn bad_requests_get_typed_vietnamese_errors_never_a_500() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let path = format!("/plans/{}/push", tree.plan.id);

    let (status, e) = s.raw_post(&path, "application/json", "{not json").await;
    assert_eq!(
        (status, e.code),
        (StatusCode::BAD_REQUEST, ErrorCode::MalformedJson)
    );
    assert!(e.message.contains("JSON"));

    let (status, e) = s
        .raw_post(
            &path,
            "application/json",
            r#"{"client": 5, "mutations": []}"#,
        )
        .await;
    assert_eq!(
        (status, e.code),
        (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidData)
    );

    let (status, e) = s.raw_post(&path, "text/plain", "hello").await;
    assert_eq!(
        (status, e.code),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType
        )
    );

    let huge = format!(
        r#"{{"client": "{}", "mutations": [], "x": "{}"}}"#,
        new_client(),
        "x".repeat(shared::limits::PUSH_BODY_MAX_BYTES + 1)
    );
    let (status, e) = s.raw_post(&path, "application/json", huge.clone()).await;
    assert_eq!(
        (status, e.code),
        (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
    );
    // The same, gzip-compressed to a few kilobytes: the limit holds after decompression.
    let r = s
        .client
        .post(s.url(&path))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(huge.as_bytes()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Broken gzip is a malformed body, not a 500.
    let r = s
        .client
        .post(s.url(&path))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(vec![0x1f, 0x8b, 0, 1, 2, 3])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.status().is_client_error(), "{}", r.status());

    let unknown = Mutation::EditNode {
        id: new_id(),
        edit: NodeEdit::Body(None),
    };
    assert!(matches!(
        refusal(&s.mutate(tree.plan.id, &unknown).await),
        Some(MutationError::NodeNotFound { .. })
    ));

    let req = PushRequest {
        client: new_client(),
        mutations: vec![],
    };
    let r = s.push(PlanId::from_parts(1, [1; 10]), &req).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let e: ApiError = body(r).await;
    assert_eq!(e.message, "Không tìm thấy kế hoạch.");

    for (path, status, words) in [
        (
            "/plans/not-a-uuid",
            StatusCode::BAD_REQUEST,
            "Mã kế hoạch không hợp lệ.",
        ),
        (
            "/plans/01890000-0000-7000-8000-000000000000",
            StatusCode::NOT_FOUND,
            "Không tìm thấy kế hoạch.",
        ),
        (
            "/nothing-here",
            StatusCode::NOT_FOUND,
            "Không có địa chỉ API này.",
        ),
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), status, "{path}");
        let e: ApiError = body(r).await;
        assert_eq!(e.message, words, "{path}");
    }
    let r = s
        .client
        .delete(s.url("/plans"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    let e: ApiError = body(r).await;
    assert_eq!(e.code, ErrorCode::MethodNotAllowed);
    s.stop().await;
}

#[tokio::test]
async fn concurrent_edits_of_one_plan_all_land() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let iii = top(&tree, "III").id;
    let creates: Vec<Mutation> = (0..20)
        .map(|i| Mutation::CreateNode {
            id: new_id(),
            parent: Some(iii),
            position: Position::Last,
            title: format!("Nhiệm vụ bổ sung {i}"),
            body: None,
            deadline: None,
            label: String::new(),
            owner: None,
        })
        .collect();
    // Send them all at once, each from its own device: the per-plan lock must serialise them
    // without losing any.
    let mut set = tokio::task::JoinSet::new();
    for m in creates {
        let client = s.client.clone();
        let url = s.url(&format!("/plans/{}/push", tree.plan.id));
        let req = PushRequest {
            client: new_client(),
            mutations: vec![Pending {
                seq: 1,
                base: shared::sync::ChangeNo::ZERO,
                at: 0,
                mutation: m,
            }],
        };
        set.spawn(async move {
            post_json(&client, url, &json!(req))
                .send()
                .await
                .map(|r| r.status())
        });
    }
    while let Some(joined) = set.join_next().await {
        let status = joined
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(status, StatusCode::OK);
    }
    let after = s.seed_plan().await;
    assert_eq!(children(&after, iii).len(), 30);
    s.stop().await;
}

#[tokio::test]
async fn on_disk_the_seed_loads_once_and_edits_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!("surrealkv://{}", dir.path().join("db").display());
    let s = Server::start(&url).await;
    let tree = s.seed_plan().await;
    let task = children(&tree, top(&tree, "III").id)[0].id;
    let edit = Mutation::EditNode {
        id: task,
        edit: NodeEdit::Title("Tuyên truyền, phổ biến Chiến lược (đã sửa)".into()),
    };
    assert_eq!(refusal(&s.mutate(tree.plan.id, &edit).await), None);
    s.stop().await;

    let service = reopen(&url).await;
    let admin = admin_user();
    let plans = service
        .list_plans(&admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plans.len(), 1, "the seed was loaded twice");
    let after = service
        .plan_tree(plans[0].id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.nodes.len(), tree.nodes.len());
    let edited = after
        .nodes
        .iter()
        .find(|n| n.id == task)
        .map(|n| n.title.clone());
    assert_eq!(
        edited.as_deref(),
        Some("Tuyên truyền, phổ biến Chiến lược (đã sửa)")
    );
}

/// Runs `backend import-plan --dry-run --json FILE`: its JSON.
fn import_plan_json(file: &str) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backend"))
        .args(["import-plan", "--dry-run", "--json", file])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn import_plan_dry_run_prints_the_parsed_plan_as_json() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/seed/ke-hoach-52-KH-UBND-2014-lang-son.txt"
    );
    let v = import_plan_json(seed);
    let m = &v["metadata"];
    for key in [
        "number",
        "kind",
        "title",
        "issued_on",
        "effective_on",
        "issuer",
        "signer",
        "place",
        "fields",
    ] {
        assert!(m.get(key).is_some(), "metadata.{key} missing");
    }
    assert_eq!(m["number"], "52/KH-UBND");
    assert_eq!(m["issued_on"], "2014-06-05");
    assert_eq!(m["signer"], "Lý Vinh Quang");
    let r = &v["references"][0];
    for key in ["kind", "number", "date", "issuer", "text"] {
        assert!(r.get(key).is_some(), "references[0].{key} missing");
    }
    let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes.len(), 3);
    assert_eq!(nodes[2]["label"], "III");
    assert_eq!(nodes[2]["children"].as_array().map(Vec::len), Some(10));
    for key in ["label", "kind", "title", "body", "deadline", "children"] {
        assert!(nodes[0].get(key).is_some(), "nodes[0].{key} missing");
    }
    assert!(nodes[0]["body"].is_null() && nodes[0]["deadline"].is_null());
}

#[test]
fn import_plan_reads_a_word_file_with_suggestions_recipients_and_recurring_deadlines() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/tests/fixtures/import/corpus/14-phu-luc-bang.docx"
    );
    let v = import_plan_json(file);
    let m = &v["metadata"];
    assert_eq!(m["number"], "76/KH-UBND");
    assert_eq!(m["recipients"][0], "Ủy ban Dân tộc");
    assert_eq!(m["signer_title"], "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH");
    let s = &v["suggested_assignments"][0];
    for key in ["agency_code", "agency_text", "role", "node_label", "duty"] {
        assert!(
            s.get(key).is_some(),
            "suggested_assignments[0].{key} missing"
        );
    }
    assert_eq!(
        (&s["agency_code"], &s["role"]),
        (&Value::from("BDT"), &Value::from("lead"))
    );
    let appendix = v["nodes"]
        .as_array()
        .and_then(|n| n.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(appendix["label"], "Phụ lục");
    let rows = &appendix["children"][0]["children"];
    assert_eq!(rows[0]["deadline"], "2016-06-30");
    assert_eq!(rows[1]["recurring_deadline"]["every"], "year");
}

#[test]
fn import_plan_refuses_a_binary_file_with_a_vietnamese_message() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("bad.txt");
    std::fs::write(&file, b"I. MUC\n\0\0\0binary").unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backend"))
        .args(["import-plan", "--dry-run", "--json"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Dòng 2"), "{err}");
    assert!(out.stdout.is_empty());
}

async fn get_if_none_match(
    s: &Server,
    url: &str,
    etag: &reqwest::header::HeaderValue,
) -> reqwest::Response {
    s.client
        .get(url)
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn the_tree_is_encoded_once_per_version_never_stale() {
    use std::io::Read;
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let path = s.url(&format!("/plans/{}", tree.plan.id));

    // Compressed when asked, identical to the plain answer.
    let plain = s
        .client
        .get(&path)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let etag = plain
        .headers()
        .get("etag")
        .cloned()
        .unwrap_or_else(|| panic!("no etag"));
    let plain = plain.bytes().await.unwrap_or_default();
    let r = s
        .client
        .get(&path)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        r.headers().get("content-encoding").map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&r.bytes().await.unwrap_or_default()[..])
        .read_to_end(&mut unzipped)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(unzipped, plain);

    // Unchanged: 304 for the same ETag.
    let r = get_if_none_match(&s, &path, &etag).await;
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);

    // After an edit: a new version, and the edit in the answer.
    let task = children(&tree, top(&tree, "III").id)[1].id;
    let edit = Mutation::EditNode {
        id: task,
        edit: NodeEdit::Title("Đẩy mạnh phát triển sản xuất (đã sửa)".into()),
    };
    assert_eq!(refusal(&s.mutate(tree.plan.id, &edit).await), None);
    let r = get_if_none_match(&s, &path, &etag).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_ne!(r.headers().get("etag"), Some(&etag));
    let after: PlanTree = body(r).await;
    let title = after
        .nodes
        .iter()
        .find(|n| n.id == task)
        .map(|n| n.title.as_str());
    assert_eq!(title, Some("Đẩy mạnh phát triển sản xuất (đã sửa)"));
    s.stop().await;
}

fn edit_title(id: NodeId, title: &str) -> Mutation {
    Mutation::EditNode {
        id,
        edit: NodeEdit::Title(title.into()),
    }
}

fn batch(
    client: ClientId,
    first_seq: u64,
    base: shared::sync::ChangeNo,
    ms: Vec<Mutation>,
) -> PushRequest {
    PushRequest {
        client,
        mutations: ms
            .into_iter()
            .enumerate()
            .map(|(i, mutation)| Pending {
                seq: first_seq + i as u64,
                base,
                at: 1_800_000_000_000,
                mutation,
            })
            .collect(),
    }
}

#[tokio::test]
async fn a_push_repeated_after_a_lost_answer_applies_once_and_pulls_carry_what_changed() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let device = new_client();
    let first = s
        .pull(
            plan,
            &PullRequest {
                cursor: shared::sync::ChangeNo::ZERO,
                clients: vec![ClientSeq {
                    client: device,
                    seq: 0,
                }],
                holds: None,
            },
        )
        .await;
    assert!(first.reset);
    assert_eq!(first.nodes.len(), tree.nodes.len());
    assert!(first.plan.is_some());
    let cursor = first.cursor;

    let iii = top(&tree, "III").id;
    let kids = children(&tree, iii);
    let new = new_id();
    let req = batch(
        device,
        1,
        cursor,
        vec![
            edit_title(kids[0].id, "Tuyên truyền (sửa khi mất sóng)"),
            Mutation::CreateNode {
                id: new,
                parent: Some(iii),
                position: Position::Last,
                title: "Nhiệm vụ mới".into(),
                body: None,
                deadline: None,
                label: "11".into(),
                owner: None,
            },
            Mutation::DeleteNode { id: kids[1].id },
            // Refused: the node was just deleted.
            edit_title(kids[1].id, "Không còn"),
        ],
    );
    let a: PushResponse = body(s.push(plan, &req).await).await;
    // The answer is lost; the device sends the same push again.
    let b: PushResponse = body(s.push(plan, &req).await).await;
    assert_eq!((a.last_seq, b.last_seq), (4, 4));
    assert_eq!(a.change, b.change, "the repeat wrote nothing");
    assert_eq!(a.refused.len(), 1);
    assert!(b.refused.is_empty());

    // A pull after the lost answer still tells the device of its refused mutation.
    let pull = s
        .pull(
            plan,
            &PullRequest {
                cursor,
                clients: vec![ClientSeq {
                    client: device,
                    seq: 0,
                }],
                holds: None,
            },
        )
        .await;
    assert!(!pull.reset);
    assert_eq!(pull.cursor, a.change);
    // The new node whole; the edited one as its changed field only.
    assert_eq!(
        pull.nodes.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![new]
    );
    assert_eq!(pull.patches.len(), 1);
    assert_eq!(pull.patches[0].id, kids[0].id);
    assert_eq!(
        pull.patches[0].set,
        vec![NodeEdit::Title("Tuyên truyền (sửa khi mất sóng)".into())]
    );
    assert!(pull.patches[0].moved.is_none());
    assert_eq!(pull.deleted, vec![kids[1].id]);
    assert_eq!(pull.clients[0].seq, 4);
    assert_eq!(pull.refusals.len(), 1);
    assert_eq!(pull.refusals[0].seq, 4);
    let after = s.seed_plan().await;
    assert_eq!(after.nodes.len(), tree.nodes.len() + 1 - 1);
    assert_eq!(after.nodes.iter().filter(|n| n.id == new).count(), 1);

    // A gap in the numbering stops the push: nothing after it is taken.
    let gap = batch(device, 6, cursor, vec![edit_title(kids[2].id, "Bỏ qua")]);
    let g: PushResponse = body(s.push(plan, &gap).await).await;
    assert_eq!(g.last_seq, 4);
    s.stop().await;
}

/// The server's time over a sync request, as `Server-Timing: app;dur=…` says it.
fn server_ms(r: &reqwest::Response) -> f64 {
    let value = r
        .headers()
        .get("server-timing")
        .unwrap_or_else(|| panic!("no Server-Timing on {}", r.url()))
        .to_str()
        .unwrap_or_else(|e| panic!("{e}"))
        .to_owned();
    let ms = value
        .strip_prefix("app;dur=")
        .unwrap_or_else(|| panic!("Server-Timing {value}"));
    ms.parse()
        .unwrap_or_else(|_| panic!("Server-Timing {value}"))
}

/// Pushes and pulls say how long the server took over them (a device, a browser's developer
/// tools and the sync benchmark tell the server's share of a sync from the network's with it),
/// whatever the answer; other answers do not.
#[tokio::test]
async fn pushes_and_pulls_say_the_servers_time_over_them() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let device = new_client();
    let req = batch(
        device,
        1,
        shared::sync::ChangeNo::ZERO,
        vec![edit_title(tree.nodes[1].id, "Thời gian của máy chủ")],
    );
    let before = std::time::Instant::now();
    let pushed = s.push(plan, &req).await;
    let took = before.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(pushed.status(), StatusCode::OK);
    let ms = server_ms(&pushed);
    assert!(
        (0.0..=took).contains(&ms),
        "the server's share {ms} ms of a push that took {took} ms"
    );
    let pulled = post_json(
        &s.client,
        s.url(&format!("/plans/{plan}/pull")),
        &json!(PullRequest {
            cursor: shared::sync::ChangeNo::ZERO,
            clients: vec![ClientSeq {
                client: device,
                seq: 0
            }],
            holds: None,
        }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pulled.status(), StatusCode::OK);
    assert!(server_ms(&pulled) >= 0.0);
    // Refused answers too.
    let refused = s
        .client
        .post(s.url(&format!("/plans/{plan}/push")))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(server_ms(&refused) >= 0.0);
    // Not the tree's answer.
    let tree_answer = s.get(&format!("/plans/{plan}")).await;
    assert_eq!(tree_answer.status(), StatusCode::OK);
    assert!(tree_answer.headers().get("server-timing").is_none());
    s.stop().await;
}

#[tokio::test]
async fn concurrent_edits_of_one_title_make_a_conflict_both_devices_see_and_can_resolve() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let (a, b) = (new_client(), new_client());
    let pull_as = |client: ClientId, cursor: shared::sync::ChangeNo| PullRequest {
        cursor,
        clients: vec![ClientSeq { client, seq: 0 }],
        holds: None,
    };
    let base = s
        .pull(plan, &pull_as(a, shared::sync::ChangeNo::ZERO))
        .await
        .cursor;
    let task = children(&tree, top(&tree, "III").id)[2].id;
    let other = children(&tree, top(&tree, "III").id)[3].id;
    // Both offline from the same base: same field of one node, and different fields of another.
    let pa: PushResponse = body(
        s.push(
            plan,
            &batch(
                a,
                1,
                base,
                vec![
                    edit_title(task, "Tiêu đề của A"),
                    edit_title(other, "A sửa tiêu đề"),
                ],
            ),
        )
        .await,
    )
    .await;
    assert!(pa.conflicts.is_empty());
    let pb: PushResponse = body(
        s.push(
            plan,
            &batch(
                b,
                1,
                base,
                vec![
                    edit_title(task, "Tiêu đề của B"),
                    Mutation::EditNode {
                        id: other,
                        edit: NodeEdit::Progress(60),
                    },
                ],
            ),
        )
        .await,
    )
    .await;
    assert_eq!(pb.conflicts.len(), 1, "one conflict: the same field");
    for device in [a, b] {
        let p = s.pull(plan, &pull_as(device, base)).await;
        let open: Vec<_> = p.conflicts.iter().filter(|c| c.open).collect();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].kept.value, NodeEdit::Title("Tiêu đề của B".into()));
        assert_eq!(
            open[0].replaced.value,
            NodeEdit::Title("Tiêu đề của A".into())
        );
        assert_eq!((open[0].kept.client, open[0].replaced.client), (b, a));
        let o = p.patches.iter().find(|n| n.id == other).cloned();
        let o = o.unwrap_or_else(|| panic!("other changed"));
        assert_eq!(
            o.set,
            vec![
                NodeEdit::Title("A sửa tiêu đề".into()),
                NodeEdit::Progress(60)
            ]
        );
    }
    // A resolves by keeping its value; B's next pull sees the conflict closed.
    let conflict = pb.conflicts[0];
    let r: PushResponse = body(
        s.push(
            plan,
            &batch(
                a,
                3,
                base,
                vec![Mutation::ResolveConflict {
                    conflict,
                    id: task,
                    edit: NodeEdit::Title("Tiêu đề của A".into()),
                }],
            ),
        )
        .await,
    )
    .await;
    assert!(r.refused.is_empty() && r.conflicts.is_empty());
    let p = s.pull(plan, &pull_as(b, pb.change)).await;
    assert!(p.conflicts.iter().all(|c| !c.open && c.id == conflict));
    assert_eq!(
        p.patches
            .iter()
            .find(|n| n.id == task)
            .map(|n| n.set.clone()),
        Some(vec![NodeEdit::Title("Tiêu đề của A".into())])
    );
    let fresh = s
        .pull(plan, &pull_as(new_client(), shared::sync::ChangeNo::ZERO))
        .await;
    assert!(
        fresh.conflicts.is_empty(),
        "a first pull carries open conflicts only"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_gzipped_push_is_accepted_and_online_devices_are_told_within_moments() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let mut events = s
        .client
        .get(s.url(&format!("/plans/{plan}/events")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        events
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    // The current change number comes at once.
    let first = events.chunk().await.unwrap_or_else(|e| panic!("{e}"));
    let first = String::from_utf8_lossy(&first.unwrap_or_default()).to_string();
    assert!(first.contains("event: change"), "{first}");

    let req = batch(
        new_client(),
        1,
        shared::sync::ChangeNo::ZERO,
        vec![edit_title(top(&tree, "I").id, "MỤC ĐÍCH, YÊU CẦU (sửa)")],
    );
    let r = s
        .client
        .post(s.url(&format!("/plans/{plan}/push")))
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gzip(&serde_json::to_vec(&req).unwrap_or_default()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
    let answer: PushResponse = body(r).await;
    // Waits for the event (a condition), bounded generously: how fast it comes is the sync
    // benchmark's to measure, not a test's on a busy machine.
    let next = tokio::time::timeout(std::time::Duration::from_secs(10), events.chunk())
        .await
        .unwrap_or_else(|_| panic!("no event within ten seconds"))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_default();
    let next = String::from_utf8_lossy(&next).to_string();
    assert!(next.contains(&format!("data: {}", answer.change)), "{next}");
    s.stop().await;
}

#[tokio::test]
async fn a_server_killed_in_the_middle_of_a_large_push_loses_nothing_and_applies_it_once() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let device = new_client();
    let mut p = Process::start(dir.path()).await;
    // Sessions live in the database: this one stays valid across the restarts below.
    let token = p.token.clone();
    let client = signed_client(&token);
    let plans: Vec<PlanSummary> = body(
        client
            .get(format!("{}/plans", p.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    let plan = plans[0].id;
    let tree: PlanTree = body(
        client
            .get(format!("{}/plans/{plan}", p.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    let parent = top(&tree, "III").id;
    let ids: Vec<NodeId> = (0..1000).map(|_| new_id()).collect();
    let req = batch(
        device,
        1,
        shared::sync::ChangeNo::ZERO,
        ids.iter()
            .enumerate()
            .map(|(i, id)| Mutation::CreateNode {
                id: *id,
                parent: Some(parent),
                position: Position::Last,
                title: format!("Nhiệm vụ cụ thể số {i} của đơn vị"),
                body: Some("Nội dung chi tiết của nhiệm vụ ".repeat(10)),
                deadline: None,
                label: String::new(),
                owner: None,
            })
            .collect(),
    );
    let payload = serde_json::to_vec(&req).unwrap_or_default();

    // Kill the server twice: once with half the body sent, once with all of it sent and the
    // answer not yet read (the push is being applied).
    for cut in [payload.len() / 2, payload.len()] {
        let addr = p
            .base
            .trim_start_matches("http://")
            .trim_end_matches("/api");
        let mut tcp = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
        let head = format!(
            "POST /api/plans/{plan}/push HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            payload.len()
        );
        tcp.write_all(head.as_bytes())
            .and_then(|()| tcp.write_all(&payload[..cut]))
            .unwrap_or_else(|e| panic!("{e}"));
        p.kill();
        p = Process::start(dir.path()).await;
    }

    // The device retries until it gets an answer: every mutation applied exactly once.
    let retry = |client: reqwest::Client, url: String, payload: Vec<u8>| async move {
        let r = client
            .post(url)
            .header("content-type", "application/json")
            .body(payload)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        body::<PushResponse>(r).await
    };
    let url = format!("{}/plans/{plan}/push", p.base);
    let first = retry(client.clone(), url.clone(), payload.clone()).await;
    let again = retry(client.clone(), url, payload).await;
    assert_eq!((first.last_seq, again.last_seq), (1000, 1000));
    assert!(first.refused.is_empty(), "{:?}", first.refused.first());
    assert_eq!(first.change, again.change);

    let after: PlanTree = body(
        client
            .get(format!("{}/plans/{plan}", p.base))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(after.nodes.len(), tree.nodes.len() + 1000);
    let present: std::collections::HashSet<NodeId> = after.nodes.iter().map(|n| n.id).collect();
    assert_eq!(present.len(), after.nodes.len(), "no duplicate ids");
    assert!(ids.iter().all(|id| present.contains(id)));
    assert!(
        after
            .nodes
            .iter()
            .all(|n| n.parent.is_none_or(|p| present.contains(&p))),
        "every parent exists"
    );
    assert_eq!(children(&after, parent).len(), 10 + 1000);
    p.kill();
}

#[tokio::test]
async fn a_new_devices_first_pull_is_encoded_once_per_change_and_never_stale() {
    use std::io::Read;
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let first = || async {
        let r = post_json(
            &s.client,
            s.url(&format!("/plans/{plan}/pull")),
            &json!({ "cursor": 0, "clients": [] }),
        )
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            Some("gzip")
        );
        let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut json)
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_slice::<shared::sync::PullResponse>(&json)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let a = first().await;
    assert!(a.reset);
    assert_eq!(a.nodes.len(), tree.nodes.len());
    assert!(a.clients.is_empty() && a.refusals.is_empty());
    // A change: the next new device gets it.
    let task = children(&tree, top(&tree, "III").id)[0].id;
    s.mutate(plan, &edit_title(task, "Đã sửa trước khi thiết bị mới tải"))
        .await;
    let b = first().await;
    assert!(b.cursor > a.cursor);
    let title = b
        .nodes
        .iter()
        .find(|n| n.id == task)
        .map(|n| n.title.as_str());
    assert_eq!(title, Some("Đã sửa trước khi thiết bị mới tải"));
    s.stop().await;
}

/// The app's files are sent precompressed: Brotli to a browser that accepts it, else gzip,
/// else as they are; any other address is the app's page (client-side routes), compressed too.
#[tokio::test]
async fn static_files_are_sent_precompressed_brotli_first() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.path().join(name), bytes).unwrap_or_else(|e| panic!("{e}"))
    };
    write("index.html", b"<!doctype html><title>app</title>");
    write("index.html.br", b"BR-INDEX");
    write("index.html.gz", b"GZ-INDEX");
    write("app.wasm", b"\0asm-plain");
    write("app.wasm.br", b"BR-WASM");
    write("app.wasm.gz", b"GZ-WASM");
    write("manifest.webmanifest", b"{}");
    let mut config = config("mem://");
    config.static_dir = dir.path().to_owned();
    let s = Server::start_with(config).await;
    let plain = reqwest::Client::new();
    let fetch = |path: &'static str, accept: &'static str| {
        let request = plain.get(format!("{}{path}", s.base));
        let request = if accept.is_empty() {
            request
        } else {
            request.header("accept-encoding", accept)
        };
        async move {
            let r = request.send().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            let encoding = r
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            let kind = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
            (encoding, kind, bytes.to_vec())
        }
    };
    let (enc, kind, bytes) = fetch("/app.wasm", "gzip, deflate, br, zstd").await;
    assert_eq!(enc.as_deref(), Some("br"));
    assert_eq!(kind.as_deref(), Some("application/wasm"));
    assert_eq!(bytes, b"BR-WASM");
    let (enc, _, bytes) = fetch("/app.wasm", "gzip").await;
    assert_eq!(
        (enc.as_deref(), bytes.as_slice()),
        (Some("gzip"), &b"GZ-WASM"[..])
    );
    let (enc, _, bytes) = fetch("/app.wasm", "").await;
    assert_eq!((enc, bytes.as_slice()), (None, &b"\0asm-plain"[..]));
    let (enc, kind, bytes) = fetch("/plans/some-plan", "br").await;
    assert_eq!(
        (enc.as_deref(), bytes.as_slice()),
        (Some("br"), &b"BR-INDEX"[..])
    );
    assert!(kind.is_some_and(|k| k.starts_with("text/html")));
    let cached = plain
        .get(format!("{}/app.wasm", s.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cached.headers().get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-cache"[..])
    );
    let (_, kind, _) = fetch("/manifest.webmanifest", "").await;
    assert_eq!(kind.as_deref(), Some("application/manifest+json"));
    s.stop().await;
}

/// A new device may ask for its first pull without the nodes' bodies (most of a big plan's
/// bytes: the tree shows sooner), then for the bodies; any other pull is whole, as before.
#[tokio::test]
async fn a_first_pull_may_leave_the_bodies_out_and_the_bodies_follow() {
    use shared::sync::{BodiesResponse, PullResponse};
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let tasks = children(&tree, top(&tree, "III").id);
    for (n, text) in tasks.iter().take(2).zip(["Nội dung một", "Nội dung hai"]) {
        s.mutate(
            plan,
            &Mutation::EditNode {
                id: n.id,
                edit: NodeEdit::Body(Some(text.into())),
            },
        )
        .await;
    }
    let pull_as = |client: &reqwest::Client, query: &str, req: Value| {
        post_json(client, s.url(&format!("/plans/{plan}/pull{query}")), &req).send()
    };
    let new_device = json!({ "cursor": 0, "clients": [] });

    let r = pull_as(&s.client, "?without=bodies", new_device.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
    let first: PullResponse = body(r).await;
    assert!(first.reset && first.bodies_left_out);
    assert_eq!(first.nodes.len(), tree.nodes.len());
    assert!(first.nodes.iter().all(|n| n.body.is_none()));
    let titles = |nodes: &[Node]| {
        let mut t: Vec<(NodeId, String)> = nodes.iter().map(|n| (n.id, n.title.clone())).collect();
        t.sort();
        t
    };
    assert_eq!(titles(&first.nodes), titles(&tree.nodes));
    // Asked for as before, a first pull is whole.
    let r = pull_as(&s.client, "", new_device.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let whole: PullResponse = body(r).await;
    assert!(!whole.bodies_left_out);
    let with_bodies: Vec<&Node> = whole.nodes.iter().filter(|n| n.body.is_some()).collect();
    assert!(with_bodies.len() >= 2, "bodies set above");

    let bodies: BodiesResponse = body(s.get(&format!("/plans/{plan}/bodies")).await).await;
    assert!(bodies.cursor >= first.cursor);
    assert_eq!(bodies.bodies.len(), with_bodies.len());
    for n in &with_bodies {
        let sent = bodies.bodies.iter().find(|b| b.id == n.id).map(|b| &b.body);
        assert_eq!(sent, n.body.as_ref());
    }

    // A pull of changes leaves nothing out, even asked to.
    let task = tasks[0].id;
    s.mutate(
        plan,
        &Mutation::EditNode {
            id: task,
            edit: NodeEdit::Body(Some("Nội dung sửa sau lần tải đầu".into())),
        },
    )
    .await;
    let r = pull_as(
        &s.client,
        "?without=bodies",
        json!({ "cursor": first.cursor, "clients": [] }),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let changes: PullResponse = body(r).await;
    assert!(!changes.reset && !changes.bodies_left_out);
    let brought = changes
        .nodes
        .iter()
        .find(|n| n.id == task)
        .and_then(|n| n.body.clone())
        .or_else(|| {
            changes
                .patches
                .iter()
                .filter(|p| p.id == task)
                .flat_map(|p| &p.set)
                .find_map(|e| match e {
                    NodeEdit::Body(b) => b.clone(),
                    _ => None,
                })
        });
    assert_eq!(brought.as_deref(), Some("Nội dung sửa sau lần tải đầu"));
    // The bodies are encoded once per change: asked again, they are the new ones.
    let again: BodiesResponse = body(s.get(&format!("/plans/{plan}/bodies")).await).await;
    assert!(again.cursor > bodies.cursor);
    let task_body = again
        .bodies
        .iter()
        .find(|b| b.id == task)
        .map(|b| b.body.as_str());
    assert_eq!(task_body, Some("Nội dung sửa sau lần tải đầu"));

    // An agency's officer (whose first pull is its own) may leave them out too.
    let officer = s
        .as_user(
            "syt.bodies",
            shared::access::UserRole::AgencyOfficer,
            Some("SYT"),
        )
        .await;
    // (The app's HTTP library ends its queries with "&".)
    let r = pull_as(&officer, "?without=bodies&", new_device.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let own: PullResponse = body(r).await;
    assert!(own.reset && own.bodies_left_out);
    assert!(own.nodes.iter().all(|n| n.body.is_none()));
    let bodies_url = s.url(&format!("/plans/{plan}/bodies"));
    assert_eq!(
        get_status(officer, bodies_url.clone()).await,
        StatusCode::OK
    );

    // Anything else in the address is refused, in words; the bodies are for those who may read.
    let r = pull_as(&s.client, "?without=titles", new_device)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: ApiError = body(r).await;
    assert!(e.message.contains("không hợp lệ"), "{}", e.message);
    assert_eq!(
        get_status(reqwest::Client::new(), bodies_url).await,
        StatusCode::UNAUTHORIZED
    );
    let r = s
        .get(&format!("/plans/{}/bodies", PlanId::from_parts(9, [9; 10])))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    s.stop().await;
}

/// Devices pulling the same change from the same cursor are answered from one encoding of it,
/// each with its own sequence numbers and refusals, gzip-compressed or not.
#[tokio::test]
async fn devices_pulling_the_same_change_get_each_their_own_part() {
    use shared::sync::{ChangeNo, PullResponse};
    use std::io::Read;
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let plan = tree.plan.id;
    let everything = PullRequest {
        cursor: ChangeNo::ZERO,
        clients: vec![],
        holds: None,
    };
    let base = s.pull(plan, &everything).await.cursor;
    let task = children(&tree, top(&tree, "III").id)[0].id;
    let (a, b) = (new_client(), new_client());
    let edit = |seq: u64, id: NodeId| Pending {
        seq,
        base,
        at: seq as i64,
        mutation: Mutation::EditNode {
            id,
            edit: NodeEdit::Progress(40),
        },
    };
    // Device A's second edit names a task that does not exist: refused.
    let pushed = s
        .push(
            plan,
            &PushRequest {
                client: a,
                mutations: vec![edit(1, task), edit(2, new_id())],
            },
        )
        .await;
    assert_eq!(pushed.status(), StatusCode::OK);
    let pull = |client: ClientId, gzip: bool| {
        let req = json!(PullRequest {
            cursor: base,
            clients: vec![ClientSeq { client, seq: 0 }],
            holds: None,
        });
        let s = &s;
        async move {
            let mut r = post_json(&s.client, s.url(&format!("/plans/{plan}/pull")), &req);
            if gzip {
                r = r.header("accept-encoding", "gzip");
            }
            let r = r.send().await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::OK);
            let zipped = r
                .headers()
                .get("content-encoding")
                .map(|v| v.as_bytes().to_vec());
            let bytes = r.bytes().await.unwrap_or_default();
            let json = if gzip {
                assert_eq!(zipped.as_deref(), Some(&b"gzip"[..]));
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_end(&mut out)
                    .unwrap_or_else(|e| panic!("{e}"));
                out
            } else {
                assert_eq!(zipped, None);
                bytes.to_vec()
            };
            serde_json::from_slice::<PullResponse>(&json).unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let (a_zipped, a_plain) = (pull(a, true).await, pull(a, false).await);
    let (b_zipped, b_plain) = (pull(b, true).await, pull(b, false).await);
    assert_eq!(a_zipped, a_plain);
    assert_eq!(b_zipped, b_plain);
    assert_eq!(a_plain.clients, vec![ClientSeq { client: a, seq: 2 }]);
    assert_eq!(b_plain.clients, vec![ClientSeq { client: b, seq: 0 }]);
    let refused: Vec<u64> = a_plain.refusals.iter().map(|r| r.seq).collect();
    assert_eq!(refused, [2], "A's refusal, to A only");
    assert!(b_plain.refusals.is_empty());
    // The same change for both.
    assert!(a_plain.cursor > base);
    let (mut shared_a, mut shared_b) = (a_plain.clone(), b_plain.clone());
    for p in [&mut shared_a, &mut shared_b] {
        p.clients.clear();
        p.refusals.clear();
    }
    assert_eq!(shared_a, shared_b);
    assert!(shared_a.patches.iter().any(|p| p.id == task));
    s.stop().await;
}
