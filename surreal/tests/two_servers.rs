//! Two of our servers on one SurrealDB server (this package's `surreal`, on disk): sessions
//! and setup hold across them, pushes through both are all applied once, and what one writes
//! the other serves, its devices told through the database's LIVE query.

mod common;

use common::{Database, client, post, progress, signed};
use serde_json::{Value, json};
use shared::ids::NodeId;
use shared::sync::{ChangeNo, ClientSeq, Pending, PullRequest, PullResponse, PushRequest};
use std::path::Path;
use std::time::Instant;

/// One of our servers, in this process, on the database at `url`.
struct Server {
    api: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    setup: Option<String>,
}

async fn start_server(url: &str, photos: &Path) -> Server {
    let config = common::config(url, photos);
    let service = backend::open(&config)
        .await
        .unwrap_or_else(|e| panic!("open: {e:#}"));
    let setup = service
        .setup_token()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = backend::start(&config, service, async {
        rx.await.ok();
    })
    .await
    .unwrap_or_else(|e| panic!("start: {e:#}"));
    Server {
        api: format!("http://{}/api", running.addr),
        stop: Some(tx),
        task: running.task,
        setup,
    }
}

impl Server {
    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            tx.send(()).ok();
        }
        self.task.await.ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_serve_one_plan_together() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = Database::start(dir.path()).await;
    let photos = dir.path().join("photos");
    let a = start_server(&db.url, &photos).await;
    // The first administrator, through A.
    let setup = a.setup.clone().unwrap_or_else(|| panic!("no setup link"));
    let session: Value = post(
        &reqwest::Client::new(),
        format!("{}/setup", a.api),
        json!({ "token": setup, "username": "quantri", "name": "Quản trị", "password": "mat-khau-quan-tri", "want_token": true }),
    )
    .await;
    let token = session["token"].as_str().unwrap_or_default().to_owned();
    let http = signed(&token);
    // B starts on the same database: the seed is there, no second setup link, and A's session
    // is valid on B.
    let b = start_server(&db.url, &photos).await;
    assert!(b.setup.is_none(), "an administrator exists");
    let plans = common::plans(&http, &b.api).await;
    assert_eq!(plans.len(), 1, "the seed loaded once");
    let plan = plans[0].id;
    let pull_url = |api: &str| format!("{api}/plans/{plan}/pull");
    let push_url = |api: &str| format!("{api}/plans/{plan}/push");
    let first: PullResponse = post(
        &http,
        pull_url(&b.api),
        json!({ "cursor": 0, "clients": [] }),
    )
    .await;
    let nodes: Vec<NodeId> = first.nodes.iter().map(|n| n.id).collect();
    let base = first.cursor;

    // B's devices listen.
    let mut events = http
        .get(format!("{}/plans/{plan}/events", b.api))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let now = events
        .chunk()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_default();
    assert!(String::from_utf8_lossy(&now).contains("event: change"));

    // An edit through A: B's devices are told, and B serves it.
    let pushed: Value = post(
        &http,
        push_url(&a.api),
        json!(PushRequest {
            client: client(1),
            mutations: vec![progress(1, base, nodes[1], 40)]
        }),
    )
    .await;
    let change = pushed["change"].as_u64().unwrap_or_default();
    let told = Instant::now();
    common::until_told(&mut events, change, "B's devices").await;
    eprintln!(
        "cross_process_poke_ms: {:.1}",
        told.elapsed().as_secs_f64() * 1000.0
    );
    let on_b: PullResponse = post(
        &http,
        pull_url(&b.api),
        json!(PullRequest {
            cursor: base,
            clients: vec![ClientSeq {
                client: client(1),
                seq: 0
            }]
        }),
    )
    .await;
    assert_eq!(on_b.cursor, ChangeNo(change));
    assert_eq!(
        on_b.clients,
        vec![ClientSeq {
            client: client(1),
            seq: 1
        }]
    );
    assert!(on_b.patches.iter().any(|p| p.id == nodes[1]));

    // A device pulls a change through B that A never sent it, then edits the same field
    // through A: it saw that change, so no conflict (what a server sent a device is not known
    // to the other).
    let stale: PullResponse = post(
        &http,
        pull_url(&a.api),
        json!(PullRequest {
            cursor: base,
            clients: vec![ClientSeq {
                client: client(2),
                seq: 0
            }]
        }),
    )
    .await;
    let other: Value = post(
        &http,
        push_url(&b.api),
        json!(PushRequest {
            client: client(3),
            mutations: vec![progress(1, stale.cursor, nodes[1], 45)]
        }),
    )
    .await;
    let seen: PullResponse = post(
        &http,
        pull_url(&b.api),
        json!(PullRequest {
            cursor: stale.cursor,
            clients: vec![ClientSeq {
                client: client(2),
                seq: 0
            }]
        }),
    )
    .await;
    assert_eq!(seen.cursor.0, other["change"].as_u64().unwrap_or_default());
    let _: Value = post(
        &http,
        push_url(&a.api),
        json!(PushRequest {
            client: client(2),
            mutations: vec![progress(1, seen.cursor, nodes[1], 50)]
        }),
    )
    .await;
    let after: PullResponse = post(
        &http,
        pull_url(&a.api),
        json!(PullRequest {
            cursor: seen.cursor,
            clients: vec![]
        }),
    )
    .await;
    assert!(
        after.conflicts.is_empty(),
        "no conflict for an edit made after seeing the other: {:?}",
        after.conflicts
    );

    // Devices pushing through both at once, from the same stale base: every edit applied
    // once (the database's change-number check serialises the two servers' writes).
    let devices = 6u64;
    let mut pushes = Vec::new();
    for d in 0..devices {
        let (http, url) = (
            http.clone(),
            push_url(if d % 2 == 0 { &a.api } else { &b.api }),
        );
        let mutations: Vec<Pending> = (1..=5)
            .map(|seq| {
                progress(
                    seq,
                    base,
                    nodes[2 + (d as usize * 5 + seq as usize) % (nodes.len() - 2)],
                    (d * 10 + seq) as u8,
                )
            })
            .collect();
        pushes.push(tokio::spawn(async move {
            let answer: Value = post(
                &http,
                url,
                json!(PushRequest {
                    client: client(10 + d),
                    mutations
                }),
            )
            .await;
            answer["last_seq"].as_u64()
        }));
    }
    for p in pushes {
        assert_eq!(p.await.unwrap_or_else(|e| panic!("{e}")), Some(5));
    }
    // Sent again through the other server (a lost answer): nothing applied twice.
    let again: Value = post(
        &http,
        push_url(&b.api),
        json!(PushRequest {
            client: client(10),
            mutations: (1..=5)
                .map(|seq| progress(seq, base, nodes[2], 99))
                .collect()
        }),
    )
    .await;
    assert_eq!(again["last_seq"].as_u64(), Some(5));
    let clients: Vec<ClientSeq> = (0..devices)
        .map(|d| ClientSeq {
            client: client(10 + d),
            seq: 0,
        })
        .collect();
    let via_a: PullResponse = post(
        &http,
        pull_url(&a.api),
        json!(PullRequest {
            cursor: base,
            clients: clients.clone()
        }),
    )
    .await;
    let via_b: PullResponse = post(
        &http,
        pull_url(&b.api),
        json!(PullRequest {
            cursor: base,
            clients
        }),
    )
    .await;
    // The same answer from both (in whatever order each keeps its maps).
    let sorted = |mut p: PullResponse| {
        p.patches.sort_by_key(|x| x.id);
        p.conflicts.sort_by_key(|c| c.id);
        p
    };
    let (via_a, via_b) = (sorted(via_a), sorted(via_b));
    assert_eq!(via_a, via_b, "both servers serve the same plan");
    assert!(
        via_a.clients.iter().all(|c| c.seq == 5),
        "{:?}",
        via_a.clients
    );
    assert!(via_a.refusals.is_empty());
    // Every edit is in the plan, as a value or as the loser of a recorded conflict.
    let whole: PullResponse = post(
        &http,
        pull_url(&a.api),
        json!({ "cursor": 0, "clients": [] }),
    )
    .await;
    assert_eq!(whole.cursor, via_a.cursor);
    assert!(
        whole.nodes.iter().all(|n| n.progress != 99),
        "the repeated push changed nothing"
    );
    a.stop().await;
    b.stop().await;
    drop(db);
}
