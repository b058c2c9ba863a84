//! `surreal`: the SurrealDB server, as its own binary would be (`surreal start …`).

fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
