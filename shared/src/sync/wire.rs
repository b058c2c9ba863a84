//! What devices and the server send each other: pushes, pulls, refusals, conflicts, patches,
//! and the `Delta` the server persists.

use crate::ids::{ClientId, ConflictId, NodeId};
use crate::mutation::{Field, Mutation, MutationError, NodeEdit};
use crate::plan::{Node, Plan};
use crate::rank::Rank;
use crate::report::{Record, RecordEdit, RecordField, RecordKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A server change number: 0 before anything; each applied batch takes the next one. Devices'
/// cursors, the stamps on each field, tombstones and history rows are change numbers; on the
/// wire and in the database, a plain number.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ChangeNo(pub u64);

impl ChangeNo {
    /// Before anything was applied.
    pub const ZERO: ChangeNo = ChangeNo(0);

    /// The change number after this one.
    #[must_use]
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }
}

impl std::fmt::Display for ChangeNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A mutation as a device queues and pushes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// 1, 2, 3, … per client and plan.
    pub seq: u64,
    /// The cursor of the state the mutation was made on.
    pub base: ChangeNo,
    /// When it was made, by the device's clock (Unix milliseconds).
    pub at: i64,
    pub mutation: Mutation,
}

/// An outbox entry: a pending mutation and the client it belongs to (usually this device; an
/// imported file brings another device's entries, which keep their identity so that they
/// apply once even if that device pushes them too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub client: ClientId,
    #[serde(flatten)]
    pub pending: Pending,
}

/// Body of `POST /api/plans/{id}/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub client: ClientId,
    pub mutations: Vec<Pending>,
}

/// A mutation the server refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub client: ClientId,
    pub seq: u64,
    /// The mutation as refused, its texts cut to [`REFUSAL_TEXT_MAX_CHARS`] (the device has
    /// the whole one in its outbox).
    pub mutation: Mutation,
    pub error: MutationError,
    /// Set when `mutation` was cut: the size and SHA-256 of the mutation as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abridged: Option<Abridged>,
}

/// What a refusal keeps of a mutation too large to keep whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Abridged {
    /// The mutation's size as JSON, in bytes.
    pub bytes: u64,
    /// SHA-256 of that JSON, in hex.
    pub sha256: String,
}

/// Longest text a stored refusal keeps of each field of its mutation, in characters.
pub const REFUSAL_TEXT_MAX_CHARS: usize = 1_000;
/// Most refusals one device may have on a plan that it has not yet pulled: past it, a push
/// stops at the next mutation to refuse (those after it are sent again once the device has
/// pulled, as after a gap).
pub const REFUSALS_PENDING_PER_DEVICE: usize = 100;
/// Most refusals a plan keeps that their devices have not yet pulled, all devices together.
pub const REFUSALS_PENDING_PER_PLAN: usize = 5_000;

impl Refusal {
    /// The refusal of `mutation`, keeping at most [`REFUSAL_TEXT_MAX_CHARS`] of each text
    /// and [`crate::limits::ASSIGNEES_MAX`] assignments.
    pub fn new(client: ClientId, seq: u64, mutation: &Mutation, error: MutationError) -> Self {
        let kept = mutation.abridged(REFUSAL_TEXT_MAX_CHARS, crate::limits::ASSIGNEES_MAX);
        let abridged = (&kept != mutation).then(|| {
            use sha2::Digest;
            let json = serde_json::to_vec(mutation).unwrap_or_default();
            Abridged {
                bytes: json.len() as u64,
                sha256: sha2::Sha256::digest(&json)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
            }
        });
        Self {
            client,
            seq,
            mutation: kept,
            error: error.abridged(REFUSAL_TEXT_MAX_CHARS),
            abridged,
        }
    }
}

/// Answer to a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The client's last applied sequence number; mutations after it were not taken (a gap in
    /// the numbering stops a push) and must be sent again.
    pub last_seq: u64,
    /// The plan's change number after the push.
    pub change: ChangeNo,
    /// Mutations of this push that were refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Refusal>,
    /// Conflicts this push opened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<ConflictId>,
}

/// Who wrote a field last, in which change and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub change: ChangeNo,
    pub client: ClientId,
    pub at: i64,
}

/// The last write of each field of a node.
pub type Stamps = BTreeMap<Field, Stamp>;

/// The last write of each field of a report record.
pub type RecordStamps = BTreeMap<RecordField, Stamp>;

/// One side of a conflict: a value (a node's field, or a report record's), who wrote it, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version<V = NodeEdit> {
    pub value: V,
    pub client: ClientId,
    pub at: i64,
    pub change: ChangeNo,
}

/// Two concurrent writes of one field: `kept` is the later one, now the field's value;
/// `replaced` is what it overwrote. Open until someone resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: ConflictId,
    pub node: NodeId,
    pub field: Field,
    pub kept: Version,
    pub replaced: Version,
    pub open: bool,
    /// The change that last wrote this record.
    pub change: ChangeNo,
}

impl<V> Version<V> {
    /// `value`, as written by the write `stamp` records.
    pub fn written(value: V, stamp: &Stamp) -> Self {
        Self {
            value,
            client: stamp.client,
            at: stamp.at,
            change: stamp.change,
        }
    }
}

/// Two concurrent writes of one field of a report record (two officers of an agency writing
/// the same entry's results offline): as [`Conflict`] is for nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordConflict {
    pub id: ConflictId,
    pub key: RecordKey,
    pub field: RecordField,
    pub kept: Version<RecordEdit>,
    pub replaced: Version<RecordEdit>,
    pub open: bool,
    /// The change that last wrote this record.
    pub change: ChangeNo,
}

/// Pull parameters: the cursor, and for each client whose mutations the device holds, the
/// last sequence number whose outcome it already knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub cursor: ChangeNo,
    pub clients: Vec<ClientSeq>,
    /// Set by a device that holds a scope's nodes only (an agency officer's,
    /// [`super::scope`]): which it holds, as [`super::scope::held`] of their ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<u64>,
}

/// A client and a sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSeq {
    pub client: ClientId,
    pub seq: u64,
}

/// Answer to a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    /// The change number the answer is complete up to.
    pub cursor: ChangeNo,
    /// True when `nodes` is the whole plan (a first pull): the base is replaced, not patched.
    pub reset: bool,
    /// The plan's own record, on a first pull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Nodes new since the cursor (on a first pull: every node), whole.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Nodes changed since the cursor: only the fields written since.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<NodePatch>,
    /// Nodes deleted since the cursor (tombstones).
    #[serde(default)]
    pub deleted: Vec<NodeId>,
    /// Conflicts opened or closed since the cursor (on a first pull: the open ones).
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Report records written since the cursor (on a first pull: all of them), whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<Record>,
    /// Report records deleted since the cursor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records_deleted: Vec<RecordKey>,
    /// Conflicts of report records opened or closed since the cursor (first pull: the open ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_conflicts: Vec<RecordConflict>,
    /// The last applied sequence number of each client asked about.
    #[serde(default)]
    pub clients: Vec<ClientSeq>,
    /// Refusals of those clients' mutations after the sequence numbers asked about.
    #[serde(default)]
    pub refusals: Vec<Refusal>,
    /// Set on a first pull asked for without the nodes' bodies (`body` is then `None` in every
    /// node, whatever it is): the device shows the tree at once and asks for the bodies next
    /// ([`BodiesResponse`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bodies_left_out: bool,
    /// The nodes are a scope's, not the whole plan's ([`super::scope`]): the device holds only
    /// those, and says which in its next pull.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scoped: bool,
}

impl PullResponse {
    /// Leaves the nodes' bodies out of a first pull (most of a big plan's bytes): what
    /// [`super::PlanSync::pull_as`] answers when asked without bodies (built there without
    /// copying them), and what its tests compare it with.
    pub fn leave_out_bodies(&mut self) {
        if self.reset {
            for n in &mut self.nodes {
                n.body = None;
            }
            self.bodies_left_out = true;
        }
    }
}

/// The nodes' bodies of a plan, for a device whose first pull left them out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodiesResponse {
    /// The change number the bodies are current at.
    pub cursor: ChangeNo,
    /// Every node that has a body (a node not listed has none).
    pub bodies: Vec<NodeBody>,
}

/// A node's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeBody {
    pub id: NodeId,
    pub body: String,
}

/// The fields of a node written since a cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePatch {
    pub id: NodeId,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<NodeEdit>,
    /// The new parent and rank, when the node moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<Moved>,
}

/// Where a node moved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub parent: Option<NodeId>,
    pub rank: Rank,
}

/// How a node written after a cursor travels in a pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeDelta {
    Full(Node),
    Patch(NodePatch),
}

/// A node written after `cursor`, as a pull sends it: only the fields written after the cursor,
/// or whole when it was created after it (or its fields' history is unknown).
pub fn node_delta(node: Node, stamps: &Stamps, cursor: ChangeNo) -> NodeDelta {
    let newer: Vec<Field> = Field::ALL
        .iter()
        .copied()
        .filter(|f| stamps.get(f).is_some_and(|s| s.change > cursor))
        .collect();
    if newer.is_empty() || newer.len() == Field::ALL.len() {
        return NodeDelta::Full(node);
    }
    NodeDelta::Patch(NodePatch {
        id: node.id,
        set: newer
            .iter()
            .filter_map(|f| NodeEdit::of(&node, *f))
            .collect(),
        moved: newer.contains(&Field::Position).then(|| Moved {
            parent: node.parent,
            rank: node.rank.clone(),
        }),
    })
}

/// What a push wrote, for the store to persist in one transaction (and to keep, as accepted,
/// until it is written out record by record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    /// The change number of every record written (unchanged when nothing was).
    pub change: ChangeNo,
    /// Nodes written, in their final state, with their stamps.
    pub nodes: Vec<(Node, Stamps)>,
    pub deleted: Vec<NodeId>,
    /// Conflicts opened or closed.
    pub conflicts: Vec<Conflict>,
    /// Report records written, in their final state, with their stamps.
    pub records: Vec<(Record, RecordStamps)>,
    pub records_deleted: Vec<RecordKey>,
    /// Conflicts of report records opened or closed.
    pub record_conflicts: Vec<RecordConflict>,
    pub refusals: Vec<Refusal>,
    /// The client's last applied sequence number after the push.
    pub last_seq: u64,
    /// Sequence numbers applied (not refused), for logs and tests.
    pub applied: Vec<u64>,
    /// One record per applied mutation: who changed what, when, from which device.
    pub history: Vec<HistoryEntry>,
}

/// A change in a node's (or a report record's) history: the mutation, its author, the device
/// and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub change: ChangeNo,
    /// The node changed (`None` for a report record).
    #[serde(default)]
    pub node: Option<NodeId>,
    /// The report record changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordKey>,
    pub client: ClientId,
    pub seq: u64,
    /// When it was made, by the device's clock (Unix milliseconds).
    pub at: i64,
    /// When the server applied it, by the server's clock (Unix milliseconds); `None` in
    /// records written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<i64>,
    pub username: String,
    /// The author's name as it was then.
    pub name: String,
    pub mutation: Mutation,
}

impl Delta {
    /// True when the push wrote nothing at all (every mutation a repeat).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.deleted.is_empty()
            && self.conflicts.is_empty()
            && self.records.is_empty()
            && self.records_deleted.is_empty()
            && self.record_conflicts.is_empty()
            && self.refusals.is_empty()
            && self.applied.is_empty()
    }
}
