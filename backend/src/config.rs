//! Server configuration: flags, with environment variables as fallbacks.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// How to run the server.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "KH_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub database: DbConfig,
    /// Folder of the built web app (index.html, wasm, js, css).
    #[arg(long, env = "KH_STATIC_DIR", default_value = "frontend/dist")]
    pub static_dir: PathBuf,
    /// Do not load the seed plan and reference data into an empty database.
    #[arg(long, env = "KH_NO_SEED")]
    pub no_seed: bool,
    /// How long a sign-in lasts, in hours (a device offline longer signs in again; its
    /// unsent changes wait and are sent after).
    #[arg(long, env = "KH_SESSION_HOURS", default_value_t = 30 * 24)]
    pub session_hours: i64,
    /// A sign-in unused for this many hours ends (a device offline longer signs in again; its
    /// unsent changes wait and are sent after).
    #[arg(long, env = "KH_SESSION_IDLE_HOURS", default_value_t = 7 * 24)]
    pub session_idle_hours: i64,
    /// The app is reached over HTTPS (through a reverse proxy): every answer carries HSTS and
    /// the session cookie is marked Secure, whatever the proxy forwards.
    #[arg(long, env = "KH_HTTPS")]
    pub https: bool,
    /// Behind a reverse proxy: take a client's address (for the sign-in limits) from the last
    /// entry of `X-Forwarded-For` (never set this when clients reach the server directly).
    #[arg(long, env = "KH_TRUST_PROXY")]
    pub trust_proxy: bool,
}

/// Where the database is.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// Folder of the embedded database (used when no --db is given).
    #[arg(long, env = "KH_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// Database URL: `surrealkv://<dir>` (embedded, on disk), `mem://` (in memory, for tests),
    /// or `ws://host:port` (a SurrealDB server). Defaults to `surrealkv://<data-dir>/db`.
    #[arg(long, env = "KH_DB")]
    pub db: Option<String>,
    /// The database, within the namespace `kehoach`, on a SurrealDB server that holds several
    /// (one per province): letters, digits and `_`.
    #[arg(long, env = "KH_DB_NAME", default_value = crate::store::DATABASE, value_parser = database_name)]
    pub db_name: String,
    /// User and password for a SurrealDB server (`user:password`); not needed when embedded.
    #[arg(long, env = "KH_DB_CREDENTIALS", hide_env_values = true)]
    pub db_credentials: Option<String>,
    /// Where inspection photos are kept: a folder, or `s3://<bucket>` (an S3-compatible
    /// bucket, with the usual `AWS_*` variables; `AWS_ENDPOINT` for one that is not Amazon's),
    /// which several servers share. Defaults to `<data-dir>/photos` (in memory with `mem://`).
    #[arg(long, env = "KH_PHOTOS")]
    pub photos: Option<String>,
}

impl DbConfig {
    /// The database URL to connect to.
    pub fn url(&self) -> String {
        db_url(self.db.as_deref(), &self.data_dir)
    }

    /// Where photos are kept (see `crate::blobs::Blobs::open`).
    pub fn photos(&self) -> String {
        match (&self.photos, self.db.as_deref()) {
            (Some(p), _) => p.clone(),
            (None, Some(db)) if db.starts_with("mem:") => "memory://".into(),
            (None, _) => self.data_dir.join("photos").display().to_string(),
        }
    }
}

fn database_name(name: &str) -> Result<String, String> {
    if crate::store::valid_database_name(name) {
        Ok(name.to_owned())
    } else {
        Err("1 to 64 letters, digits or _".to_owned())
    }
}

fn db_url(db: Option<&str>, data_dir: &std::path::Path) -> String {
    match db {
        Some(url) => url.to_owned(),
        None => format!("surrealkv://{}", data_dir.join("db").display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_url_is_embedded_under_the_data_dir() {
        assert_eq!(
            db_url(None, std::path::Path::new("data")),
            "surrealkv://data/db"
        );
        assert_eq!(
            db_url(Some("mem://"), std::path::Path::new("data")),
            "mem://"
        );
    }
}
