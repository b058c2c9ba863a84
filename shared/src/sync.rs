//! Offline-first sync between devices and the server (DESIGN-NOTES, "Sync").
//!
//! - A device holds a [`Replica`] of a plan: the state the server last confirmed (the *base*,
//!   at a *cursor*), and an *outbox* of mutations it made that the server has not confirmed.
//!   What its user sees is the base with the outbox re-applied on top (the *view*).
//! - The server holds an [`Authority`] per plan. It applies pushed mutations exactly once and in
//!   order per client (each client numbers its mutations 1, 2, 3, …), detects conflicts field by
//!   field, and says what it wrote as a [`Delta`], which the store persists in one transaction.
//! - Every write the server makes carries a *change number*, one per pushed batch. A pull asks
//!   for everything changed after the cursor; the device replaces its base and rebases its outbox.
//! - A mutation that edits a field someone else wrote after the mutation's base is applied (the
//!   later write wins) and the value it replaced is kept in a [`Conflict`] both authors see.
//!   A refused mutation is kept as a [`Refusal`] until its author has pulled it.

use crate::access::{self, Author};
use crate::ids::{ClientId, ConflictId, NodeId, PlanId};
use crate::mutation::{Change, Field, Mutation, MutationError, NodeEdit, PlanState};
use crate::plan::{Node, Plan};
use crate::rank::Rank;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// A server change number: 0 before anything; each applied batch takes the next one.
pub type ChangeNo = u64;

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

/// One side of a conflict: a value, who wrote it, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub value: NodeEdit,
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

/// Pull parameters: the cursor, and for each client whose mutations the device holds, the
/// last sequence number whose outcome it already knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub cursor: ChangeNo,
    pub clients: Vec<ClientSeq>,
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
    /// The last applied sequence number of each client asked about.
    #[serde(default)]
    pub clients: Vec<ClientSeq>,
    /// Refusals of those clients' mutations after the sequence numbers asked about.
    #[serde(default)]
    pub refusals: Vec<Refusal>,
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

/// What a push wrote, for the store to persist in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    /// The change number of every record written (unchanged when nothing was).
    pub change: ChangeNo,
    /// Nodes written, in their final state, with their stamps.
    pub nodes: Vec<(Node, Stamps)>,
    pub deleted: Vec<NodeId>,
    /// Conflicts opened or closed.
    pub conflicts: Vec<Conflict>,
    pub refusals: Vec<Refusal>,
    /// The client's last applied sequence number after the push.
    pub last_seq: u64,
    /// Sequence numbers applied (not refused), for logs and tests.
    pub applied: Vec<u64>,
    /// One record per applied mutation: who changed what, when, from which device.
    pub history: Vec<HistoryEntry>,
}

/// A change in a node's history: the mutation, its author, the device and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub change: ChangeNo,
    pub node: NodeId,
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
            && self.refusals.is_empty()
            && self.applied.is_empty()
    }
}

/// The server's authoritative state of one plan: its nodes, who last wrote each field, the open
/// conflicts, and the current change number.
#[derive(Debug, Clone)]
pub struct Authority {
    state: PlanState,
    stamps: HashMap<NodeId, Stamps>,
    open: HashMap<ConflictId, Conflict>,
    change: ChangeNo,
    /// The agency codes assignments may name; `None` accepts any well-formed code.
    agencies: Option<Arc<HashSet<String>>>,
    /// Node ids a new node may not take: those of this plan's deleted nodes and, as far as
    /// the server has looked them up, of other plans' nodes.
    taken: HashSet<NodeId>,
    /// Every conflict of this plan, open or closed: a resolution must name one of them.
    known_conflicts: HashSet<ConflictId>,
}

impl Authority {
    pub fn new(
        state: PlanState,
        stamps: HashMap<NodeId, Stamps>,
        open_conflicts: impl IntoIterator<Item = Conflict>,
        change: ChangeNo,
    ) -> Self {
        let open: HashMap<ConflictId, Conflict> =
            open_conflicts.into_iter().map(|c| (c.id, c)).collect();
        Self {
            state,
            stamps,
            known_conflicts: open.keys().copied().collect(),
            open,
            change,
            agencies: None,
            taken: HashSet::new(),
        }
    }

    /// Marks ids that a new node may not take: this plan's deleted nodes, other plans' nodes.
    pub fn mark_taken(&mut self, ids: impl IntoIterator<Item = NodeId>) {
        self.taken.extend(ids);
    }

    /// True when a new node may not take `id`.
    pub fn is_taken(&self, id: NodeId) -> bool {
        self.taken.contains(&id)
    }

    /// Records conflicts of this plan that are closed (open ones are known from [`Self::new`]).
    pub fn know_conflicts(&mut self, ids: impl IntoIterator<Item = ConflictId>) {
        self.known_conflicts.extend(ids);
    }

    /// Limits assignments to these agency codes (the registry's).
    pub fn set_agencies(&mut self, codes: Arc<HashSet<String>>) {
        self.agencies = Some(codes);
    }

    fn check_agencies(&self, mutation: &Mutation) -> Result<(), MutationError> {
        let Some(known) = &self.agencies else {
            return Ok(());
        };
        let named: Vec<&str> = match mutation {
            Mutation::Assign { agency, .. } => vec![agency.as_str()],
            Mutation::Reassign { to, .. } => vec![to.as_str()],
            Mutation::EditNode {
                edit: NodeEdit::Assignments(list),
                ..
            }
            | Mutation::ResolveConflict {
                edit: NodeEdit::Assignments(list),
                ..
            } => list.iter().map(|a| a.agency.as_str()).collect(),
            _ => Vec::new(),
        };
        match named.into_iter().find(|a| !known.contains(a.trim())) {
            Some(a) => Err(MutationError::UnknownAgency {
                agency: a.to_owned(),
            }),
            None => Ok(()),
        }
    }

    pub fn state(&self) -> &PlanState {
        &self.state
    }

    pub fn change(&self) -> ChangeNo {
        self.change
    }

    pub fn stamps(&self, node: NodeId) -> Option<&Stamps> {
        self.stamps.get(&node)
    }

    pub fn open_conflicts(&self) -> impl Iterator<Item = &Conflict> {
        self.open.values()
    }

    /// The nodes some field of which was written after `cursor`, with their stamps.
    pub fn changed_since(&self, cursor: ChangeNo) -> impl Iterator<Item = (&Node, &Stamps)> {
        self.state.nodes().filter_map(move |n| {
            let stamps = self.stamps.get(&n.id)?;
            stamps
                .values()
                .any(|s| s.change > cursor)
                .then_some((n, stamps))
        })
    }

    /// Applies `mutations` of `client`, whose last applied sequence number is `last_seq`, made
    /// by `author`: repeats are skipped, a gap stops the batch, each new one is applied or
    /// refused (by the rules of [`PlanState::apply`] and of the author's role), at most
    /// `max_refusals` refused (the batch stops before the next one). All writes share one new
    /// change number. `new_conflict_id` names new conflicts.
    pub fn push(
        &mut self,
        client: ClientId,
        last_seq: u64,
        mutations: &[Pending],
        author: &Author,
        max_refusals: usize,
        mut new_conflict_id: impl FnMut() -> ConflictId,
    ) -> (PushResponse, Delta) {
        let change = self.change + 1;
        let mut delta = Delta {
            change,
            last_seq,
            ..Delta::default()
        };
        let mut touched: Vec<NodeId> = Vec::new();
        let mut touched_set: HashSet<NodeId> = HashSet::new();
        let mut deleted: HashSet<NodeId> = HashSet::new();
        let mut conflicts: Vec<Conflict> = Vec::new();
        for p in mutations {
            if p.seq <= delta.last_seq {
                continue;
            }
            if p.seq != delta.last_seq + 1 {
                break;
            }
            delta.last_seq = p.seq;
            let outcome = access::check(&author.actor, &self.state, &p.mutation)
                .and_then(|()| self.check_agencies(&p.mutation))
                .and_then(|()| {
                    self.apply_one(client, p, change, &mut new_conflict_id, &mut conflicts)
                });
            match outcome {
                Ok(written) => {
                    delta.applied.push(p.seq);
                    delta.history.push(HistoryEntry {
                        change,
                        node: p.mutation.node(),
                        client,
                        seq: p.seq,
                        at: p.at,
                        received_at: None,
                        username: author.username.clone(),
                        name: author.name.clone(),
                        mutation: p.mutation.clone(),
                    });
                    for id in written.deleted {
                        deleted.insert(id);
                        touched_set.remove(&id);
                    }
                    for n in written.upserted {
                        deleted.remove(&n.id);
                        if touched_set.insert(n.id) {
                            touched.push(n.id);
                        }
                    }
                }
                Err(_) if delta.refusals.len() >= max_refusals => {
                    // The device has too many refusals it has not pulled: this one and those
                    // after it wait (they are sent again after its next pull).
                    delta.last_seq = p.seq - 1;
                    break;
                }
                Err(error) => delta
                    .refusals
                    .push(Refusal::new(client, p.seq, &p.mutation, error)),
            }
        }
        delta.nodes = touched
            .into_iter()
            .filter(|id| touched_set.contains(id))
            .filter_map(|id| {
                let node = self.state.get(id)?.clone();
                let stamps = self.stamps.get(&id).cloned().unwrap_or_default();
                Some((node, stamps))
            })
            .collect();
        let mut deleted: Vec<NodeId> = deleted.into_iter().collect();
        deleted.sort();
        delta.deleted = deleted;
        delta.conflicts = conflicts;
        if delta.nodes.is_empty() && delta.deleted.is_empty() && delta.conflicts.is_empty() {
            delta.change = self.change;
        } else {
            self.change = change;
        }
        let response = PushResponse {
            last_seq: delta.last_seq,
            change: self.change,
            refused: delta.refusals.clone(),
            conflicts: delta
                .conflicts
                .iter()
                .filter(|c| c.open)
                .map(|c| c.id)
                .collect(),
        };
        (response, delta)
    }

    fn apply_one(
        &mut self,
        client: ClientId,
        p: &Pending,
        change: ChangeNo,
        new_conflict_id: &mut impl FnMut() -> ConflictId,
        conflicts: &mut Vec<Conflict>,
    ) -> Result<Change, MutationError> {
        // A resolution settles a conflict of this plan, about that node and field only.
        if let Mutation::ResolveConflict { conflict, id, edit } = &p.mutation {
            if !self.known_conflicts.contains(conflict) {
                return Err(MutationError::ConflictNotFound {
                    conflict: *conflict,
                });
            }
            if let Some(c) = self.open.get(conflict)
                && (c.node != *id || c.field != edit.field())
            {
                return Err(MutationError::ConflictMismatch);
            }
        }
        // A client-made id never lands on a record of another plan or a deleted node.
        if let Mutation::CreateNode { id, .. } = &p.mutation
            && self.taken.contains(id)
        {
            return Err(MutationError::IdTaken { id: *id });
        }
        let written = self.state.apply(&p.mutation)?;
        let stamp = Stamp {
            change,
            client,
            at: p.at,
        };
        match &p.mutation {
            Mutation::CreateNode { id, .. } => {
                self.stamps
                    .insert(*id, Field::ALL.iter().map(|f| (*f, stamp)).collect());
            }
            Mutation::EditNode { id, edit } => {
                let field = edit.field();
                let before = self.state.get(*id);
                let after = written.upserted.first();
                let previous = self.stamps.get(id).and_then(|s| s.get(&field)).copied();
                if let (Some(prev), Some(before), Some(after)) = (previous, before, after)
                    && prev.change > p.base
                    && prev.client != client
                {
                    let old = NodeEdit::of(before, field);
                    let new = NodeEdit::of(after, field);
                    if let (Some(old), Some(new)) = (old, new)
                        && old != new
                    {
                        conflicts.push(Conflict {
                            id: new_conflict_id(),
                            node: *id,
                            field,
                            kept: Version {
                                value: new,
                                client,
                                at: p.at,
                                change,
                            },
                            replaced: Version {
                                value: old,
                                client: prev.client,
                                at: prev.at,
                                change: prev.change,
                            },
                            open: true,
                            change,
                        });
                        let c = conflicts.last().cloned();
                        if let Some(c) = c {
                            self.known_conflicts.insert(c.id);
                            self.open.insert(c.id, c);
                        }
                    }
                }
                self.stamps.entry(*id).or_default().insert(field, stamp);
            }
            Mutation::ResolveConflict {
                conflict, id, edit, ..
            } => {
                self.close_conflict(*conflict, change, conflicts);
                self.stamps
                    .entry(*id)
                    .or_default()
                    .insert(edit.field(), stamp);
            }
            Mutation::MoveNode { id, .. } => {
                self.stamps
                    .entry(*id)
                    .or_default()
                    .insert(Field::Position, stamp);
            }
            // Operations on the list as the server has it: they merge with other devices'
            // assignments instead of overwriting them, so they open no conflict.
            Mutation::Assign { id, .. }
            | Mutation::Unassign { id, .. }
            | Mutation::Reassign { id, .. } => {
                self.stamps
                    .entry(*id)
                    .or_default()
                    .insert(Field::Assignments, stamp);
            }
            Mutation::DeleteNode { .. } => {
                let gone: HashSet<NodeId> = written.deleted.iter().copied().collect();
                for id in &gone {
                    self.stamps.remove(id);
                }
                self.taken.extend(gone.iter().copied());
                let orphaned: Vec<ConflictId> = self
                    .open
                    .values()
                    .filter(|c| gone.contains(&c.node))
                    .map(|c| c.id)
                    .collect();
                for c in orphaned {
                    self.close_conflict(c, change, conflicts);
                }
            }
        }
        self.state.commit(&written);
        Ok(written)
    }

    fn close_conflict(&mut self, id: ConflictId, change: ChangeNo, out: &mut Vec<Conflict>) {
        if let Some(mut c) = self.open.remove(&id) {
            c.open = false;
            c.change = change;
            // A conflict opened and closed in the same push is written once, closed.
            out.retain(|o| o.id != id);
            out.push(c);
        }
    }
}

/// Everything the server keeps of one plan for sync: the [`Authority`], and what pulls need
/// besides the nodes. The backend loads it from the database and writes the same facts there.
#[derive(Debug, Clone)]
pub struct PlanSync {
    pub authority: Authority,
    /// The plan's own record, sent with a first pull.
    pub plan: Option<Plan>,
    /// Deleted nodes and the change that deleted them.
    pub tombstones: HashMap<NodeId, ChangeNo>,
    /// Every conflict, open or closed.
    pub conflicts: HashMap<ConflictId, Conflict>,
    /// Each client's last applied sequence number.
    pub seqs: HashMap<ClientId, u64>,
    pub refusals: Vec<Refusal>,
}

impl PlanSync {
    /// A plan that nobody has synced yet.
    pub fn new(authority: Authority, plan: Option<Plan>) -> Self {
        Self {
            authority,
            plan,
            tombstones: HashMap::new(),
            conflicts: HashMap::new(),
            seqs: HashMap::new(),
            refusals: Vec::new(),
        }
    }

    /// Applies a push (see [`Authority::push`]) and keeps what pulls will need.
    pub fn push(
        &mut self,
        req: &PushRequest,
        author: &Author,
        new_conflict_id: impl FnMut() -> ConflictId,
    ) -> (PushResponse, Delta) {
        let last = self.seqs.get(&req.client).copied().unwrap_or(0);
        let of_device = self
            .refusals
            .iter()
            .filter(|r| r.client == req.client)
            .count();
        let budget = REFUSALS_PENDING_PER_DEVICE
            .saturating_sub(of_device)
            .min(REFUSALS_PENDING_PER_PLAN.saturating_sub(self.refusals.len()));
        let (response, delta) = self.authority.push(
            req.client,
            last,
            &req.mutations,
            author,
            budget,
            new_conflict_id,
        );
        self.seqs.insert(req.client, delta.last_seq);
        for id in &delta.deleted {
            self.tombstones.insert(*id, delta.change);
        }
        for (n, _) in &delta.nodes {
            self.tombstones.remove(&n.id);
        }
        for c in &delta.conflicts {
            self.conflicts.insert(c.id, c.clone());
        }
        self.refusals.extend(delta.refusals.iter().cloned());
        (response, delta)
    }

    /// The refusals a pull says their devices know of (sequence numbers at or below the
    /// client's `seq` in the request): each client with the highest such number.
    pub fn seen_refusals(&self, req: &PullRequest) -> Vec<ClientSeq> {
        req.clients
            .iter()
            .filter(|c| {
                self.refusals
                    .iter()
                    .any(|r| r.client == c.client && r.seq <= c.seq)
            })
            .copied()
            .collect()
    }

    /// Forgets the refusals of `seen` (see [`Self::seen_refusals`]): their devices have them.
    pub fn forget_refusals(&mut self, seen: &[ClientSeq]) {
        self.refusals
            .retain(|r| !seen.iter().any(|c| c.client == r.client && r.seq <= c.seq));
    }

    /// The answer to a pull: everything written after the cursor (all of it at cursor 0), the
    /// clients' last sequence numbers, and their refusals the device has not been told of.
    pub fn pull(&self, req: &PullRequest) -> PullResponse {
        let reset = req.cursor == 0;
        let a = &self.authority;
        let mut nodes = Vec::new();
        let mut patches = Vec::new();
        if reset {
            nodes = a.state().nodes().cloned().collect();
            // In id order: similar ids side by side compress better.
            nodes.sort_by_key(|n: &Node| n.id);
        } else {
            for (node, stamps) in a.changed_since(req.cursor) {
                match node_delta(node.clone(), stamps, req.cursor) {
                    NodeDelta::Full(n) => nodes.push(n),
                    NodeDelta::Patch(p) => patches.push(p),
                }
            }
        }
        let deleted = if reset {
            Vec::new()
        } else {
            self.tombstones
                .iter()
                .filter(|(_, c)| **c > req.cursor)
                .map(|(id, _)| *id)
                .collect()
        };
        let conflicts = self
            .conflicts
            .values()
            .filter(|c| if reset { c.open } else { c.change > req.cursor })
            .cloned()
            .collect();
        let seq = |c: ClientId| self.seqs.get(&c).copied().unwrap_or(0);
        let clients = req
            .clients
            .iter()
            .map(|c| ClientSeq {
                client: c.client,
                seq: seq(c.client),
            })
            .collect();
        let refusals = self
            .refusals
            .iter()
            .filter(|r| {
                req.clients
                    .iter()
                    .any(|c| c.client == r.client && r.seq > c.seq && r.seq <= seq(r.client))
            })
            .cloned()
            .collect();
        PullResponse {
            cursor: a.change(),
            reset,
            plan: if reset { self.plan.clone() } else { None },
            nodes,
            patches,
            deleted,
            conflicts,
            clients,
            refusals,
        }
    }
}

/// A refused mutation, as its author is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub client: ClientId,
    pub seq: u64,
    pub mutation: Mutation,
    pub error: MutationError,
}

/// What a device keeps of a plan between sessions (besides the outbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncedState {
    pub plan: Option<Plan>,
    pub nodes: Vec<Node>,
    pub cursor: ChangeNo,
    pub conflicts: Vec<Conflict>,
}

/// A device's outbox for one plan, as kept on the device and as exported to a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outbox {
    pub plan: PlanId,
    /// The device's own client id and its next sequence number.
    pub client: ClientId,
    pub next_seq: u64,
    pub entries: Vec<OutboxEntry>,
}

/// A device's copy of one plan: the confirmed base, the outbox, and the view the user sees.
#[derive(Debug, Clone)]
pub struct Replica {
    plan_id: PlanId,
    plan: Option<Plan>,
    base: PlanState,
    cursor: ChangeNo,
    conflicts: BTreeMap<ConflictId, Conflict>,
    client: ClientId,
    next_seq: u64,
    outbox: Vec<OutboxEntry>,
    view: PlanState,
}

impl Replica {
    /// An empty replica that has never synced.
    pub fn new(plan_id: PlanId, client: ClientId) -> Self {
        Self {
            plan_id,
            plan: None,
            base: PlanState::new(plan_id, []),
            cursor: 0,
            conflicts: BTreeMap::new(),
            client,
            next_seq: 1,
            outbox: Vec::new(),
            view: PlanState::new(plan_id, []),
        }
    }

    /// A replica restored from what the device kept.
    pub fn restore(plan_id: PlanId, synced: Option<SyncedState>, outbox: Outbox) -> Self {
        let mut r = Self::new(plan_id, outbox.client);
        r.next_seq = outbox.next_seq.max(1);
        r.outbox = outbox.entries;
        if let Some(s) = synced {
            r.plan = s.plan;
            r.base = PlanState::new(plan_id, s.nodes);
            r.cursor = s.cursor;
            r.conflicts = s.conflicts.into_iter().map(|c| (c.id, c)).collect();
        }
        r.rebuild_view();
        r
    }

    pub fn synced_state(&self) -> SyncedState {
        SyncedState {
            plan: self.plan.clone(),
            nodes: self.base.nodes().cloned().collect(),
            cursor: self.cursor,
            conflicts: self.conflicts.values().cloned().collect(),
        }
    }

    pub fn outbox(&self) -> Outbox {
        Outbox {
            plan: self.plan_id,
            client: self.client,
            next_seq: self.next_seq,
            entries: self.outbox.clone(),
        }
    }

    pub fn plan_id(&self) -> PlanId {
        self.plan_id
    }

    pub fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    pub fn client(&self) -> ClientId {
        self.client
    }

    /// The state the user sees: the base with the outbox applied.
    pub fn view(&self) -> &PlanState {
        &self.view
    }

    pub fn cursor(&self) -> ChangeNo {
        self.cursor
    }

    /// True once the replica holds the plan (from a pull or from the device's storage).
    pub fn has_synced(&self) -> bool {
        self.cursor > 0 || self.plan.is_some()
    }

    /// Mutations not yet confirmed by the server.
    pub fn pending(&self) -> &[OutboxEntry] {
        &self.outbox
    }

    /// Open conflicts, less those this device has resolved and not yet pushed.
    pub fn open_conflicts(&self) -> Vec<&Conflict> {
        let resolving: HashSet<ConflictId> = self
            .outbox
            .iter()
            .filter_map(|e| match e.pending.mutation {
                Mutation::ResolveConflict { conflict, .. } => Some(conflict),
                _ => None,
            })
            .collect();
        self.conflicts
            .values()
            .filter(|c| c.open && !resolving.contains(&c.id) && self.view.get(c.node).is_some())
            .collect()
    }

    /// Applies `mutation` at once (optimistically) and queues it. A mutation that cannot apply to
    /// what the user sees is refused here and not queued.
    pub fn apply(&mut self, mutation: Mutation, at: i64) -> Result<Change, MutationError> {
        let change = self.view.apply(&mutation)?;
        self.view.commit(&change);
        self.outbox.push(OutboxEntry {
            client: self.client,
            pending: Pending {
                seq: self.next_seq,
                base: self.cursor,
                at,
                mutation,
            },
        });
        self.next_seq += 1;
        Ok(change)
    }

    /// The next push: the oldest run of one client's entries, at most `max` of them.
    pub fn push_request(&self, max: usize) -> Option<PushRequest> {
        let client = self.outbox.first()?.client;
        let mutations = self
            .outbox
            .iter()
            .filter(|e| e.client == client)
            .take(max)
            .map(|e| e.pending.clone())
            .collect();
        Some(PushRequest { client, mutations })
    }

    /// The pull parameters: the cursor, and for each client with entries here (and this
    /// device), the sequence number before its oldest entry.
    pub fn pull_request(&self) -> PullRequest {
        // A device that has never synced nor made a change has nothing to learn about its own
        // client: its first pull is the same for every new device (the server answers it from
        // a copy encoded once per change).
        if self.cursor == 0 && self.next_seq == 1 && self.outbox.is_empty() {
            return PullRequest {
                cursor: 0,
                clients: Vec::new(),
            };
        }
        let mut clients: Vec<ClientSeq> = vec![ClientSeq {
            client: self.client,
            seq: self.next_seq - 1,
        }];
        for e in &self.outbox {
            match clients.iter_mut().find(|c| c.client == e.client) {
                Some(c) => c.seq = c.seq.min(e.pending.seq - 1),
                None => clients.push(ClientSeq {
                    client: e.client,
                    seq: e.pending.seq - 1,
                }),
            }
        }
        PullRequest {
            cursor: self.cursor,
            clients,
        }
    }

    /// Takes in a pull: patches (or replaces) the base, drops the entries the server has
    /// applied or refused, and re-applies the rest on top. Returns the refusals to show.
    pub fn on_pull(&mut self, pull: PullResponse) -> Vec<Notice> {
        if pull.reset {
            self.base = PlanState::new(self.plan_id, pull.nodes);
            self.conflicts.clear();
        } else {
            self.base.commit(&Change {
                upserted: pull.nodes,
                deleted: pull.deleted,
            });
        }
        let mut unknown = false;
        for p in pull.patches {
            let Some(mut node) = self.base.get(p.id).cloned() else {
                unknown = true;
                continue;
            };
            for e in &p.set {
                // Values from the server passed the same validation there.
                let _ = e.apply_to(&mut node);
            }
            if let Some(m) = p.moved {
                node.parent = m.parent;
                node.rank = m.rank;
            }
            self.base.commit(&Change {
                upserted: vec![node],
                deleted: Vec::new(),
            });
        }
        if pull.plan.is_some() {
            self.plan = pull.plan;
        }
        for c in pull.conflicts {
            if c.open {
                self.conflicts.insert(c.id, c);
            } else {
                self.conflicts.remove(&c.id);
            }
        }
        let gone: HashSet<NodeId> = self
            .conflicts
            .values()
            .filter(|c| self.base.get(c.node).is_none())
            .map(|c| c.node)
            .collect();
        self.conflicts.retain(|_, c| !gone.contains(&c.node));
        // A patch of a node this copy lacks means the copy went wrong: the next pull is whole.
        self.cursor = if unknown {
            0
        } else {
            self.cursor.max(pull.cursor)
        };
        let mut notices = Vec::new();
        let done = |e: &OutboxEntry| {
            pull.clients
                .iter()
                .any(|c| c.client == e.client && e.pending.seq <= c.seq)
        };
        for e in self.outbox.iter().filter(|e| done(e)) {
            if let Some(r) = pull
                .refusals
                .iter()
                .find(|r| r.client == e.client && r.seq == e.pending.seq)
            {
                notices.push(Notice {
                    client: r.client,
                    seq: r.seq,
                    mutation: r.mutation.clone(),
                    error: r.error.clone(),
                });
            }
        }
        self.outbox.retain(|e| !done(e));
        if let Some(own) = pull.clients.iter().find(|c| c.client == self.client) {
            // A device restored from an older copy must not reuse numbers the server has seen.
            self.next_seq = self.next_seq.max(own.seq + 1);
        }
        self.rebuild_view();
        notices
    }

    /// Adds entries from an exported outbox (another device's, or this one's from a backup).
    /// Entries already here are skipped. Returns how many were added.
    pub fn import(&mut self, file: &Outbox) -> usize {
        let mut added = 0;
        for e in &file.entries {
            let known = self
                .outbox
                .iter()
                .any(|o| o.client == e.client && o.pending.seq == e.pending.seq)
                || (e.client == self.client && e.pending.seq < self.next_seq);
            if !known {
                self.outbox.push(e.clone());
                added += 1;
            }
        }
        self.rebuild_view();
        added
    }

    fn rebuild_view(&mut self) {
        let mut view = self.base.clone();
        for e in &self.outbox {
            // An entry that no longer applies (its node deleted meanwhile) stays queued: the
            // server will refuse it and its author will be told why.
            if let Ok(change) = view.apply(&e.pending.mutation) {
                view.commit(&change);
            }
        }
        self.view = view;
    }
}
