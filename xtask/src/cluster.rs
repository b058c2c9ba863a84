//! `cargo xtask run --cluster`: what a deployment beyond one machine runs, on this one. A
//! SurrealDB server on disk (this workspace's `surreal`, built with the backend so the engine
//! is compiled once), two of our servers on it, and nginx (Debian's package) in front, as
//! `deploy/nginx.conf` says: the app at http://127.0.0.1:8080. Data under `data/cluster/`.
//! Ctrl-C (or any of them ending) stops them all.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{apt_install, cargo, root, sh};

const FRONT: &str = "127.0.0.1:8080";
const DATABASE: &str = "127.0.0.1:8000";
const SERVERS: [&str; 2] = ["127.0.0.1:8081", "127.0.0.1:8082"];

/// The processes started, each killed when this is dropped (in reverse order).
#[derive(Default)]
struct Started(Vec<(String, Child)>);

impl Drop for Started {
    fn drop(&mut self) {
        for (_, child) in self.0.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn run() -> Result<()> {
    crate::setup()?;
    apt_install("/usr/sbin/nginx", &["nginx"], false)?;
    crate::web::build(false)?;
    sh(cargo().args(["build", "--release", "-p", "backend", "-p", "surreal"]))?;
    let root = root();
    let dir = root.join("data/cluster");
    for sub in ["photos", "nginx/logs", "nginx/tmp"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let password = database_password(&dir)?;
    let mut started = Started::default();

    let database = Command::new(root.join("target/release/surreal"))
        .args(["start", "--no-banner", "--log", "warn", "--bind", DATABASE])
        .arg(format!("surrealkv://{}", dir.join("db").display()))
        .env("SURREAL_USER", "root")
        .env("SURREAL_PASS", &password)
        .spawn()
        .context("start surreal")?;
    started.0.push(("SurrealDB".into(), database));
    until_healthy(DATABASE, "/health", &mut started)?;

    for (i, addr) in SERVERS.iter().enumerate() {
        let mut server = Command::new(root.join("target/release/backend"))
            .arg("serve")
            .args(["--addr", addr, "--db", &format!("ws://{DATABASE}")])
            .arg("--data-dir")
            .arg(&dir)
            .arg("--photos")
            .arg(dir.join("photos"))
            .arg("--static-dir")
            .arg(root.join("frontend/dist"))
            .arg("--trust-proxy")
            .env("KH_DB_CREDENTIALS", format!("root:{password}"))
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("start server {}", i + 1))?;
        // What it prints, marked. A start makes a new setup link and the one before stops
        // working: only the last server's is shown, at the front's address.
        let out = server.stdout.take().context("stdout")?;
        let (label, own) = (format!("[máy chủ {}] ", i + 1), format!("http://{addr}/"));
        let last = i + 1 == SERVERS.len();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let setup = line.contains("#ma=") || line.starts_with("Chưa có tài khoản");
                if setup && !last {
                    continue;
                }
                if setup {
                    println!("{label}{}", line.replace(&own, &format!("http://{FRONT}/")));
                } else {
                    println!("{label}{line}");
                }
            }
        });
        started.0.push((format!("máy chủ {}", i + 1), server));
        // One after the other: the first loads the seed into the empty database.
        until_healthy(addr, "/api/health", &mut started)?;
    }

    let nginx = Command::new("/usr/sbin/nginx")
        .arg("-p")
        .arg(dir.join("nginx"))
        .arg("-c")
        .arg(root.join("deploy/nginx.conf"))
        .spawn()
        .context("start nginx")?;
    started.0.push(("nginx".into(), nginx));
    until_healthy(FRONT, "/api/health", &mut started)?;
    println!(
        "Cụm máy chủ đang chạy: http://{FRONT} (nginx → máy chủ {} và {} → SurrealDB {DATABASE}; dữ liệu ở {}). Ctrl-C để dừng.",
        SERVERS[0],
        SERVERS[1],
        dir.display()
    );
    loop {
        if let Some(name) = ended(&mut started)? {
            bail!("{name} ended: stopping the others");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The database's root password: made once (random, readable by this user only), then kept.
fn database_password(dir: &Path) -> Result<String> {
    let file = dir.join("db-password");
    if let Ok(kept) = std::fs::read_to_string(&file) {
        return Ok(kept.trim().to_owned());
    }
    let mut bytes = [0u8; 18];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&file)?.write_all(password.as_bytes())?;
    Ok(password)
}

/// The name of a process that ended, if one did.
fn ended(started: &mut Started) -> Result<Option<String>> {
    for (name, child) in started.0.iter_mut() {
        if child.try_wait()?.is_some() {
            return Ok(Some(name.clone()));
        }
    }
    Ok(None)
}

/// Waits until `GET path` on `addr` answers 200 (at most a minute), failing early when a
/// process ended.
fn until_healthy(addr: &str, path: &str, started: &mut Started) -> Result<()> {
    let begun = Instant::now();
    while !answers_ok(addr, path) {
        if let Some(name) = ended(started)? {
            bail!("{name} ended before http://{addr}{path} answered");
        }
        if begun.elapsed() > Duration::from_secs(60) {
            bail!("http://{addr}{path} did not answer within a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// True when `GET path` on `addr` answers 200.
fn answers_ok(addr: &str, path: &str) -> bool {
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let mut head = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut head).is_ok()
        && head.ends_with(b"200")
}

/// The API tests of `backend` again, against a SurrealDB server (`target/debug/surreal`, in
/// memory, on a free port; each test a database of its own: `backend/tests/common`). Runs the
/// test programs `cargo test` just built (asking cargo again would build nothing new).
pub fn api_tests_on_a_server() -> Result<()> {
    let built = cargo()
        .args([
            "test",
            "--workspace",
            "--exclude",
            "frontend",
            "--no-run",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("cargo test --no-run")?;
    let tests: Vec<String> = String::from_utf8_lossy(&built.stdout)
        .lines()
        .filter(|l| l.contains("/backend#") && l.contains(r#""kind":["test"]"#))
        .filter_map(|l| json_string(l, "executable"))
        .collect();
    if tests.is_empty() {
        bail!("no API test program of backend was built");
    }
    let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let password = "thu-nghiem-tren-may-chu";
    let mut started = Started::default();
    let database = Command::new(root().join("target/debug/surreal"))
        .args(["start", "--no-banner", "--log", "warn", "--bind"])
        .arg(addr.to_string())
        .arg("memory")
        .env("SURREAL_USER", "root")
        .env("SURREAL_PASS", password)
        .spawn()
        .context("start surreal")?;
    started.0.push(("SurrealDB".into(), database));
    until_healthy(&addr.to_string(), "/health", &mut started)?;
    for test in &tests {
        sh(Command::new(test)
            .env("KH_TEST_SURREAL", format!("ws://{addr}"))
            .env("KH_TEST_SURREAL_CREDENTIALS", format!("root:{password}")))?;
    }
    Ok(())
}

/// The string value of `"name":"…"` in a line of JSON (none escaped in what cargo prints of
/// paths here).
fn json_string(line: &str, name: &str) -> Option<String> {
    let start = line.find(&format!("\"{name}\":\""))? + name.len() + 4;
    let len = line[start..].find('"')?;
    Some(line[start..start + len].to_owned())
}
