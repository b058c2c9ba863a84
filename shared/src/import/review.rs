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

/// The plan's metadata as the review's form holds it: typed text, checked by
/// [`MetadataDraft::checked`] in the app as the user types and on the server before saving.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataDraft {
    /// "52/KH-UBND".
    pub number: String,
    pub kind: Option<crate::document::DocumentKind>,
    /// The trích yếu.
    pub title: String,
    /// dd/mm/yyyy.
    pub issued_on: String,
    pub issuer: String,
    pub signer: String,
}

/// The longest issuer or signer name a plan keeps.
pub const NAME_MAX_CHARS: usize = 200;

/// Why a field of the metadata form is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("Số văn bản viết như 52/KH-UBND: số thứ tự, dấu “/” rồi ký hiệu, không có dấu cách.")]
    Number,
    #[error("Trích yếu: {0}")]
    Title(crate::validate::ValidationError),
    #[error("Ngày ban hành: {0}")]
    IssuedOn(crate::validate::ValidationError),
    #[error("Tên cơ quan ban hành hoặc người ký dài quá {NAME_MAX_CHARS} ký tự.")]
    NameTooLong,
}

/// A document number as written: "52/KH-UBND", "1719/QĐ-TTg", "29-CT/TU", "88/2019/QH14".
pub fn document_number(text: &str) -> Result<Option<String>, MetadataError> {
    let number = text.trim();
    if number.is_empty() {
        return Ok(None);
    }
    let ok = number.chars().count() <= 40
        && number.starts_with(|c: char| c.is_ascii_digit())
        && number.contains('/')
        && !number.ends_with(['/', '-'])
        && number
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '/' | '-' | '.' | '&'));
    if ok {
        Ok(Some(number.to_owned()))
    } else {
        Err(MetadataError::Number)
    }
}

/// A trích yếu as typed: its blanks made single spaces, within a title's limits; `None` when
/// empty.
pub fn trich_yeu(text: &str) -> Result<Option<String>, MetadataError> {
    let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Ok(None);
    }
    crate::validate::title(&title)
        .map(Some)
        .map_err(MetadataError::Title)
}

/// An issuer's or a signer's name as typed: its blanks made single spaces, at most
/// [`NAME_MAX_CHARS`]; `None` when empty.
pub fn name(text: &str) -> Result<Option<String>, MetadataError> {
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(MetadataError::NameTooLong);
    }
    Ok((!name.is_empty()).then_some(name))
}

impl MetadataDraft {
    /// The form filled with what the importer read.
    pub fn of(metadata: &crate::document::PlanMetadata) -> Self {
        Self {
            number: metadata.number.clone().unwrap_or_default(),
            kind: metadata.kind,
            title: metadata.title.clone().unwrap_or_default(),
            issued_on: metadata
                .issued_on
                .map(crate::text::format_date)
                .unwrap_or_default(),
            issuer: metadata.issuer.clone().unwrap_or_default(),
            signer: metadata.signer.clone().unwrap_or_default(),
        }
    }

    /// `base` (what the importer read: the fields the form does not show are kept) with the
    /// form's fields, each checked.
    ///
    /// # Errors
    /// The first field that breaks its rule.
    pub fn checked(
        &self,
        base: &crate::document::PlanMetadata,
    ) -> Result<crate::document::PlanMetadata, MetadataError> {
        let issued_on = self.issued_on.trim();
        Ok(crate::document::PlanMetadata {
            number: document_number(&self.number)?,
            kind: self.kind,
            title: trich_yeu(&self.title)?,
            issued_on: if issued_on.is_empty() {
                None
            } else {
                Some(crate::validate::date(issued_on).map_err(MetadataError::IssuedOn)?)
            },
            issuer: name(&self.issuer)?,
            signer: name(&self.signer)?,
            ..base.clone()
        })
    }
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
    #[error("{0}")]
    Metadata(#[from] MetadataError),
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
    plan.metadata = MetadataDraft::of(&plan.metadata).checked(&plan.metadata)?;
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
            unmatched_agencies: vec![],
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

    #[test]
    fn the_metadata_form_checks_what_is_typed() {
        let base = crate::document::PlanMetadata {
            place: Some("Lạng Sơn".into()),
            ..Default::default()
        };
        let mut draft = MetadataDraft {
            number: " 52/KH-UBND ".into(),
            kind: Some(crate::document::DocumentKind::Plan),
            title: "Triển khai  thực hiện\nChiến lược".into(),
            issued_on: "5/6/2014".into(),
            issuer: "UBND tỉnh Lạng Sơn".into(),
            signer: String::new(),
        };
        let m = draft.checked(&base).expect("valid");
        assert_eq!(m.number.as_deref(), Some("52/KH-UBND"));
        assert_eq!(m.title.as_deref(), Some("Triển khai thực hiện Chiến lược"));
        assert_eq!(m.issued_on, chrono::NaiveDate::from_ymd_opt(2014, 6, 5));
        assert_eq!(
            (m.signer.as_deref(), m.place.as_deref()),
            (None, Some("Lạng Sơn"))
        );
        assert_eq!(MetadataDraft::of(&m).issued_on, "05/06/2014");
        for number in ["29-CT/TU", "88/2019/QH14", "1719/QĐ-TTg", ""] {
            assert!(document_number(number).is_ok(), "{number}");
        }
        for number in ["KH-UBND", "52 / KH", "52/", "năm mươi hai/KH"] {
            assert_eq!(
                document_number(number),
                Err(MetadataError::Number),
                "{number}"
            );
        }
        draft.issued_on = "31/02/2014".into();
        assert!(matches!(
            draft.checked(&base),
            Err(MetadataError::IssuedOn(_))
        ));
        draft.issued_on.clear();
        draft.issuer = "x".repeat(NAME_MAX_CHARS + 1);
        assert_eq!(draft.checked(&base), Err(MetadataError::NameTooLong));
    }
}
