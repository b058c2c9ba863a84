//! The operator's copies of the embedded database: `backend backup FILE` and
//! `backend restore FILE`.
//!
//! A copy is SurrealDB's export (SurrealQL), read in one transaction. While a server runs on
//! the data folder, no other process may open the database, so the server writes
//! `may-chu.json` into the data folder at start (its address and a token, readable by the
//! folder's owner only, removed at shutdown) and `backup` asks it for the copy; with no server
//! running, `backup` reads the database itself. `restore` reads a copy into a new folder,
//! checks it, and only then puts it in place of the database, whose old folder is kept aside.

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::config::DbConfig;
use crate::store::Store;
use crate::store::backup::Counts;

/// The file a running server leaves in its data folder for the operator's commands.
pub const SERVER_FILE: &str = "may-chu.json";

/// What a running server tells the operator's commands on this machine.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    addr: SocketAddr,
    token: String,
}

/// The server's file in its data folder; removed when dropped (at shutdown).
#[derive(Debug)]
pub struct Announced {
    path: PathBuf,
}

impl Drop for Announced {
    fn drop(&mut self) {
        std::fs::remove_file(&self.path).ok();
    }
}

/// Writes the server's address and the operator's token into `data_dir`, readable by this
/// user only (whoever may read it may read the database's files anyway).
pub fn announce(data_dir: &Path, addr: SocketAddr, token: &str) -> Result<Announced> {
    let addr = if addr.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let path = data_dir.join(SERVER_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(&path)
        .with_context(|| format!("không ghi được {}", path.display()))?;
    serde_json::to_writer(
        &mut f,
        &Announcement {
            addr,
            token: token.to_owned(),
        },
    )?;
    Ok(Announced { path })
}

/// What a copy or a restore did.
#[derive(Debug)]
pub struct Summary {
    /// The size of the copy, in bytes.
    pub bytes: u64,
    /// What the database held (`None` when a running server made the copy).
    pub counts: Option<Counts>,
    /// Where the database that a restore replaced was kept.
    pub kept: Option<PathBuf>,
}

/// The folder of the embedded database that `db` names.
fn embedded_folder(db: &DbConfig) -> Result<PathBuf> {
    let url = db.url();
    match url.strip_prefix("surrealkv://") {
        Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
        _ => bail!(
            "sao lưu và khôi phục ở đây dành cho cơ sở dữ liệu nhúng (--data-dir); với máy chủ SurrealDB ({url}), hãy dùng `surreal export` và `surreal import` của nó"
        ),
    }
}

/// Opens the database `db` names; `when_held` is the error when another process holds it.
async fn open_unless_held(db: &DbConfig, when_held: &str) -> Result<Store> {
    match Store::connect_to(&db.url(), db.db_credentials.as_deref(), &db.db_name).await {
        Ok(s) => Ok(s),
        // SurrealKV's words for a folder another process has open.
        Err(e) if e.to_string().contains("already locked") => bail!("{when_held}"),
        Err(e) => Err(e.into()),
    }
}

fn now_suffix() -> String {
    chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string()
}

/// Writes a copy of the database that `db` names into `file` (which must not exist yet): from
/// the running server if there is one, else from the database itself.
pub async fn backup(db: &DbConfig, file: &Path) -> Result<Summary> {
    let folder = embedded_folder(db)?;
    if file.exists() {
        bail!(
            "tệp {} đã có; hãy chọn tên khác (bản sao lưu cũ không bị ghi đè)",
            file.display()
        );
    }
    if !folder.exists() {
        bail!("không có cơ sở dữ liệu ở {}", folder.display());
    }
    let part = part_file(file);
    let result = copy_into(db, &folder, &part).await;
    match result {
        Ok(summary) => {
            std::fs::rename(&part, file)
                .with_context(|| format!("không đổi tên được thành {}", file.display()))?;
            Ok(summary)
        }
        Err(e) => {
            std::fs::remove_file(&part).ok();
            Err(e)
        }
    }
}

/// The file a copy is written to until it is whole.
fn part_file(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".dang-ghi");
    file.with_file_name(name)
}

async fn copy_into(db: &DbConfig, folder: &Path, part: &Path) -> Result<Summary> {
    let mut out = std::fs::File::create(part)
        .with_context(|| format!("không tạo được tệp {}", part.display()))?;
    if let Some(server) = running_server(&db.data_dir) {
        match from_server(&server, &mut out).await {
            Ok(bytes) => {
                out.sync_all()?;
                return Ok(Summary {
                    bytes,
                    counts: None,
                    kept: None,
                });
            }
            // A server that ended without removing its file (killed): read the database.
            Err(e) if is_refused(&e) => {
                out = std::fs::File::create(part)?;
            }
            Err(e) => return Err(e),
        }
    }
    let store = open_unless_held(
        db,
        &format!(
            "một máy chủ đang dùng cơ sở dữ liệu ở {} mà không để lại {SERVER_FILE} trong thư mục dữ liệu: hãy chạy lệnh với --data-dir của máy chủ đó, tải bản sao lưu trong trang Quản trị, hoặc dừng máy chủ",
            folder.display()
        ),
    )
    .await?;
    let counts = store.counts().await?;
    let mut content = store.export().await?;
    let mut bytes = 0u64;
    while let Some(piece) = content.next().await {
        let piece = piece?;
        out.write_all(&piece)?;
        bytes += piece.len() as u64;
    }
    drop(content);
    close(store, folder).await;
    out.sync_all()?;
    Ok(Summary {
        bytes,
        counts: Some(counts),
        kept: None,
    })
}

fn running_server(data_dir: &Path) -> Option<Announcement> {
    let text = std::fs::read(data_dir.join(SERVER_FILE)).ok()?;
    serde_json::from_slice(&text).ok()
}

fn is_refused(e: &anyhow::Error) -> bool {
    e.downcast_ref::<reqwest::Error>()
        .is_some_and(reqwest::Error::is_connect)
}

async fn from_server(server: &Announcement, out: &mut std::fs::File) -> Result<u64> {
    let mut response = reqwest::Client::new()
        .get(format!("http://{}/api/admin/backup", server.addr))
        .bearer_auth(&server.token)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!(
            "máy chủ đang chạy ở {} từ chối sao lưu ({})",
            server.addr,
            response.status()
        );
    }
    let mut bytes = 0u64;
    while let Some(piece) = response
        .chunk()
        .await
        .context("bản sao lưu bị ngắt giữa chừng")?
    {
        out.write_all(&piece)?;
        bytes += piece.len() as u64;
    }
    Ok(bytes)
}

/// Puts the copy in `file` in place of the database that `db` names. A database that holds
/// anything is replaced only with `force`, and then kept aside, never deleted.
pub async fn restore(db: &DbConfig, file: &Path, force: bool) -> Result<Summary> {
    let folder = embedded_folder(db)?;
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("không đọc được tệp {}", file.display()))?
        .len();
    if folder.exists() {
        let store = open_unless_held(
            db,
            &format!(
                "một máy chủ đang dùng cơ sở dữ liệu ở {}: hãy dừng máy chủ trước khi khôi phục",
                folder.display()
            ),
        )
        .await?;
        let counts = store.counts().await?;
        close(store, &folder).await;
        if !counts.is_empty() && !force {
            bail!(
                "cơ sở dữ liệu ở {} đã có dữ liệu ({} kế hoạch, {} tài khoản): thêm --force để thay bằng bản sao lưu (dữ liệu hiện có được giữ lại trong một thư mục bên cạnh)",
                folder.display(),
                counts.plans,
                counts.users
            );
        }
    }
    let suffix = now_suffix();
    let fresh = sibling(&folder, &format!("khoi-phuc-{suffix}"));
    let counts = match restore_into(&fresh, file).await {
        Ok(c) => c,
        Err(e) => {
            std::fs::remove_dir_all(&fresh).ok();
            return Err(e.context(format!("không khôi phục được từ {}", file.display())));
        }
    };
    let kept = if folder.exists() {
        let kept = sibling(&folder, &format!("truoc-khoi-phuc-{suffix}"));
        std::fs::rename(&folder, &kept)
            .with_context(|| format!("không chuyển được {}", folder.display()))?;
        Some(kept)
    } else {
        if let Some(parent) = folder.parent() {
            std::fs::create_dir_all(parent)?;
        }
        None
    };
    std::fs::rename(&fresh, &folder)
        .with_context(|| format!("không đặt được cơ sở dữ liệu vào {}", folder.display()))?;
    Ok(Summary {
        bytes,
        counts: Some(counts),
        kept,
    })
}

/// `folder` with `.tail` added to its name.
fn sibling(folder: &Path, tail: &str) -> PathBuf {
    let mut name = folder.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(tail);
    folder.with_file_name(name)
}

async fn restore_into(fresh: &Path, file: &Path) -> Result<Counts> {
    let head = {
        use std::io::Read;
        let mut head = vec![0u8; 4096];
        let n = std::fs::File::open(file)?.read(&mut head)?;
        head.truncate(n);
        head
    };
    if !String::from_utf8_lossy(&head).contains("OPTION IMPORT") {
        bail!(
            "đây không phải một bản sao lưu của phần mềm (tệp SurrealQL do `backend backup` tạo)"
        );
    }
    let store = Store::restore(&format!("surrealkv://{}", fresh.display()), None, file).await?;
    let counts = store.counts().await;
    close(store, fresh).await;
    Ok(counts?)
}

/// Lets the embedded database in `folder` close and waits until it has (at most a few
/// seconds): SurrealDB closes it in the background once its last handle is gone, and a process
/// that ended first would leave it half-closed, and a folder still locked could not be opened
/// or moved in its place.
async fn close(store: Store, folder: &Path) {
    drop(store);
    let lock = folder.join("LOCK");
    for _ in 0..500 {
        let free = std::fs::File::open(&lock).is_ok_and(|f| f.try_lock().is_ok());
        if free {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tracing::warn!(folder = %folder.display(), "the database did not close in time");
}
