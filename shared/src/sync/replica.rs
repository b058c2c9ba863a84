//! The device's side: a [`Replica`] of a plan (the confirmed base, the outbox, the view).

use crate::ids::{ClientId, ConflictId, NodeId, PlanId};
use crate::mutation::{Mutation, MutationError, NodeEdit};
use crate::plan::{Node, Plan};
use crate::plan_state::{Change, PlanState};
use crate::report::Record;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

use super::wire::*;

/// A refused mutation, as its author is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalNotice {
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
    /// The plan's report records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<Record>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record_conflicts: Vec<RecordConflict>,
    /// Nodes whose bodies the device has not received yet (its first pull left them out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bodies_unknown: Option<UnknownBodies>,
    /// The nodes are a scope's only ([`super::scope`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scoped: bool,
}

/// The nodes a first pull sent without their bodies, until the bodies arrive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownBodies {
    /// The first pull's cursor: bodies older than it do not fill them.
    pub since: ChangeNo,
    pub nodes: Vec<NodeId>,
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
    record_conflicts: BTreeMap<ConflictId, RecordConflict>,
    client: ClientId,
    next_seq: u64,
    outbox: Vec<OutboxEntry>,
    view: PlanState,
    /// Nodes sent without their bodies (by a first pull that left them out), and that pull's
    /// cursor; a node leaves the set when a pull brings its body or the bodies arrive.
    bodies_unknown: Option<(ChangeNo, HashSet<NodeId>)>,
    /// How many times the replica changed since it was made or restored ([`Replica::revision`]).
    revision: u64,
    /// The base holds a scope's nodes only (an agency officer's, [`super::scope`]).
    scoped: bool,
}

impl Replica {
    /// An empty replica that has never synced.
    pub fn new(plan_id: PlanId, client: ClientId) -> Self {
        Self {
            plan_id,
            plan: None,
            base: PlanState::new(plan_id, []),
            cursor: ChangeNo::ZERO,
            conflicts: BTreeMap::new(),
            record_conflicts: BTreeMap::new(),
            client,
            next_seq: 1,
            outbox: Vec::new(),
            view: PlanState::new(plan_id, []),
            bodies_unknown: None,
            revision: 0,
            scoped: false,
        }
    }

    /// A replica restored from what the device kept.
    pub fn restore(plan_id: PlanId, synced: Option<SyncedState>, outbox: Outbox) -> Self {
        let mut r = Self::new(plan_id, outbox.client);
        r.next_seq = outbox.next_seq.max(1);
        r.outbox = outbox.entries;
        if let Some(s) = synced {
            r.plan = s.plan;
            r.base = PlanState::new(plan_id, s.nodes).with_records(s.records);
            r.cursor = s.cursor;
            r.conflicts = s.conflicts.into_iter().map(|c| (c.id, c)).collect();
            r.record_conflicts = s.record_conflicts.into_iter().map(|c| (c.id, c)).collect();
            r.bodies_unknown = s
                .bodies_unknown
                .map(|u| (u.since, u.nodes.into_iter().collect()));
            r.scoped = s.scoped;
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
            records: self.base.records().values().cloned().collect(),
            record_conflicts: self.record_conflicts.values().cloned().collect(),
            bodies_unknown: self
                .bodies_unknown
                .as_ref()
                .map(|(since, nodes)| UnknownBodies {
                    since: *since,
                    nodes: nodes.iter().copied().collect(),
                }),
            scoped: self.scoped,
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

    /// Counts the replica's changes (a mutation applied, a pull or bodies taken in, an outbox
    /// imported): a copy kept on the device at one revision need not be written again while
    /// the revision stays the same (a pull that brought nothing changes nothing).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// True once the replica holds the plan (from a pull or from the device's storage).
    pub fn has_synced(&self) -> bool {
        self.cursor > ChangeNo::ZERO || self.plan.is_some()
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

    /// Open conflicts of report records, less those this device has resolved and not yet
    /// pushed.
    pub fn open_record_conflicts(&self) -> Vec<&RecordConflict> {
        let resolving: HashSet<ConflictId> = self
            .outbox
            .iter()
            .filter_map(|e| match &e.pending.mutation {
                Mutation::Report {
                    op: crate::report::ReportMutation::ResolveConflict { conflict, .. },
                }
                | Mutation::Inspection {
                    op: crate::inspection::op::InspectionMutation::ResolveConflict { conflict, .. },
                } => Some(*conflict),
                _ => None,
            })
            .collect();
        self.record_conflicts
            .values()
            .filter(|c| c.open && !resolving.contains(&c.id) && self.view.record(&c.key).is_some())
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
        self.revision += 1;
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
        if self.cursor == ChangeNo::ZERO && self.next_seq == 1 && self.outbox.is_empty() {
            return PullRequest {
                cursor: ChangeNo::ZERO,
                clients: Vec::new(),
                holds: None,
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
            holds: self.held(),
        }
    }

    /// For a copy that holds a scope's nodes only: which ([`super::scope::held`]).
    fn held(&self) -> Option<u64> {
        self.scoped
            .then(|| super::scope::held(self.base.nodes().map(|n| n.id)))
    }

    /// Takes in a pull: patches (or replaces) the base, drops the entries the server has
    /// applied or refused, and re-applies the rest on top. Returns the refusals to show.
    pub fn on_pull(&mut self, pull: PullResponse) -> Vec<RefusalNotice> {
        let carried = pull.reset
            || pull.cursor != self.cursor
            || pull.plan.is_some()
            || !pull.nodes.is_empty()
            || !pull.patches.is_empty()
            || !pull.deleted.is_empty()
            || !pull.conflicts.is_empty()
            || !pull.records.is_empty()
            || !pull.records_deleted.is_empty()
            || !pull.record_conflicts.is_empty();
        let (outbox_was, next_seq_was) = (self.outbox.len(), self.next_seq);
        if pull.reset {
            self.bodies_unknown = pull
                .bodies_left_out
                .then(|| (pull.cursor, pull.nodes.iter().map(|n| n.id).collect()));
            self.base = PlanState::new(self.plan_id, pull.nodes).with_records(pull.records);
            self.scoped = pull.scoped;
            self.conflicts.clear();
            self.record_conflicts.clear();
        } else {
            // Nodes sent whole, and patches that set a body, bring the body.
            if let Some((_, unknown)) = &mut self.bodies_unknown {
                for n in &pull.nodes {
                    unknown.remove(&n.id);
                }
                for p in &pull.patches {
                    if p.set.iter().any(|e| matches!(e, NodeEdit::Body(_))) {
                        unknown.remove(&p.id);
                    }
                }
            }
            self.base.commit(&Change {
                upserted: pull.nodes,
                deleted: pull.deleted,
                records: pull.records,
                records_deleted: pull.records_deleted,
            });
        }
        for c in pull.record_conflicts {
            if c.open {
                self.record_conflicts.insert(c.id, c);
            } else {
                self.record_conflicts.remove(&c.id);
            }
        }
        let base = &self.base;
        self.record_conflicts
            .retain(|_, c| base.record(&c.key).is_some());
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
            self.base.commit(&Change::of_nodes(vec![node], Vec::new()));
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
            ChangeNo::ZERO
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
                notices.push(RefusalNotice {
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
        if carried || self.outbox.len() != outbox_was || self.next_seq != next_seq_was {
            self.revision += 1;
            self.rebuild_view();
        }
        notices
    }

    /// True when the copy holds a scope's nodes only (an agency officer's, [`super::scope`]).
    pub fn scoped(&self) -> bool {
        self.scoped
    }

    /// True while some nodes' bodies have not arrived (the first pull left them out).
    pub fn bodies_unknown(&self) -> bool {
        self.bodies_unknown.is_some()
    }

    /// True when `node`'s body has not arrived yet: it shows as none, and must not be edited.
    pub fn body_unknown(&self, node: NodeId) -> bool {
        self.bodies_unknown
            .as_ref()
            .is_some_and(|(_, unknown)| unknown.contains(&node))
    }

    /// Takes in the bodies a first pull left out; returns the nodes whose bodies it set. Bodies
    /// older than that pull are not used (`None`: ask again); a node whose body a later pull
    /// brought keeps that one.
    pub fn fill_bodies(&mut self, answer: BodiesResponse) -> Option<Vec<NodeId>> {
        let Some((since, unknown)) = self.bodies_unknown.take() else {
            return Some(Vec::new());
        };
        if answer.cursor < since {
            self.bodies_unknown = Some((since, unknown));
            return None;
        }
        let mut filled = Vec::new();
        for b in answer.bodies {
            if unknown.contains(&b.id) && self.base.set_body(b.id, b.body) {
                filled.push(b.id);
            }
        }
        if self.outbox.is_empty() {
            // The view is the base: the same bodies, without copying the whole plan again.
            for id in &filled {
                if let Some(body) = self.base.get(*id).and_then(|n| n.body.clone()) {
                    self.view.set_body(*id, body);
                }
            }
        } else {
            self.rebuild_view();
        }
        self.revision += 1;
        Some(filled)
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
        if added > 0 {
            self.revision += 1;
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
