//! Backup and restore as an operator meets them: `backend backup` while the server runs and a
//! device pushes, `backend restore` into a new folder, and a server on it serving the same
//! plans, history and accounts; what a restore refuses; who may download a copy.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::access::UserRole;
use shared::api::User;
use shared::ids::{NodeId, PlanId};
use shared::mutation::{Mutation, Position};
use shared::plan::{PlanSummary, PlanTree};
use shared::sync::{HistoryEntry, Pending, PushRequest, PushResponse};
use std::path::Path;

const OFFICER: &str = "canbo-sao-luu";
const OFFICER_PASSWORD: &str = "mat-khau-can-bo-1";

/// Runs the server binary's command line; its exit status, standard output and error.
async fn backend(args: &[&str], dir: &Path) -> (bool, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_backend"));
    cmd.args(args).current_dir(dir);
    // Off the async threads: the server under test may run in this process's runtime.
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn get<T: serde::de::DeserializeOwned>(client: &reqwest::Client, url: String) -> T {
    body(
        client
            .get(url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await
}

/// Everything a user can read of a server: its plans, each plan whole, each node's history, and
/// the accounts.
#[derive(Debug, PartialEq)]
struct Everything {
    plans: Vec<PlanSummary>,
    trees: Vec<PlanTree>,
    history: Vec<Vec<HistoryEntry>>,
    users: Vec<User>,
}

async fn everything(p: &Process) -> Everything {
    let client = signed_client(&p.token);
    let plans: Vec<PlanSummary> = get(&client, format!("{}/plans", p.base)).await;
    let mut trees = Vec::new();
    let mut history = Vec::new();
    for plan in &plans {
        let tree: PlanTree = get(&client, format!("{}/plans/{}", p.base, plan.id)).await;
        for n in &tree.nodes {
            history.push(
                get(
                    &client,
                    format!("{}/plans/{}/nodes/{}/history", p.base, plan.id, n.id),
                )
                .await,
            );
        }
        trees.push(tree);
    }
    let users = get(&client, format!("{}/users", p.base)).await;
    Everything {
        plans,
        trees,
        history,
        users,
    }
}

/// A standing officer's account, made by the administrator.
async fn create_officer(p: &Process) {
    let r = post_json(
        &signed_client(&p.token),
        format!("{}/users", p.base),
        &json!({ "username": OFFICER, "name": "Cán bộ sao lưu", "password": OFFICER_PASSWORD,
                 "role": UserRole::Standing }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::CREATED);
}

fn title(k: usize) -> String {
    format!("Nhiệm vụ thêm trong lúc sao lưu số {k}")
}

/// Pushes `count` new tasks under `parent`, one push each, as one device; sends how many were
/// applied after each.
async fn push_tasks(
    client: reqwest::Client,
    url: String,
    parent: NodeId,
    count: usize,
    done: tokio::sync::watch::Sender<usize>,
) {
    let device = new_client();
    for k in 0..count {
        let req = PushRequest {
            client: device,
            mutations: vec![Pending {
                seq: k as u64 + 1,
                base: shared::sync::ChangeNo::ZERO,
                at: 1_800_000_000_000,
                mutation: Mutation::CreateNode {
                    id: new_id(),
                    parent: Some(parent),
                    position: Position::Last,
                    title: title(k),
                    body: None,
                    deadline: None,
                    label: String::new(),
                    owner: None,
                },
            }],
        };
        let r = post_json(&client, url.clone(), &json!(req))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        let answer: PushResponse = body(r).await;
        assert!(answer.refused.is_empty(), "{:?}", answer.refused);
        done.send_replace(k + 1);
    }
}

async fn seed_plan(p: &Process) -> (PlanId, PlanTree) {
    let client = signed_client(&p.token);
    let plans: Vec<PlanSummary> = get(&client, format!("{}/plans", p.base)).await;
    let tree: PlanTree = get(&client, format!("{}/plans/{}", p.base, plans[0].id)).await;
    (plans[0].id, tree)
}

fn arg(path: &Path) -> &str {
    path.to_str()
        .unwrap_or_else(|| panic!("a path that is not UTF-8"))
}

#[tokio::test]
async fn a_copy_taken_while_a_device_pushes_restores_the_same_plans_history_and_accounts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let p = Process::start(&a).await;
    let admin = signed_client(&p.token);
    create_officer(&p).await;
    let (plan, tree) = seed_plan(&p).await;
    let parent = top(&tree, "III").id;

    // A device pushes 40 new tasks; the first copy is taken once 5 are in, while it goes on.
    const PUSHES: usize = 40;
    let (tx, mut rx) = tokio::sync::watch::channel(0usize);
    let pusher = tokio::spawn(push_tasks(
        admin.clone(),
        format!("{}/plans/{plan}/push", p.base),
        parent,
        PUSHES,
        tx,
    ));
    rx.wait_for(|n| *n >= 5)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (ok, out, err) =
        backend(&["backup", "--data-dir", arg(&a), "giua.surql"], dir.path()).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("từ máy chủ đang chạy"), "{out}");
    pusher.await.unwrap_or_else(|e| panic!("{e}"));
    let (ok, out, err) =
        backend(&["backup", "--data-dir", arg(&a), "cuoi.surql"], dir.path()).await;
    assert!(ok, "{out}{err}");
    let before = everything(&p).await;
    p.kill();

    // The last copy, restored: the same plans, trees, histories and accounts, and the same
    // passwords sign in (Process::start signs the administrator in).
    let (ok, out, err) = backend(
        &["restore", "--data-dir", arg(&b), "cuoi.surql"],
        dir.path(),
    )
    .await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("Đã khôi phục"), "{out}");
    let restored = Process::start(&b).await;
    let after = everything(&restored).await;
    assert_eq!(after, before);
    sign_in(&restored.base, OFFICER, OFFICER_PASSWORD).await;
    restored.kill();

    // The copy taken mid-way holds whole pushes only: the tasks pushed before it, in order,
    // each with its history, and nothing half-written.
    let (ok, out, err) = backend(
        &["restore", "--data-dir", arg(&c), "giua.surql"],
        dir.path(),
    )
    .await;
    assert!(ok, "{out}{err}");
    let mid = Process::start(&c).await;
    let (_, tree) = seed_plan(&mid).await;
    let added: Vec<_> = children(&tree, parent)
        .into_iter()
        .filter(|n| n.title.starts_with("Nhiệm vụ thêm"))
        .collect();
    assert!(added.len() >= 5, "{} tasks in the copy", added.len());
    let client = signed_client(&mid.token);
    for (k, n) in added.iter().enumerate() {
        assert_eq!(n.title, title(k));
        let h: Vec<HistoryEntry> = get(
            &client,
            format!("{}/plans/{plan}/nodes/{}/history", mid.base, n.id),
        )
        .await;
        assert_eq!(h.len(), 1, "{}: {h:?}", n.title);
    }
    let mid_plan = everything(&mid).await.plans;
    assert_eq!(
        mid_plan[0].node_count,
        before.plans[0].node_count - (PUSHES - added.len())
    );
    mid.kill();
}

#[tokio::test]
async fn restore_refuses_a_database_in_use_or_holding_data_unless_forced() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = dir.path().join("a");
    let p = Process::start(&a).await;
    let (_, before) = seed_plan(&p).await;
    let (ok, out, err) = backend(
        &["backup", "--data-dir", arg(&a), "sao-luu.surql"],
        dir.path(),
    )
    .await;
    assert!(ok, "{out}{err}");

    // A copy never overwrites another.
    let (ok, _, err) = backend(
        &["backup", "--data-dir", arg(&a), "sao-luu.surql"],
        dir.path(),
    )
    .await;
    assert!(!ok);
    assert!(err.contains("đã có"), "{err}");

    // Not while the server runs on the folder.
    let (ok, _, err) = backend(
        &["restore", "--data-dir", arg(&a), "sao-luu.surql"],
        dir.path(),
    )
    .await;
    assert!(!ok);
    assert!(err.contains("đang dùng"), "{err}");
    p.kill();

    // Not over data without --force.
    let (ok, _, err) = backend(
        &["restore", "--data-dir", arg(&a), "sao-luu.surql"],
        dir.path(),
    )
    .await;
    assert!(!ok);
    assert!(err.contains("--force"), "{err}");

    // Not from a file that is not a copy; the database is left as it was.
    std::fs::write(dir.path().join("ghi-chu.txt"), "Kế hoạch 52\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (ok, _, err) = backend(
        &["restore", "--force", "--data-dir", arg(&a), "ghi-chu.txt"],
        dir.path(),
    )
    .await;
    assert!(!ok);
    assert!(err.contains("không phải một bản sao lưu"), "{err}");

    // With --force, the database in place is kept beside, not deleted.
    let (ok, out, err) = backend(
        &["restore", "--force", "--data-dir", arg(&a), "sao-luu.surql"],
        dir.path(),
    )
    .await;
    assert!(ok, "{out}{err}");
    let kept: Vec<_> = std::fs::read_dir(&a)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("db.truoc-khoi-phuc-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{out}");
    assert!(out.contains("được giữ ở"), "{out}");
    let p = Process::start(&a).await;
    assert_eq!(seed_plan(&p).await.1, before);
    p.kill();
}

#[tokio::test]
async fn only_an_administrator_or_the_operators_token_may_take_a_copy() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let a = dir.path().join("a");
    let p = Process::start(&a).await;
    let url = format!("{}/admin/backup", p.base);
    let admin = signed_client(&p.token);
    create_officer(&p).await;
    let officer = signed_client(&sign_in(&p.base, OFFICER, OFFICER_PASSWORD).await);

    let status = |client: reqwest::Client| get_status(client, url.clone());
    assert_eq!(
        status(reqwest::Client::new()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(signed_client("not-a-token")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(status(officer).await, StatusCode::FORBIDDEN);

    // The administrator's download: a SurrealQL file named by the time.
    let r = admin
        .get(&url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"sao-luu-ke-hoach-"),
        "{disposition}"
    );
    let text = r.text().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains("OPTION IMPORT;"));

    // The operator's token, from the file the server wrote beside its data (this user's only).
    let announced: serde_json::Value = serde_json::from_slice(
        &std::fs::read(a.join(backend::backup::SERVER_FILE)).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(a.join(backend::backup::SERVER_FILE))
            .unwrap_or_else(|e| panic!("{e}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    let token = announced["token"].as_str().unwrap_or_default();
    assert_eq!(status(signed_client(token)).await, StatusCode::OK);
    // It opens nothing else.
    let r = signed_client(token)
        .get(format!("{}/plans", p.base))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // A server killed leaves its file behind: `backup` then reads the database itself.
    p.kill();
    let (ok, out, err) = backend(&["backup", "--data-dir", arg(&a), "sau.surql"], dir.path()).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 kế hoạch"), "{out}");
}
