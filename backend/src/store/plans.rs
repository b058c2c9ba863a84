//! Plans and their nodes: whole plans written and read, who may read a plan, and which plan a
//! node id belongs to.

use serde_json::{Value, json};
use shared::ids::{NodeId, PlanId};
use shared::plan::{Node, Plan, PlanSummary, Visibility};
use shared::sync::{ChangeNo, Stamps};
use std::collections::{HashMap, HashSet};

use super::*;

/// A node as stored: everything but the id, which is the record's key, plus the change that
/// wrote it and its fields' stamps.
pub(super) fn node_content(node: &Node, change: ChangeNo, stamps: &Stamps) -> Result<Value> {
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
pub(super) fn plan_records(plan: &Plan, nodes: &[Node]) -> Result<(Value, Vec<Value>)> {
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

/// Most nodes read in one query when a plan is read whole: the database holds a query's
/// rows several times over while it answers (a plan of 100,000 tasks read in one query took
/// 1.7 GB more, ~17 KB a node, measured 06/12/2026), and memory freed by one page serves the
/// next: 882–904 MB and 6.5–7.4 s for the plan of 100,000 in three runs of four, 1,761 MB in
/// the fourth (by key instead of by range of keys: 1,067 MB, 8.1 s). A plan of fewer is read
/// in one query.
pub(super) const NODE_PAGE: usize = 10_000;

/// Reads the rows (`NODE_FIELDS`, and `extra` fields) of a plan's nodes, whose keys are `ids`,
/// within the transaction `tx`, and gives them to `take` (which says which nodes it took): in
/// one query when there are at most `page`, else `page` nodes at a time, each page the range
/// of keys from its first node to its last (a scan in key order), other plans' nodes in it
/// left out. The number of nodes read by key instead (outside every range: never seen).
pub(super) async fn read_nodes(
    tx: &surrealdb::method::Transaction<Any>,
    plan: PlanId,
    ids: &[String],
    extra: &str,
    page: usize,
    take: &mut impl FnMut(Vec<Value>) -> Result<Vec<NodeId>>,
) -> Result<usize> {
    let fields = if extra.is_empty() {
        NODE_FIELDS.to_owned()
    } else {
        format!("{NODE_FIELDS}, {extra}")
    };
    if ids.len() <= page {
        let mut q = tx
            .query(format!("SELECT {fields} FROM node WHERE plan_id = $plan"))
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        take(q.take(0)?)?;
        return Ok(0);
    }
    // The keys' order as text is their order as ids (lowercase hexadecimal digits, hyphens at
    // fixed places).
    let mut ids: Vec<NodeId> = ids.iter().filter_map(|id| id.parse().ok()).collect();
    ids.sort();
    let mut taken = HashSet::with_capacity(ids.len());
    for keys in ids.chunks(page) {
        let (Some(first), Some(last)) = (keys.first(), keys.last()) else {
            continue;
        };
        // The keys are parsed ids (hexadecimal digits and hyphens): written into the query
        // as they are.
        let mut q = tx
            .query(format!(
                "SELECT {fields} FROM node:⟨{first}⟩..=⟨{last}⟩ WHERE plan_id = $plan"
            ))
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        taken.extend(take(q.take(0)?)?);
    }
    // Should the database order keys otherwise than their text (never seen), a node outside
    // every range is read by key.
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !taken.contains(id))
        .map(ToString::to_string)
        .collect();
    let by_key = missing.len();
    if !missing.is_empty() {
        tracing::warn!(count = by_key, %plan, "nodes outside their page's range");
        let mut q = tx
            .query(format!(
                "SELECT {fields} FROM array::map($keys, |$k| type::record('node', $k)) WHERE plan_id = $plan"
            ))
            .bind(("keys", missing))
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        take(q.take(0)?)?;
    }
    Ok(by_key)
}

/// A plan's nodes, whose keys are `ids`, read within `tx` ([`read_nodes`]).
async fn nodes_in(
    tx: &surrealdb::method::Transaction<Any>,
    plan: PlanId,
    ids: Vec<String>,
) -> Result<Vec<Node>> {
    let mut nodes = Vec::with_capacity(ids.len());
    read_nodes(tx, plan, &ids, "", NODE_PAGE, &mut |rows| {
        let mut taken = Vec::with_capacity(rows.len());
        for row in rows {
            let node: Node = serde_json::from_value(row)?;
            taken.push(node.id);
            nodes.push(node);
        }
        Ok(taken)
    })
    .await?;
    Ok(nodes)
}

/// What [`Store::reading`] runs within its transaction.
pub(super) type Reading<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + Send + 'a>>;

impl Store {
    /// Runs `read` within a transaction that only reads: one snapshot for several queries. In a
    /// task of its own, which always ends the transaction (never committed): a request dropped
    /// meanwhile (its device gone, its time up) never leaves it open.
    pub(super) async fn reading<T: Send + 'static>(
        &self,
        read: impl for<'a> FnOnce(&'a surrealdb::method::Transaction<Any>) -> Reading<'a, T>
        + Send
        + 'static,
    ) -> Result<T> {
        let db = self.db.clone();
        tokio::spawn(async move {
            let tx = db.begin().await?;
            let done = read(&tx).await;
            if let Err(e) = tx.cancel().await {
                tracing::warn!(error = %e, "ending a transaction that only read");
            }
            done
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

pub(super) const NODE_FIELDS: &str = "record::id(id) AS id, plan_id, parent, rank, label, kind, title, body, deadline, recurring_deadline, references, progress, completed_on, assignments, owner";

/// The change number of a plan as stored whole (imported or seeded): devices that never
/// pulled have cursor 0, so they get everything.
pub(super) const FIRST_CHANGE: ChangeNo = ChangeNo(1);

/// Where a stored plan came from (see [`Store::plan_origins`]).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PlanOrigin {
    pub id: PlanId,
    pub metadata: shared::document::PlanMetadata,
    #[serde(default)]
    pub source_sha256: Option<String>,
    /// Seconds since 1970.
    #[serde(default)]
    pub created: Option<i64>,
}

/// A plan's record as [`Store::plan_head`] reads it.
#[derive(serde::Deserialize)]
struct PlanHeadRow {
    #[serde(default)]
    change: ChangeNo,
    #[serde(default)]
    visibility: Visibility,
}

/// A plan's change number and who may read it (see [`Store::plan_access`]).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PlanAccess {
    pub change: ChangeNo,
    pub visibility: Visibility,
    /// The plan gives the asked agency a task.
    pub assigns: bool,
}

impl Store {
    /// Stores a whole plan and its nodes in one transaction. Writing the same plan again
    /// (same ids) overwrites it rather than duplicating it.
    pub async fn put_plan(&self, plan: &Plan, nodes: &[Node]) -> Result<()> {
        let (content, nodes) = plan_records(plan, nodes)?;
        let done = self
            .db
            .query(
                "BEGIN TRANSACTION;
                 UPSERT type::record('plan', $key) CONTENT $plan;
                 FOR $n IN $nodes { UPSERT type::record('node', $n.key) CONTENT $n.content; };
                 UPDATE type::record('plan', $key) SET version = <string> rand::uuid::v7(), change = $first;
                 COMMIT TRANSACTION;",
            )
            .bind(("key", plan.id.to_string()))
            .bind(("first", FIRST_CHANGE.0))
            .bind(("plan", content))
            .bind(("nodes", Value::Array(nodes)))
            .await;
        self.plan_written(plan.id);
        done?.check()?;
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
        self.settle(id).await?;
        self.reading(move |tx| {
            Box::pin(async move {
                let mut r = tx
                    .query(
                        "SELECT record::id(id) AS id, metadata, preamble, references, visibility, version FROM type::record('plan', $key);
                         SELECT VALUE record::id(id) FROM node WHERE plan_id = $key;",
                    )
                    .bind(("key", id.to_string()))
                    .await?
                    .check()?;
                let plans: Vec<Value> = r.take(0)?;
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
                let nodes = nodes_in(tx, id, r.take(1)?).await?;
                Ok(Some((version, plan, nodes)))
            })
        })
        .await
    }

    pub async fn plans(&self) -> Result<Vec<PlanSummary>> {
        // The node counts count accepted pushes' new nodes already (written at once), but not
        // their deletions.
        self.settle_all().await?;
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
        self.settle(plan).await?;
        self.reading(move |tx| {
            Box::pin(async move {
                let mut r = tx
                    .query("SELECT VALUE record::id(id) FROM node WHERE plan_id = $plan")
                    .bind(("plan", plan.to_string()))
                    .await?
                    .check()?;
                nodes_in(tx, plan, r.take(0)?).await
            })
        })
        .await
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
        let access = self.plan_access_now(plan, agency).await?;
        // Whether the plan gives the agency a task is read from its nodes: accepted pushes
        // (which may give or take one back) written out first.
        match access {
            Some(a) if a.visibility == Visibility::Assigned && agency.is_some() => {
                if self.has_pending(plan).await? {
                    self.settle(plan).await?;
                    return self.plan_access_now(plan, agency).await;
                }
                Ok(Some(a))
            }
            other => Ok(other),
        }
    }

    async fn plan_access_now(
        &self,
        plan: PlanId,
        agency: Option<&str>,
    ) -> Result<Option<PlanAccess>> {
        // Whether the plan gives the agency a task is read from its nodes; anything else is
        // the plan's head.
        let Some(head) = self.plan_head(plan).await? else {
            return Ok(None);
        };
        let assigns = match agency.filter(|a| !a.is_empty()) {
            Some(agency) if head.visibility == Visibility::Assigned => {
                let mut r = self
                    .db
                    .query(
                        "RETURN count(SELECT VALUE id FROM node WHERE plan_id = $plan AND $agency IN assignments.agency LIMIT 1) > 0",
                    )
                    .bind(("plan", plan.to_string()))
                    .bind(("agency", agency.to_owned()))
                    .await?
                    .check()?;
                let found: Option<bool> = r.take(0)?;
                found.unwrap_or(false)
            }
            _ => false,
        };
        Ok(Some(PlanAccess {
            change: head.change,
            visibility: head.visibility,
            assigns,
        }))
    }

    /// Sets who may read the plan; `false` when there is no such plan.
    pub async fn set_visibility(&self, plan: PlanId, visibility: Visibility) -> Result<bool> {
        let r = self
            .db
            .query("UPDATE type::record('plan', $plan) SET visibility = $v, version = <string> rand::uuid::v7() RETURN VALUE true")
            .bind(("plan", plan.to_string()))
            .bind(("v", to_value(&visibility)?))
            .await;
        self.plan_written(plan);
        let mut r = r?.check()?;
        let done: Vec<Value> = r.take(0)?;
        Ok(!done.is_empty())
    }

    /// The plan's change number, if the plan exists.
    pub async fn plan_change(&self, plan: PlanId) -> Result<Option<ChangeNo>> {
        Ok(self.plan_head(plan).await?.map(|h| h.change))
    }

    /// The plan's change number and who may read it, if the plan exists: from memory when
    /// kept (`kept.rs`).
    async fn plan_head(&self, plan: PlanId) -> Result<Option<kept::Head>> {
        let (kept, generation) = match self.kept_plans() {
            Some(k) => k.get(&plan),
            None => (None, 0),
        };
        if kept.is_some() {
            return Ok(kept);
        }
        let mut r = self
            .db
            .query("SELECT change, visibility FROM type::record('plan', $plan)")
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        let rows: Vec<PlanHeadRow> = from_values(r.take(0)?)?;
        let head = rows.into_iter().next().map(|row| kept::Head {
            change: row.change,
            visibility: row.visibility,
        });
        if let (Some(h), Some(k)) = (head, self.kept_plans()) {
            k.keep(plan, h, generation);
        }
        Ok(head)
    }

    fn kept_plans(&self) -> Option<&kept::Kept<PlanId, kept::Head>> {
        self.kept.as_deref().map(|k| &k.plans)
    }

    /// The plan's record was written (or may have been): its change number and visibility
    /// are read again.
    pub(super) fn plan_written(&self, plan: PlanId) {
        if let Some(k) = self.kept_plans() {
            k.forget(&plan);
        }
    }

    /// The plan's record was written as `change` says.
    pub(super) fn plan_rewritten(&self, plan: PlanId, change: impl FnOnce(&mut kept::Head)) {
        if let Some(k) = self.kept_plans() {
            k.rewrite(&plan, change);
        }
    }

    /// Every plan's metadata, the SHA-256 of the file it was imported from and when it was
    /// created (seconds since 1970): what an import is compared with.
    pub async fn plan_origins(&self) -> Result<Vec<PlanOrigin>> {
        let mut r = self
            .db
            .query(
                "SELECT record::id(id) AS id, metadata, source_sha256, time::unix(created_at) AS created
                 FROM plan ORDER BY created_at",
            )
            .await?
            .check()?;
        from_values(r.take(0)?)
    }

    /// Creates a new plan with its nodes in one transaction; `false` (and nothing written)
    /// when a plan or node with one of these ids exists already: a new plan never replaces
    /// anything, even when two requests race with the same id.
    pub async fn create_plan(
        &self,
        plan: &Plan,
        nodes: &[Node],
        source_sha256: Option<&str>,
    ) -> Result<bool> {
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
                 UPDATE type::record('plan', $key) SET version = <string> rand::uuid::v7(), change = $first, source_sha256 = $source;
                 COMMIT TRANSACTION;",
            )
            .bind(("key", plan.id.to_string()))
            .bind(("first", FIRST_CHANGE.0))
            .bind(("plan", content))
            .bind(("nodes", Value::Array(nodes)))
            .bind(("source", source_sha256.map(str::to_owned)))
            .await;
        self.plan_written(plan.id);
        match transaction_error(result?) {
            None => Ok(true),
            Some(e) if thrown(&e, "plan_exists") || e.is_already_exists() => Ok(false),
            Some(e) => Err(e.into()),
        }
    }
}

/// A plan's change number as it changed in the database (`Store::plan_changes`).
pub type PlanChanged = (PlanId, ChangeNo);

impl Store {
    /// Every plan's change number as it changes, whichever process wrote it: a LIVE query on
    /// the `plan` table over this connection (the database tells; nothing of our own between
    /// processes). The stream ends when the connection does.
    pub async fn plan_changes(
        &self,
    ) -> Result<impl futures_util::Stream<Item = PlanChanged> + Send + use<>> {
        use futures_util::StreamExt;
        let stream = self.db.select::<Vec<Value>>("plan").live().await?;
        Ok(stream.filter_map(|n| async move {
            let n = n.ok()?;
            let id = match n.data.get("id")? {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let plan = plan_id_in(&id)?;
            Some((plan, change_of(n.data.get("change"))))
        }))
    }
}

/// The plan id in a record id's text (`plan:⟨…⟩`, `plan:`…``, or the id alone).
fn plan_id_in(record: &str) -> Option<PlanId> {
    record
        .char_indices()
        .filter_map(|(i, _)| record.get(i..i + 36))
        .find_map(|s| s.parse().ok())
}
