use clap::Parser;

fn main() -> std::process::ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    malloc_tuned();
    serve()
}

/// glibc's allocator serves a block above its threshold (128 KB at first) from the system and
/// gives it back when freed, but raises the threshold to the size of each such block freed
/// (up to 32 MB): after the first password hash (argon2id, 19 MB) or large answer, blocks of
/// that size stay in its arenas, one per thread that used one, and the server's memory stays
/// higher for good (measured on the sync benchmark: peak 232–255 MB, 270–311 after an officer
/// signs in; with the threshold fixed at 4 MB, 208–239 and 223–258). glibc reads it from the
/// environment at start only, and setting it in code would take `unsafe`: the server starts
/// itself again with it (the same process: `exec`), unless it is set already.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_tuned() {
    use std::os::unix::process::CommandExt;
    const THRESHOLD: &str = "MALLOC_MMAP_THRESHOLD_";
    if std::env::var_os(THRESHOLD).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // Returns only when it could not start: then the server goes on as it is.
    let e = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(THRESHOLD, (4u32 << 20).to_string())
        .exec();
    eprintln!("{THRESHOLD}: {e}");
}

#[tokio::main]
async fn serve() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,surrealdb=warn,surrealkv=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match backend::cli::run(backend::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
