//! What the tests of several servers on one SurrealDB server share: the database (this
//! package's `surreal`, on disk, restartable), our servers in this process or in child
//! processes (which a test may kill), requests.
#![allow(dead_code)]

use backend::config::{DbConfig, ServeConfig};
use reqwest::StatusCode;
use serde_json::Value;
use shared::ids::{ClientId, NodeId, PlanId};
use shared::mutation::{Mutation, NodeEdit};
use shared::sync::{
    ChangeNo, ClientSeq, HistoryEntry, Pending, PullRequest, PullResponse, PushRequest,
};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CREDENTIALS: (&str, &str) = ("root", "mat-khau-csdl");

/// The SurrealDB server, on disk under a folder of the test's, killed when dropped.
pub struct Database {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    pub url: String,
}

impl Drop for Database {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Waits (bounded) until `url` answers 200.
pub async fn until_ok(url: &str, within: Duration) {
    let started = Instant::now();
    while reqwest::get(url).await.ok().map(|r| r.status()) != Some(StatusCode::OK) {
        assert!(
            started.elapsed() < within,
            "{url} did not answer in {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Database {
    pub async fn start(dir: &Path) -> Database {
        let mut db = Database {
            child: None,
            port: free_port(),
            dir: dir.to_owned(),
            url: String::new(),
        };
        db.url = format!("ws://127.0.0.1:{}", db.port);
        db.run().await;
        db
    }

    async fn run(&mut self) {
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
            .args(["--bind", &format!("127.0.0.1:{}", self.port)])
            .arg(format!("surrealkv://{}", self.dir.join("db").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn surreal: {e}"));
        self.child = Some(child);
        until_ok(
            &format!("http://127.0.0.1:{}/health", self.port),
            Duration::from_secs(120),
        )
        .await;
    }

    /// Kills the server (SIGKILL: no goodbye to its clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data.
    pub async fn restart(&mut self) {
        self.kill();
        self.run().await;
    }
}

/// How one of our servers reaches the database at `url`.
pub fn config(url: &str, photos: &Path) -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        database: DbConfig {
            db_name: backend::store::DATABASE.to_owned(),
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
    }
}

/// One of our servers in a child process (this test binary again, running its ignored test
/// `child_server`), killed with SIGKILL when dropped.
pub struct ChildServer {
    child: Child,
    pub api: String,
    /// The setup token it printed (none once an administrator exists).
    pub setup: Option<String>,
}

impl ChildServer {
    pub fn start(url: &str, photos: &Path) -> ChildServer {
        let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
        let mut child = Command::new(exe)
            .args(["child_server", "--exact", "--ignored", "--nocapture"])
            .env("KH_CHILD_DB", url)
            .env("KH_CHILD_PHOTOS", photos)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn a child server: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut setup = None;
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(addr) = line.strip_prefix("KH_CHILD_ADDR=") {
                        break addr.to_owned();
                    }
                    if let Some(token) = line.strip_prefix("KH_CHILD_SETUP=") {
                        setup = Some(token.to_owned());
                    }
                }
                _ => panic!("the child server ended before it listened"),
            }
        };
        // Read what else it says, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        ChildServer {
            child,
            api: format!("http://{addr}/api"),
            setup,
        }
    }

    /// SIGKILL: whatever it was doing stops here.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The body of the ignored test `child_server`: a server on `KH_CHILD_DB` until killed (it
/// prints `KH_CHILD_ADDR=<addr>` once listening). Without the variable, nothing.
pub fn serve_as_child() {
    let (Ok(url), Ok(photos)) = (
        std::env::var("KH_CHILD_DB"),
        std::env::var("KH_CHILD_PHOTOS"),
    ) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        let config = config(&url, Path::new(&photos));
        let service = backend::open(&config)
            .await
            .unwrap_or_else(|e| panic!("open: {e:#}"));
        if let Some(token) = service
            .setup_token()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
        {
            println!("KH_CHILD_SETUP={token}");
        }
        let running = backend::start(&config, service, std::future::pending())
            .await
            .unwrap_or_else(|e| panic!("start: {e:#}"));
        println!("KH_CHILD_ADDR={}", running.addr);
        let _ = running.task.await;
    });
}

/// A client that sends the session `token` with every request.
pub fn signed(token: &str) -> reqwest::Client {
    let bearer = format!("Bearer {token}")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    reqwest::Client::builder()
        .default_headers(
            [(reqwest::header::AUTHORIZATION, bearer)]
                .into_iter()
                .collect(),
        )
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The plans `http` may read through `api`.
pub async fn plans(http: &reqwest::Client, api: &str) -> Vec<shared::plan::PlanSummary> {
    json_of(
        http.get(format!("{api}/plans"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .await
}

/// Reads `events` (a plan's event stream) until it tells of `change` (bounded: 10 s).
pub async fn until_told(events: &mut reqwest::Response, change: u64, who: &str) {
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), events.chunk())
            .await
            .unwrap_or_else(|_| panic!("{who} were not told of change {change}"))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_default();
        if String::from_utf8_lossy(&chunk).contains(&format!("data: {change}")) {
            return;
        }
    }
}

/// POSTs `value`; the status and the body's JSON (null when not JSON).
pub async fn send(client: &reqwest::Client, url: String, value: &Value) -> (StatusCode, Value) {
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .body(value.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = r.status();
    let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// POSTs `value`, which must be answered 200; the answer.
pub async fn post<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: String,
    value: Value,
) -> T {
    let (status, body) = send(client, url, &value).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"))
}

pub async fn json_of<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> T {
    let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

pub fn client(n: u64) -> ClientId {
    ClientId::from_parts(1_767_000_000_000 + n, [n as u8; 10])
}

pub fn progress(seq: u64, base: ChangeNo, id: NodeId, value: u8) -> Pending {
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

/// A pull of `plan` through `api` from `cursor`, naming the devices `devices` (`client(n)`).
pub async fn pull(
    http: &reqwest::Client,
    api: &str,
    plan: PlanId,
    cursor: ChangeNo,
    devices: &[u64],
) -> PullResponse {
    let clients = devices
        .iter()
        .map(|&n| ClientSeq {
            client: client(n),
            seq: 0,
        })
        .collect();
    post(
        http,
        format!("{api}/plans/{plan}/pull"),
        serde_json::json!(PullRequest {
            cursor,
            clients,
            holds: None,
        }),
    )
    .await
}

/// A push of `mutations` by the device `client(device)` to `plan` through `api`, which must
/// be answered 200; the answer.
pub async fn push(
    http: &reqwest::Client,
    api: &str,
    plan: PlanId,
    device: u64,
    mutations: Vec<Pending>,
) -> Value {
    post(
        http,
        format!("{api}/plans/{plan}/push"),
        serde_json::json!(PushRequest {
            client: client(device),
            mutations
        }),
    )
    .await
}

/// Creates the first administrator through `api` with its setup token; the session token.
pub async fn set_up(api: &str, setup: &str) -> String {
    let session: Value = post(
        &reqwest::Client::new(),
        format!("{api}/setup"),
        serde_json::json!({ "token": setup, "username": "quantri", "name": "Quản trị", "password": "mat-khau-quan-tri", "want_token": true }),
    )
    .await;
    session["token"].as_str().unwrap_or_default().to_owned()
}

/// A cluster: the database, two servers in child processes, an administrator's client, the
/// seed plan and its nodes.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub db: Database,
    pub a: ChildServer,
    pub b: ChildServer,
    pub http: reqwest::Client,
    pub plan: PlanId,
    pub nodes: Vec<NodeId>,
    pub base: ChangeNo,
}

/// Starts a [`Cluster`]; the administrator is made through A (B starts after it).
pub async fn cluster() -> Cluster {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = Database::start(dir.path()).await;
    let photos = dir.path().join("photos");
    let a = ChildServer::start(&db.url, &photos);
    let token = set_up(
        &a.api,
        a.setup
            .as_deref()
            .unwrap_or_else(|| panic!("no setup link")),
    )
    .await;
    let b = ChildServer::start(&db.url, &photos);
    let http = signed(&token);
    let plan = plans(&http, &b.api).await[0].id;
    let first = pull(&http, &a.api, plan, ChangeNo::ZERO, &[]).await;
    Cluster {
        dir,
        db,
        a,
        b,
        http,
        plan,
        nodes: first.nodes.iter().map(|n| n.id).collect(),
        base: first.cursor,
    }
}

impl Cluster {
    pub fn url(&self, api: &str, what: &str) -> String {
        format!("{api}/plans/{}/{what}", self.plan)
    }

    /// The sequence number the database holds for `device`.
    pub async fn seq_of(&self, api: &str, device: u64) -> u64 {
        let pulled = pull(&self.http, api, self.plan, self.base, &[device]).await;
        pulled.clients.first().map_or(0, |c| c.seq)
    }

    /// The sequence numbers of `device`'s edits in `node`'s history, sorted.
    pub async fn history_seqs(&self, api: &str, node: NodeId, device: u64) -> Vec<u64> {
        let entries: Vec<HistoryEntry> = json_of(
            self.http
                .get(self.url(api, &format!("nodes/{node}/history")))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .await;
        let mut seqs: Vec<u64> = entries
            .iter()
            .filter(|e| e.client == client(device))
            .map(|e| e.seq)
            .collect();
        seqs.sort_unstable();
        seqs
    }
}
