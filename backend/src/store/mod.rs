//! The only code that speaks SurrealQL or knows a SurrealDB type. Everything it takes and gives
//! is a `shared` type; records cross the boundary as JSON values.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

pub mod auth;
pub mod backup;
mod journal;
mod kept;
mod photos;
mod plans;
pub mod registry;
mod reports;
mod sync;

pub use plans::PlanAccess;
pub use sync::{Batch, WriteError};

pub(super) const SCHEMA: &str = include_str!("schema.surql");
pub(super) const NAMESPACE: &str = "kehoach";
/// The database within our namespace unless told another (`--db-name`).
pub const DATABASE: &str = "main";

/// A failure to read or write the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] surrealdb::Error),
    #[error("stored data does not decode: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("not a database name (1 to 64 letters, digits or _): {0:?}")]
    DatabaseName(String),
    #[error("a plan's accepted pushes could not be written out (the journal stays; see the log)")]
    Journal,
    #[error("a push could not be encoded for the journal: {0}")]
    Unencodable(String),
    #[error(
        "a SurrealDB server is reached over a WebSocket (ws:// or wss://), not over HTTP: {0} \
         (the servers hear of each other's writes through LIVE queries, and read a big plan \
         in one transaction of several queries, which HTTP does not carry)"
    )]
    OverHttp(String),
    #[error("a read of the database stopped: {0}")]
    Task(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A connection to the database.
#[derive(Clone)]
pub struct Store {
    db: Surreal<Any>,
    /// On a SurrealDB server over the network (which may restart), a second connection for
    /// health checks only, so that a check never waits behind a large answer on the first (a
    /// plan of 100,000 tasks read at once). None for an embedded engine.
    checks: Option<Surreal<Any>>,
    /// On a SurrealDB server, a connection for writing accepted pushes out in the background
    /// (`journal.rs`), so that requests never queue behind it: opened when first needed. None
    /// for an embedded engine.
    writer: Option<std::sync::Arc<Writer>>,
    /// On an embedded engine (this process its only client), the sessions and plans' change
    /// numbers read (`kept.rs`). None on a SurrealDB server.
    kept: Option<std::sync::Arc<kept::Memory>>,
}

/// Where the writer's connection goes, and the connection once opened.
struct Writer {
    url: String,
    credentials: Option<String>,
    name: String,
    db: tokio::sync::OnceCell<Surreal<Any>>,
}

impl Store {
    /// The connection that writes accepted pushes out: the writer's on a SurrealDB server
    /// (the shared one while it cannot be opened).
    pub(super) async fn writer(&self) -> &Surreal<Any> {
        let Some(w) = &self.writer else {
            return &self.db;
        };
        let opened =
            w.db.get_or_try_init(|| open_database(&w.url, w.credentials.as_deref(), &w.name))
                .await;
        match opened {
            Ok(db) => db,
            Err(e) => {
                tracing::warn!(error = %e, "opening the writer's connection");
                &self.db
            }
        }
    }
}

pub(super) fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    Ok(serde_json::to_value(v)?)
}

pub(super) fn from_values<T: DeserializeOwned>(values: Vec<Value>) -> Result<Vec<T>> {
    values
        .into_iter()
        .map(|v| Ok(serde_json::from_value(v)?))
        .collect()
}

/// The error a transaction failed with, if it failed: the statement that failed (a THROW
/// says which rule), not the others, which only say they were not executed.
pub(super) fn transaction_error(
    mut response: surrealdb::IndexedResults,
) -> Option<surrealdb::Error> {
    let mut errors: Vec<(usize, surrealdb::Error)> = response.take_errors().into_iter().collect();
    errors.sort_by_key(|(i, _)| *i);
    let cause = errors.iter().position(|(_, e)| !not_executed(e));
    match cause {
        Some(i) => Some(errors.swap_remove(i).1),
        None => errors.into_iter().next().map(|(_, e)| e),
    }
}

/// True when `error` is the THROW of `rule` in a query (of that kind, naming that rule).
pub(super) fn thrown(error: &surrealdb::Error, rule: &str) -> bool {
    error.is_thrown() && error.message().contains(rule)
}

/// True when `error` says a statement was not run (another of its transaction failed).
pub(super) fn not_executed(error: &surrealdb::Error) -> bool {
    matches!(
        error.query_details(),
        Some(surrealdb::types::QueryError::NotExecuted)
    )
}

/// True when `error` is a transaction conflict (another write of the same records): retrying
/// sees that write.
pub(super) fn conflicted(error: &surrealdb::Error) -> bool {
    matches!(
        error.query_details(),
        Some(surrealdb::types::QueryError::TransactionConflict)
    ) // Said at COMMIT by a SurrealDB server, where no query details come with it.
        || error.message().contains("Transaction conflict")
}

pub(super) fn u64_of(v: Option<&Value>) -> u64 {
    v.and_then(Value::as_u64).unwrap_or(0)
}

/// A conflict's row (of nodes or of report records): `{ key, content }`.
pub(super) fn conflict_row<T: serde::Serialize>(
    plan: shared::ids::PlanId,
    id: shared::ids::ConflictId,
    change: shared::sync::ChangeNo,
    open: bool,
    conflict: &T,
) -> Result<Value> {
    Ok(serde_json::json!({ "key": id.to_string(), "content": {
        "plan_id": plan.to_string(), "change": change, "open": open, "data": to_value(conflict)?,
    }}))
}

/// A change number read from a record (0 when missing).
pub(super) fn change_of(v: Option<&Value>) -> shared::sync::ChangeNo {
    shared::sync::ChangeNo(u64_of(v))
}

/// Connects to the database at `url` (signed in with `user:password` when given) and selects
/// our namespace and the database `name` (see [`valid_database_name`]), made if missing; no
/// schema applied.
pub(super) async fn open_database(
    url: &str,
    credentials: Option<&str>,
    name: &str,
) -> Result<Surreal<Any>> {
    if url.starts_with("http://") || url.starts_with("https://") {
        return Err(StoreError::OverHttp(url.to_owned()));
    }
    let db = surrealdb::engine::any::connect(url).await?;
    if let Some((user, pass)) = credentials.and_then(|c| c.split_once(':')) {
        db.signin(surrealdb::opt::auth::Root {
            username: user.to_owned(),
            password: pass.to_owned(),
        })
        .await?;
    }
    db.query(format!("DEFINE NAMESPACE IF NOT EXISTS {NAMESPACE}"))
        .await?
        .check()?;
    db.use_ns(NAMESPACE).await?;
    if !valid_database_name(name) {
        return Err(StoreError::DatabaseName(name.to_owned()));
    }
    db.query(format!("DEFINE DATABASE IF NOT EXISTS {name}"))
        .await?
        .check()?;
    db.use_db(name).await?;
    Ok(db)
}

/// True when `name` may name a database: 1 to 64 ASCII letters, digits and underscores.
pub fn valid_database_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// True for the URL of a SurrealDB server over the network.
pub(super) fn is_remote(url: &str) -> bool {
    ["ws://", "wss://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
}

impl Store {
    /// Connects to `url` (`surrealkv://dir`, `mem://`, `ws://host:port`), signs in when
    /// credentials (`user:password`) are given, and applies the schema.
    pub async fn connect(url: &str, credentials: Option<&str>) -> Result<Self> {
        Self::connect_to(url, credentials, DATABASE).await
    }

    /// [`Store::connect`], to the database `name` of our namespace (several provinces on one
    /// SurrealDB server, each in its own).
    pub async fn connect_to(url: &str, credentials: Option<&str>, name: &str) -> Result<Self> {
        // Opening writes the database's catalogue (the namespace, the database, the schema):
        // servers started at the same moment against one SurrealDB server conflict there, and
        // the one that gives way tries again.
        let mut attempt = 0;
        let (db, checks) = loop {
            attempt += 1;
            let opened = async {
                let db = open_database(url, credentials, name).await?;
                db.query(SCHEMA).await?.check()?;
                let checks = match is_remote(url) {
                    true => Some(open_database(url, credentials, name).await?),
                    false => None,
                };
                Ok::<_, StoreError>((db, checks))
            }
            .await;
            match opened {
                Err(StoreError::Db(e)) if conflicted(&e) && attempt < 10 => {
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                }
                other => break other?,
            }
        };
        let writer = checks.is_some().then(|| {
            std::sync::Arc::new(Writer {
                url: url.to_owned(),
                credentials: credentials.map(str::to_owned),
                name: name.to_owned(),
                db: tokio::sync::OnceCell::new(),
            })
        });
        let kept = checks.is_none().then(Default::default);
        let store = Self {
            db,
            checks,
            writer,
            kept,
        };
        if store.writer.is_some() {
            // Opened beside the start rather than by the first push to be written out (which
            // would then wait for the server's sign-in); nothing waits for it.
            let opening = store.clone();
            tokio::spawn(async move {
                opening.writer().await;
            });
        }
        // Pushes accepted by a process stopped before it wrote them out (`journal.rs`).
        store.settle_all().await?;
        Ok(store)
    }

    /// True when the database is a server over the network (`ws://`, `wss://`), which may be
    /// out of reach while this process runs.
    pub fn remote(&self) -> bool {
        self.checks.is_some()
    }

    /// True when the database answers its health check (on its own connection). Over the
    /// network, while the SDK reconnects, the check waits: the caller bounds it.
    pub async fn answers(&self) -> bool {
        self.checks
            .as_ref()
            .unwrap_or(&self.db)
            .health()
            .await
            .is_ok()
    }

    /// A flag in the `meta` table (e.g. that the seed was loaded).
    pub async fn flag(&self, name: &str) -> Result<bool> {
        let mut r = self
            .db
            .query("SELECT VALUE true FROM type::record('meta', $name)")
            .bind(("name", name.to_owned()))
            .await?
            .check()?;
        let v: Vec<Value> = r.take(0)?;
        Ok(!v.is_empty())
    }

    pub async fn set_flag(&self, name: &str) -> Result<()> {
        self.db
            .query("UPSERT type::record('meta', $name) SET at = time::now()")
            .bind(("name", name.to_owned()))
            .await?
            .check()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ids::{ClientId, ConflictId, NodeId, PlanId};
    use shared::mutation::Field;
    use shared::plan::{Plan, Visibility};
    use std::collections::HashMap;

    /// A SurrealDB server over HTTP is refused with the reason, before any connection: LIVE
    /// queries and the transaction a big plan is read in need the WebSocket.
    #[tokio::test]
    async fn a_database_over_http_is_refused_with_the_reason() {
        for url in ["http://127.0.0.1:1", "https://db.example:8000"] {
            match Store::connect(url, None).await {
                Err(e @ StoreError::OverHttp(_)) => {
                    assert!(e.to_string().contains("ws://"), "{e}");
                }
                Err(e) => panic!("{url}: {e}"),
                Ok(_) => panic!("{url} was taken"),
            }
        }
    }

    async fn sessions_stored(store: &Store) -> usize {
        let mut r = store
            .db
            .query("SELECT VALUE id FROM session")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<Value> = r.take(0).unwrap_or_else(|e| panic!("{e}"));
        ids.len()
    }

    /// A session unused for the idle time ends, one in use is renewed (at most once a
    /// minute), and the purge forgets both the expired and the idle ones.
    #[tokio::test]
    async fn idle_sessions_end_and_are_purged() {
        let store = Store::connect("mem://", None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let user = shared::api::User {
            username: "canbo".into(),
            name: "Cán bộ".into(),
            role: shared::access::UserRole::Standing,
            agency: None,
            active: true,
        };
        assert!(
            store
                .create_user(&user, "hash")
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        );
        const MIN: i64 = 60_000;
        let (t0, idle, far) = (1_000_000_000, 60 * MIN, 1_000_000_000_000);
        let at = |key: &'static str, t: i64| {
            let store = store.clone();
            async move {
                store
                    .session_user(key, t, idle)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
                    .map(|(u, _)| u.username)
            }
        };
        for key in ["used", "idle", "expired"] {
            let expires = if key == "expired" { t0 + 10 * MIN } else { far };
            store
                .create_session(key, "canbo", expires, t0)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(at("used", t0 + 30 * MIN).await.as_deref(), Some("canbo"));
        // 89 minutes after sign-in, 59 after its last use: still open.
        assert_eq!(at("used", t0 + 89 * MIN).await.as_deref(), Some("canbo"));
        assert_eq!(at("idle", t0 + 61 * MIN).await, None);
        assert_eq!(at("expired", t0 + 11 * MIN).await, None);
        store
            .purge_sessions(t0 + 100 * MIN, idle)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sessions_stored(&store).await, 1);
        assert_eq!(at("used", t0 + 100 * MIN).await.as_deref(), Some("canbo"));
        assert_eq!(at("used", t0 + 161 * MIN).await, None);
    }

    /// Field stamps written one push at a time (only the fields each wrote) read back the same
    /// as the server held them: conflict detection survives a restart.
    #[tokio::test]
    async fn stamps_merged_field_by_field_read_back_whole() {
        use shared::access::Author;
        use shared::ids::ConflictId;
        use shared::mutation::{Mutation, NodeEdit};
        use shared::sync::{Pending, PushRequest};
        let store = Store::connect("mem://", None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let plan_id = PlanId::from_parts(5, [1; 10]);
        let node_id = NodeId::from_parts(5, [2; 10]);
        let plan = Plan {
            id: plan_id,
            metadata: Default::default(),
            preamble: None,
            references: vec![],
            visibility: Default::default(),
        };
        store
            .put_plan(&plan, &[])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut sync = store
            .sync_state(plan_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no plan"));
        let client = ClientId::from_parts(5, [3; 10]);
        let edits = [
            Mutation::CreateNode {
                id: node_id,
                parent: None,
                position: shared::mutation::Position::Last,
                title: "Nhiệm vụ".into(),
                body: None,
                deadline: None,
                label: String::new(),
                owner: None,
            },
            Mutation::EditNode {
                id: node_id,
                edit: NodeEdit::Title("Tiêu đề mới".into()),
            },
            Mutation::EditNode {
                id: node_id,
                edit: NodeEdit::Progress(30),
            },
            Mutation::Assign {
                id: node_id,
                agency: "SYT".into(),
                role: shared::assignment::Role::Lead,
                deadline: None,
            },
        ];
        for (i, m) in edits.into_iter().enumerate() {
            let req = PushRequest {
                client,
                mutations: vec![Pending {
                    seq: i as u64 + 1,
                    base: shared::sync::ChangeNo::ZERO,
                    at: i as i64,
                    mutation: m,
                }],
            };
            let before = sync.authority.change();
            let (_, delta) = sync.push(&req, &Author::system(), || {
                ConflictId::from_parts(5, [i as u8; 10])
            });
            let mut batch = Batch::new(before);
            batch.add(client, &delta);
            store
                .accept_batch(plan_id, &batch)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let held = sync.authority.stamps(node_id).cloned();
        let read = store
            .sync_state(plan_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no plan"));
        assert_eq!(read.authority.stamps(node_id).cloned(), held);
        assert_eq!(
            read.authority.state().get(node_id),
            sync.authority.state().get(node_id)
        );
        let history = store
            .history(plan_id, node_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let seqs: Vec<u64> = history.iter().map(|h| h.seq).collect();
        assert_eq!(seqs, [4, 3, 2, 1], "every change, newest first");
        // Read above from the journal (accepted, not yet written out); reading the history
        // wrote the journal out: read again from the records alone, the same.
        assert!(
            !store
                .has_pending(plan_id)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        );
        let again = store
            .sync_state(plan_id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no plan"));
        assert_eq!(again.authority.stamps(node_id).cloned(), held);
        assert_eq!(
            again.authority.state().get(node_id),
            sync.authority.state().get(node_id)
        );
        assert_eq!(again.seqs, read.seqs);
    }

    /// The database refuses a new node that would land on another plan's record, even when the
    /// service's look-up of the ids did not see it (another process took the id meanwhile).
    #[tokio::test]
    async fn a_new_node_never_overwrites_a_node_of_another_plan() {
        use shared::access::Author;
        use shared::mutation::{Mutation, Position};
        use shared::sync::{Pending, PushRequest};
        let store = Store::connect("mem://", None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let node = NodeId::from_parts(6, [2; 10]);
        let client = ClientId::from_parts(6, [3; 10]);
        let mut written = Vec::new();
        for (i, title) in ["Nhiệm vụ của kế hoạch A", "Ghi đè từ kế hoạch B"]
            .into_iter()
            .enumerate()
        {
            let plan = Plan {
                id: PlanId::from_parts(6, [i as u8; 10]),
                metadata: Default::default(),
                preamble: None,
                references: vec![],
                visibility: Default::default(),
            };
            assert!(
                store
                    .create_plan(&plan, &[], None)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            );
            let mut sync = store
                .sync_state(plan.id)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no plan"));
            let req = PushRequest {
                client,
                mutations: vec![Pending {
                    seq: 1,
                    base: shared::sync::ChangeNo::ZERO,
                    at: 0,
                    mutation: Mutation::CreateNode {
                        id: node,
                        parent: None,
                        position: Position::Last,
                        title: title.into(),
                        body: None,
                        deadline: None,
                        label: String::new(),
                        owner: None,
                    },
                }],
            };
            let before = sync.authority.change();
            let (_, delta) = sync.push(&req, &Author::system(), || {
                ConflictId::from_parts(6, [9; 10])
            });
            let mut batch = Batch::new(before);
            batch.add(client, &delta);
            written.push((plan.id, store.accept_batch(plan.id, &batch).await));
        }
        assert!(written[0].1.is_ok());
        assert!(
            matches!(written[1].1, Err(WriteError::IdTaken)),
            "{:?}",
            written[1].1
        );
        let a = store
            .nodes(written[0].0)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].title, "Nhiệm vụ của kế hoạch A");
        assert!(
            store
                .nodes(written[1].0)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .is_empty()
        );
        let owners = store
            .node_owners(&[node, NodeId::from_parts(6, [7; 10])])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(owners, HashMap::from([(node, written[0].0)]));
    }

    /// A database written before assignments had roles (nodes with `assignees`, stamps and a
    /// conflict naming that field) still loads after the schema runs again.
    #[tokio::test]
    async fn records_of_the_assignees_era_are_migrated() {
        let store = Store::connect("mem://", None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let plan = "0190a0a0-0000-7000-8000-000000000001";
        let node = "0190a0a0-0000-7000-8000-000000000002";
        store
            .db
            .query(
                "DEFINE FIELD assignees ON node TYPE array<string>;
                 CREATE type::record('plan', $plan) CONTENT { metadata: {}, preamble: null, references: [], change: 3 };
                 CREATE type::record('node', $node) CONTENT {
                     plan_id: $plan, parent: null, rank: 'm', label: '1', kind: 'task', title: 'Nhiệm vụ',
                     body: null, deadline: null, references: [], progress: 0, change: 2,
                     assignees: ['SYT', 'STC'],
                     stamps: { title: { change: 2, client: $plan, at: 0 }, assignees: { change: 2, client: $plan, at: 0 } },
                 };
                 CREATE conflict:c1 CONTENT { plan_id: $plan, change: 2, open: true, data: { field: 'assignees' } };
                 REMOVE FIELD assignees ON node;",
            )
            .bind(("plan", plan))
            .bind(("node", node))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .check()
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .db
            .query(SCHEMA)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .check()
            .unwrap_or_else(|e| panic!("{e}"));
        let id: PlanId = plan.parse().unwrap_or_else(|e| panic!("{e}"));
        let sync = store
            .sync_state(id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no plan"));
        let n = sync
            .authority
            .state()
            .nodes()
            .next()
            .cloned()
            .unwrap_or_else(|| panic!("no node"));
        let codes: Vec<(&str, shared::assignment::Role)> = n
            .assignments
            .iter()
            .map(|a| (a.agency.as_str(), a.role))
            .collect();
        assert_eq!(
            codes,
            [
                ("SYT", shared::assignment::Role::Lead),
                ("STC", shared::assignment::Role::Coordinating)
            ]
        );
        let stamps = sync.authority.stamps(n.id).cloned().unwrap_or_default();
        assert!(stamps.contains_key(&Field::Assignments));
        assert!(sync.conflicts.is_empty());
    }

    /// On an embedded database a plan's change number and visibility are kept in memory:
    /// every write of the plan's record is seen by the next read, and a plan's absence is
    /// never kept.
    #[tokio::test]
    async fn a_plans_head_kept_in_memory_follows_every_write() {
        let store = Store::connect("mem://", None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut plan = Plan {
            id: PlanId::from_parts(8, [8; 10]),
            metadata: Default::default(),
            preamble: None,
            references: vec![],
            visibility: Default::default(),
        };
        let ok = |r: Result<Option<PlanAccess>>| r.unwrap_or_else(|e| panic!("{e}"));
        assert!(ok(store.plan_access(plan.id, None).await).is_none());
        assert!(
            store
                .create_plan(&plan, &[], None)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        );
        let read = ok(store.plan_access(plan.id, None).await).unwrap_or_else(|| panic!("none"));
        assert_eq!(read.visibility, Visibility::Province);
        assert_eq!(
            store.plan_change(plan.id).await.ok().flatten(),
            Some(plans::FIRST_CHANGE)
        );
        // Kept now; the visibility's write is seen at once, by readers with and without an
        // agency.
        assert!(
            store
                .set_visibility(plan.id, Visibility::Assigned)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        );
        let read = ok(store.plan_access(plan.id, None).await).unwrap_or_else(|| panic!("none"));
        assert_eq!(read.visibility, Visibility::Assigned);
        let agency =
            ok(store.plan_access(plan.id, Some("SXD")).await).unwrap_or_else(|| panic!("none"));
        assert_eq!(
            (agency.visibility, agency.assigns),
            (Visibility::Assigned, false)
        );
        // A plan stored whole (an import's way), asked for before it existed, is seen too.
        plan.id = PlanId::from_parts(9, [9; 10]);
        assert_eq!(store.plan_change(plan.id).await.ok().flatten(), None);
        store
            .put_plan(&plan, &[])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            store.plan_change(plan.id).await.ok().flatten(),
            Some(plans::FIRST_CHANGE)
        );
    }

    /// A plan's new change number reaches whoever listens on the database (the LIVE query
    /// that tells other server processes).
    #[tokio::test]
    async fn a_plans_change_reaches_the_listeners() {
        use futures_util::StreamExt;
        let store = Store::connect("mem://", None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let plan = Plan {
            id: PlanId::from_parts(7, [7; 10]),
            metadata: Default::default(),
            preamble: None,
            references: vec![],
            visibility: Default::default(),
        };
        let changes = store.plan_changes().await.unwrap_or_else(|e| panic!("{e}"));
        let mut changes = std::pin::pin!(changes);
        assert!(
            store
                .create_plan(&plan, &[], None)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        );
        store
            .db
            .query("UPDATE type::record('plan', $plan) SET change = 5")
            .bind(("plan", plan.id.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let wait = std::time::Duration::from_secs(5);
        let mut seen = Vec::new();
        while !seen.contains(&(plan.id, shared::sync::ChangeNo(5))) {
            match tokio::time::timeout(wait, changes.next()).await {
                Ok(Some(c)) => seen.push(c),
                other => panic!("no change 5 heard: {other:?}, heard {seen:?}"),
            }
        }
    }
}
