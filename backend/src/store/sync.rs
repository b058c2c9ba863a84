//! What sync writes and reads: a plan's sync state (nodes with their stamps, tombstones,
//! conflicts, sequence numbers, refusals), the batch of pushes written in one transaction,
//! and the history it leaves.

use serde_json::{Value, json};
use shared::ids::{ClientId, ConflictId, NodeId, PlanId};
use shared::mutation::Field;
use shared::plan::{Node, Plan};
use shared::plan_state::PlanState;
use shared::sync::{
    Authority, ChangeNo, ClientSeq, Conflict, Delta, HistoryEntry, PlanSync, RecordConflict,
    Refusal, Stamps,
};
use std::collections::HashMap;

use super::plans::{NODE_FIELDS, node_content};
use super::reports::{RecordBatch, read_rows};
use super::*;

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
    records: RecordBatch,
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
        self.records.add(delta);
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
            && self.records.is_empty()
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
pub(super) fn field_key(f: Field) -> Result<String> {
    match to_value(&f)? {
        Value::String(s) => Ok(s),
        other => Ok(other.to_string()),
    }
}

pub(super) fn client_key(plan: PlanId, client: ClientId) -> String {
    format!("{plan}_{client}")
}

impl Store {
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
                 SELECT key, data, stamps, change FROM report_record WHERE plan_id = $plan;
                 SELECT VALUE data FROM report_conflict WHERE plan_id = $plan;
                 COMMIT TRANSACTION;"
            ))
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        let plans: Vec<Value> = r.take(1)?;
        let Some(mut plan_row) = plans.into_iter().next() else {
            return Ok(None);
        };
        let change = change_of(plan_row.get("change"));
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
                Some((id, change_of(t.get("change"))))
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
        let stored = read_rows(r.take(7)?)?;
        let record_conflicts: Vec<RecordConflict> = from_values(r.take(8)?)?;
        let mut authority = Authority::new(
            PlanState::new(plan, nodes).with_records(stored.records),
            stamps,
            conflicts.iter().filter(|c| c.open).cloned(),
            change,
        )
        .with_records(
            stored.stamps,
            record_conflicts.iter().filter(|c| c.open).cloned(),
            stored.deleted.keys().cloned(),
        );
        authority.know_conflicts(record_conflicts.iter().map(|c| c.id));
        authority.know_conflicts(conflicts.iter().map(|c| c.id));
        authority.mark_taken(tombstones.keys().copied());
        Ok(Some(PlanSync {
            authority,
            plan: Some(plan_record),
            tombstones,
            conflicts: conflicts.into_iter().map(|c| (c.id, c)).collect(),
            record_tombstones: stored.deleted,
            record_conflicts: record_conflicts.into_iter().map(|c| (c.id, c)).collect(),
            seqs,
            refusals,
        }))
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
            .map(|c| conflict_row(plan, c.id, c.change, c.open, c))
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
                // The nodes and report records the entries touch.
                let mut nodes: Vec<String> = entries
                    .iter()
                    .filter_map(|h| {
                        h.node
                            .map(|n| n.to_string())
                            .or_else(|| h.record.as_ref().map(ToString::to_string))
                    })
                    .collect();
                nodes.sort();
                nodes.dedup();
                Ok(json!({
                    "id": format!("{}_{first}", client_key(plan, client)),
                    "plan_id": plan.to_string(), "change": batch.change, "nodes": nodes,
                    "entries": serde_json::to_string(&entries)?,
                }))
            })
            .collect::<Result<_>>()?;
        let (records, record_conflicts) = batch.records.rows(plan)?;
        let document = batch.records.document_patch()?;
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
                 FOR $r IN $records { UPSERT type::record('report_record', $r.key) CONTENT $r.content; };
                 -- The plan's document details as changed: lists and trees show them.
                 IF $document != NONE AND $document != NULL {
                     UPDATE type::record('plan', $plan) MERGE { metadata: $document };
                 };
                 FOR $c IN $record_conflicts {
                     UPSERT type::record('report_conflict', $c.key) CONTENT $c.content;
                 };
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
            .bind(("expected", batch.expected.0))
            .bind(("change", batch.change.0))
            .bind(("insert_keys", insert_keys))
            .bind(("inserts", Value::Array(inserts)))
            .bind(("merges", Value::Array(merges)))
            .bind(("deleted", Value::Array(deleted)))
            .bind(("conflicts", Value::Array(conflicts)))
            .bind(("refusals", Value::Array(refusals)))
            .bind(("clients", Value::Array(clients)))
            .bind(("history", Value::Array(history)))
            .bind(("records", Value::Array(records)))
            .bind(("record_conflicts", Value::Array(record_conflicts)))
            .bind(("document", document.unwrap_or(Value::Null)))
            .await;
        let result = match result {
            Ok(result) => result,
            // Another server wrote the plan at the same moment: read it again and retry.
            Err(e) if conflicted(&e) => return Err(WriteError::Stale),
            Err(e) => return Err(StoreError::from(e).into()),
        };
        match transaction_error(result) {
            None => Ok(()),
            Some(e) if thrown(&e, "stale") || conflicted(&e) => Err(WriteError::Stale),
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
        self.history_of(plan, node.to_string(), |h| h.node == Some(node))
            .await
    }

    /// A report record's (or the plan's document record's) history, newest first.
    pub async fn record_history(
        &self,
        plan: PlanId,
        key: &shared::report::RecordKey,
    ) -> Result<Vec<HistoryEntry>> {
        self.history_of(plan, key.to_string(), |h| h.record.as_ref() == Some(key))
            .await
    }

    async fn history_of(
        &self,
        plan: PlanId,
        key: String,
        mine: impl Fn(&HistoryEntry) -> bool,
    ) -> Result<Vec<HistoryEntry>> {
        let mut r = self
            .db
            .query("SELECT VALUE entries FROM history WHERE plan_id = $plan AND $key IN nodes")
            .bind(("plan", plan.to_string()))
            .bind(("key", key))
            .await?
            .check()?;
        let rows: Vec<Value> = r.take(0)?;
        let mut out: Vec<HistoryEntry> = Vec::new();
        for text in rows.iter().filter_map(Value::as_str) {
            let entries: Vec<HistoryEntry> = serde_json::from_str(text)?;
            out.extend(entries.into_iter().filter(&mine));
        }
        out.sort_by_key(|h| std::cmp::Reverse((h.change, h.at, h.seq)));
        Ok(out)
    }
}
