//! A plan's state on one side (server or device): its nodes, the tree queries, and
//! [`PlanState::apply`], the one function that decides what a [`Mutation`] changes or why it
//! is refused.

use crate::document::NodeKind;
use crate::ids::{NodeId, PlanId};
use crate::mutation::*;
use crate::plan::Node;
use crate::rank::Rank;
use crate::report::{PlanView, Record, RecordKey, Records};
use crate::validate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// What a mutation changed: nodes written (whole) and nodes removed; report records written
/// (whole) and removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub upserted: Vec<Node>,
    pub deleted: Vec<NodeId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<Record>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records_deleted: Vec<RecordKey>,
}

impl Change {
    /// Nodes written and removed.
    pub fn of_nodes(upserted: Vec<Node>, deleted: Vec<NodeId>) -> Self {
        Self {
            upserted,
            deleted,
            ..Self::default()
        }
    }
}

/// The nodes of one plan, indexed, and its report records: the state mutations apply to.
/// Each node is shared (`Arc`): a copy of the state (the server publishes one after every
/// group of pushes) copies the index, not the nodes' text.
#[derive(Debug, Clone, Default)]
pub struct PlanState {
    plan_id: Option<PlanId>,
    nodes: HashMap<NodeId, Arc<Node>>,
    records: Records,
}

impl PlanView for PlanState {
    fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id).map(Arc::as_ref)
    }

    fn children(&self, parent: Option<NodeId>) -> Vec<&Node> {
        PlanState::children(self, parent)
    }

    fn in_order(&self) -> Vec<&Node> {
        let mut by_parent: HashMap<Option<NodeId>, Vec<&Node>> = HashMap::new();
        for n in self.nodes() {
            by_parent.entry(n.parent).or_default().push(n);
        }
        for kids in by_parent.values_mut() {
            kids.sort_by(|a, b| (&a.rank, a.id).cmp(&(&b.rank, b.id)));
        }
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<&Node> = by_parent
            .get(&None)
            .map(|k| k.iter().rev().copied().collect())
            .unwrap_or_default();
        // A node is visited once even if corrupt data made a parent loop.
        while let Some(n) = stack.pop() {
            if out.len() >= self.nodes.len() {
                break;
            }
            out.push(n);
            if let Some(kids) = by_parent.get(&Some(n.id)) {
                stack.extend(kids.iter().rev().copied());
            }
        }
        out
    }

    fn records(&self) -> &Records {
        &self.records
    }
}

impl PlanState {
    /// The state of `plan_id` holding `nodes`.
    pub fn new(plan_id: PlanId, nodes: impl IntoIterator<Item = Node>) -> Self {
        Self {
            plan_id: Some(plan_id),
            nodes: nodes.into_iter().map(|n| (n.id, Arc::new(n))).collect(),
            records: Records::new(),
        }
    }

    /// The state with these report records.
    #[must_use]
    pub fn with_records(mut self, records: impl IntoIterator<Item = Record>) -> Self {
        self.records = records.into_iter().map(|r| (r.key(), r)).collect();
        self
    }

    /// The plan's report records, by key.
    pub fn records(&self) -> &Records {
        &self.records
    }

    pub fn record(&self, key: &RecordKey) -> Option<&Record> {
        self.records.get(key)
    }

    pub fn get(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id).map(Arc::as_ref)
    }

    /// Sets the body of a node as the server has it (a body a first pull left out, arriving);
    /// false when there is no such node. Like [`PlanState::commit`], for what the server says.
    pub fn set_body(&mut self, id: NodeId, body: String) -> bool {
        match self.nodes.get_mut(&id) {
            Some(n) => {
                Arc::make_mut(n).body = Some(body);
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.values().map(Arc::as_ref)
    }

    /// The children of `parent` (`None`: top level), in order.
    pub fn children(&self, parent: Option<NodeId>) -> Vec<&Node> {
        let mut kids: Vec<&Node> = self.nodes().filter(|n| n.parent == parent).collect();
        kids.sort_by(|a, b| (&a.rank, a.id).cmp(&(&b.rank, b.id)));
        kids
    }

    /// `id` and everything below it, parents before children.
    pub fn subtree(&self, id: NodeId) -> Vec<NodeId> {
        let mut by_parent: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        for n in self.nodes.values() {
            if let Some(p) = n.parent {
                by_parent.entry(p).or_default().push(n.id);
            }
        }
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            if let Some(kids) = by_parent.get(&out[i]) {
                out.extend(kids.iter().copied());
            }
            i += 1;
        }
        out
    }

    /// True when `ancestor` is `id` itself or one of its ancestors.
    pub fn is_ancestor_or_self(&self, ancestor: NodeId, id: NodeId) -> bool {
        let mut cur = Some(id);
        // Bounded walk: corrupt data with a parent loop cannot hang us.
        for _ in 0..=self.nodes.len() {
            match cur {
                Some(c) if c == ancestor => return true,
                Some(c) => cur = self.nodes.get(&c).and_then(|n| n.parent),
                None => return false,
            }
        }
        true
    }

    fn rank_at(
        &self,
        parent: Option<NodeId>,
        position: Position,
        moving: Option<NodeId>,
    ) -> Result<Rank, MutationError> {
        let siblings: Vec<&Node> = self
            .children(parent)
            .into_iter()
            .filter(|n| Some(n.id) != moving)
            .collect();
        let index_of = |anchor: NodeId| {
            siblings
                .iter()
                .position(|n| n.id == anchor)
                .ok_or(MutationError::AnchorNotFound { id: anchor })
        };
        let (before, after) = match position {
            Position::First => (None, siblings.first()),
            Position::Last => (siblings.last(), None),
            Position::Before(anchor) => {
                let i = index_of(anchor)?;
                (
                    i.checked_sub(1).and_then(|j| siblings.get(j)),
                    siblings.get(i),
                )
            }
            Position::After(anchor) => {
                let i = index_of(anchor)?;
                (siblings.get(i), siblings.get(i + 1))
            }
        };
        Ok(Rank::between(
            before.map(|n| &n.rank),
            after.map(|n| &n.rank),
        ))
    }

    fn existing(&self, id: NodeId) -> Result<&Node, MutationError> {
        self.get(id).ok_or(MutationError::NodeNotFound { id })
    }

    fn check_parent(&self, parent: Option<NodeId>) -> Result<(), MutationError> {
        match parent {
            Some(p) if !self.nodes.contains_key(&p) => Err(MutationError::ParentNotFound { id: p }),
            _ => Ok(()),
        }
    }

    /// Works out what `mutation` changes, or why it must be refused. Does not modify `self`.
    pub fn apply(&self, mutation: &Mutation) -> Result<Change, MutationError> {
        match mutation {
            Mutation::Inspection { op } => {
                let written = crate::inspection::op::apply(self, op)?;
                Ok(Change {
                    records: written.upserted,
                    records_deleted: written.deleted,
                    ..Change::default()
                })
            }
            Mutation::Report { op } => {
                let written = crate::report::op::apply(self, op)?;
                Ok(Change {
                    records: written.upserted,
                    records_deleted: written.deleted,
                    ..Change::default()
                })
            }
            Mutation::CreateNode {
                id,
                parent,
                position,
                title,
                body,
                deadline,
                label,
                owner,
            } => {
                if self.nodes.contains_key(id) {
                    return Err(MutationError::AlreadyExists { id: *id });
                }
                self.check_parent(*parent)?;
                let rank = self.rank_at(*parent, *position, None)?;
                let kind = self
                    .children(*parent)
                    .first()
                    .map(|n| n.kind)
                    .unwrap_or(NodeKind::Task);
                let plan_id = self.plan_id.unwrap_or(PlanId(uuid::Uuid::nil()));
                let mut node = Node {
                    id: *id,
                    plan_id,
                    parent: *parent,
                    rank,
                    label: validate::label(label)?,
                    kind,
                    title: validate::title(title)?,
                    body: validate::body(body.as_deref())?,
                    deadline: *deadline,
                    recurring_deadline: None,
                    references: Vec::new(),
                    progress: 0,
                    completed_on: None,
                    assignments: Vec::new(),
                    owner: owner.clone(),
                };
                node.references = references_in(&node);
                Ok(Change::of_nodes(vec![node], vec![]))
            }
            Mutation::EditNode { id, edit } | Mutation::ResolveConflict { id, edit, .. } => {
                let mut node = self.existing(*id)?.clone();
                edit.apply_to(&mut node)?;
                Ok(Change::of_nodes(vec![node], vec![]))
            }
            Mutation::MoveNode {
                id,
                parent,
                position,
            } => {
                let mut node = self.existing(*id)?.clone();
                self.check_parent(*parent)?;
                if let Some(p) = *parent
                    && self.is_ancestor_or_self(*id, p)
                {
                    return Err(MutationError::Cycle { id: *id, parent: p });
                }
                node.rank = self.rank_at(*parent, *position, Some(*id))?;
                node.parent = *parent;
                Ok(Change::of_nodes(vec![node], vec![]))
            }
            Mutation::DeleteNode { id } => {
                self.existing(*id)?;
                Ok(Change::of_nodes(vec![], self.subtree(*id)))
            }
            Mutation::Assign {
                id,
                agency,
                role,
                deadline,
            } => {
                let mut node = self.existing(*id)?.clone();
                let agency = validate::agency_code(agency)?;
                node.assignments = crate::plan::checked_assignments(&crate::assignment::assign(
                    &node.assignments,
                    &agency,
                    *role,
                    *deadline,
                ))?;
                Ok(Change::of_nodes(vec![node], vec![]))
            }
            Mutation::Unassign { id, agency } => {
                let mut node = self.existing(*id)?.clone();
                if node.assignment(agency).is_none() {
                    return Err(MutationError::NotAssigned {
                        agency: agency.clone(),
                    });
                }
                node.assignments.retain(|a| &a.agency != agency);
                Ok(Change::of_nodes(vec![node], vec![]))
            }
            Mutation::Reassign { id, from, to } => {
                let mut node = self.existing(*id)?.clone();
                let to = validate::agency_code(to)?;
                if node.assignment(&to).is_some() {
                    return Err(MutationError::AlreadyAssigned { agency: to });
                }
                let Some(a) = node.assignments.iter_mut().find(|a| &a.agency == from) else {
                    return Err(MutationError::NotAssigned {
                        agency: from.clone(),
                    });
                };
                a.agency = to;
                Ok(Change::of_nodes(vec![node], vec![]))
            }
        }
    }

    /// Records a change worked out by [`PlanState::apply`].
    pub fn commit(&mut self, change: &Change) {
        for id in &change.deleted {
            self.nodes.remove(id);
        }
        for node in &change.upserted {
            self.nodes.insert(node.id, Arc::new(node.clone()));
        }
        for key in &change.records_deleted {
            self.records.remove(key);
        }
        for r in &change.records {
            self.records.insert(r.key(), r.clone());
        }
    }

    /// The label a node created at `position` under `parent` should get, following the
    /// siblings before it ("5" after "4", "đ" after "d").
    pub fn label_for_new(&self, parent: Option<NodeId>, position: Position) -> String {
        let siblings = self.children(parent);
        let before = match position {
            Position::First => 0,
            Position::Last => siblings.len(),
            Position::Before(a) => siblings
                .iter()
                .position(|n| n.id == a)
                .unwrap_or(siblings.len()),
            Position::After(a) => siblings
                .iter()
                .position(|n| n.id == a)
                .map_or(siblings.len(), |i| i + 1),
        };
        next_label(siblings[..before].iter().map(|n| n.label.as_str()))
    }

    /// Applies and commits in one step.
    pub fn apply_and_commit(&mut self, mutation: &Mutation) -> Result<Change, MutationError> {
        let change = self.apply(mutation)?;
        self.commit(&change);
        Ok(change)
    }
}

/// A label for a new node after the siblings labelled `labels`: "11" after "10", "d" after "c",
/// "-" after "-", "IV" after "III"; empty when there is no pattern to follow.
pub fn next_label<'a>(labels: impl IntoIterator<Item = &'a str>) -> String {
    let Some(last) = labels.into_iter().filter(|l| !l.is_empty()).last() else {
        return String::new();
    };
    if let Ok(n) = last.parse::<u32>() {
        return (n + 1).to_string();
    }
    const ROMAN: [&str; 20] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
        "XV", "XVI", "XVII", "XVIII", "XIX", "XX",
    ];
    if let Some(i) = ROMAN.iter().position(|r| *r == last) {
        return ROMAN
            .get(i + 1)
            .map(|r| (*r).to_owned())
            .unwrap_or_default();
    }
    // Vietnamese lettered points: a, b, c, d, đ, e, …
    const LETTERS: [&str; 24] = [
        "a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m", "n", "o", "p", "q", "r", "s",
        "t", "u", "v", "x", "y", "z",
    ];
    if let Some(i) = LETTERS.iter().position(|l| *l == last) {
        return LETTERS
            .get(i + 1)
            .map(|l| (*l).to_owned())
            .unwrap_or_default();
    }
    if last == "-" || last == "+" {
        return last.to_owned();
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::ValidationError;
    use chrono::NaiveDate;

    fn id(n: u8) -> NodeId {
        NodeId::from_parts(1_000 + n as u64, [n; 10])
    }

    fn plan() -> PlanId {
        PlanId::from_parts(1, [0; 10])
    }

    fn create(n: u8, parent: Option<u8>, position: Position) -> Mutation {
        Mutation::CreateNode {
            id: id(n),
            parent: parent.map(id),
            position,
            title: format!("Mục {n}"),
            body: None,
            deadline: None,
            label: n.to_string(),
            owner: None,
        }
    }

    fn state() -> PlanState {
        // 1 ─┬─ 2 ── 4
        //    └─ 3
        // 5
        let mut s = PlanState::new(plan(), []);
        for m in [
            create(1, None, Position::Last),
            create(2, Some(1), Position::Last),
            create(3, Some(1), Position::Last),
            create(4, Some(2), Position::Last),
            create(5, None, Position::Last),
        ] {
            s.apply_and_commit(&m).unwrap_or_else(|e| panic!("{e}"));
        }
        s
    }

    fn titles(s: &PlanState, parent: Option<u8>) -> Vec<String> {
        s.children(parent.map(id))
            .iter()
            .map(|n| n.title.clone())
            .collect()
    }

    #[test]
    fn creates_in_the_requested_position() {
        let mut s = state();
        assert_eq!(titles(&s, Some(1)), ["Mục 2", "Mục 3"]);
        s.apply_and_commit(&create(6, Some(1), Position::First))
            .ok();
        s.apply_and_commit(&create(7, Some(1), Position::After(id(2))))
            .ok();
        s.apply_and_commit(&create(8, Some(1), Position::Before(id(3))))
            .ok();
        assert_eq!(
            titles(&s, Some(1)),
            ["Mục 6", "Mục 2", "Mục 7", "Mục 8", "Mục 3"]
        );
        assert_eq!(s.get(id(6)).map(|n| n.plan_id), Some(plan()));
    }

    #[test]
    fn create_refuses_duplicates_missing_parents_and_bad_anchors() {
        let s = state();
        assert_eq!(
            s.apply(&create(1, None, Position::Last)),
            Err(MutationError::AlreadyExists { id: id(1) })
        );
        assert_eq!(
            s.apply(&create(9, Some(42), Position::Last)),
            Err(MutationError::ParentNotFound { id: id(42) })
        );
        assert_eq!(
            s.apply(&create(9, Some(1), Position::After(id(5)))),
            Err(MutationError::AnchorNotFound { id: id(5) })
        );
        let blank = Mutation::CreateNode {
            id: id(9),
            parent: None,
            position: Position::Last,
            title: "   ".into(),
            body: None,
            deadline: None,
            label: String::new(),
            owner: None,
        };
        assert_eq!(s.apply(&blank), Err(ValidationError::TitleEmpty.into()));
    }

    #[test]
    fn edits_change_one_field_and_validate_it() {
        let mut s = state();
        let edit = |edit| Mutation::EditNode { id: id(4), edit };
        s.apply_and_commit(&edit(NodeEdit::Title("  Phát triển giáo dục ".into())))
            .ok();
        s.apply_and_commit(&edit(NodeEdit::Body(Some("Nội dung".into()))))
            .ok();
        let date = NaiveDate::from_ymd_opt(2016, 6, 30);
        s.apply_and_commit(&edit(NodeEdit::Deadline(date))).ok();
        let n = s.get(id(4)).cloned();
        assert_eq!(
            n.as_ref().map(|n| n.title.as_str()),
            Some("Phát triển giáo dục")
        );
        assert_eq!(n.as_ref().and_then(|n| n.body.as_deref()), Some("Nội dung"));
        assert_eq!(n.as_ref().and_then(|n| n.deadline), date);
        assert!(matches!(
            s.apply(&edit(NodeEdit::Title(String::new()))),
            Err(MutationError::Invalid { .. })
        ));
        let missing = Mutation::EditNode {
            id: id(77),
            edit: NodeEdit::Label("x".into()),
        };
        assert_eq!(
            s.apply(&missing),
            Err(MutationError::NodeNotFound { id: id(77) })
        );
    }

    #[test]
    fn references_follow_the_edited_text() {
        let mut s = state();
        let cite = "Thực hiện Quyết định số 449/QĐ-TTg ngày 12/3/2013 của Thủ tướng Chính phủ";
        let edit = |edit| Mutation::EditNode { id: id(2), edit };
        s.apply_and_commit(&edit(NodeEdit::Body(Some(cite.into()))))
            .ok();
        let refs = s
            .get(id(2))
            .map(|n| n.references.clone())
            .unwrap_or_default();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].number.as_deref(), Some("449/QĐ-TTg"));
        s.apply_and_commit(&edit(NodeEdit::Body(None))).ok();
        assert!(s.get(id(2)).is_some_and(|n| n.references.is_empty()));
    }

    #[test]
    fn moves_reparent_and_reorder_but_never_make_a_cycle() {
        let mut s = state();
        let mv = |n, parent: Option<u8>, position| Mutation::MoveNode {
            id: id(n),
            parent: parent.map(id),
            position,
        };
        assert_eq!(
            s.apply(&mv(1, Some(4), Position::Last)),
            Err(MutationError::Cycle {
                id: id(1),
                parent: id(4)
            })
        );
        assert_eq!(
            s.apply(&mv(1, Some(1), Position::Last)),
            Err(MutationError::Cycle {
                id: id(1),
                parent: id(1)
            })
        );
        s.apply_and_commit(&mv(5, Some(2), Position::First)).ok();
        assert_eq!(titles(&s, Some(2)), ["Mục 5", "Mục 4"]);
        s.apply_and_commit(&mv(3, Some(1), Position::Before(id(2))))
            .ok();
        assert_eq!(titles(&s, Some(1)), ["Mục 3", "Mục 2"]);
        // Moving after itself among its own siblings keeps it in place.
        s.apply_and_commit(&mv(4, None, Position::Last)).ok();
        assert_eq!(titles(&s, None), ["Mục 1", "Mục 4"]);
        assert_eq!(
            s.apply(&mv(4, None, Position::After(id(4)))),
            Err(MutationError::AnchorNotFound { id: id(4) })
        );
    }

    #[test]
    fn delete_takes_the_whole_subtree() {
        let mut s = state();
        let change = s.apply_and_commit(&Mutation::DeleteNode { id: id(1) });
        assert_eq!(change.map(|c| c.deleted.len()), Ok(4));
        assert_eq!(s.len(), 1);
        assert_eq!(
            s.apply(&Mutation::DeleteNode { id: id(1) }),
            Err(MutationError::NodeNotFound { id: id(1) })
        );
    }

    #[test]
    fn a_parent_loop_in_stored_data_does_not_hang() {
        let mut s = state();
        let mut a = s.get(id(1)).cloned().unwrap_or_else(|| panic!());
        a.parent = Some(id(2));
        s.commit(&Change::of_nodes(vec![a], vec![]));
        // 1 and 2 are each other's parent now: the walk stops and answers "yes" (refuse the move).
        assert!(s.is_ancestor_or_self(id(3), id(2)));
        let mv = Mutation::MoveNode {
            id: id(3),
            parent: Some(id(2)),
            position: Position::Last,
        };
        assert!(matches!(s.apply(&mv), Err(MutationError::Cycle { .. })));
    }

    #[test]
    fn mutations_have_a_stable_json_form() {
        let m = Mutation::EditNode {
            id: id(1),
            edit: NodeEdit::Title("A".into()),
        };
        let json = serde_json::to_value(&m).unwrap_or_default();
        assert_eq!(json["type"], "edit_node");
        assert_eq!(json["edit"]["field"], "title");
        assert_eq!(json["edit"]["value"], "A");
        let mv: Mutation = serde_json::from_str(&format!(
            r#"{{"type":"move_node","id":"{}","parent":null,"position":{{"after":"{}"}}}}"#,
            id(1),
            id(5)
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            mv,
            Mutation::MoveNode {
                position: Position::After(_),
                ..
            }
        ));
        let err = serde_json::to_value(MutationError::Cycle {
            id: id(1),
            parent: id(2),
        })
        .unwrap_or_default();
        assert_eq!(err["code"], "cycle");
    }

    #[test]
    fn next_labels_follow_the_siblings() {
        assert_eq!(next_label(["1", "2", "10"]), "11");
        assert_eq!(next_label(["I", "II", "III"]), "IV");
        assert_eq!(next_label(["a", "b", "c", "d"]), "đ");
        assert_eq!(next_label(["-"]), "-");
        assert_eq!(next_label([]), "");
        assert_eq!(next_label(["Phần thứ nhất"]), "");
        let s = state();
        assert_eq!(s.label_for_new(Some(id(1)), Position::Last), "4");
        assert_eq!(s.label_for_new(Some(id(1)), Position::After(id(2))), "3");
        assert_eq!(s.label_for_new(Some(id(1)), Position::First), "");
    }
}
