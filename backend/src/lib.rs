//! The backend: an axum server over a SurrealDB store. `lib.rs` exposes the app so tests can
//! start it on port 0 against `mem://`.

pub mod backup;
pub mod blobs;
pub mod cli;
pub mod config;
pub mod docx;
pub mod http;
pub mod images;
pub mod seed;
pub mod service;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use config::ServeConfig;
use service::Service;
use store::Store;

/// Connects to the configured database, applies the schema and, unless told not to, loads the
/// seed into an empty database.
pub async fn open(config: &ServeConfig) -> anyhow::Result<Arc<Service>> {
    open_with(config, None).await
}

/// [`open`], with the token the operator's `backend backup` may present (see [`backup`]).
pub async fn open_with(
    config: &ServeConfig,
    operator_token: Option<&str>,
) -> anyhow::Result<Arc<Service>> {
    let db = &config.database;
    let store = Store::connect_to(&db.url(), db.db_credentials.as_deref(), &db.db_name).await?;
    let blobs = blobs::Blobs::open(&db.photos())?;
    let mut service = Service::new(store)
        .with_blobs(blobs)
        .with_session_hours(config.session_hours)
        .with_session_idle_hours(config.session_idle_hours);
    if let Some(token) = operator_token {
        service = service.with_operator_token(token);
    }
    let service = Arc::new(service);
    service.purge_sessions().await?;
    if !config.no_seed && seed::ensure_seeded(&service).await? {
        tracing::info!("loaded the seed plan and the reference data");
    }
    Ok(service)
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves the app on `config.addr` (port 0 picks a free port) until the process ends or
/// `shutdown` resolves.
pub async fn start(
    config: &ServeConfig,
    service: Arc<Service>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    let app = http::app(
        service.clone(),
        &config.static_dir,
        http::Settings {
            https: config.https,
            trust_proxy: config.trust_proxy,
        },
    );
    let purging = service.clone();
    let relaying = service.clone();
    let registry = service.clone();
    let watching = service.clone();
    // Open event streams end at shutdown, so that it does not wait for them.
    let shutdown = async move {
        shutdown.await;
        service.close_watchers();
    };
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown);
        // Idle plans leave memory, ended sessions and abandoned uploads are forgotten, while the
        // server runs.
        tokio::select! {
            served = serve => served,
            never = chores(purging) => match never {},
            never = relaying.relay_changes() => match never {},
            never = registry.relay_registry_changes() => match never {},
            never = watching.watch_database() => match never {},
        }
    });
    Ok(Running { addr, task })
}

async fn chores(service: Arc<Service>) -> std::convert::Infallible {
    // Every five minutes, plans unused for half an hour leave memory; every hour, the rest.
    let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
    every.tick().await;
    let mut round = 0u64;
    loop {
        round += 1;
        every.tick().await;
        let n = service.forget_idle_plans(crate::service::PLAN_IDLE).await;
        if n > 0 {
            tracing::info!("{n} plans unused for 30 minutes left memory");
        }
        if !round.is_multiple_of(12) {
            continue;
        }
        if let Err(e) = service.purge_sessions().await {
            tracing::warn!("purging ended sessions: {e}");
        }
        match service.sweep_uploads().await {
            Ok(0) => {}
            Ok(n) => tracing::info!("dropped {n} chunks of abandoned photo uploads"),
            Err(e) => tracing::warn!("dropping abandoned photo uploads: {e}"),
        }
    }
}

/// The address of the page that creates the first administrator with a setup token (in the
/// fragment, so that it never reaches a server log).
pub fn setup_link(addr: SocketAddr, token: &str) -> String {
    let host = if addr.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    format!("http://{host}/thiet-lap#ma={token}")
}
