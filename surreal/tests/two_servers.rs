//! Two of our servers on one SurrealDB server (this package's `surreal`, on disk): sessions
//! and setup hold across them, pushes through both are all applied once, and what one writes
//! the other serves, its devices told through the database's LIVE query.

use backend::config::{DbConfig, ServeConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::ids::{ClientId, NodeId, PlanId};
use shared::mutation::{Mutation, NodeEdit};
use shared::sync::{ChangeNo, ClientSeq, Pending, PullRequest, PullResponse, PushRequest};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CREDENTIALS: (&str, &str) = ("root", "mat-khau-csdl");

/// The SurrealDB server, killed when dropped.
struct Database {
    child: Child,
    url: String,
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn start_database(dir: &Path) -> Database {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_surreal"))
        .args([
            "start",
            "--no-banner",
            "--log",
            "warn",
            "--user",
            CREDENTIALS.0,
            "--pass",
        ])
        .arg(CREDENTIALS.1)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .arg(format!("surrealkv://{}", dir.join("db").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn surreal: {e}"));
    let db = Database {
        child,
        url: format!("ws://127.0.0.1:{port}"),
    };
    // Ready once it answers its health check (bounded).
    let started = Instant::now();
    let health = format!("http://127.0.0.1:{port}/health");
    while reqwest::get(&health).await.ok().map(|r| r.status()) != Some(StatusCode::OK) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "surreal did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    db
}

/// One of our servers, in this process, on the database at `url`.
struct Server {
    api: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    setup: Option<String>,
}

async fn start_server(url: &str, photos: &Path) -> Server {
    let config = ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        database: DbConfig {
            data_dir: "unused".into(),
            db: Some(url.to_owned()),
            db_credentials: Some(format!("{}:{}", CREDENTIALS.0, CREDENTIALS.1)),
            photos: Some(photos.display().to_string()),
        },
        static_dir: "no-static-files".into(),
        no_seed: false,
        session_hours: 24,
        session_idle_hours: 24,
        https: false,
        trust_proxy: false,
    };
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

fn signed(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn post<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: String,
    value: Value,
) -> T {
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .body(value.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = r.status();
    let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

async fn json_of<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> T {
    let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn client(n: u64) -> ClientId {
    ClientId::from_parts(1_767_000_000_000 + n, [n as u8; 10])
}

fn progress(seq: u64, base: ChangeNo, id: NodeId, value: u8) -> Pending {
    Pending {
        seq,
        base,
        at: seq as i64,
        mutation: Mutation::EditNode {
            id,
            edit: NodeEdit::Progress(value),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_serve_one_plan_together() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = start_database(dir.path()).await;
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
    let plans: Vec<Value> = json_of(
        http.get(format!("{}/plans", b.api))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await;
    assert_eq!(plans.len(), 1, "the seed loaded once");
    let plan: PlanId =
        serde_json::from_value(plans[0]["id"].clone()).unwrap_or_else(|e| panic!("{e}"));
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
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), events.chunk())
            .await
            .unwrap_or_else(|_| panic!("B's devices were not told of A's change"))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_default();
        if String::from_utf8_lossy(&chunk).contains(&format!("data: {change}")) {
            break;
        }
    }
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
