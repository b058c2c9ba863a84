//! The plan-document text importer: turns the text of a plan, as copied from a legal-documents
//! website or typed by hand, into its metadata, the legal documents it cites and its outline.
//!
//! Pure and deterministic: no IO, no clock, no randomness. Runs in time linear in the input.
//!
//! The work is split in stages, each in its own submodule:
//! - `input`: checks and decodes the bytes, splits and normalises the lines;
//! - `marker`: recognises the numbering a line starts with ("I.", "1.", "a)", "-", "+");
//! - `front`: reads everything before the outline: the website's own lines, the metadata
//!   block, the official header, the kind heading, the trích yếu and the preamble;
//! - `outline`: builds the tree of numbered nodes and checks the numbering;
//! - `refs` and `dates`: find citations of legal documents and deadlines in running text;
//! - `casing`: turns capitalised lines (trích yếu, issuer) into sentence case, restoring the
//!   proper nouns the rest of the text writes with a capital.

mod agencies;
mod agency_names;
mod attached;
mod casing;
mod closing;
#[cfg(feature = "docx")]
mod docx;
mod error;
mod front;
mod input;
mod marker;
mod outline;
pub mod review;
mod syllables;
mod table;

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::document::{NodeKind, PlanMetadata, RecurringDeadline, Reference};
use crate::ids::{NodeId, PlanId};
use crate::plan::{Node, Plan, PlanTree, Visibility};
use crate::rank::Rank;

pub use crate::citations::find_references;
pub use agencies::{SuggestedAssignment, UnmatchedAgency, suggest_assignments, unmatched_agencies};
pub use agency_names::AgencyMatcher;
#[cfg(feature = "docx")]
pub use docx::{DOCX_PART_MAX_BYTES, DocxImport, import_plan_docx, is_docx};
pub use error::{ImportError, ImportErrorKind};

/// A plan document as read by the importer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedPlan {
    /// What the document says about itself.
    pub metadata: PlanMetadata,
    /// The paragraph(s) between the trích yếu and the outline ("Thực hiện …, UBND tỉnh xây
    /// dựng kế hoạch … như sau:"), joined by blank lines.
    #[serde(default)]
    pub preamble: Option<String>,
    /// Every legal document cited in the preamble or the outline, once, in order of first
    /// appearance.
    pub references: Vec<Reference>,
    /// The outline: top-level nodes, each with its children.
    pub nodes: Vec<ParsedNode>,
    /// The agencies the document names for its tasks, for the review to accept or reject;
    /// filled by [`suggest_assignments`], which needs the agency registry.
    #[serde(default)]
    pub suggested_assignments: Vec<SuggestedAssignment>,
    /// Agencies the document names for a task that the registry does not have, offered in the
    /// review to be mapped to one it has; filled with the suggestions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_agencies: Vec<UnmatchedAgency>,
    /// What the importer had to guess or could not place; never fatal.
    #[serde(default)]
    pub warnings: Vec<ImportWarning>,
}

/// One numbered node of the outline ("I. MỤC ĐÍCH YÊU CẦU", "1. Mục đích", "- Nhằm …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedNode {
    /// The numbering as written, without trailing punctuation: "I", "1", "a", "-", "+".
    pub label: String,
    /// The level the label denotes.
    pub kind: NodeKind,
    /// The heading, or the whole paragraph for a one-paragraph node. Never empty, at most
    /// [`crate::limits::TITLE_MAX_CHARS`] characters.
    pub title: String,
    /// The unlabelled paragraphs under the heading, joined by blank lines.
    pub body: Option<String>,
    /// The date in "hoàn thành trước ngày 30/6/2016" in the node's own text.
    pub deadline: Option<NaiveDate>,
    /// A deadline the text repeats every period ("trước ngày 15/12 hằng năm"), when the node
    /// has no dated one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring_deadline: Option<RecurringDeadline>,
    /// The legal documents cited in the node's own title and body, in order.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// The agencies to carry it out: empty from the importer (it only suggests, see
    /// [`ParsedPlan::suggested_assignments`]); filled by the review with the suggestions the
    /// user accepted, and stored with the node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignments: Vec<crate::assignment::Assignment>,
    /// The 1-based line of the input the node starts on.
    #[serde(default)]
    pub line: usize,
    /// The nodes numbered under this one.
    pub children: Vec<ParsedNode>,
}

impl ParsedNode {
    /// A node with its label, level, title and first line, and nothing else yet.
    pub fn new(
        label: impl Into<String>,
        kind: NodeKind,
        title: impl Into<String>,
        line: usize,
    ) -> Self {
        Self {
            label: label.into(),
            kind,
            title: title.into(),
            body: None,
            deadline: None,
            recurring_deadline: None,
            references: Vec::new(),
            assignments: Vec::new(),
            line,
            children: Vec::new(),
        }
    }
}

/// Something the importer noticed but did not stop for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportWarning {
    /// The 1-based line of the input it is about.
    pub line: usize,
    /// What kind of problem it is.
    pub kind: WarningKind,
    /// A sentence in Vietnamese for the user.
    pub message: String,
}

/// The kinds of [`ImportWarning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A number was skipped ("3." after "1.") or the numbering did not start at the first one.
    NumberingGap,
    /// A number was repeated or went back ("1." after "3.").
    NumberingRepeat,
    /// A decimal number that does not continue its parent's ("2.1." under "1.").
    NumberingMismatch,
    /// Text before the outline that is neither the header nor the preamble; it was kept in the
    /// preamble.
    UnplacedText,
    /// A title longer than the limit; its first sentence was kept and the rest moved to the body.
    TitleTooLong,
    /// A label with no text after it nor under it; the label itself became the title.
    EmptyTitle,
    /// A body longer than [`crate::limits::BODY_MAX_CHARS`]; kept whole.
    BodyTooLong,
    /// Words run together ("Triểnkhai") were split where a space was lost.
    WordsSplit,
}

/// A document as imported: the plan, and the lines of text it was read from (for a Word file,
/// its paragraphs with their numbering), which the nodes' and warnings' line numbers refer to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedDocument {
    pub plan: ParsedPlan,
    pub lines: Vec<String>,
    /// The file's SHA-256 in hex, filled by the server: the same file imported twice is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Imports a plan from a file's bytes: a Word document (.docx, recognised by its content) or
/// text.
///
/// # Errors
/// Those of [`import_plan_docx`] and [`import_plan_bytes`].
#[cfg(feature = "docx")]
pub fn import_document(bytes: &[u8]) -> Result<ImportedDocument, ImportError> {
    if is_docx(bytes) {
        let DocxImport { plan, lines } = import_plan_docx(bytes)?;
        return Ok(ImportedDocument {
            plan,
            lines,
            sha256: None,
        });
    }
    let text = input::decode(bytes)?;
    let plan = import_plan_text(text)?;
    let lines = input::split_lines(&input::normalize_unicode(text))
        .into_iter()
        .map(|line| line.text.into_owned())
        .collect();
    Ok(ImportedDocument {
        plan,
        lines,
        sha256: None,
    })
}

/// Fills `plan.suggested_assignments` from the agencies of `registry` in office on the plan's
/// date (all of them when it has none).
pub fn suggest_from_registry(plan: &mut ParsedPlan, registry: &[crate::registry::Agency]) {
    let on = plan.metadata.issued_on;
    let in_office: Vec<&crate::registry::Agency> = registry
        .iter()
        .filter(|a| {
            on.is_none_or(|on| {
                a.valid_from.is_none_or(|from| from <= on) && a.valid_to.is_none_or(|to| on <= to)
            })
        })
        .collect();
    // A plan written after a merger may still name the merged agency ("Sở Kế hoạch và Đầu
    // tư" after 01/03/2025): its name stands for its successor in office.
    let successors: Vec<crate::registry::Agency> = registry
        .iter()
        .filter(|a| !in_office.iter().any(|o| o.code == a.code))
        .filter_map(|a| {
            let mut code = a.successor.clone()?;
            for _ in 0..8 {
                let next = in_office.iter().find(|o| o.code == code);
                if let Some(next) = next {
                    return Some(crate::registry::Agency {
                        code: next.code.clone(),
                        ..a.clone()
                    });
                }
                code = registry
                    .iter()
                    .find(|r| r.code == code)?
                    .successor
                    .clone()?;
            }
            None
        })
        .collect();
    let named: Vec<&crate::registry::Agency> =
        in_office.iter().copied().chain(&successors).collect();
    let matcher = AgencyMatcher::new(&named);
    plan.suggested_assignments = suggest_assignments(plan, &matcher);
    plan.unmatched_agencies = unmatched_agencies(plan, &matcher);
}

/// Imports a plan from the bytes of a text file: UTF-8, with or without a byte-order mark.
///
/// # Errors
/// [`ImportErrorKind::TooLarge`] over [`crate::limits::IMPORT_MAX_BYTES`],
/// [`ImportErrorKind::Empty`], [`ImportErrorKind::Binary`] when it holds NUL bytes,
/// [`ImportErrorKind::InvalidUtf8`] with the line of the first bad byte, and the errors of
/// [`import_plan_text`].
pub fn import_plan_bytes(input: &[u8]) -> Result<ParsedPlan, ImportError> {
    import_plan_text(input::decode(input)?)
}

/// Imports a plan from its text. Lines may end in LF, CRLF or CR.
///
/// # Errors
/// [`ImportErrorKind::TooLarge`], [`ImportErrorKind::Empty`] (nothing but blanks),
/// [`ImportErrorKind::Binary`] (NUL characters), and [`ImportErrorKind::NoOutline`] when no
/// line starts with a numbering the importer knows.
pub fn import_plan_text(input: &str) -> Result<ParsedPlan, ImportError> {
    import_text_with_layout(input, &[])
}

/// [`import_plan_text`] for text that comes from a layout (a Word file): `centred` are the
/// lines set centred, which after the kind heading are the trích yếu even when not in capitals.
pub(crate) fn import_text_with_layout(
    input: &str,
    centred: &[usize],
) -> Result<ParsedPlan, ImportError> {
    input::check_text(input)?;
    let text = input::normalize_unicode(input);
    let mut lines = input::split_lines(&text);
    // A web copy's tables of tasks ("|" between cells) become the "Phụ lục" part.
    let tables: Vec<ParsedNode> = table::extract_text_tables(&mut lines)
        .iter()
        .map(table::table_node)
        .collect();
    let plan = match attached::start(&lines) {
        // A decision issuing the plan attached after its signature: the plan is the tree.
        Some(at) => {
            let (decision, plan) = lines.split_at(at);
            import_lines(plan, centred).map(|plan| match import_lines(decision, centred) {
                Ok(decision) => attached::merge(decision, plan),
                Err(_) => plan,
            })
        }
        None => import_lines(&lines, centred),
    };
    match plan {
        Ok(mut plan) => {
            plan.nodes.extend(tables);
            Ok(plan)
        }
        Err(ImportError {
            kind: ImportErrorKind::NoOutline,
            ..
        }) if !tables.is_empty() => Ok(ParsedPlan {
            metadata: PlanMetadata::default(),
            preamble: None,
            references: Vec::new(),
            nodes: tables,
            suggested_assignments: Vec::new(),
            unmatched_agencies: Vec::new(),
            warnings: Vec::new(),
        }),
        Err(e) => Err(e),
    }
}

/// Reads a document's lines: the front matter, the outline and the closing.
fn import_lines(lines: &[input::Line<'_>], centred: &[usize]) -> Result<ParsedPlan, ImportError> {
    let outline_start = lines
        .iter()
        .position(|line| marker::parse(&line.text).is_some())
        .ok_or(ImportError {
            line: 0,
            kind: ImportErrorKind::NoOutline,
        })?;
    let (front_lines, outline_lines) = lines.split_at(outline_start);
    // The closing ("Trên đây là …", "Nơi nhận:", the signature) never enters the tree.
    let (outline_lines, closing_lines) =
        outline_lines.split_at(closing::start(outline_lines).unwrap_or(outline_lines.len()));
    let closing = closing::parse(closing_lines);

    let mut warnings = Vec::new();
    let front_lines = front::join_cells(front_lines);
    let front = front::parse(&front_lines, centred, &mut warnings);
    let nodes = outline::build(outline_lines, &mut warnings);

    let title_line = front.title_line;
    let mut preamble = (!front.preamble.is_empty()).then(|| join_paragraphs(&front.preamble));
    if let Some(preamble) = &mut preamble {
        syllables::repair(preamble, title_line, &mut warnings);
    }
    let mut preamble_refs = Vec::new();
    if let Some(preamble) = &preamble {
        crate::citations::extract(preamble, &mut preamble_refs);
    }
    let references = union_of_references(&preamble_refs, &nodes);
    let mut metadata = metadata(front, outline_lines);
    if let Some(title) = &mut metadata.title {
        syllables::repair(title, title_line, &mut warnings);
    }
    metadata.recipients = closing.recipients;
    metadata.signer_title = closing.signer_title;
    if metadata.signer.is_none() {
        metadata.signer = closing.signer;
    }

    warnings.sort_by_key(|w| w.line);
    Ok(ParsedPlan {
        metadata,
        preamble,
        references,
        nodes,
        suggested_assignments: Vec::new(),
        unmatched_agencies: Vec::new(),
        warnings,
    })
}

/// The preamble's lines as paragraphs: a line wrapped from the one before it joins it; lost
/// spaces after full stops are put back.
fn join_paragraphs(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        if out.is_empty() {
            out.push_str(line);
        } else if outline::is_continuation(&out, line) {
            out.push(' ');
            out.push_str(line);
        } else {
            out.push_str("\n\n");
            out.push_str(line);
        }
    }
    outline::space_after_punctuation(&out).unwrap_or(out)
}

/// Puts together what the front matter says, in sentence case where it is written in capitals.
fn metadata(front: front::Front<'_>, outline_lines: &[input::Line<'_>]) -> PlanMetadata {
    let mut casing = casing::Casing::new(&[
        front.title_caps.as_deref().unwrap_or(""),
        front.issuer_caps.as_deref().unwrap_or(""),
    ]);
    if casing.is_needed() {
        for source in &front.sources {
            casing.observe(source);
        }
        // The place of issue is a proper noun wherever it appears ("tỉnh Lạng Sơn"); the
        // people's committee and council are common nouns ("Ủy ban nhân dân").
        if let Some(place) = &front.place {
            casing.insist(place, true);
        }
        casing.insist("Ủy ban nhân dân", false);
        casing.insist("Hội đồng nhân dân", false);
        for line in outline_lines {
            casing.observe(marker::parse(&line.text).map_or(&*line.text, |m| m.rest));
        }
    }
    let in_sentence_case = |caps: Option<String>| caps.map(|caps| casing.sentence_case(&caps));
    PlanMetadata {
        number: front.meta.number.or(front.header_number),
        kind: front.kind.or(front.meta.kind),
        title: in_sentence_case(front.title_caps).or(front.title_plain),
        issued_on: front.meta.issued_on.or(front.place_date),
        effective_on: front.meta.effective_on,
        issuer: in_sentence_case(front.issuer_caps)
            .map(|issuer| casing::place_capitalised(&issuer))
            .or(front.meta.issuer),
        signer: front.meta.signer,
        place: front.place,
        fields: front.meta.fields,
        recipients: Vec::new(),
        signer_title: None,
    }
}

/// The references of the preamble and of every node (in document order), each once: the same
/// kind and number, or the same text when there is no number, is the same document. A later
/// citation fills in a date or an issuer the first one lacked.
fn union_of_references(preamble: &[Reference], nodes: &[ParsedNode]) -> Vec<Reference> {
    fn visit<'a>(nodes: &'a [ParsedNode], all: &mut Vec<&'a Reference>) {
        for node in nodes {
            all.extend(&node.references);
            visit(&node.children, all);
        }
    }
    let mut all: Vec<&Reference> = preamble.iter().collect();
    visit(nodes, &mut all);
    each_once(all)
}

/// `all` with each document once: the same kind and number, or the same text when there is no
/// number, is the same document. A later citation fills in a date or an issuer the first one
/// lacked.
fn each_once<'a>(all: impl IntoIterator<Item = &'a Reference>) -> Vec<Reference> {
    let mut union: Vec<Reference> = Vec::new();
    let mut seen: HashMap<(crate::document::DocumentKind, &str), usize> = HashMap::new();
    for reference in all {
        let key = (
            reference.kind,
            reference.number.as_deref().unwrap_or(&reference.text),
        );
        match seen.get(&key) {
            Some(&index) => {
                let first = &mut union[index];
                if first.date.is_none() {
                    first.date = reference.date;
                }
                if first.issuer.is_none() {
                    first.issuer.clone_from(&reference.issuer);
                }
            }
            None => {
                seen.insert(key, union.len());
                union.push(reference.clone());
            }
        }
    }
    union
}

impl PlanTree {
    /// Turns an imported document into a plan and its nodes, with ids from `next_id` (called once
    /// per node, parents before children) and evenly spread ranks.
    pub fn from_parsed(
        id: PlanId,
        parsed: ParsedPlan,
        mut next_id: impl FnMut() -> NodeId,
    ) -> Self {
        fn walk(
            plan_id: PlanId,
            parent: Option<NodeId>,
            items: Vec<ParsedNode>,
            next_id: &mut dyn FnMut() -> NodeId,
            out: &mut Vec<Node>,
        ) {
            let ranks = Rank::sequence(items.len());
            for (item, rank) in items.into_iter().zip(ranks) {
                let node_id = next_id();
                out.push(Node {
                    id: node_id,
                    plan_id,
                    parent,
                    rank,
                    label: item.label,
                    kind: item.kind,
                    title: item.title,
                    body: item.body,
                    deadline: item.deadline,
                    recurring_deadline: item.recurring_deadline,
                    references: item.references,
                    progress: 0,
                    completed_on: None,
                    assignments: item.assignments,
                    owner: None,
                });
                walk(plan_id, Some(node_id), item.children, next_id, out);
            }
        }
        let mut nodes = Vec::new();
        walk(id, None, parsed.nodes, &mut next_id, &mut nodes);
        PlanTree {
            plan: Plan {
                id,
                metadata: parsed.metadata,
                preamble: parsed.preamble,
                references: parsed.references,
                visibility: Visibility::default(),
            },
            nodes,
        }
    }
}
