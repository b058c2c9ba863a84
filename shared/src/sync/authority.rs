//! The server's side: an [`Authority`] applies pushes exactly once and in order per client,
//! and a [`PlanSync`] holds what the server keeps of a plan in memory and answers pulls.

use crate::access::{self, Author};
use crate::ids::{AgencyCode, ClientId, ConflictId, NodeId};
use crate::inspection::model::{Inspected, InspectionError, check_round, check_visit};
use crate::inspection::op::InspectionMutation;
use crate::mutation::{Field, Mutation, MutationError, NodeEdit};
use crate::plan::{Node, Plan};
use crate::plan_state::{Change, PlanState};
use crate::registry::Known;
use crate::report::{
    Record, RecordEdit, RecordField, RecordKey, ReportError, ReportMutation, book,
};
use chrono::NaiveDate;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::scope::Scope;
use super::wire::*;

/// The server's authoritative state of one plan: its nodes, who last wrote each field, the open
/// conflicts, and the current change number.
#[derive(Debug, Clone)]
pub struct Authority {
    state: PlanState,
    /// Shared like the state's nodes: a copy of the authority copies the index only.
    stamps: HashMap<NodeId, Arc<Stamps>>,
    open: HashMap<ConflictId, Conflict>,
    change: ChangeNo,
    /// The agency codes and administrative units mutations may name; `None` accepts any
    /// well-formed code.
    registry: Option<Arc<Known>>,
    /// Node ids a new node may not take: those of this plan's deleted nodes and, as far as
    /// the server has looked them up, of other plans' nodes.
    taken: HashSet<NodeId>,
    /// Every conflict of this plan, open or closed: a resolution must name one of them.
    known_conflicts: HashSet<ConflictId>,
    /// Who last wrote each field of each report record.
    record_stamps: HashMap<RecordKey, RecordStamps>,
    /// Open conflicts of report records.
    record_open: HashMap<ConflictId, RecordConflict>,
    /// Report records deleted: a new round or indicator never takes their ids again.
    taken_records: HashSet<RecordKey>,
    /// The server's date: sending, returning and accepting a report are dated with it.
    today: Option<NaiveDate>,
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
            stamps: stamps.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
            known_conflicts: open.keys().copied().collect(),
            open,
            change,
            registry: None,
            taken: HashSet::new(),
            record_stamps: HashMap::new(),
            record_open: HashMap::new(),
            taken_records: HashSet::new(),
            today: None,
        }
    }

    /// Adds what the server keeps of the plan's report records besides the records themselves
    /// (which are in the [`PlanState`]): their stamps, their open conflicts, deleted keys.
    #[must_use]
    pub fn with_records(
        mut self,
        stamps: HashMap<RecordKey, RecordStamps>,
        open_conflicts: impl IntoIterator<Item = RecordConflict>,
        deleted: impl IntoIterator<Item = RecordKey>,
    ) -> Self {
        self.record_stamps = stamps;
        self.record_open = open_conflicts.into_iter().map(|c| (c.id, c)).collect();
        self.known_conflicts
            .extend(self.record_open.keys().copied());
        self.taken_records.extend(deleted);
        self
    }

    /// Sets the server's date, which sending, returning and accepting a report take.
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = Some(today);
    }

    pub fn record_stamps(&self, key: &RecordKey) -> Option<&RecordStamps> {
        self.record_stamps.get(key)
    }

    pub fn open_record_conflicts(&self) -> impl Iterator<Item = &RecordConflict> {
        self.record_open.values()
    }

    /// The report records some field of which was written after `cursor`.
    pub fn records_changed_since(&self, cursor: ChangeNo) -> impl Iterator<Item = &Record> {
        self.state.records().iter().filter_map(move |(k, r)| {
            self.record_stamps
                .get(k)
                .is_some_and(|s| s.values().any(|s| s.change > cursor))
                .then_some(r)
        })
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

    /// Limits the agencies and units mutations may name to the registry's. An empty list of
    /// units (a registry without them) leaves units unchecked.
    pub fn set_registry(&mut self, known: Arc<Known>) {
        self.registry = Some(known);
    }

    /// Refuses a mutation naming an agency the registry does not have, or an indicator value
    /// for a unit the registry did not have at the indicator's level during the round.
    fn check_registry(&self, mutation: &Mutation) -> Result<(), MutationError> {
        let Some(known) = &self.registry else {
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
            Mutation::Report {
                op: ReportMutation::CreateRound { round },
            } => round.required.iter().map(AgencyCode::as_str).collect(),
            Mutation::Report {
                op:
                    ReportMutation::Edit {
                        edit: RecordEdit::Required(list),
                        ..
                    }
                    | ReportMutation::ResolveConflict {
                        edit: RecordEdit::Required(list),
                        ..
                    },
            } => list.iter().map(AgencyCode::as_str).collect(),
            _ => Vec::new(),
        };
        if let Some(a) = named
            .into_iter()
            .find(|a| !known.agencies.contains(a.trim()))
        {
            return Err(MutationError::UnknownAgency { agency: a.into() });
        }
        if let Mutation::Inspection { op } = mutation {
            return self.check_inspection_registry(known, op);
        }
        if let Mutation::Report {
            op:
                ReportMutation::Edit {
                    key:
                        RecordKey::Value {
                            round,
                            indicator,
                            unit: Some(unit),
                            ..
                        },
                    ..
                }
                | ReportMutation::ResolveConflict {
                    key:
                        RecordKey::Value {
                            round,
                            indicator,
                            unit: Some(unit),
                            ..
                        },
                    ..
                },
        } = mutation
            && !known.units.is_empty()
        {
            let records = self.state.records();
            // The rules refuse a unit on a province-wide indicator, and a missing round or
            // indicator.
            let Some(Record::Indicator(i)) = records.get(&RecordKey::Indicator(*indicator)) else {
                return Ok(());
            };
            let (Some(level), Some(r)) = (i.scope.level(), book::round(records, *round)) else {
                return Ok(());
            };
            if !known.unit_in(unit, level, r.data.from, r.data.to) {
                return Err(MutationError::Report {
                    error: ReportError::UnknownUnit,
                });
            }
        }
        Ok(())
    }

    /// An inspection's agencies in the registry; its places among the registry's units of
    /// the round's dates (a visit's among its round's places, or communes of its districts).
    fn check_inspection_registry(
        &self,
        known: &Known,
        op: &InspectionMutation,
    ) -> Result<(), MutationError> {
        use InspectionMutation as M;
        let agencies: Vec<&AgencyCode> = match op {
            M::SaveRound { round } => round.agencies.iter().collect(),
            M::SaveVisit { visit } => match &visit.inspected {
                Inspected::Agency(a) => vec![a],
                Inspected::Commune(_) => Vec::new(),
            },
            M::SaveRecommendation { recommendation } => vec![&recommendation.agency],
            _ => Vec::new(),
        };
        if let Some(a) = agencies
            .into_iter()
            .find(|a| !known.agencies.contains(a.trim()))
        {
            return Err(MutationError::UnknownAgency { agency: a.clone() });
        }
        if known.units.is_empty() {
            return Ok(());
        }
        match op {
            M::SaveRound { round } => check_round(round, &known.units)?,
            M::SaveVisit { visit } => {
                if let Some(Record::Inspection(round)) = self
                    .state
                    .records()
                    .get(&RecordKey::Inspection(visit.round))
                {
                    check_visit(visit, round, &known.units)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub fn state(&self) -> &PlanState {
        &self.state
    }

    pub fn change(&self) -> ChangeNo {
        self.change
    }

    /// Records `stamp` as the last write of `field` of `node`.
    fn stamp(&mut self, node: NodeId, field: Field, stamp: Stamp) {
        Arc::make_mut(self.stamps.entry(node).or_default()).insert(field, stamp);
    }

    pub fn stamps(&self, node: NodeId) -> Option<&Stamps> {
        self.stamps.get(&node).map(Arc::as_ref)
    }

    pub fn open_conflicts(&self) -> impl Iterator<Item = &Conflict> {
        self.open.values()
    }

    /// The nodes some field of which was written after `cursor`, with their stamps.
    pub fn changed_since(&self, cursor: ChangeNo) -> impl Iterator<Item = (&Node, &Stamps)> {
        self.state.nodes().filter_map(move |n| {
            let stamps: &Stamps = self.stamps.get(&n.id)?;
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
        let change = self.change.next();
        let mut delta = Delta {
            change,
            last_seq,
            ..Delta::default()
        };
        let mut touched: Vec<NodeId> = Vec::new();
        let mut touched_set: HashSet<NodeId> = HashSet::new();
        let mut deleted: HashSet<NodeId> = HashSet::new();
        let mut conflicts: Vec<Conflict> = Vec::new();
        let mut record_conflicts: Vec<RecordConflict> = Vec::new();
        let mut records_touched: Vec<RecordKey> = Vec::new();
        let mut records_touched_set: HashSet<RecordKey> = HashSet::new();
        let mut records_deleted: HashSet<RecordKey> = HashSet::new();
        for p in mutations {
            if p.seq <= delta.last_seq {
                continue;
            }
            if p.seq != delta.last_seq + 1 {
                break;
            }
            delta.last_seq = p.seq;
            // Sending, returning and accepting take the server's date, not the device's.
            let mutation = match (&p.mutation, self.today) {
                (Mutation::Report { op }, Some(today)) => Cow::Owned(Mutation::Report {
                    op: op.dated(today, &author.name),
                }),
                _ => Cow::Borrowed(&p.mutation),
            };
            let outcome = access::check(&author.actor, &author.username, &self.state, &mutation)
                .and_then(|()| self.check_registry(&mutation))
                .and_then(|()| {
                    self.apply_one(
                        client,
                        p,
                        &mutation,
                        change,
                        &mut new_conflict_id,
                        &mut conflicts,
                        &mut record_conflicts,
                    )
                });
            match outcome {
                Ok(written) => {
                    delta.applied.push(p.seq);
                    delta.history.push(HistoryEntry {
                        change,
                        node: mutation.node(),
                        record: mutation.record(),
                        client,
                        seq: p.seq,
                        at: p.at,
                        received_at: None,
                        username: author.username.clone(),
                        name: author.name.clone(),
                        mutation: mutation.clone().into_owned(),
                    });
                    for key in written.records_deleted {
                        records_deleted.insert(key.clone());
                        records_touched_set.remove(&key);
                    }
                    for r in written.records {
                        let key = r.key();
                        records_deleted.remove(&key);
                        if records_touched_set.insert(key.clone()) {
                            records_touched.push(key);
                        }
                    }
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
                    .push(Refusal::new(client, p.seq, &mutation, error)),
            }
        }
        delta.nodes = touched
            .into_iter()
            .filter(|id| touched_set.contains(id))
            .filter_map(|id| {
                let node = self.state.get(id)?.clone();
                let stamps = self.stamps(id).cloned().unwrap_or_default();
                Some((node, stamps))
            })
            .collect();
        let mut deleted: Vec<NodeId> = deleted.into_iter().collect();
        deleted.sort();
        delta.deleted = deleted;
        delta.conflicts = conflicts;
        delta.records = records_touched
            .into_iter()
            .filter(|k| records_touched_set.contains(k))
            .filter_map(|k| {
                let record = self.state.record(&k)?.clone();
                let stamps = self.record_stamps.get(&k).cloned().unwrap_or_default();
                Some((record, stamps))
            })
            .collect();
        let mut records_deleted: Vec<RecordKey> = records_deleted.into_iter().collect();
        records_deleted.sort();
        delta.records_deleted = records_deleted;
        delta.record_conflicts = record_conflicts;
        if delta.nodes.is_empty()
            && delta.deleted.is_empty()
            && delta.conflicts.is_empty()
            && delta.records.is_empty()
            && delta.records_deleted.is_empty()
            && delta.record_conflicts.is_empty()
        {
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
                .chain(
                    delta
                        .record_conflicts
                        .iter()
                        .filter(|c| c.open)
                        .map(|c| c.id),
                )
                .collect(),
        };
        (response, delta)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_one(
        &mut self,
        client: ClientId,
        p: &Pending,
        mutation: &Mutation,
        change: ChangeNo,
        new_conflict_id: &mut impl FnMut() -> ConflictId,
        conflicts: &mut Vec<Conflict>,
        record_conflicts: &mut Vec<RecordConflict>,
    ) -> Result<Change, MutationError> {
        let stamp = Stamp {
            change,
            client,
            at: p.at,
        };
        if let Mutation::Report { op } = mutation {
            return self.apply_report(
                op,
                mutation,
                p.base,
                stamp,
                new_conflict_id,
                record_conflicts,
            );
        }
        if let Mutation::Inspection { op } = mutation {
            return self.apply_inspection(
                op,
                mutation,
                p.base,
                stamp,
                new_conflict_id,
                record_conflicts,
            );
        }
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
        match &p.mutation {
            Mutation::CreateNode { id, .. } => {
                self.stamps.insert(
                    *id,
                    Arc::new(Field::ALL.iter().map(|f| (*f, stamp)).collect()),
                );
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
                            kept: Version::written(new, &stamp),
                            replaced: Version::written(old, &prev),
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
                self.stamp(*id, field, stamp);
            }
            Mutation::ResolveConflict {
                conflict, id, edit, ..
            } => {
                self.close_conflict(*conflict, change, conflicts);
                self.stamp(*id, edit.field(), stamp);
            }
            Mutation::MoveNode { id, .. } => {
                self.stamp(*id, Field::Position, stamp);
            }
            // Operations on the list as the server has it: they merge with other devices'
            // assignments instead of overwriting them, so they open no conflict.
            Mutation::Assign { id, .. }
            | Mutation::Unassign { id, .. }
            | Mutation::Reassign { id, .. } => {
                self.stamp(*id, Field::Assignments, stamp);
            }
            Mutation::Report { .. } | Mutation::Inspection { .. } => {}
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

    /// Applies a report mutation: its records' stamps, and a conflict when an edit overwrites a
    /// field another device wrote after the edit's base.
    fn apply_report(
        &mut self,
        op: &ReportMutation,
        mutation: &Mutation,
        base: ChangeNo,
        stamp: Stamp,
        new_conflict_id: &mut impl FnMut() -> ConflictId,
        out: &mut Vec<RecordConflict>,
    ) -> Result<Change, MutationError> {
        match op {
            ReportMutation::ResolveConflict {
                conflict,
                key,
                edit,
            } => self.check_resolution(*conflict, key, Some(edit.field()))?,
            ReportMutation::CreateRound { .. } | ReportMutation::CreateIndicator { .. }
                if self.taken_records.contains(&op.key()) =>
            {
                return Err(crate::report::ReportError::AlreadyExists.into());
            }
            _ => {}
        }
        let written = self.state.apply(mutation)?;
        let change = stamp.change;
        // The fields each written record now holds from this mutation.
        let edited: Option<(RecordKey, RecordField)> = match op {
            ReportMutation::Edit { key, edit }
            | ReportMutation::ResolveConflict { key, edit, .. } => {
                Some((key.clone(), edit.field()))
            }
            _ => None,
        };
        for r in &written.records {
            let key = r.key();
            let created = matches!(
                op,
                ReportMutation::CreateRound { .. }
                    | ReportMutation::CreateIndicator { .. }
                    | ReportMutation::Compile { .. }
                    | ReportMutation::AddParagraph { .. }
            );
            let fields: Vec<RecordField> = match &edited {
                // A round or an indicator made by this mutation: all its fields are new.
                _ if created => r.fields().to_vec(),
                // The field edited (in a record its first edit may have made: the others hold
                // nothing anyone wrote, and another device's first edit of them is no conflict).
                Some((k, f)) if *k == key => vec![*f],
                // A paragraph brought up to date with its source.
                _ if matches!(op, ReportMutation::Refresh { .. }) => {
                    vec![RecordField::Text, RecordField::Compiled]
                }
                // Approving, reopening.
                _ if matches!(r, Record::Summary(_)) => vec![RecordField::Approval],
                // A state change (sending, returning, accepting), or the agency's report made
                // by the first edit of one of its entries.
                _ => vec![RecordField::State],
            };
            if let (ReportMutation::Edit { edit, .. }, Some((k, field)), Some(before)) =
                (op, &edited, self.state.record(&key))
                && *k == key
            {
                let old = RecordEdit::of(before, *field);
                let new = RecordEdit::of(r, *field).unwrap_or_else(|| edit.clone());
                self.keep_overwritten(&key, *field, old, new, base, stamp, new_conflict_id, out);
            }
            let stamps = self.record_stamps.entry(key).or_default();
            for f in fields {
                stamps.insert(f, stamp);
            }
        }
        if let ReportMutation::ResolveConflict { conflict, .. } = op {
            self.close_record_conflict(*conflict, change, out);
        }
        self.forget_records(&written.records_deleted, change, out);
        self.state.commit(&written);
        Ok(written)
    }

    /// Records deleted: their stamps dropped, their open conflicts closed, and the ids a client
    /// made (rounds, indicators, inspection rounds, visits, recommendations) never reused.
    fn forget_records(
        &mut self,
        deleted: &[RecordKey],
        change: ChangeNo,
        out: &mut Vec<RecordConflict>,
    ) {
        for key in deleted {
            self.record_stamps.remove(key);
            if matches!(
                key,
                RecordKey::Round(_)
                    | RecordKey::Indicator(_)
                    | RecordKey::Inspection(_)
                    | RecordKey::Visit(_)
                    | RecordKey::Recommendation(_)
            ) {
                self.taken_records.insert(key.clone());
            }
            let orphaned: Vec<ConflictId> = self
                .record_open
                .values()
                .filter(|c| c.key == *key)
                .map(|c| c.id)
                .collect();
            for id in orphaned {
                self.close_record_conflict(id, change, out);
            }
        }
    }

    /// Applies an inspection mutation. A record is saved whole, so a save over a version
    /// another device wrote after the save's base keeps the replaced version in a
    /// `RecordConflict` (and a recommendation's follow-up, the agency's own field, likewise).
    fn apply_inspection(
        &mut self,
        op: &InspectionMutation,
        mutation: &Mutation,
        base: ChangeNo,
        stamp: Stamp,
        new_conflict_id: &mut impl FnMut() -> ConflictId,
        out: &mut Vec<RecordConflict>,
    ) -> Result<Change, MutationError> {
        use InspectionMutation as M;
        match op {
            M::ResolveConflict { conflict, key } => self.check_resolution(*conflict, key, None)?,
            M::SaveRound { .. } | M::SaveVisit { .. } | M::SaveRecommendation { .. }
                if self.taken_records.contains(&op.key()) =>
            {
                return Err(InspectionError::AlreadyExists.into());
            }
            _ => {}
        }
        let written = self.state.apply(mutation)?;
        // A delete never throws away what another device wrote after the deleting one last
        // pulled: it is refused, and the author told.
        let unseen = |key: &RecordKey| {
            self.record_stamps.get(key).is_some_and(|stamps| {
                stamps
                    .values()
                    .any(|s| s.change > base && s.client != stamp.client)
            })
        };
        if written.records_deleted.iter().any(unseen) {
            return Err(InspectionError::ChangedSinceSeen.into());
        }
        let change = stamp.change;
        let field = match op {
            M::Answer { .. } => Some(RecordField::FollowUp),
            M::SaveRound { .. }
            | M::SaveVisit { .. }
            | M::SaveFinding { .. }
            | M::SaveRecommendation { .. }
            | M::SavePhoto { .. } => Some(RecordField::Content),
            _ => None,
        };
        for r in written.records.iter() {
            let (key, Some(field)) = (r.key(), field) else {
                continue;
            };
            let Some(before) = self.state.record(&key) else {
                // A new record: every field is this mutation's.
                let stamps = self.record_stamps.entry(key).or_default();
                for f in r.fields() {
                    stamps.insert(*f, stamp);
                }
                continue;
            };
            let old = RecordEdit::of(before, field);
            if let Some(new) = RecordEdit::of(r, field) {
                self.keep_overwritten(&key, field, old, new, base, stamp, new_conflict_id, out);
            }
            self.record_stamps
                .entry(key)
                .or_default()
                .insert(field, stamp);
        }
        if let M::ResolveConflict { conflict, .. } = op {
            self.close_record_conflict(*conflict, change, out);
        }
        self.forget_records(&written.records_deleted, change, out);
        self.state.commit(&written);
        Ok(written)
    }

    /// A resolution names a conflict of this plan, about that record (and field, when given).
    fn check_resolution(
        &self,
        conflict: ConflictId,
        key: &RecordKey,
        field: Option<RecordField>,
    ) -> Result<(), MutationError> {
        if !self.known_conflicts.contains(&conflict) {
            return Err(MutationError::ConflictNotFound { conflict });
        }
        if let Some(c) = self.record_open.get(&conflict)
            && (c.key != *key || field.is_some_and(|f| f != c.field))
        {
            return Err(MutationError::ConflictMismatch);
        }
        Ok(())
    }

    /// Keeps `old`, the value of `key`'s `field` that `new` replaces, in a conflict when another
    /// device wrote it after `base` (the replacing mutation had not seen it).
    #[allow(clippy::too_many_arguments)]
    fn keep_overwritten(
        &mut self,
        key: &RecordKey,
        field: RecordField,
        old: Option<RecordEdit>,
        new: RecordEdit,
        base: ChangeNo,
        stamp: Stamp,
        new_conflict_id: &mut impl FnMut() -> ConflictId,
        out: &mut Vec<RecordConflict>,
    ) {
        let previous = self
            .record_stamps
            .get(key)
            .and_then(|s| s.get(&field))
            .copied();
        if let (Some(prev), Some(old)) = (previous, old)
            && prev.change > base
            && prev.client != stamp.client
            && new != old
        {
            let c = RecordConflict {
                id: new_conflict_id(),
                key: key.clone(),
                field,
                kept: Version::written(new, &stamp),
                replaced: Version::written(old, &prev),
                open: true,
                change: stamp.change,
            };
            self.known_conflicts.insert(c.id);
            self.record_open.insert(c.id, c.clone());
            out.push(c);
        }
    }

    fn close_record_conflict(
        &mut self,
        id: ConflictId,
        change: ChangeNo,
        out: &mut Vec<RecordConflict>,
    ) {
        if let Some(mut c) = self.record_open.remove(&id) {
            c.open = false;
            c.change = change;
            out.retain(|o| o.id != id);
            out.push(c);
        }
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
    /// Report records deleted and the change that deleted them.
    pub record_tombstones: HashMap<RecordKey, ChangeNo>,
    /// Every conflict of report records, open or closed.
    pub record_conflicts: HashMap<ConflictId, RecordConflict>,
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
            record_tombstones: HashMap::new(),
            record_conflicts: HashMap::new(),
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
        for k in &delta.records_deleted {
            self.record_tombstones.insert(k.clone(), delta.change);
        }
        for (r, _) in &delta.records {
            self.record_tombstones.remove(&r.key());
        }
        for c in &delta.record_conflicts {
            self.record_conflicts.insert(c.id, c.clone());
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

    /// The part of a pull that is the asking device's own: the sequence numbers of the clients
    /// it lists and their refusals. The rest depends only on the cursor (a server may encode
    /// it once for every device that asks from the same cursor: a pull with no clients).
    pub fn pull_own(&self, req: &PullRequest) -> (Vec<ClientSeq>, Vec<Refusal>) {
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
        (clients, refusals)
    }

    /// The answer to a pull: everything written after the cursor (all of it at cursor 0), the
    /// clients' last sequence numbers, and their refusals the device has not been told of.
    pub fn pull(&self, req: &PullRequest) -> PullResponse {
        self.pull_as(req, None, true)
    }

    /// [`PlanSync::pull`], or [`PlanSync::pull_scoped`] with a `scope`; when `bodies` is false a
    /// first pull leaves the nodes' bodies out, as [`PullResponse::leave_out_bodies`] would,
    /// without copying them first (most of a big plan's bytes).
    pub fn pull_as(&self, req: &PullRequest, scope: Option<&Scope>, bodies: bool) -> PullResponse {
        let mut answer = match scope {
            Some(scope) => {
                let reset = req.cursor == ChangeNo::ZERO
                    || req.holds != Some(self.held_at(scope, req.cursor));
                let mut answer = self.answer(req, reset, Some(scope), bodies);
                answer.scoped = true;
                answer
            }
            None => {
                // A device holding a scope's nodes only (its user was an agency's officer) is
                // sent the whole plan.
                let reset = req.cursor == ChangeNo::ZERO || req.holds.is_some();
                self.answer(req, reset, None, bodies)
            }
        };
        answer.bodies_left_out = answer.reset && !bodies;
        answer
    }

    /// The answer to a pull of a device that holds `scope`'s nodes only (an agency officer's):
    /// the changes inside the scope when the device holds what it would hold had it taken in
    /// every change since its cursor (`req.holds`, [`super::scope::held`]); else, and on a
    /// first pull, every node of the scope (`reset`).
    pub fn pull_scoped(&self, req: &PullRequest, scope: &Scope) -> PullResponse {
        self.pull_as(req, Some(scope), true)
    }

    /// What a device holding `scope` holds at `cursor` had it taken in every change since: the
    /// scope's nodes but those made since (they come with the pull).
    fn held_at(&self, scope: &Scope, cursor: ChangeNo) -> u64 {
        let stamps = &self.authority.stamps;
        super::scope::held(scope.ids().filter(|id| {
            stamps.get(id).is_none_or(|s| {
                !(s.len() == Field::ALL.len() && s.values().all(|st| st.change > cursor))
            })
        }))
    }

    fn answer(
        &self,
        req: &PullRequest,
        reset: bool,
        scope: Option<&Scope>,
        bodies: bool,
    ) -> PullResponse {
        let inside = |id: NodeId| scope.is_none_or(|s| s.contains(id));
        let a = &self.authority;
        let mut nodes = Vec::new();
        let mut patches = Vec::new();
        if reset {
            nodes = a
                .state()
                .nodes()
                .filter(|n| inside(n.id))
                .map(|n| if bodies { n.clone() } else { n.without_body() })
                .collect();
            // In id order: similar ids side by side compress better.
            nodes.sort_by_key(|n: &Node| n.id);
        } else {
            for (node, stamps) in a.changed_since(req.cursor) {
                if !inside(node.id) {
                    continue;
                }
                match node_delta(node.clone(), stamps, req.cursor) {
                    NodeDelta::Full(n) => nodes.push(n),
                    NodeDelta::Patch(p) => patches.push(p),
                }
            }
        }
        let deleted = if reset || scope.is_some() {
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
            .filter(|c| inside(c.node) && if reset { c.open } else { c.change > req.cursor })
            .cloned()
            .collect();
        let records: Vec<Record> = if reset {
            a.state().records().values().cloned().collect()
        } else {
            a.records_changed_since(req.cursor).cloned().collect()
        };
        let records_deleted = if reset {
            Vec::new()
        } else {
            let mut keys: Vec<RecordKey> = self
                .record_tombstones
                .iter()
                .filter(|(_, c)| **c > req.cursor)
                .map(|(k, _)| k.clone())
                .collect();
            keys.sort();
            keys
        };
        let record_conflicts = self
            .record_conflicts
            .values()
            .filter(|c| if reset { c.open } else { c.change > req.cursor })
            .cloned()
            .collect();
        let (clients, refusals) = self.pull_own(req);
        PullResponse {
            cursor: a.change(),
            reset,
            plan: if reset { self.plan.clone() } else { None },
            nodes,
            patches,
            deleted,
            conflicts,
            records,
            records_deleted,
            record_conflicts,
            clients,
            refusals,
            bodies_left_out: false,
            scoped: false,
        }
    }
}
