//! What sync writes and reads: a plan's sync state (nodes with their stamps, tombstones,
//! conflicts, sequence numbers, refusals), the batch of pushes written in one transaction,
//! and the history it leaves.

use serde_json::{Value, json};
use shared::ids::{ClientId, ConflictId, NodeId, PlanId};
use shared::mutation::Field;
use shared::mutation::Mutation;
use shared::plan::{Node, Plan};
use shared::plan_state::PlanState;
use shared::sync::{
    Authority, ChangeNo, ClientSeq, Conflict, Delta, HistoryEntry, PlanSync, RecordConflict,
    Refusal, Stamps,
};
use std::collections::{HashMap, HashSet};

use super::plans::{NODE_PAGE, node_content, read_nodes};
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
    nodes: HashMap<NodeId, (Written, ChangeNo)>,
    deleted: HashMap<NodeId, ChangeNo>,
    conflicts: HashMap<ConflictId, Conflict>,
    refusals: Vec<Refusal>,
    clients: HashMap<ClientId, u64>,
    history: Vec<HistoryEntry>,
    records: RecordBatch,
    /// The pushes' deltas in the order they were applied, as the journal keeps them: a JSON
    /// array's items, each a delta without its nodes and the columns it wrote of the nodes the
    /// batch did not create ([`NodeWrite`]; those it created are written whole when it is
    /// accepted). `None`: not kept, for a batch read back from the journal.
    journal: Option<Vec<u8>>,
    /// The nodes the batch's pushes created (some perhaps deleted since).
    made: HashSet<NodeId>,
    /// The first delta that could not be encoded for the journal (never seen).
    unencodable: Option<String>,
}

/// A node as a batch wrote it.
#[derive(Debug, Clone)]
enum Written {
    /// Whole, in its state after the batch, with all its stamps (as the pushes applied it).
    Whole(Box<Node>, Stamps),
    /// Only the columns the batch wrote (as the journal keeps them).
    Columns(NodeWrite),
}

/// What a push wrote of a node its batch did not create, as the journal keeps it: the columns of the
/// fields it wrote (those its stamps give the push's change; every field when none has it),
/// with their values and stamps. The rest of the node is unchanged, in its record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct NodeWrite {
    id: NodeId,
    set: serde_json::Map<String, Value>,
    stamps: Stamps,
}

/// The columns of a node's record that writing `field` sets, with `node`'s values, as the
/// record keeps them (absent values as `null`, no references as `[]`).
fn columns(node: &Node, field: Field) -> Result<Vec<(&'static str, Value)>> {
    Ok(match field {
        Field::Title => vec![
            ("title", json!(node.title)),
            ("references", to_value(&node.references)?),
        ],
        Field::Body => vec![
            ("body", to_value(&node.body)?),
            ("references", to_value(&node.references)?),
        ],
        Field::Deadline => vec![("deadline", to_value(&node.deadline)?)],
        Field::Label => vec![("label", json!(node.label))],
        Field::Progress => vec![("progress", json!(node.progress))],
        Field::CompletedOn => vec![("completed_on", to_value(&node.completed_on)?)],
        Field::Assignments => vec![("assignments", to_value(&node.assignments)?)],
        Field::Position => vec![
            ("parent", to_value(&node.parent)?),
            ("rank", to_value(&node.rank)?),
        ],
    })
}

impl NodeWrite {
    /// What the push of change `change` wrote of `node` (whose stamps are `stamps`).
    fn of(node: &Node, stamps: &Stamps, change: ChangeNo) -> Result<Self> {
        let fields: Vec<Field> = stamps
            .iter()
            .filter(|(_, s)| s.change == change)
            .map(|(f, _)| *f)
            .collect();
        let fields: &[Field] = if fields.is_empty() {
            &Field::ALL
        } else {
            &fields
        };
        Self::fields(node, stamps, fields)
    }

    /// The columns of `fields` of `node`, with their stamps.
    fn fields(node: &Node, stamps: &Stamps, fields: &[Field]) -> Result<Self> {
        let mut set = serde_json::Map::new();
        for f in fields {
            for (column, value) in columns(node, *f)? {
                set.insert(column.to_owned(), value);
            }
        }
        Ok(Self {
            id: node.id,
            set,
            stamps: stamps
                .iter()
                .filter(|(f, _)| fields.contains(f))
                .map(|(f, s)| (*f, *s))
                .collect(),
        })
    }

    /// The merge of its record (`{ key, set }`) at change `change`: only these columns and
    /// stamps (MERGE merges nested objects, so the other stamps stay as they are).
    fn merge_row(&self, change: ChangeNo) -> Result<Value> {
        let mut set = self.set.clone();
        set.insert("change".into(), json!(change));
        let stamps: serde_json::Map<String, Value> = self
            .stamps
            .iter()
            .map(|(f, st)| Ok((field_key(*f)?, to_value(st)?)))
            .collect::<Result<_>>()?;
        set.insert("stamps".into(), Value::Object(stamps));
        Ok(json!({ "key": self.id.to_string(), "set": set }))
    }

    /// `node` with these columns written.
    fn apply_to(&self, node: &Node) -> Result<Node> {
        let mut v = to_value(node)?;
        if let Some(o) = v.as_object_mut() {
            for (k, value) in &self.set {
                o.insert(k.clone(), value.clone());
            }
        }
        Ok(serde_json::from_value(v)?)
    }

    /// A later write of the same node on top of this one.
    fn then(&mut self, later: &NodeWrite) {
        self.set
            .extend(later.set.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.stamps
            .extend(later.stamps.iter().map(|(f, s)| (*f, *s)));
    }
}

/// A journal entry's item: a push's delta, its nodes as the columns it wrote
/// ([`NodeWrite`]); entries written before 06/12/2026 kept its nodes whole.
#[derive(serde::Deserialize)]
#[serde(untagged)]
pub(super) enum JournalItem {
    Columns(ClientId, Delta, Vec<NodeWrite>),
    Whole(ClientId, Delta),
}

impl Batch {
    pub fn new(expected: ChangeNo) -> Self {
        Self {
            expected,
            change: expected,
            journal: Some(Vec::new()),
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
            self.nodes.insert(
                n.id,
                (Written::Whole(Box::new(n.clone()), s.clone()), delta.change),
            );
        }
        for c in &delta.conflicts {
            self.conflicts.insert(c.id, c.clone());
        }
        self.records.add(delta);
        self.refusals.extend(delta.refusals.iter().cloned());
        self.history.extend(delta.history.iter().cloned());
        // A client's sequence numbers only grow (pushes from two servers may be accepted
        // with one change number, in either order).
        let seq = self.clients.entry(client).or_default();
        *seq = (*seq).max(delta.last_seq);
        self.change = self.change.max(delta.change);
        self.made
            .extend(delta.history.iter().filter_map(|h| match &h.mutation {
                Mutation::CreateNode { id, .. } => Some(*id),
                _ => None,
            }));
        if let Some(journal) = self.journal.as_mut() {
            // Nodes the batch creates are written whole when it is accepted, in their state
            // after it: the journal leaves them out, wherever the batch wrote them. Of the
            // others it keeps the columns written (a progress edit: one column, not the
            // node's title and body and every stamp).
            let encoded = delta
                .nodes
                .iter()
                .filter(|(n, _)| !self.made.contains(&n.id))
                .map(|(n, s)| NodeWrite::of(n, s, delta.change))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| e.to_string())
                .and_then(|writes| {
                    let rest = Delta {
                        nodes: Vec::new(),
                        ..delta.clone()
                    };
                    serde_json::to_vec(&(client, &rest, &writes)).map_err(|e| e.to_string())
                });
            match encoded {
                Ok(item) => {
                    journal.push(if journal.is_empty() { b'[' } else { b',' });
                    journal.extend_from_slice(&item);
                }
                Err(e) => {
                    self.unencodable.get_or_insert(e);
                }
            }
        }
    }

    /// The batch that `entries` (the journal's, in their order) make together.
    pub(super) fn of_entries(expected: ChangeNo, entries: Vec<Vec<JournalItem>>) -> Self {
        let mut batch = Self {
            expected,
            change: expected,
            ..Self::default()
        };
        for item in entries.into_iter().flatten() {
            match item {
                JournalItem::Whole(client, delta) => batch.add(client, &delta),
                JournalItem::Columns(client, delta, writes) => {
                    batch.add(client, &delta);
                    batch.add_writes(delta.change, writes);
                }
            }
        }
        batch
    }

    /// Adds the columns a push of change `change` wrote (after what is already added).
    fn add_writes(&mut self, change: ChangeNo, writes: Vec<NodeWrite>) {
        for w in writes {
            self.deleted.remove(&w.id);
            match self.nodes.get_mut(&w.id) {
                Some((Written::Columns(before), at)) => {
                    before.then(&w);
                    *at = change;
                }
                Some((Written::Whole(node, stamps), at)) => match w.apply_to(node) {
                    Ok(n) => {
                        **node = n;
                        stamps.extend(w.stamps.iter().map(|(f, s)| (*f, *s)));
                        *at = change;
                    }
                    Err(e) => {
                        // Never seen: the journal's own columns of a node it holds whole.
                        self.unencodable.get_or_insert(e.to_string());
                    }
                },
                None => {
                    self.nodes.insert(w.id, (Written::Columns(w), change));
                }
            }
        }
    }

    /// The nodes the batch creates (and has not deleted): written whole when it is accepted.
    pub(super) fn created(&self) -> HashSet<NodeId> {
        self.made
            .iter()
            .filter(|id| matches!(self.nodes.get(id), Some((Written::Whole(..), _))))
            .copied()
            .collect()
    }

    /// The pushes' deltas as the journal keeps them (a JSON array): without the nodes the
    /// batch creates, which are written whole when it is accepted, in their state after it.
    pub(super) fn journal(&self) -> Result<String> {
        if let Some(e) = &self.unencodable {
            return Err(StoreError::Unencodable(e.clone()));
        }
        let mut journal = self.journal.clone().unwrap_or_default();
        journal.push(if journal.is_empty() { b'[' } else { b']' });
        if journal == b"[" {
            journal.push(b']');
        }
        String::from_utf8(journal).map_err(|e| StoreError::Unencodable(e.to_string()))
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

/// A batch's rows as the transactions that write it bind them.
pub(super) struct BatchRows {
    /// The ids of the nodes the batch creates, and their rows.
    pub insert_keys: Vec<String>,
    pub inserts: Vec<Value>,
    /// The same as `{ key, set }`, for an UPDATE that never makes a record deleted since.
    pub rewrites: Vec<Value>,
    /// The other nodes' fields written, as `{ key, set }`.
    pub merges: Vec<Value>,
    pub deleted: Vec<Value>,
    pub conflicts: Vec<Value>,
    pub refusals: Vec<Value>,
    pub clients: Vec<Value>,
    pub history: Vec<Value>,
    pub records: Vec<Value>,
    pub record_conflicts: Vec<Value>,
    pub document: Option<Value>,
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

/// Replaces the items of `items` that `newer` has a newer version of (same key), and adds the
/// others.
fn replace_by<'a, T: Clone + 'a, K: PartialEq>(
    items: &mut Vec<T>,
    newer: impl Iterator<Item = &'a T>,
    key: impl Fn(&T) -> K,
) {
    for n in newer {
        let k = key(n);
        match items.iter_mut().find(|i| key(i) == k) {
            Some(old) => *old = n.clone(),
            None => items.push(n.clone()),
        }
    }
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
        self.sync_state_paged(plan, NODE_PAGE).await
    }

    /// [`Store::sync_state`], a plan of more than `page` nodes read `page` nodes at a time.
    pub(super) async fn sync_state_paged(
        &self,
        plan: PlanId,
        page: usize,
    ) -> Result<Option<PlanSync>> {
        // One snapshot: every read in one transaction.
        self.reading(move |tx| Box::pin(Self::sync_state_in(tx, plan, page)))
            .await
    }

    async fn sync_state_in(
        tx: &surrealdb::method::Transaction<Any>,
        plan: PlanId,
        page: usize,
    ) -> Result<Option<PlanSync>> {
        let mut r = tx
            .query(
                "SELECT record::id(id) AS id, metadata, preamble, references, visibility, change FROM type::record('plan', $plan);
                 SELECT VALUE record::id(id) FROM node WHERE plan_id = $plan;
                 SELECT VALUE data FROM conflict WHERE plan_id = $plan;
                 SELECT record::id(id) AS id, change FROM tombstone WHERE plan_id = $plan;
                 SELECT client, last_seq FROM sync_client WHERE plan_id = $plan;
                 SELECT VALUE data FROM refusal WHERE plan_id = $plan;
                 SELECT key, data, stamps, change FROM report_record WHERE plan_id = $plan;
                 SELECT VALUE data FROM report_conflict WHERE plan_id = $plan;
                 SELECT record::id(id) AS key, id, expected, deltas FROM journal WHERE plan_id = $plan ORDER BY id;",
            )
            .bind(("plan", plan.to_string()))
            .await?
            .check()?;
        let plans: Vec<Value> = r.take(0)?;
        let Some(mut plan_row) = plans.into_iter().next() else {
            return Ok(None);
        };
        let change = change_of(plan_row.get("change"));
        if let Some(o) = plan_row.as_object_mut() {
            o.remove("change");
        }
        let plan_record: Plan = serde_json::from_value(plan_row)?;
        let ids: Vec<String> = r.take(1)?;
        let mut nodes: Vec<Node> = Vec::with_capacity(ids.len());
        let mut stamps = HashMap::with_capacity(ids.len());
        // Takes rows as nodes and their stamps; the ids taken.
        let mut take_rows = |rows: Vec<Value>| -> Result<Vec<NodeId>> {
            let mut taken = Vec::with_capacity(rows.len());
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
                taken.push(node.id);
                nodes.push(node);
            }
            Ok(taken)
        };
        read_nodes(tx, plan, &ids, "stamps", page, &mut take_rows).await?;
        let conflicts: Vec<Conflict> = from_values(r.take(2)?)?;
        let tombstones: Vec<Value> = r.take(3)?;
        let tombstones: HashMap<NodeId, ChangeNo> = tombstones
            .iter()
            .filter_map(|t| {
                let id = t.get("id")?.as_str()?.parse().ok()?;
                Some((id, change_of(t.get("change"))))
            })
            .collect();
        let seqs: Vec<Value> = r.take(4)?;
        let seqs: HashMap<ClientId, u64> = seqs
            .iter()
            .filter_map(|s| {
                let c = s.get("client")?.as_str()?.parse().ok()?;
                Some((c, u64_of(s.get("last_seq"))))
            })
            .collect();
        let mut refusals: Vec<Refusal> = from_values(r.take(5)?)?;
        let mut stored = read_rows(r.take(6)?)?;
        let mut record_conflicts: Vec<RecordConflict> = from_values(r.take(7)?)?;
        let mut conflicts = conflicts;
        let mut tombstones = tombstones;
        let mut seqs = seqs;
        // Pushes accepted and not yet written out, applied on top (same snapshot).
        if let Some(pending) = read_pending(r.take(8)?)? {
            let b = &pending.batch;
            // Columns that could not be applied to a node an entry held whole (never seen):
            // no state without them (the entries stay, and are tried again).
            if let Some(e) = &b.unencodable {
                return Err(StoreError::Unencodable(e.clone()));
            }
            let mut by_id: HashMap<NodeId, Node> = nodes.into_iter().map(|n| (n.id, n)).collect();
            for (id, change) in &b.deleted {
                by_id.remove(id);
                stamps.remove(id);
                tombstones.insert(*id, *change);
            }
            for (written, _) in b.nodes.values() {
                match written {
                    Written::Whole(n, s) => {
                        stamps.insert(n.id, s.clone());
                        by_id.insert(n.id, (**n).clone());
                    }
                    Written::Columns(w) => {
                        // Its record is in the same snapshot (made by an earlier batch).
                        match by_id.get_mut(&w.id) {
                            Some(node) => {
                                *node = w.apply_to(node)?;
                                stamps
                                    .entry(w.id)
                                    .or_default()
                                    .extend(w.stamps.iter().map(|(f, s)| (*f, *s)));
                            }
                            None => {
                                tracing::warn!(%plan, node = %w.id, "columns of a node not in the plan")
                            }
                        }
                    }
                }
            }
            nodes = by_id.into_values().collect();
            replace_by(&mut conflicts, b.conflicts.values(), |c| c.id);
            replace_by(&mut refusals, b.refusals.iter(), |r| (r.client, r.seq));
            for (c, seq) in &b.clients {
                let e = seqs.entry(*c).or_default();
                *e = (*e).max(*seq);
            }
            b.records.apply_to(&mut stored);
            replace_by(&mut record_conflicts, b.records.conflicts(), |c| c.id);
        }
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

    /// The rows a batch writes, as the transactions bind them.
    pub(super) fn batch_rows(plan: PlanId, batch: &Batch) -> Result<BatchRows> {
        // A journal's columns that could not be applied to a node it held whole (never seen):
        // nothing is written, and the entries stay for the next try.
        if let Some(e) = &batch.unencodable {
            return Err(StoreError::Unencodable(e.clone()));
        }
        // Nodes made by these pushes are inserted whole; the others get only the fields they
        // wrote (most of a node, its body above all, is unchanged by a typical edit).
        let mut inserts: Vec<Value> = Vec::new();
        let mut merges: Vec<Value> = Vec::new();
        let mut rewrites: Vec<Value> = Vec::new();
        let created = batch.created();
        for (written, change) in batch.nodes.values() {
            let write = match written {
                // Its record exists (made by an earlier batch): the columns merged.
                Written::Columns(w) => std::borrow::Cow::Borrowed(w),
                Written::Whole(n, stamps) if created.contains(&n.id) => {
                    let mut content = node_content(n, *change, stamps)?
                        .get_mut("content")
                        .map(Value::take)
                        .unwrap_or_default();
                    rewrites.push(json!({ "key": n.id.to_string(), "set": content.clone() }));
                    if let Some(o) = content.as_object_mut() {
                        o.insert("id".into(), json!(n.id.to_string()));
                    }
                    inserts.push(content);
                    continue;
                }
                Written::Whole(n, stamps) => {
                    let mut fields: Vec<Field> = stamps
                        .iter()
                        .filter(|(_, s)| s.change > batch.expected)
                        .map(|(f, _)| *f)
                        .collect();
                    if fields.is_empty() {
                        fields = Field::ALL.to_vec();
                    }
                    std::borrow::Cow::Owned(NodeWrite::fields(n, stamps, &fields)?)
                }
            };
            merges.push(write.merge_row(*change)?);
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
        Ok(BatchRows {
            insert_keys,
            inserts,
            rewrites,
            merges,
            deleted,
            conflicts,
            refusals,
            clients,
            history,
            records,
            record_conflicts,
            document,
        })
    }

    /// Deletes the refusals of each client up to its sequence number (their devices have them).
    pub async fn delete_refusals(&self, plan: PlanId, seen: &[ClientSeq]) -> Result<()> {
        // A refusal still in the journal would be written out after this delete.
        self.settle(plan).await?;
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
        self.settle(plan).await?;
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

/// A plan's journal entries read back, in their order.
pub(super) struct Pending {
    pub keys: Vec<String>,
    pub batch: Batch,
}

/// Reads rows of `SELECT record::id(id) AS key, expected, deltas FROM journal … ORDER BY id`.
pub(super) fn read_pending(rows: Vec<Value>) -> Result<Option<Pending>> {
    let mut keys = Vec::with_capacity(rows.len());
    let mut expected = None;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let key = row
            .get("key")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        expected.get_or_insert(change_of(row.get("expected")));
        let deltas: Vec<JournalItem> =
            serde_json::from_str(row.get("deltas").and_then(Value::as_str).unwrap_or("[]"))?;
        keys.push(key);
        entries.push(deltas);
    }
    Ok(expected.map(|expected| Pending {
        keys,
        batch: Batch::of_entries(expected, entries),
    }))
}
