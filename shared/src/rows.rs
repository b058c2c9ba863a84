//! The rows a tree view shows: which nodes are visible, at what depth, given which nodes are
//! expanded and what the user typed in the filter. Pure, so the UI stays free of rules.

use crate::ids::NodeId;
use crate::plan::Node;
use crate::plan_state::PlanState;
use crate::text::{Query, fold};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// One visible line of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Row {
    pub id: NodeId,
    pub depth: usize,
    pub has_children: bool,
    pub expanded: bool,
    /// True when the node itself matches the filter (not only one of its descendants).
    pub matched: bool,
}

/// The shape of a plan's tree, and each node's folded text for filtering, kept up to date as
/// nodes change. The folded text is made on the first filter, not before: opening a plan of
/// thousands of nodes does not wait for it.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    roots: Vec<NodeId>,
    children: HashMap<NodeId, Vec<NodeId>>,
    folded: OnceLock<HashMap<NodeId, String>>,
}

fn folded_text(n: &Node) -> String {
    let mut s = fold(&n.label);
    s.push(' ');
    s.push_str(&fold(&n.title));
    if let Some(b) = &n.body {
        s.push(' ');
        s.push_str(&fold(b));
    }
    s
}

impl Outline {
    /// Builds the outline of `state`.
    pub fn new(state: &PlanState) -> Self {
        let mut o = Self::default();
        o.reshape(state);
        o
    }

    fn folded(&self, state: &PlanState) -> &HashMap<NodeId, String> {
        self.folded
            .get_or_init(|| state.nodes().map(|n| (n.id, folded_text(n))).collect())
    }

    /// Brings the outline up to date after `changed` nodes were written or removed in `state`.
    /// Only the changed nodes are folded again.
    pub fn update(&mut self, state: &PlanState, changed: impl IntoIterator<Item = NodeId>) {
        if let Some(folded) = self.folded.get_mut() {
            for id in changed {
                match state.get(id) {
                    Some(n) => {
                        folded.insert(id, folded_text(n));
                    }
                    None => {
                        folded.remove(&id);
                    }
                }
            }
        }
        self.reshape(state);
    }

    /// Takes in new texts of `changed` nodes (their place in the tree unchanged).
    pub fn refold(&mut self, state: &PlanState, changed: impl IntoIterator<Item = NodeId>) {
        if let Some(folded) = self.folded.get_mut() {
            for id in changed {
                if let Some(n) = state.get(id) {
                    folded.insert(id, folded_text(n));
                }
            }
        }
    }

    fn reshape(&mut self, state: &PlanState) {
        let mut by_parent: HashMap<Option<NodeId>, Vec<&Node>> = HashMap::new();
        for n in state.nodes() {
            by_parent.entry(n.parent).or_default().push(n);
        }
        let sorted = |kids: Vec<&Node>| {
            let mut kids = kids;
            kids.sort_by(|a, b| (&a.rank, a.id).cmp(&(&b.rank, b.id)));
            kids.into_iter().map(|n| n.id).collect::<Vec<_>>()
        };
        self.roots = sorted(by_parent.remove(&None).unwrap_or_default());
        self.children = by_parent
            .into_iter()
            .filter_map(|(p, kids)| p.map(|p| (p, sorted(kids))))
            .collect();
        // Nodes whose parent is missing (never in a consistent state) are shown at the top level
        // rather than hidden.
        let orphans: Vec<NodeId> = self
            .children
            .keys()
            .filter(|p| state.get(**p).is_none())
            .flat_map(|p| self.children[p].clone())
            .collect();
        self.roots.extend(orphans);
    }

    /// The children of `parent` (`None`: the top level), in order.
    pub fn children(&self, parent: Option<NodeId>) -> &[NodeId] {
        match parent {
            None => &self.roots,
            Some(p) => self.children.get(&p).map(Vec::as_slice).unwrap_or(&[]),
        }
    }

    /// The visible rows. With an empty query, children of expanded nodes are shown. With a
    /// query, the matching nodes are shown with all their ancestors, expanded.
    pub fn rows(&self, state: &PlanState, expanded: &HashSet<NodeId>, query: &Query) -> Vec<Row> {
        let mut out = Vec::new();
        if query.is_empty() {
            let mut stack: Vec<(NodeId, usize)> =
                self.roots.iter().rev().map(|&id| (id, 0)).collect();
            while let Some((id, depth)) = stack.pop() {
                let kids = self.children(Some(id));
                let is_open = expanded.contains(&id);
                out.push(Row {
                    id,
                    depth,
                    has_children: !kids.is_empty(),
                    expanded: is_open && !kids.is_empty(),
                    matched: false,
                });
                if is_open {
                    stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
                }
            }
        } else {
            let folded = self.folded(state);
            for &root in &self.roots {
                self.filtered(folded, root, 0, query, &mut out);
            }
        }
        out
    }

    /// Pushes the rows of `id`'s subtree that match or lead to a match; true if any did.
    fn filtered(
        &self,
        folded: &HashMap<NodeId, String>,
        id: NodeId,
        depth: usize,
        query: &Query,
        out: &mut Vec<Row>,
    ) -> bool {
        let at = out.len();
        let matched = folded.get(&id).is_some_and(|f| query.matches_folded(f));
        out.push(Row {
            id,
            depth,
            has_children: !self.children(Some(id)).is_empty(),
            expanded: false,
            matched,
        });
        let mut any_child = false;
        for &k in self.children(Some(id)) {
            any_child |= self.filtered(folded, k, depth + 1, query, out);
        }
        if !matched && !any_child {
            out.truncate(at);
            return false;
        }
        out[at].expanded = any_child;
        true
    }

    /// The ids of `id`'s ancestors, nearest first.
    pub fn ancestors(&self, state: &PlanState, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut cur = state.get(id).and_then(|n| n.parent);
        while let Some(p) = cur {
            if out.contains(&p) || out.len() > state.len() {
                break;
            }
            out.push(p);
            cur = state.get(p).and_then(|n| n.parent);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PlanId;
    use crate::mutation::{Mutation, Position};

    fn id(n: u8) -> NodeId {
        NodeId::from_parts(1_000 + n as u64, [n; 10])
    }

    fn state() -> PlanState {
        let mut s = PlanState::new(PlanId::from_parts(1, [0; 10]), []);
        let items = [
            (1, None, "CÁC NHIỆM VỤ CỤ THỂ"),
            (2, Some(1), "Phát triển giáo dục, đào tạo"),
            (3, Some(1), "Phát triển y tế"),
            (4, Some(3), "Đào tạo cán bộ y tế thôn bản"),
            (5, None, "TỔ CHỨC THỰC HIỆN"),
        ];
        for (n, parent, title) in items {
            let m = Mutation::CreateNode {
                id: id(n),
                parent: parent.map(id),
                position: Position::Last,
                title: title.into(),
                body: None,
                deadline: None,
                label: String::new(),
                owner: None,
            };
            s.apply_and_commit(&m).ok();
        }
        s
    }

    fn ids(rows: &[Row]) -> Vec<NodeId> {
        rows.iter().map(|r| r.id).collect()
    }

    #[test]
    fn collapsed_nodes_hide_their_children() {
        let s = state();
        let o = Outline::new(&s);
        let none = HashSet::new();
        assert_eq!(ids(&o.rows(&s, &none, &Query::new(""))), [id(1), id(5)]);
        let open: HashSet<_> = [id(1)].into();
        let rows = o.rows(&s, &open, &Query::new(""));
        assert_eq!(ids(&rows), [id(1), id(2), id(3), id(5)]);
        assert_eq!(rows[2].depth, 1);
        assert!(rows[2].has_children && !rows[2].expanded);
    }

    #[test]
    fn filter_ignores_diacritics_and_shows_ancestors() {
        let s = state();
        let o = Outline::new(&s);
        let rows = o.rows(&s, &HashSet::new(), &Query::new("giao duc"));
        assert_eq!(ids(&rows), [id(1), id(2)]);
        assert!(!rows[0].matched && rows[1].matched && rows[0].expanded);
        let rows = o.rows(&s, &HashSet::new(), &Query::new("dao tao"));
        assert_eq!(ids(&rows), [id(1), id(2), id(3), id(4)]);
        assert!(
            o.rows(&s, &HashSet::new(), &Query::new("không có"))
                .is_empty()
        );
    }

    #[test]
    fn update_refolds_changed_nodes() {
        let mut s = state();
        let mut o = Outline::new(&s);
        let m = Mutation::EditNode {
            id: id(5),
            edit: crate::mutation::NodeEdit::Title("Kiểm tra, giám sát".into()),
        };
        let change = s.apply_and_commit(&m).unwrap_or_default();
        o.update(&s, change.upserted.iter().map(|n| n.id));
        assert_eq!(
            ids(&o.rows(&s, &HashSet::new(), &Query::new("giam sat"))),
            [id(5)]
        );
        let del = s
            .apply_and_commit(&Mutation::DeleteNode { id: id(1) })
            .unwrap_or_default();
        o.update(&s, del.deleted);
        assert_eq!(ids(&o.rows(&s, &HashSet::new(), &Query::new(""))), [id(5)]);
        assert_eq!(o.ancestors(&s, id(5)), Vec::<NodeId>::new());
    }
}
