//! The command line: `serve` (the default), `import-plan`, `backup` and `restore`.

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

use crate::config::{DbConfig, ServeConfig};
use crate::service::{Service, uuid_now};
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "backend",
    about = "Máy chủ theo dõi thực hiện kế hoạch (plan tracker server)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeConfig,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the API (the default).
    Serve(ServeConfig),
    /// Read a plan document (UTF-8 text) and store it, or with --dry-run only print it.
    ImportPlan {
        #[command(flatten)]
        db: DbConfig,
        /// Parse and print, store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the parsed plan as JSON.
        #[arg(long)]
        json: bool,
        /// The plan document.
        file: PathBuf,
    },
    /// Write a copy of the whole database (SurrealQL) into FILE, also while the server runs.
    Backup {
        #[command(flatten)]
        db: DbConfig,
        /// The copy to write (must not exist yet).
        file: PathBuf,
    },
    /// Put the copy in FILE in place of the database (the server must be stopped).
    Restore {
        #[command(flatten)]
        db: DbConfig,
        /// Replace a database that holds data (it is kept in a folder beside, not deleted).
        #[arg(long)]
        force: bool,
        /// A copy written by `backup` or downloaded in the app.
        file: PathBuf,
    },
}

/// Runs the command line; the process exit code is 0 on success, 1 on a user error (bad file),
/// 2 on a usage error (clap's own).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(config)) => serve(config).await,
        Some(Command::ImportPlan {
            db,
            dry_run,
            json,
            file,
        }) => import_plan(&db, dry_run, json, &file).await,
        Some(Command::Backup { db, file }) => {
            let done = crate::backup::backup(&db, &file).await?;
            let what = match done.counts {
                Some(c) => format!(
                    "{} kế hoạch, {} mục, {} tài khoản",
                    c.plans, c.nodes, c.users
                ),
                None => "từ máy chủ đang chạy".to_owned(),
            };
            println!(
                "Đã sao lưu vào {} ({} KB; {what}).",
                file.display(),
                done.bytes.div_ceil(1024)
            );
            Ok(())
        }
        Some(Command::Restore { db, force, file }) => {
            let done = crate::backup::restore(&db, &file, force).await?;
            if let Some(c) = done.counts {
                println!(
                    "Đã khôi phục từ {}: {} kế hoạch, {} mục, {} mục lịch sử, {} tài khoản.",
                    file.display(),
                    c.plans,
                    c.nodes,
                    c.history,
                    c.users
                );
            }
            if let Some(kept) = done.kept {
                println!("Dữ liệu trước khi khôi phục được giữ ở {}.", kept.display());
            }
            Ok(())
        }
    }
}

async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    if !config.static_dir.join("index.html").exists() {
        tracing::warn!(dir = %config.static_dir.display(), "no built web app here: only the API is served (run `cargo xtask run`)");
    }
    // The embedded database's own folder tells `backend backup` where to ask for a copy.
    let embedded = config.database.db.is_none();
    let operator_token = if embedded {
        Some(crate::service::new_token()?)
    } else {
        None
    };
    let service = crate::open_with(&config, operator_token.as_deref()).await?;
    let running = crate::start(&config, service.clone(), shutdown_signal()).await?;
    let _announced = match &operator_token {
        Some(token) => Some(crate::backup::announce(
            &config.database.data_dir,
            running.addr,
            token,
        )?),
        None => None,
    };
    println!("Máy chủ đang chạy: http://{}", running.addr);
    if let Some(token) = service.setup_token().await? {
        // The only way in on a new server: no built-in password. A new link at each start
        // until an administrator exists; the link is used once and expires in a day.
        println!(
            "Chưa có tài khoản quản trị. Mở liên kết sau để tạo (dùng một lần, hết hạn sau 24 giờ):\n  {}",
            crate::setup_link(running.addr, &token)
        );
    }
    running.task.await??;
    // Pushes accepted and not yet written out, written out before the process ends (so that
    // the next start, perhaps of a newer version, finds no journal to read).
    if let Err(e) = service.write_out_accepted().await {
        tracing::error!(error = %e, "writing out accepted pushes at shutdown");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

async fn import_plan(
    db: &DbConfig,
    dry_run: bool,
    json: bool,
    file: &PathBuf,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!("không đọc được tệp {}: {e}", file.display()))?;
    let mut parsed = shared::import::import_document(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?
        .plan;
    shared::import::suggest_from_registry(&mut parsed, &crate::seed::reference_data()?.agencies);
    let mut out = std::io::stdout().lock();
    for w in &parsed.warnings {
        eprintln!("cảnh báo: dòng {}: {}", w.line, w.message);
    }
    if dry_run {
        if json {
            serde_json::to_writer_pretty(&mut out, &parsed)?;
            writeln!(out)?;
        } else {
            write_outline(&mut out, &parsed.nodes, 0)?;
            for s in &parsed.suggested_assignments {
                writeln!(
                    out,
                    "Đề xuất giao: {} ({}) {} mục {}: {}",
                    s.agency_text,
                    s.agency_code,
                    s.role.label_vi().to_lowercase(),
                    s.node_label,
                    s.duty.chars().take(80).collect::<String>()
                )?;
            }
            for u in &parsed.unmatched_agencies {
                writeln!(
                    out,
                    "Chưa có trong danh mục: «{}» {} mục {} (dòng {})",
                    u.text,
                    u.role.label_vi().to_lowercase(),
                    u.node_label,
                    u.node_line
                )?;
            }
        }
        return Ok(());
    }
    let store = Store::connect_to(&db.url(), db.db_credentials.as_deref(), &db.db_name).await?;
    let service = Service::new(store);
    let plan_id = shared::ids::PlanId(uuid_now());
    let tree = service
        .import_plan(plan_id, parsed, || shared::ids::NodeId(uuid_now()))
        .await?;
    if json {
        serde_json::to_writer_pretty(&mut out, &tree)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "Đã lưu kế hoạch {} ({} mục).",
            tree.plan.id,
            tree.nodes.len()
        )?;
    }
    Ok(())
}

fn write_outline(
    out: &mut impl Write,
    nodes: &[shared::import::ParsedNode],
    depth: usize,
) -> std::io::Result<()> {
    for n in nodes {
        let title: String = n.title.chars().take(100).collect();
        writeln!(
            out,
            "{:indent$}{} {}",
            "",
            n.label,
            title,
            indent = depth * 2
        )?;
        write_outline(out, &n.children, depth + 1)?;
    }
    Ok(())
}
