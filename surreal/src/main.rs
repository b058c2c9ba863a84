//! `surreal`: the SurrealDB server, as its own binary would be (`surreal start …`).

// Laying out the engine's async functions in release builds goes deeper than the default 128
// (rustc says so, and names this attribute).
#![recursion_limit = "256"]

fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
