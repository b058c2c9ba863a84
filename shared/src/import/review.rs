//! The review before saving an imported plan: the tree as rows the user edits (label, level,
//! title), the suggestions the user accepts turned into assignments, and the checks the server
//! makes on what it is asked to save.

use crate::ids::AgencyCode;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{ParsedNode, ParsedPlan, SuggestedAssignment};

use crate::assignment::Assignment;
use crate::validate;

/// One node of the tree as a row of the review: its depth and its own fields (no children).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRow {
    pub depth: usize,
    pub node: ParsedNode,
}

/// The tree as rows, parents before children.
pub fn flatten(nodes: &[ParsedNode]) -> Vec<ReviewRow> {
    fn walk(nodes: &[ParsedNode], depth: usize, out: &mut Vec<ReviewRow>) {
        for n in nodes {
            let mut node = n.clone();
            node.children = Vec::new();
            out.push(ReviewRow { depth, node });
            walk(&n.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, 0, &mut out);
    out
}

/// The tree from rows. A row deeper than one below the row before it is taken as its child.
pub fn rebuild(rows: &[ReviewRow]) -> Vec<ParsedNode> {
    // The open path: each entry is a node still receiving children.
    let mut stack: Vec<ParsedNode> = Vec::new();
    let mut roots = Vec::new();
    let close = |stack: &mut Vec<ParsedNode>, roots: &mut Vec<ParsedNode>| {
        if let Some(done) = stack.pop() {
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => roots.push(done),
            }
        }
    };
    for row in rows {
        let depth = row.depth.min(stack.len());
        while stack.len() > depth {
            close(&mut stack, &mut roots);
        }
        let mut node = row.node.clone();
        node.children = Vec::new();
        stack.push(node);
    }
    while !stack.is_empty() {
        close(&mut stack, &mut roots);
    }
    roots
}

/// Why accepted suggestions cannot all be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error(
        "Mục “{label}” (dòng {line}) có hai cơ quan chủ trì: {first} và {second}. Chỉ chọn một."
    )]
    SeveralLeads {
        label: String,
        line: usize,
        first: String,
        second: String,
    },
    #[error("Mục “{label}”: {reason}")]
    Invalid { label: String, reason: String },
    #[error("Mục “{label}” giao cho cơ quan không có trong danh mục ({code}).")]
    UnknownAgency { label: String, code: String },
    #[error("Kế hoạch không có mục nào.")]
    Empty,
}

/// Adds the `accepted` suggestions to the nodes they name (by line and label) as assignments.
/// A node given two leads is refused.
///
/// # Errors
/// [`ReviewError::SeveralLeads`].
pub fn apply_suggestions(
    nodes: &mut [ParsedNode],
    accepted: &[SuggestedAssignment],
) -> Result<(), ReviewError> {
    fn find<'a>(
        nodes: &'a mut [ParsedNode],
        s: &SuggestedAssignment,
    ) -> Option<&'a mut ParsedNode> {
        for n in nodes {
            if n.line == s.node_line && n.label == s.node_label {
                return Some(n);
            }
            if let Some(found) = find(&mut n.children, s) {
                return Some(found);
            }
        }
        None
    }
    for s in accepted {
        // A node whose row was deleted in the review takes no assignment.
        let Some(node) = find(nodes, s) else { continue };
        if node.assignments.iter().any(|a| a.agency == s.agency_code) {
            continue;
        }
        if s.role == crate::assignment::Role::Lead
            && let Some(lead) = node
                .assignments
                .iter()
                .find(|a| a.role == crate::assignment::Role::Lead)
        {
            return Err(ReviewError::SeveralLeads {
                label: node.label.clone(),
                line: node.line,
                first: lead.agency.to_string(),
                second: s.agency_code.to_string(),
            });
        }
        node.assignments.push(Assignment {
            agency: s.agency_code.clone(),
            role: s.role,
            deadline: None,
        });
        crate::assignment::sort(&mut node.assignments);
    }
    Ok(())
}

/// Checks a reviewed plan before it is stored: at least one node; every label, title and body
/// within the rules; assignments to known agencies, one lead at most. Tidies the fields as
/// [`validate`] does.
///
/// # Errors
/// The first problem found, in Vietnamese.
pub fn check_reviewed(
    plan: &mut ParsedPlan,
    agency_codes: &HashSet<AgencyCode>,
) -> Result<(), ReviewError> {
    fn walk(nodes: &mut [ParsedNode], codes: &HashSet<AgencyCode>) -> Result<(), ReviewError> {
        for n in nodes {
            let invalid = |reason: validate::ValidationError, label: &str| ReviewError::Invalid {
                label: label.to_owned(),
                reason: reason.to_string(),
            };
            n.label = validate::label(&n.label).map_err(|e| invalid(e, &n.label))?;
            n.title = validate::title(&n.title).map_err(|e| invalid(e, &n.label))?;
            n.body = validate::body(n.body.as_deref()).map_err(|e| invalid(e, &n.label))?;
            n.assignments = crate::plan::checked_assignments(&n.assignments)
                .map_err(|e| invalid(e, &n.label))?;
            if let Some(unknown) = n.assignments.iter().find(|a| !codes.contains(&a.agency)) {
                return Err(ReviewError::UnknownAgency {
                    label: n.label.clone(),
                    code: unknown.agency.to_string(),
                });
            }
            walk(&mut n.children, codes)?;
        }
        Ok(())
    }
    if plan.nodes.is_empty() {
        return Err(ReviewError::Empty);
    }
    walk(&mut plan.nodes, agency_codes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::Role;
    use crate::document::NodeKind;

    fn node(label: &str, line: usize, children: Vec<ParsedNode>) -> ParsedNode {
        ParsedNode {
            children,
            ..ParsedNode::new(
                label.to_owned(),
                NodeKind::Item,
                format!("Mục {label}"),
                line,
            )
        }
    }

    #[test]
    fn rows_round_trip_and_levels_change() {
        let tree = vec![
            node(
                "I",
                1,
                vec![
                    node("1", 2, vec![node("a", 3, vec![])]),
                    node("2", 4, vec![]),
                ],
            ),
            node("II", 5, vec![]),
        ];
        let mut rows = flatten(&tree);
        assert_eq!(rebuild(&rows), tree);
        assert_eq!(
            rows.iter().map(|r| r.depth).collect::<Vec<_>>(),
            [0, 1, 2, 1, 0]
        );
        // "2" indented under "1"; "II" made a child of "I"; an impossible depth is clamped.
        rows[3].depth = 2;
        rows[4].depth = 7;
        let rebuilt = rebuild(&rows);
        assert_eq!(rebuilt.len(), 1);
        assert_eq!(rebuilt[0].children.len(), 1);
        let one = &rebuilt[0].children[0];
        assert_eq!(one.children.len(), 2);
        assert_eq!(one.children[1].children[0].label, "II");
    }

    #[test]
    fn accepted_suggestions_become_assignments() {
        let mut tree = vec![node("1", 10, vec![node("a", 11, vec![])])];
        let s = |code: &str, role, line, label: &str| SuggestedAssignment {
            agency_code: code.into(),
            agency_text: code.to_owned(),
            role,
            node_label: label.to_owned(),
            node_line: line,
            duty: String::new(),
        };
        apply_suggestions(
            &mut tree,
            &[
                s("STC", Role::Coordinating, 11, "a"),
                s("SYT", Role::Lead, 11, "a"),
            ],
        )
        .expect("ok");
        let a = &tree[0].children[0].assignments;
        assert_eq!(a[0].agency, "SYT");
        assert_eq!(a[0].role, Role::Lead);
        assert_eq!(a[1].agency, "STC");
        let e =
            apply_suggestions(&mut tree, &[s("BDT", Role::Lead, 11, "a")]).expect_err("refused");
        assert!(e.to_string().contains("hai cơ quan chủ trì"), "{e}");

        let mut plan = ParsedPlan {
            metadata: Default::default(),
            preamble: None,
            references: vec![],
            nodes: tree,
            suggested_assignments: vec![],
            warnings: vec![],
        };
        let codes: HashSet<AgencyCode> = [AgencyCode::from("SYT")].into();
        let e = check_reviewed(&mut plan, &codes).expect_err("refused");
        assert!(matches!(e, ReviewError::UnknownAgency { .. }), "{e}");
        plan.nodes[0].children[0].assignments.pop();
        check_reviewed(&mut plan, &codes).expect("ok");
        plan.nodes[0].title = "  ".to_owned();
        let e = check_reviewed(&mut plan, &codes).expect_err("an empty title");
        assert!(matches!(e, ReviewError::Invalid { .. }), "{e}");
    }
}
