//! What the API tests share: a server on port 0 over a real embedded database (`mem://`, or a
//! SurrealKV folder where a restart matters), signed-in clients, helpers.
#![allow(dead_code)]

use backend::config::{DbConfig, ServeConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::access::UserRole;
use shared::api::{ApiError, SessionInfo};
use shared::ids::{ClientId, NodeId, PlanId};
use shared::mutation::{Mutation, MutationError};
use shared::plan::{Node, PlanSummary, PlanTree};
use shared::sync::{Pending, PullRequest, PullResponse, PushRequest, PushResponse};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    /// The administrator's session token, which `client` sends.
    pub token: String,
    /// The device the tests push as, and its next sequence number.
    pub device: ClientId,
    pub seq: AtomicU64,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The service the server runs (what a test checks beneath the API).
    pub service: std::sync::Arc<backend::service::Service>,
}

/// True when the tests run against a SurrealDB server (`KH_TEST_SURREAL`), not embedded.
pub fn on_surreal_server() -> bool {
    std::env::var_os("KH_TEST_SURREAL").is_some()
}

/// A server's configuration on the database at `db`. With `KH_TEST_SURREAL=ws://host:port`
/// (and `KH_TEST_SURREAL_CREDENTIALS=user:password`), a test asking for `mem://` gets a new
/// database of its own on that SurrealDB server instead: the same tests against a server.
pub fn config(db: &str) -> ServeConfig {
    let server = std::env::var("KH_TEST_SURREAL")
        .ok()
        .filter(|_| db == "mem://");
    let database = match &server {
        Some(url) => DbConfig {
            data_dir: PathBuf::from("unused"),
            db: Some(url.clone()),
            db_name: format!("t{}", uuid::Uuid::now_v7().simple()),
            db_credentials: std::env::var("KH_TEST_SURREAL_CREDENTIALS").ok(),
            photos: Some("memory://".to_owned()),
        },
        None => DbConfig {
            data_dir: PathBuf::from("unused"),
            db: Some(db.to_owned()),
            db_name: backend::store::DATABASE.to_owned(),
            db_credentials: None,
            photos: None,
        },
    };
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        database,
        static_dir: PathBuf::from("no-static-files-in-api-tests"),
        no_seed: false,
        session_hours: 24,
        session_idle_hours: 24,
        https: false,
        trust_proxy: false,
    }
}

pub const ADMIN: &str = "quantri";
pub const ADMIN_PASSWORD: &str = "mat-khau-quan-tri";

/// A client that sends `token` with every request.
pub fn signed_client(token: &str) -> reqwest::Client {
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

/// Signs in over HTTP; the session token.
pub async fn sign_in(api: &str, username: &str, password: &str) -> String {
    let r = post_json(
        &reqwest::Client::new(),
        format!("{api}/session"),
        &json!({ "username": username, "password": password, "want_token": true }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK, "sign in as {username}");
    let s: SessionInfo = body(r).await;
    s.token.unwrap_or_else(|| panic!("no token"))
}

/// Creates the first administrator with a setup token, or signs in if it exists already.
pub async fn admin_token(api: &str, setup: Option<String>) -> String {
    match setup {
        Some(token) => {
            let r = post_json(
                &reqwest::Client::new(),
                format!("{api}/setup"),
                &json!({ "token": token, "username": ADMIN, "name": "Quản trị viên", "password": ADMIN_PASSWORD, "want_token": true }),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
            let s: SessionInfo = body(r).await;
            s.token.unwrap_or_else(|| panic!("no token"))
        }
        None => sign_in(api, ADMIN, ADMIN_PASSWORD).await,
    }
}

impl Server {
    pub async fn start(db: &str) -> Self {
        Self::start_with(config(db)).await
    }

    /// A server with a configuration of the test's own (e.g. its static files).
    pub async fn start_with(config: ServeConfig) -> Self {
        let service = backend::open(&config)
            .await
            .unwrap_or_else(|e| panic!("open: {e:#}"));
        let setup = service
            .setup_token()
            .await
            .unwrap_or_else(|e| panic!("setup token: {e}"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let kept = service.clone();
        let running = backend::start(&config, service, async {
            rx.await.ok();
        })
        .await
        .unwrap_or_else(|e| panic!("start: {e:#}"));
        let base = format!("http://{}", running.addr);
        let token = admin_token(&format!("{base}/api"), setup).await;
        Self {
            base,
            client: signed_client(&token),
            token,
            device: new_client(),
            seq: AtomicU64::new(1),
            stop: Some(tx),
            task: Some(running.task),
            service: kept,
        }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            tx.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            task.await.ok();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api{path}", self.base)
    }

    /// A client signed in as a new user with `role` (and `agency`), created by the admin.
    pub async fn as_user(
        &self,
        username: &str,
        role: UserRole,
        agency: Option<&str>,
    ) -> reqwest::Client {
        let r = post_json(
            &self.client,
            self.url("/users"),
            &json!({ "username": username, "name": format!("Cán bộ {username}"), "password": "mat-khau-123",
                     "role": role, "agency": agency }),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::CREATED, "create {username}");
        signed_client(&sign_in(&format!("{}/api", self.base), username, "mat-khau-123").await)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn seed_plan(&self) -> PlanTree {
        let plans: Vec<PlanSummary> = body(self.get("/plans").await).await;
        assert_eq!(plans.len(), 1);
        body(self.get(&format!("/plans/{}", plans[0].id)).await).await
    }

    /// Pushes one mutation as this server's test device; the answer says if it was refused.
    pub async fn mutate(&self, plan: PlanId, mutation: &Mutation) -> PushResponse {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let req = PushRequest {
            client: self.device,
            mutations: vec![Pending {
                seq,
                base: shared::sync::ChangeNo::ZERO,
                at: 0,
                mutation: mutation.clone(),
            }],
        };
        let r = self.push(plan, &req).await;
        assert_eq!(r.status(), StatusCode::OK);
        let answer: PushResponse = body(r).await;
        assert_eq!(answer.last_seq, seq);
        answer
    }

    pub async fn push(&self, plan: PlanId, req: &PushRequest) -> reqwest::Response {
        post_json(
            &self.client,
            self.url(&format!("/plans/{plan}/push")),
            &json!(req),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    pub async fn pull(&self, plan: PlanId, req: &PullRequest) -> PullResponse {
        let r = post_json(
            &self.client,
            self.url(&format!("/plans/{plan}/pull")),
            &json!(req),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        body(r).await
    }

    pub async fn raw_post(
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

/// The status of a GET of `url` by `client`.
pub async fn get_status(client: reqwest::Client, url: String) -> StatusCode {
    client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .status()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
    gz.finish().unwrap_or_else(|e| panic!("{e}"))
}

/// The JSON body of an answer (reqwest's `json` feature would change the features the database
/// engine is built with, and so rebuild it for tests).
pub async fn body<T: serde::de::DeserializeOwned>(r: reqwest::Response) -> T {
    let bytes = r.bytes().await.unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
}

pub fn post_json(client: &reqwest::Client, url: String, value: &Value) -> reqwest::RequestBuilder {
    client
        .post(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(value).unwrap_or_default())
}

/// A new empty plan, made by the administrator.
pub async fn new_plan(s: &Server, title: &str) -> PlanId {
    let id = PlanId(new_id().0);
    let r = post_json(
        &s.client,
        s.url("/plans"),
        &json!({ "id": id.to_string(), "metadata": { "title": title } }),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::CREATED);
    id
}

pub static COUNTER: AtomicU64 = AtomicU64::new(1);

pub fn new_id() -> NodeId {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut random = [0u8; 10];
    random[..8].copy_from_slice(&n.to_be_bytes());
    NodeId::from_parts(1_800_000_000_000 + n, random)
}

pub fn new_client() -> ClientId {
    ClientId(new_id().0)
}

/// The refusal of a one-mutation push, if it was refused.
pub fn refusal(answer: &PushResponse) -> Option<&MutationError> {
    answer.refused.first().map(|r| &r.error)
}

pub fn top<'a>(tree: &'a PlanTree, label: &str) -> &'a Node {
    tree.nodes
        .iter()
        .find(|n| n.parent.is_none() && n.label == label)
        .unwrap_or_else(|| panic!("no section {label}"))
}

pub fn children(tree: &PlanTree, parent: NodeId) -> Vec<&Node> {
    let mut kids: Vec<&Node> = tree
        .nodes
        .iter()
        .filter(|n| n.parent == Some(parent))
        .collect();
    kids.sort_by(|a, b| (&a.rank, a.id).cmp(&(&b.rank, b.id)));
    kids
}

/// The server binary as a child process on `dir`, for tests that kill it.
pub struct Process {
    pub child: std::process::Child,
    pub base: String,
    /// A session token of the administrator.
    pub token: String,
    pub setup: Option<tokio::sync::oneshot::Receiver<Option<String>>>,
}

impl Process {
    pub async fn start(dir: &std::path::Path) -> Self {
        // Port 0: the server picks a free port and says which (no port handed over that
        // another process could take in between).
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_backend"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(["--static-dir", "no-static-files"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let mut child = child;
        // The start-up message says where the server listens, and carries a one-time setup
        // link while no administrator exists.
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (link_tx, link_rx) = tokio::sync::oneshot::channel::<Option<String>>();
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel::<String>();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut tx = Some(link_tx);
            let mut addr_tx = Some(addr_tx);
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(url) = line.strip_prefix("Máy chủ đang chạy: ")
                    && let Some(tx) = addr_tx.take()
                {
                    tx.send(url.trim().to_owned()).ok();
                }
                if let Some(t) = line.split("#ma=").nth(1)
                    && let Some(tx) = tx.take()
                {
                    tx.send(Some(t.trim().to_owned())).ok();
                }
            }
            if let Some(tx) = tx.take() {
                tx.send(None).ok();
            }
        });
        let url = addr_rx
            .await
            .unwrap_or_else(|_| panic!("the server ended without saying where it listens"));
        let p = Self {
            child,
            base: format!("{url}/api"),
            token: String::new(),
            setup: Some(link_rx),
        };
        // Wait for the condition (health answers), bounded; the database lock of a killed
        // process is released by the OS at once.
        let client = reqwest::Client::new();
        for _ in 0..1500 {
            if let Ok(r) = client.get(format!("{}/health", p.base)).send().await
                && r.status() == StatusCode::OK
            {
                let mut p = p;
                let needed: shared::api::SetupStatus = body(
                    client
                        .get(format!("{}/setup", p.base))
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .await;
                let setup = match (needed.needed, p.setup.take()) {
                    (true, Some(rx)) => rx.await.ok().flatten(),
                    _ => None,
                };
                p.token = admin_token(&p.base, setup).await;
                return p;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the server did not start");
    }

    pub fn kill(mut self) {
        // SIGKILL: no shutdown code runs.
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Pushes one mutation as a new device of `client`; the answer (refused or not).
pub async fn push_as(
    s: &Server,
    client: &reqwest::Client,
    plan: PlanId,
    m: Mutation,
) -> PushResponse {
    let req = PushRequest {
        client: new_client(),
        mutations: vec![Pending {
            seq: 1,
            base: shared::sync::ChangeNo::ZERO,
            at: 1_800_000_000_000,
            mutation: m,
        }],
    };
    let r = post_json(client, s.url(&format!("/plans/{plan}/push")), &json!(req))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::OK);
    body(r).await
}

/// The service over the embedded database at `url` once its previous server has stopped: the
/// store frees its lock in the background, so opening is retried (bounded) rather than after a
/// guessed sleep.
pub async fn reopen(url: &str) -> std::sync::Arc<backend::service::Service> {
    for _ in 0..200 {
        match backend::open(&config(url)).await {
            Ok(service) => return service,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
        }
    }
    panic!("database did not reopen")
}

/// The administrator as the service sees them.
pub fn admin_user() -> shared::api::User {
    shared::api::User {
        username: ADMIN.into(),
        name: "Quản trị viên".into(),
        role: shared::access::UserRole::Admin,
        agency: None,
        active: true,
    }
}

/// Runs LibreOffice (headless, its own profile) to turn `docx` into a PDF; the PDF's text and
/// page count by poppler's tools.
pub fn pdf_text(docx: &std::path::Path) -> (String, u32) {
    let dir = docx.parent().unwrap_or_else(|| panic!("a folder"));
    let profile = format!("-env:UserInstallation=file://{}/lo-profile", dir.display());
    let out = std::process::Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        .arg(docx)
        .output()
        .unwrap_or_else(|e| panic!("LibreOffice (soffice) must be installed: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = docx.with_extension("pdf");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils) must be installed: {e}"));
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap_or_else(|e| panic!("pdfinfo (poppler-utils) must be installed: {e}"));
    let pages = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("Pages:")
                .map(|p| p.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    (String::from_utf8_lossy(&text.stdout).into_owned(), pages)
}

/// A file of the .docx (a zip) as text.
pub fn part(bytes: &[u8], name: &str) -> String {
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let mut f = zip.by_name(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut s = String::new();
    std::io::Read::read_to_string(&mut f, &mut s).unwrap_or_else(|e| panic!("{e}"));
    s
}
