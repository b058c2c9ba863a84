//! The only code that speaks SurrealQL or knows a SurrealDB type. Everything it takes and gives
//! is a `shared` type; records cross the boundary as JSON values.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use shared::ids::{ClientId, ConflictId, NodeId, PlanId};
use shared::mutation::{Field, PlanState};
use shared::plan::{Node, Plan, PlanSummary, Visibility};
use shared::registry::{AdminUnit, Agency, ReferenceData};
use shared::sync::{
    Authority, ChangeNo, ClientSeq, Conflict, Delta, HistoryEntry, PlanSync, Refusal, Stamps,
};
use std::collections::HashMap;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

pub mod auth;
pub mod backup;
pub mod registry;

const SCHEMA: &str = include_str!("schema.surql");
const NAMESPACE: &str = "kehoach";
const DATABASE: &str = "main";

/// A failure to read or write the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] surrealdb::Error),
    #[error("stored data does not decode: {0}")]
    Decode(#[from] serde_json::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A connection to the database.
#[derive(Clone)]
pub struct Store {
    db: Surreal<Any>,
}

fn to_value<T: Serialize>(v: &T) -> Result<Value> {
    Ok(serde_json::to_value(v)?)
}

fn from_values<T: DeserializeOwned>(values: Vec<Value>) -> Result<Vec<T>> {
    values
        .into_iter()
        .map(|v| Ok(serde_json::from_value(v)?))
        .collect()
}

/// A node as stored: everything but the id, which is the record's key, plus the change that
/// wrote it and its fields' stamps.
fn node_content(node: &Node, change: ChangeNo, stamps: &Stamps) -> Result<Value> {
    let mut v = to_value(node)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
        // The JSON form leaves absent values out; the schema wants them present.
        o.entry("body").or_insert(Value::Null);
        o.entry("deadline").or_insert(Value::Null);
        o.entry("recurring_deadline").or_insert(Value::Null);
        o.entry("references").or_insert(Value::Array(Vec::new()));
        o.entry("progress").or_insert(json!(0));
        o.entry("completed_on").or_insert(Value::Null);
        o.entry("assignments").or_insert(Value::Array(Vec::new()));
        o.entry("owner").or_insert(Value::Null);
        o.insert("change".into(), json!(change));
        o.insert("stamps".into(), to_value(stamps)?);
    }
    Ok(json!({ "key": node.id.to_string(), "content": v }))
}

/// A whole plan as stored: its record (without the id, which is the key) and its nodes, as of
/// its first change.
fn plan_records(plan: &Plan, nodes: &[Node]) -> Result<(Value, Vec<Value>)> {
    let mut content = to_value(plan)?;
    if let Some(o) = content.as_object_mut() {
        o.remove("id");
    }
    let nodes = nodes
        .iter()
        .map(|n| node_content(n, FIRST_CHANGE, &Stamps::new()))
        .collect::<Result<_>>()?;
    Ok((content, nodes))
}

const NODE_FIELDS: &str = "record::id(id) AS id, plan_id, parent, rank, label, kind, title, body, deadline, recurring_deadline, references, progress, completed_on, assignments, owner";

/// The change number of a plan as stored whole (imported or seeded): devices that never
/// pulled have cursor 0, so they get everything.
const FIRST_CHANGE: ChangeNo = 1;

/// A plan's change number and who may read it (see [`Store::plan_access`]).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PlanAccess {
    pub change: ChangeNo,
    pub visibility: Visibility,
    /// The plan gives the asked agency a task.
    pub assigns: bool,
}

/// What pushes applied together wrote, merged for one transaction: each record in its last
/// state, with the change number that wrote it.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The plan's change number the pushes were applied on.
    pub expected: ChangeNo,
    /// The plan's change number after them.
    pub change: ChangeNo,
    nodes: HashMap<NodeId, (Node, Stamps, ChangeNo)>,
    deleted: HashMap<NodeId, ChangeNo>,
    conflicts: HashMap<ConflictId, Conflict>,
    refusals: Vec<Refusal>,
    clients: HashMap<ClientId, u64>,
    history: Vec<HistoryEntry>,
}

impl Batch {
    pub fn new(expected: ChangeNo) -> Self {
        Self {
            expected,
            change: expected,
            ..Self::default()
        }
    }

    /// Adds what one push of `client` wrote (after those already added).
    pub fn add(&mut self, client: ClientId, delta: &Delta) {
        for id in &delta.deleted {
            self.nodes.remove(id);
            self.deleted.insert(*id, delta.change);
        }
        for (n, s) in &delta.nodes {
            self.deleted.remove(&n.id);
            self.nodes
                .insert(n.id, (n.clone(), s.clone(), delta.change));
        }
        for c in &delta.conflicts {
            self.conflicts.insert(c.id, c.clone());
        }
        self.refusals.extend(delta.refusals.iter().cloned());
        self.history.extend(delta.history.iter().cloned());
        self.clients.insert(client, delta.last_seq);
        self.change = self.change.max(delta.change);
    }

    /// True when nothing needs writing (every push a repeat).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.deleted.is_empty()
            && self.conflicts.is_empty()
            && self.refusals.is_empty()
            && self.clients.is_empty()
    }
}

/// Why a delta could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Another process wrote the plan since its state was loaded: reload and try again.
    #[error("the plan changed meanwhile")]
    Stale,
    /// A new node's id belongs to another plan (taken meanwhile): look the ids up again.
    #[error("a node id belongs to another plan")]
    IdTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A field's name as stamps are keyed in the database (its serde name).
fn field_key(f: Field) -> Result<String> {
    match to_value(&f)? {
        Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

/// The error a transaction failed with, if it failed: the statement that failed (a THROW
/// says which rule), not the others, which only say they were not executed.
fn transaction_error(mut response: surrealdb::IndexedResults) -> Option<surrealdb::Error> {
    let mut errors: Vec<(usize, surrealdb::Error)> = response.take_errors().into_iter().collect();
    errors.sort_by_key(|(i, _)| *i);
    let cause = errors
        .iter()
        .position(|(_, e)| !not_executed(e));
    match cause {
        Some(i) => Some(errors.swap_remove(i).1),
        None => errors.into_iter().next().map(|(_, e)| e),
    }
}

/// True when `error` is the THROW of `rule` in a query (of that kind, naming that rule).
fn thrown(error: &surrealdb::Error, rule: &str) -> bool {
    error.is_thrown() && error.message().contains(rule)
}

/// True when `error` says a statement was not run (another of its transaction failed).
fn not_executed(error: &surrealdb::Error) -> bool {
    matches!(
        error.query_details(),
        Some(surrealdb::types::QueryError::NotExecuted)
    )
}

/// True when `error` is a transaction conflict (another write of the same records): retrying
/// sees that write.
fn conflicted(error: &surrealdb::Error) -> bool {
    matches!(
        error.query_details(),
        Some(surrealdb::types::QueryError::TransactionConflict)
    )
}

fn client_key(plan: PlanId, client: ClientId) -> String {
    format!("{plan}_{client}")
}

fn u64_of(v: Option<&Value>) -> u64 {
    v.and_then(Value::as_u64).unwrap_or(0)
}

impl Store {
    /// Connects to `url` (`surrealkv://dir`, `mem://`, `ws://host:port`), signs in when
    /// credentials (`user:password`) are given, and applies the schema.
    pub async fn connect(url: &str, credentials: Option<&str>) -> Result<Self> {
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
        db.query(format!("DEFINE DATABASE IF NOT EXISTS {DATABASE}"))
            .await?
            .check()?;
        db.use_db(DATABASE).await?;
        db.query(SCHEMA).await?.check()?;
        Ok(Self { db })
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

    /// Writes reference data; records keep their keys, so writing twice changes nothing.
    pub async fn put_reference_data(&self, data: &ReferenceData) -> Result<()> {
        let agencies: Vec<Value> = data
            .agencies
            .iter()
            .map(|a| Ok(json!({ "key": a.code, "content": to_value(a)? })))
            .collect::<Result<_>>()?;
        let units: Vec<Value> = data
            .units
            .iter()
            .map(|u| {
                let mut c = to_value(u)?;
                if let Some(o) = c.as_object_mut() {
                    o.remove("id");
                }
                Ok(json!({ "key": u.id, "content": c }))
            })
            .collect::<Result<_>>()?;
        self.db
            .query(
                "BEGIN TRANSACTION;
                 FOR $a IN $agencies { UPSERT type::record('agency', $a.key) CONTENT $a.content; };
                 FOR $u IN $units { UPSERT type::record('admin_unit', $u.key) CONTENT $u.content; };
                 COMMIT TRANSACTION;",
            )
            .bind(("agencies", Value::Array(agencies)))
            .bind(("units", Value::Array(units)))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        let mut r = self
            .db
            .query("SELECT * OMIT id FROM agency ORDER BY code")
            .await?
            .check()?;
        from_values(r.take(0)?)
    }

    pub async fn admin_units(&self) -> Result<Vec<AdminUnit>> {
        let mut r = self
            .db
            .query("SELECT record::id(id) AS id, name, kind, level, parent, valid_from, valid_to FROM admin_unit ORDER BY id")
            .await?
            .check()?;
        from_values(r.take(0)?)
    }

    /// Stores a whole plan and its nodes in one transaction. Writing the same plan again
    /// (same ids) overwrites it rather than duplicating it.
    pub async fn put_plan(&self, plan: &Plan, nodes: &[Node]) -> Result<()> {
        let (content, nodes) = plan_records(plan, nodes)?;
        self.db
            .query(
                "BEGIN TRANSACTION;
                 UPSERT type::record('plan', $key) CONTENT $plan;
                 FOR $n IN $nodes { UPSERT type::record('node', $n.key) CONTENT $n.content; };
                 UPDATE type::record('plan', $key) SET version = <string> rand::uuid::v7(), change = $first;
                 COMMIT TRANSACTION;",
            )
            .bind(("key", plan.id.to_string()))
            .bind(("first", FIRST_CHANGE))
            .bind(("plan", content))
            .bind(("nodes", Value::Array(nodes)))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn plan(&self, id: PlanId) -> Result<Option<Plan>> {
        let mut r = self
            .db
            .query("SELECT record::id(id) AS id, metadata, preamble, references, visibility FROM type::record('plan', $key)")
            .bind(("key", id.to_string()))
            .await?
            .check()?;
        Ok(from_values(r.take(0)?)?.into_iter().next())
    }

    /// The plan, its version and its nodes, read in one transaction (one consistent snapshot).
    pub async fn plan_snapshot(&self, id: PlanId) -> Result<Option<(String, Plan, Vec<Node>)>> {
        let mut r = self
            .db
            .query(format!(
                "BEGIN TRANSACTION;
                 SELECT record::id(id) AS id, metadata, preamble, references, visibility, version FROM type::record('plan', $key);
                 SELECT {NODE_FIELDS} FROM node WHERE plan_id = $key;
                 COMMIT TRANSACTION;"
            ))
            .bind(("key", id.to_string()))
            .await?
            .check()?;
        // Statement 0 is BEGIN.
        let plans: Vec<Value> = r.take(1)?;
        let Some(mut plan) = plans.into_iter().next() else {
            return Ok(None);
        };
        let version = plan
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(o) = plan.as_object_mut() {
            o.remove("version");
        }
        let plan: Plan = serde_json::from_value(plan)?;
        let nodes = from_values(r.take(2)?)?;
        Ok(Some((version, plan, nodes)))
    }

    pub async fn plans(&self) -> Result<Vec<PlanSummary>> {
        let mut r = self
            .db
            .query(
                "SELECT record::id(id) AS id, metadata, visibility, created_at,
                    count((SELECT VALUE 1 FROM node WHERE plan_id = record::id($parent.id))) AS node_count
                 FROM plan ORDER BY created_at",
            )
            .await?
            .check()?;
        from_values(r.take(0)?)
    }

    pub async fn nodes(&self, plan: PlanId) -> Result<Vec<Node>> {
        let mut r = self
            .db
            .query(format!(
                "SELECT {NODE_FIELDS} FROM node WHERE plan_id = $plan"
            ))
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        from_values(r.take(0)?)
    }

    /// The plan's current version (it changes with every write), if the plan exists.
    pub async fn plan_version(&self, id: PlanId) -> Result<Option<String>> {
        let mut r = self
            .db
            .query("SELECT VALUE version FROM type::record('plan', $key)")
            .bind(("key", id.to_string()))
            .await?
            .check()?;
        let v: Vec<Value> = r.take(0)?;
        Ok(v.into_iter()
            .next()
            .and_then(|v| v.as_str().map(str::to_owned)))
    }

    /// Everything the server holds of a plan for sync, read in one transaction: the
    /// [`Authority`] and what pulls need besides the nodes.
    pub async fn sync_state(&self, plan: PlanId) -> Result<Option<PlanSync>> {
        let mut r = self
            .db
            .query(format!(
                "BEGIN TRANSACTION;
                 SELECT record::id(id) AS id, metadata, preamble, references, visibility, change FROM type::record('plan', $plan);
                 SELECT {NODE_FIELDS}, stamps FROM node WHERE plan_id = $plan;
                 SELECT VALUE data FROM conflict WHERE plan_id = $plan;
                 SELECT record::id(id) AS id, change FROM tombstone WHERE plan_id = $plan;
                 SELECT client, last_seq FROM sync_client WHERE plan_id = $plan;
                 SELECT VALUE data FROM refusal WHERE plan_id = $plan;
                 COMMIT TRANSACTION;"
            ))
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        let plans: Vec<Value> = r.take(1)?;
        let Some(mut plan_row) = plans.into_iter().next() else {
            return Ok(None);
        };
        let change = u64_of(plan_row.get("change"));
        if let Some(o) = plan_row.as_object_mut() {
            o.remove("change");
        }
        let plan_record: Plan = serde_json::from_value(plan_row)?;
        let rows: Vec<Value> = r.take(2)?;
        let mut nodes = Vec::with_capacity(rows.len());
        let mut stamps = HashMap::with_capacity(rows.len());
        for mut row in rows {
            let s = row
                .as_object_mut()
                .and_then(|o| o.remove("stamps"))
                .unwrap_or(Value::Null);
            let node: Node = serde_json::from_value(row)?;
            let s: Stamps = if s.is_null() {
                Stamps::new()
            } else {
                serde_json::from_value(s)?
            };
            stamps.insert(node.id, s);
            nodes.push(node);
        }
        let conflicts: Vec<Conflict> = from_values(r.take(3)?)?;
        let tombstones: Vec<Value> = r.take(4)?;
        let tombstones: HashMap<NodeId, ChangeNo> = tombstones
            .iter()
            .filter_map(|t| {
                let id = t.get("id")?.as_str()?.parse().ok()?;
                Some((id, u64_of(t.get("change"))))
            })
            .collect();
        let seqs: Vec<Value> = r.take(5)?;
        let seqs = seqs
            .iter()
            .filter_map(|s| {
                let c = s.get("client")?.as_str()?.parse().ok()?;
                Some((c, u64_of(s.get("last_seq"))))
            })
            .collect();
        let refusals: Vec<Refusal> = from_values(r.take(6)?)?;
        let mut authority = Authority::new(
            PlanState::new(plan, nodes),
            stamps,
            conflicts.iter().filter(|c| c.open).cloned(),
            change,
        );
        authority.know_conflicts(conflicts.iter().map(|c| c.id));
        authority.mark_taken(tombstones.keys().copied());
        Ok(Some(PlanSync {
            authority,
            plan: Some(plan_record),
            tombstones,
            conflicts: conflicts.into_iter().map(|c| (c.id, c)).collect(),
            seqs,
            refusals,
        }))
    }

    /// Which plan each of `ids` belongs to, live or deleted (ids nobody has are left out).
    /// Read by key, so it costs the same whatever the number of plans and nodes.
    pub async fn node_owners(&self, ids: &[NodeId]) -> Result<HashMap<NodeId, PlanId>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let keys: Vec<String> = ids.iter().map(NodeId::to_string).collect();
        let mut r = self
            .db
            .query(
                // A key with no record reads as a row without an id: left out.
                "SELECT record::id(id) AS id, plan_id FROM array::map($keys, |$k| type::record('node', $k)) WHERE id IS NOT NONE;
                 SELECT record::id(id) AS id, plan_id FROM array::map($keys, |$k| type::record('tombstone', $k)) WHERE id IS NOT NONE;",
            )
            .bind(("keys", keys))
            .await?
            .check()?;
        let mut owners = HashMap::new();
        for statement in 0..2 {
            let rows: Vec<Value> = r.take(statement)?;
            for row in rows {
                let id = row
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse().ok());
                let plan = row
                    .get("plan_id")
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse().ok());
                if let (Some(id), Some(plan)) = (id, plan) {
                    owners.insert(id, plan);
                }
            }
        }
        Ok(owners)
    }

    /// The plan's change number and who may read it, if the plan exists; with `agency`, whether
    /// the plan gives that agency a task (looked up only for a restricted plan).
    pub async fn plan_access(
        &self,
        plan: PlanId,
        agency: Option<&str>,
    ) -> Result<Option<PlanAccess>> {
        let mut r = self
            .db
            .query(
                "LET $p = (SELECT change, visibility FROM type::record('plan', $plan))[0];
                 IF $p IS NONE { [] } ELSE {
                     [{
                         change: $p.change,
                         visibility: $p.visibility,
                         assigns: IF $p.visibility = 'assigned' AND $agency != '' {
                             count(SELECT VALUE id FROM node WHERE plan_id = $plan AND $agency IN assignments.agency LIMIT 1) > 0
                         } ELSE { false },
                     }]
                 };",
            )
            .bind(("plan", plan.to_string()))
            .bind(("agency", agency.unwrap_or_default().to_owned()))
            .await?
            .check()?;
        let rows: Vec<PlanAccess> = from_values(r.take(1)?)?;
        Ok(rows.into_iter().next())
    }

    /// Sets who may read the plan; `false` when there is no such plan.
    pub async fn set_visibility(&self, plan: PlanId, visibility: Visibility) -> Result<bool> {
        let mut r = self
            .db
            .query("UPDATE type::record('plan', $plan) SET visibility = $v, version = <string> rand::uuid::v7() RETURN VALUE true")
            .bind(("plan", plan.to_string()))
            .bind(("v", to_value(&visibility)?))
            .await?
            .check()?;
        let done: Vec<Value> = r.take(0)?;
        Ok(!done.is_empty())
    }

    /// The plan's change number, if the plan exists.
    pub async fn plan_change(&self, plan: PlanId) -> Result<Option<ChangeNo>> {
        let mut r = self
            .db
            .query("SELECT VALUE change FROM type::record('plan', $plan)")
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        let v: Vec<Value> = r.take(0)?;
        Ok(v.first().map(|v| u64_of(Some(v))))
    }

    /// Writes what one or more pushes decided, in one transaction, provided the plan is still
    /// at change `batch.expected` (else [`WriteError::Stale`] and nothing is written).
    pub async fn write_batch(&self, plan: PlanId, batch: &Batch) -> Result<(), WriteError> {
        // Nodes made by these pushes are inserted whole; the others get only the fields they
        // wrote (most of a node, its body above all, is unchanged by a typical edit).
        let mut inserts: Vec<Value> = Vec::new();
        let mut merges: Vec<Value> = Vec::new();
        for (n, stamps, change) in batch.nodes.values() {
            let written: Vec<Field> = stamps
                .iter()
                .filter(|(_, s)| s.change > batch.expected)
                .map(|(f, _)| *f)
                .collect();
            let mut content = node_content(n, *change, stamps)?
                .get_mut("content")
                .map(Value::take)
                .unwrap_or_default();
            if written.len() == Field::ALL.len() || written.is_empty() {
                if let Some(o) = content.as_object_mut() {
                    o.insert("id".into(), json!(n.id.to_string()));
                }
                inserts.push(content);
                continue;
            }
            let mut set = serde_json::Map::new();
            let mut keep = |k: &str| {
                if let Some(v) = content.get(k) {
                    set.insert(k.to_owned(), v.clone());
                }
            };
            for f in &written {
                match f {
                    Field::Title => {
                        keep("title");
                        keep("references");
                    }
                    Field::Body => {
                        keep("body");
                        keep("references");
                    }
                    Field::Deadline => keep("deadline"),
                    Field::Label => keep("label"),
                    Field::Progress => keep("progress"),
                    Field::CompletedOn => keep("completed_on"),
                    Field::Assignments => keep("assignments"),
                    Field::Position => {
                        keep("parent");
                        keep("rank");
                    }
                }
            }
            keep("change");
            // Only the stamps of the fields written: MERGE merges nested objects, so the
            // others stay as they are.
            let written_stamps: serde_json::Map<String, Value> = stamps
                .iter()
                .filter(|(f, _)| written.contains(f))
                .map(|(f, st)| Ok((field_key(*f)?, to_value(st)?)))
                .collect::<Result<_>>()?;
            set.insert("stamps".into(), Value::Object(written_stamps));
            merges.push(json!({ "key": n.id.to_string(), "set": set }));
        }
        let insert_keys: Vec<String> = inserts
            .iter()
            .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let deleted: Vec<Value> = batch
            .deleted
            .iter()
            .map(|(id, change)| json!({ "key": id.to_string(), "change": change }))
            .collect();
        let clients: Vec<Value> = batch
            .clients
            .iter()
            .map(|(c, seq)| {
                json!({ "key": client_key(plan, *c), "client": c.to_string(), "last_seq": seq })
            })
            .collect();
        let conflicts: Vec<Value> = batch
            .conflicts
            .values()
            .map(|c| {
                Ok(json!({ "key": c.id.to_string(), "content": {
                    "plan_id": plan.to_string(), "change": c.change, "open": c.open, "data": to_value(c)?,
                }}))
            })
            .collect::<Result<_>>()?;
        let refusals: Vec<Value> = batch
            .refusals
            .iter()
            .map(|r| {
                Ok(json!({ "key": format!("{}_{}", client_key(plan, r.client), r.seq), "content": {
                    "plan_id": plan.to_string(), "client": r.client.to_string(), "seq": r.seq, "data": to_value(r)?,
                }}))
            })
            .collect::<Result<_>>()?;
        let mut by_client: HashMap<ClientId, Vec<&HistoryEntry>> = HashMap::new();
        for h in &batch.history {
            by_client.entry(h.client).or_default().push(h);
        }
        let history: Vec<Value> = by_client
            .into_iter()
            .map(|(client, entries)| {
                let first = entries.iter().map(|h| h.seq).min().unwrap_or(0);
                let mut nodes: Vec<String> = entries.iter().map(|h| h.node.to_string()).collect();
                nodes.sort();
                nodes.dedup();
                Ok(json!({
                    "id": format!("{}_{first}", client_key(plan, client)),
                    "plan_id": plan.to_string(), "change": batch.change, "nodes": nodes,
                    "entries": serde_json::to_string(&entries)?,
                }))
            })
            .collect::<Result<_>>()?;
        let result = self
            .db
            .query(
                "BEGIN TRANSACTION;
                 IF (SELECT VALUE change FROM type::record('plan', $plan))[0] != $expected { THROW 'stale' };
                 -- A new node never lands on a record of another plan (the service refuses such
                 -- ids; this holds even if another process took one meanwhile).
                 IF array::len($insert_keys) > 0 AND array::len(array::concat(
                     (SELECT VALUE id FROM array::map($insert_keys, |$k| type::record('node', $k))
                         WHERE plan_id IS NOT NONE AND plan_id != $plan),
                     (SELECT VALUE id FROM array::map($insert_keys, |$k| type::record('tombstone', $k))
                         WHERE plan_id IS NOT NONE AND plan_id != $plan)
                 )) > 0 { THROW 'id_taken' };
                 IF array::len($inserts) > 0 {
                     INSERT INTO node $inserts ON DUPLICATE KEY UPDATE
                         parent = $input.parent, rank = $input.rank, label = $input.label,
                         title = $input.title, body = $input.body, deadline = $input.deadline,
                         references = $input.references, progress = $input.progress,
                         completed_on = $input.completed_on, assignments = $input.assignments,
                         owner = $input.owner, change = $input.change, stamps = $input.stamps;
                 };
                 FOR $m IN $merges { UPDATE type::record('node', $m.key) MERGE $m.set; };
                 FOR $d IN $deleted {
                     DELETE type::record('node', $d.key);
                     UPSERT type::record('tombstone', $d.key) CONTENT { plan_id: $plan, change: $d.change };
                 };
                 FOR $c IN $conflicts { UPSERT type::record('conflict', $c.key) CONTENT $c.content; };
                 FOR $r IN $refusals { UPSERT type::record('refusal', $r.key) CONTENT $r.content; };
                 IF array::len($history) > 0 { INSERT IGNORE INTO history $history; };
                 FOR $c IN $clients {
                     UPSERT type::record('sync_client', $c.key)
                         CONTENT { plan_id: $plan, client: $c.client, last_seq: $c.last_seq };
                 };
                 IF $change != $expected {
                     UPDATE type::record('plan', $plan) SET change = $change, version = <string> rand::uuid::v7();
                 };
                 COMMIT TRANSACTION;",
            )
            .bind(("plan", plan.to_string()))
            .bind(("expected", batch.expected))
            .bind(("change", batch.change))
            .bind(("insert_keys", insert_keys))
            .bind(("inserts", Value::Array(inserts)))
            .bind(("merges", Value::Array(merges)))
            .bind(("deleted", Value::Array(deleted)))
            .bind(("conflicts", Value::Array(conflicts)))
            .bind(("refusals", Value::Array(refusals)))
            .bind(("clients", Value::Array(clients)))
            .bind(("history", Value::Array(history)))
            .await
            .map_err(StoreError::from)?;
        match transaction_error(result) {
            None => Ok(()),
            Some(e) if thrown(&e, "stale") => Err(WriteError::Stale),
            Some(e) if thrown(&e, "id_taken") => Err(WriteError::IdTaken),
            Some(e) => Err(StoreError::from(e).into()),
        }
    }

    /// Deletes the refusals of each client up to its sequence number (their devices have them).
    pub async fn delete_refusals(&self, plan: PlanId, seen: &[ClientSeq]) -> Result<()> {
        let seen: Vec<Value> = seen
            .iter()
            .map(|c| json!({ "client": c.client.to_string(), "seq": c.seq }))
            .collect();
        self.db
            .query(
                "FOR $c IN $seen {
                     DELETE refusal WHERE plan_id = $plan AND client = $c.client AND seq <= $c.seq;
                 };",
            )
            .bind(("plan", plan.to_string()))
            .bind(("seen", Value::Array(seen)))
            .await?
            .check()?;
        Ok(())
    }

    /// The history of a node, newest first.
    pub async fn history(&self, plan: PlanId, node: NodeId) -> Result<Vec<HistoryEntry>> {
        let mut r = self
            .db
            .query("SELECT VALUE entries FROM history WHERE plan_id = $plan AND $node IN nodes")
            .bind(("plan", plan.to_string()))
            .bind(("node", node.to_string()))
            .await?
            .check()?;
        let rows: Vec<Value> = r.take(0)?;
        let mut out: Vec<HistoryEntry> = Vec::new();
        for text in rows.iter().filter_map(Value::as_str) {
            let entries: Vec<HistoryEntry> = serde_json::from_str(text)?;
            out.extend(entries.into_iter().filter(|h| h.node == node));
        }
        out.sort_by_key(|h| std::cmp::Reverse((h.change, h.at, h.seq)));
        Ok(out)
    }

    /// Creates a new plan with its nodes in one transaction; `false` (and nothing written)
    /// when a plan or node with one of these ids exists already: a new plan never replaces
    /// anything, even when two requests race with the same id.
    pub async fn create_plan(&self, plan: &Plan, nodes: &[Node]) -> Result<bool> {
        let (content, nodes) = plan_records(plan, nodes)?;
        let result = self
            .db
            .query(
                "BEGIN TRANSACTION;
                 IF record::exists(type::record('plan', $key)) { THROW 'plan_exists' };
                 CREATE type::record('plan', $key) CONTENT $plan;
                 FOR $n IN $nodes {
                     IF record::exists(type::record('node', $n.key)) OR record::exists(type::record('tombstone', $n.key)) {
                         THROW 'plan_exists'
                     };
                     CREATE type::record('node', $n.key) CONTENT $n.content;
                 };
                 UPDATE type::record('plan', $key) SET version = <string> rand::uuid::v7(), change = $first;
                 COMMIT TRANSACTION;",
            )
            .bind(("key", plan.id.to_string()))
            .bind(("first", FIRST_CHANGE))
            .bind(("plan", content))
            .bind(("nodes", Value::Array(nodes)))
            .await?;
        match transaction_error(result) {
            None => Ok(true),
            Some(e) if thrown(&e, "plan_exists") || thrown(&e, "already exists") => Ok(false),
            Some(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                    base: 0,
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
                .write_batch(plan_id, &batch)
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
                    .create_plan(&plan, &[])
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
                    base: 0,
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
            written.push((plan.id, store.write_batch(plan.id, &batch).await));
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
}
