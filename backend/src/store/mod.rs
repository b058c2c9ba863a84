//! The only code that speaks SurrealQL or knows a SurrealDB type. Everything it takes and gives
//! is a `shared` type; records cross the boundary as JSON values.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use shared::ids::PlanId;
use shared::mutation::Change;
use shared::plan::{Node, Plan, PlanSummary};
use shared::registry::{AdminUnit, Agency, ReferenceData};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

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

/// A node as stored: everything but the id, which is the record's key.
fn node_content(node: &Node) -> Result<Value> {
    let mut v = to_value(node)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("id");
        // The JSON form leaves absent values out; the schema wants them present.
        o.entry("body").or_insert(Value::Null);
        o.entry("deadline").or_insert(Value::Null);
        o.entry("references").or_insert(Value::Array(Vec::new()));
    }
    Ok(json!({ "key": node.id.to_string(), "content": v }))
}

const NODE_FIELDS: &str =
    "record::id(id) AS id, plan_id, parent, rank, label, kind, title, body, deadline, references";

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
        let mut content = to_value(plan)?;
        if let Some(o) = content.as_object_mut() {
            o.remove("id");
        }
        let nodes: Vec<Value> = nodes.iter().map(node_content).collect::<Result<_>>()?;
        self.db
            .query(
                "BEGIN TRANSACTION;
                 UPSERT type::record('plan', $key) CONTENT $plan;
                 FOR $n IN $nodes { UPSERT type::record('node', $n.key) CONTENT $n.content; };
                 UPDATE type::record('plan', $key) SET version = <string> rand::uuid::v7();
                 COMMIT TRANSACTION;",
            )
            .bind(("key", plan.id.to_string()))
            .bind(("plan", content))
            .bind(("nodes", Value::Array(nodes)))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn plan(&self, id: PlanId) -> Result<Option<Plan>> {
        let mut r = self
            .db
            .query("SELECT record::id(id) AS id, metadata, preamble, references FROM type::record('plan', $key)")
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
                 SELECT record::id(id) AS id, metadata, preamble, references, version FROM type::record('plan', $key);
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
                "SELECT record::id(id) AS id, metadata, created_at,
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

    /// Writes what one mutation of `plan` changed, and a new plan version, in one transaction.
    pub async fn apply_change(&self, plan: PlanId, change: &Change) -> Result<()> {
        let upserts: Vec<Value> = change
            .upserted
            .iter()
            .map(node_content)
            .collect::<Result<_>>()?;
        let deleted: Vec<String> = change.deleted.iter().map(|id| id.to_string()).collect();
        self.db
            .query(
                "BEGIN TRANSACTION;
                 FOR $n IN $upserts { UPSERT type::record('node', $n.key) CONTENT $n.content; };
                 FOR $d IN $deleted { DELETE type::record('node', $d); };
                 UPDATE type::record('plan', $plan) SET version = <string> rand::uuid::v7();
                 COMMIT TRANSACTION;",
            )
            .bind(("plan", plan.to_string()))
            .bind(("upserts", Value::Array(upserts)))
            .bind(("deleted", deleted))
            .await?
            .check()?;
        Ok(())
    }
}
