//! The HTTP API against a real embedded database: the server on port 0, `mem://` (or a
//! SurrealKV folder where a restart matters), requests over loopback.

use backend::config::{DbConfig, ServeConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::api::{ApiError, ErrorCode, MutationResponse};
use shared::ids::{NodeId, PlanId};
use shared::mutation::{Mutation, MutationError, NodeEdit, Position};
use shared::plan::{Node, PlanSummary, PlanTree};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

struct Server {
    base: String,
    client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

fn config(db: &str) -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        database: DbConfig {
            data_dir: PathBuf::from("unused"),
            db: Some(db.to_owned()),
            db_credentials: None,
        },
        static_dir: PathBuf::from("no-static-files-in-api-tests"),
        no_seed: false,
    }
}

impl Server {
    async fn start(db: &str) -> Self {
        let config = config(db);
        let service = backend::open(&config)
            .await
            .unwrap_or_else(|e| panic!("open: {e:#}"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let running = backend::start(&config, service, async {
            rx.await.ok();
        })
        .await
        .unwrap_or_else(|e| panic!("start: {e:#}"));
        Self {
            base: format!("http://{}", running.addr),
            client: reqwest::Client::new(),
            stop: Some(tx),
            task: Some(running.task),
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            tx.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            task.await.ok();
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api{path}", self.base)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn seed_plan(&self) -> PlanTree {
        let plans: Vec<PlanSummary> = body(self.get("/plans").await).await;
        assert_eq!(plans.len(), 1);
        body(self.get(&format!("/plans/{}", plans[0].id)).await).await
    }

    async fn mutate(&self, plan: PlanId, mutation: &Mutation) -> reqwest::Response {
        post_json(
            &self.client,
            self.url(&format!("/plans/{plan}/mutations")),
            &json!({ "mutation": mutation }),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn raw_post(
        &self,
        path: &str,
        content_type: &str,
        payload: impl Into<reqwest::Body>,
    ) -> (StatusCode, ApiError) {
        let r = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(payload)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = r.status();
        (status, body(r).await)
    }
}

/// The JSON body of an answer (reqwest's `json` feature would change the features the database
/// engine is built with, and so rebuild it for tests).
async fn body<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> T {
    let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
}

fn post_json(client: &reqwest::Client, url: String, value: &Value) -> reqwest::RequestBuilder {
    client
        .post(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(value).unwrap_or_default())
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

fn new_id() -> NodeId {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&n.to_be_bytes());
    NodeId::from_parts(1_800_000_000_000 + n, random)
}

fn top<'a>(tree: &'a PlanTree, label: &str) -> &'a Node {
    tree.nodes
        .iter()
        .find(|n| n.parent.is_none() && n.label == label)
        .unwrap_or_else(|| panic!("no section {label}"))
}

fn children(tree: &PlanTree, parent: NodeId) -> Vec<&Node> {
    let mut kids: Vec<&Node> = tree
        .nodes
        .iter()
        .filter(|n| n.parent == Some(parent))
        .collect();
    kids.sort_by(|a, b| (&a.rank, a.id).cmp(&(&b.rank, b.id)));
    kids
}

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
    };
    let r = s.mutate(plan, &create).await;
    assert_eq!(r.status(), StatusCode::OK);
    let answer: MutationResponse = body(r).await;
    assert_eq!(answer.change.upserted.len(), 1);
    // The same create again (a retry) is refused, not duplicated.
    let r = s.mutate(plan, &create).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Edit its title.
    let edit = Mutation::EditNode {
        id,
        edit: NodeEdit::Title("Xây dựng trường phổ thông dân tộc bán trú".into()),
    };
    assert_eq!(s.mutate(plan, &edit).await.status(), StatusCode::OK);

    // Move it under section I, first.
    let i = top(&tree, "I").id;
    let mv = Mutation::MoveNode {
        id,
        parent: Some(i),
        position: Position::First,
    };
    assert_eq!(s.mutate(plan, &mv).await.status(), StatusCode::OK);
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
    let r = s.mutate(plan, &cycle).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let e: ApiError = body(r).await;
    assert_eq!(e.code, ErrorCode::Refused);
    assert!(matches!(e.refusal, Some(MutationError::Cycle { .. })));
    assert!(e.message.contains("Không thể chuyển"));

    // An empty title is refused with the Vietnamese rule.
    let blank = Mutation::EditNode {
        id,
        edit: NodeEdit::Title("  ".into()),
    };
    let r = s.mutate(plan, &blank).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: ApiError = body(r).await;
    assert_eq!(e.message, "Tiêu đề không được để trống.");

    // Delete task 4 of section III with its subtree (nothing under it now).
    let del = Mutation::DeleteNode { id: task4 };
    let answer: MutationResponse = body(s.mutate(plan, &del).await).await;
    assert_eq!(answer.change.deleted, vec![task4]);
    let r = s.mutate(plan, &del).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let after = s.seed_plan().await;
    assert_eq!(after.nodes.len(), tree.nodes.len());
    assert_eq!(children(&after, iii).len(), 9);
    s.stop().await;
}

#[tokio::test]
async fn bad_requests_get_typed_vietnamese_errors_never_a_500() {
    let s = Server::start("mem://").await;
    let tree = s.seed_plan().await;
    let path = format!("/plans/{}/mutations", tree.plan.id);

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
            r#"{"mutation": {"type": "edit_node", "id": 5}}"#,
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
        r#"{{"mutation": {{"type": "delete_node", "id": "{}"}}}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let (status, e) = s.raw_post(&path, "application/json", huge).await;
    assert_eq!(
        (status, e.code),
        (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
    );

    let unknown = Mutation::EditNode {
        id: new_id(),
        edit: NodeEdit::Body(None),
    };
    let r = s.mutate(tree.plan.id, &unknown).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = s.mutate(PlanId::from_parts(1, [1; 10]), &unknown).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let e: ApiError = body(r).await;
    assert_eq!(e.message, "Không tìm thấy kế hoạch.");

    for (path, status) in [
        ("/plans/not-a-uuid", StatusCode::BAD_REQUEST),
        (
            "/plans/01890000-0000-7000-8000-000000000000",
            StatusCode::NOT_FOUND,
        ),
        ("/nothing-here", StatusCode::NOT_FOUND),
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), status, "{path}");
        let e: ApiError = body(r).await;
        assert!(!e.message.is_empty());
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
        })
        .collect();
    // Send them all at once: the per-plan lock must serialise them without losing any.
    let mut set = tokio::task::JoinSet::new();
    for m in creates {
        let client = s.client.clone();
        let url = s.url(&format!("/plans/{}/mutations", tree.plan.id));
        set.spawn(async move {
            post_json(&client, url, &json!({ "mutation": m }))
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
    assert_eq!(s.mutate(tree.plan.id, &edit).await.status(), StatusCode::OK);
    s.stop().await;

    // The embedded store releases its lock in the background after the last handle is dropped:
    // retry opening until it is free (bounded), rather than sleeping a guessed time.
    let mut reopened = None;
    for _ in 0..200 {
        match backend::open(&config(&url)).await {
            Ok(service) => {
                reopened = Some(service);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
        }
    }
    let service = reopened.unwrap_or_else(|| panic!("database did not reopen"));
    let plans = service.list_plans().await.unwrap_or_else(|e| panic!("{e}"));
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

#[test]
fn import_plan_dry_run_prints_the_parsed_plan_as_json() {
    let seed = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/seed/ke-hoach-52-KH-UBND-2014-lang-son.txt"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backend"))
        .args(["import-plan", "--dry-run", "--json", seed])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
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
    assert_eq!(s.mutate(tree.plan.id, &edit).await.status(), StatusCode::OK);
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
