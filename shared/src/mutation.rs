//! Every change to plan data is a typed [`Mutation`], applied by one pure function
//! ([`PlanState::apply`]) on the server (authoritatively) and, with offline sync, on the device.

use crate::assignment::{Assignment, Role};
use crate::citations::find_references;
use crate::ids::{AgencyCode, ConflictId, NodeId};
use crate::inspection::model::InspectionError;
use crate::inspection::op::InspectionMutation;
use crate::plan::Node;
use crate::report::op::{ReportError, ReportMutation};
use crate::validate::{self, ValidationError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a node goes among its new siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    First,
    Last,
    Before(NodeId),
    After(NodeId),
}

/// One field of a node, with its new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum NodeEdit {
    Title(String),
    Body(Option<String>),
    Deadline(Option<NaiveDate>),
    Label(String),
    /// Percent done, 0..=100.
    Progress(u8),
    /// The day the work was finished (`None`: not finished).
    CompletedOn(Option<NaiveDate>),
    /// The whole list of assignments, replaced (the board uses [`Mutation::Assign`] and its
    /// kin, which merge with other devices' assignments instead).
    Assignments(Vec<Assignment>),
}

/// A field of a node that edits can change; the unit of conflict detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    Body,
    Deadline,
    Label,
    Progress,
    CompletedOn,
    /// Called `assignees` before assignments had roles (records written then still read).
    #[serde(alias = "assignees")]
    Assignments,
    /// Parent and rank: where the node sits.
    Position,
}

impl Field {
    /// Every field a new node sets.
    pub const ALL: [Field; 8] = [
        Field::Title,
        Field::Body,
        Field::Deadline,
        Field::Label,
        Field::Progress,
        Field::CompletedOn,
        Field::Assignments,
        Field::Position,
    ];

    /// The field's name as users read it.
    pub fn label_vi(self) -> &'static str {
        match self {
            Field::Title => "Tiêu đề",
            Field::Body => "Nội dung",
            Field::Deadline => "Thời hạn",
            Field::Label => "Số thứ tự",
            Field::Progress => "Tiến độ",
            Field::CompletedOn => "Ngày hoàn thành",
            Field::Assignments => "Cơ quan thực hiện",
            Field::Position => "Vị trí",
        }
    }
}

impl NodeEdit {
    pub fn field(&self) -> Field {
        match self {
            NodeEdit::Title(_) => Field::Title,
            NodeEdit::Body(_) => Field::Body,
            NodeEdit::Deadline(_) => Field::Deadline,
            NodeEdit::Label(_) => Field::Label,
            NodeEdit::Progress(_) => Field::Progress,
            NodeEdit::CompletedOn(_) => Field::CompletedOn,
            NodeEdit::Assignments(_) => Field::Assignments,
        }
    }

    /// The current value of `field` on `node`, as an edit that would set it (`None` for
    /// [`Field::Position`], which is not a value).
    pub fn of(node: &Node, field: Field) -> Option<NodeEdit> {
        Some(match field {
            Field::Title => NodeEdit::Title(node.title.clone()),
            Field::Body => NodeEdit::Body(node.body.clone()),
            Field::Deadline => NodeEdit::Deadline(node.deadline),
            Field::Label => NodeEdit::Label(node.label.clone()),
            Field::Progress => NodeEdit::Progress(node.progress),
            Field::CompletedOn => NodeEdit::CompletedOn(node.completed_on),
            Field::Assignments => NodeEdit::Assignments(node.assignments.clone()),
            Field::Position => return None,
        })
    }

    /// Sets the field on `node`, validated; the node's references follow its text.
    pub fn apply_to(&self, node: &mut Node) -> Result<(), ValidationError> {
        match self {
            NodeEdit::Title(t) => node.title = validate::title(t)?,
            NodeEdit::Body(b) => node.body = validate::body(b.as_deref())?,
            NodeEdit::Deadline(d) => node.deadline = *d,
            NodeEdit::Label(l) => node.label = validate::label(l)?,
            NodeEdit::Progress(p) => node.progress = validate::progress(*p)?,
            NodeEdit::CompletedOn(d) => node.completed_on = *d,
            NodeEdit::Assignments(a) => node.assignments = crate::plan::checked_assignments(a)?,
        }
        if matches!(self, NodeEdit::Title(_) | NodeEdit::Body(_)) {
            node.references = references_in(node);
        }
        Ok(())
    }

    /// The value as text for people ("45 %", "30/06/2016", "(trống)").
    pub fn display(&self) -> String {
        let or_blank = |s: &str| {
            if s.trim().is_empty() {
                "(trống)".to_owned()
            } else {
                s.to_owned()
            }
        };
        match self {
            NodeEdit::Title(t) | NodeEdit::Label(t) => or_blank(t),
            NodeEdit::Body(b) => or_blank(b.as_deref().unwrap_or_default()),
            NodeEdit::Deadline(d) | NodeEdit::CompletedOn(d) => {
                d.map_or_else(|| "(trống)".to_owned(), crate::text::format_date)
            }
            NodeEdit::Progress(p) => format!("{p} %"),
            NodeEdit::Assignments(a) => or_blank(
                &a.iter()
                    .map(|a| match a.role {
                        Role::Lead => format!("{} (chủ trì)", a.agency),
                        Role::Coordinating => a.agency.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
    }
}

/// A change to a plan's tree, as a user meant it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mutation {
    /// Adds a node. The id is made by the client, so the mutation can be retried safely.
    CreateNode {
        id: NodeId,
        parent: Option<NodeId>,
        position: Position,
        title: String,
        #[serde(default)]
        body: Option<String>,
        #[serde(default)]
        deadline: Option<NaiveDate>,
        #[serde(default)]
        label: String,
        /// The agency adding it as its own sub-task; `None` for the plan's own nodes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<AgencyCode>,
    },
    /// Changes one field of a node.
    EditNode { id: NodeId, edit: NodeEdit },
    /// Moves a node (with its subtree) under a new parent, or to the top level.
    MoveNode {
        id: NodeId,
        parent: Option<NodeId>,
        position: Position,
    },
    /// Deletes a node and its whole subtree.
    DeleteNode { id: NodeId },
    /// Settles a conflict by setting the field to the chosen (or merged) value.
    ResolveConflict {
        conflict: ConflictId,
        id: NodeId,
        edit: NodeEdit,
    },
    /// Assigns the task to an agency as `role`, or changes its role or deadline if it has one.
    /// A new lead makes the previous lead coordinating.
    Assign {
        id: NodeId,
        agency: AgencyCode,
        role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deadline: Option<NaiveDate>,
    },
    /// Takes the task away from an agency.
    Unassign { id: NodeId, agency: AgencyCode },
    /// Hands an agency's part in the task (role and deadline) to another agency.
    Reassign {
        id: NodeId,
        from: AgencyCode,
        to: AgencyCode,
    },
    /// A change to the plan's reports (rounds, agency reports, entries, indicators).
    Report { op: ReportMutation },
    /// A change to the plan's inspections (rounds, visits, findings, recommendations, photos).
    Inspection { op: InspectionMutation },
}

impl Mutation {
    /// The change in words, for people ("Sửa tiêu đề", "Giao cho SYT (chủ trì)"); the new
    /// value of an edited field is [`NodeEdit::display`].
    pub fn describe_vi(&self) -> String {
        match self {
            Mutation::CreateNode { title, .. } => format!("Thêm mục «{title}»"),
            Mutation::EditNode { edit, .. } => {
                format!("Sửa {}", edit.field().label_vi().to_lowercase())
            }
            Mutation::MoveNode { .. } => "Chuyển mục".to_owned(),
            Mutation::DeleteNode { .. } => "Xoá mục".to_owned(),
            Mutation::ResolveConflict { .. } => "Giải quyết xung đột".to_owned(),
            Mutation::Assign { agency, role, .. } => {
                format!("Giao cho {agency} ({})", role.label_vi().to_lowercase())
            }
            Mutation::Unassign { agency, .. } => format!("Bỏ giao {agency}"),
            Mutation::Reassign { from, to, .. } => format!("Chuyển việc của {from} sang {to}"),
            Mutation::Report { op } => op.describe_vi(),
            Mutation::Inspection { op } => op.describe_vi(),
        }
    }

    /// The mutation with every text cut to `max_chars` characters ("…" marks a cut) and every
    /// list of assignments to `max_list`: what a stored refusal keeps of it.
    pub fn abridged(&self, max_chars: usize, max_list: usize) -> Mutation {
        let cut = |t: &String| cut_text(t, max_chars);
        let code = |c: &AgencyCode| AgencyCode(cut_text(c, max_chars));
        let edit = |e: &NodeEdit| match e {
            NodeEdit::Title(t) => NodeEdit::Title(cut(t)),
            NodeEdit::Body(b) => NodeEdit::Body(b.as_ref().map(cut)),
            NodeEdit::Label(l) => NodeEdit::Label(cut(l)),
            NodeEdit::Assignments(list) => NodeEdit::Assignments(
                list.iter()
                    .take(max_list)
                    .map(|a| Assignment {
                        agency: code(&a.agency),
                        ..a.clone()
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        match self {
            Mutation::CreateNode {
                id,
                parent,
                position,
                title,
                body,
                deadline,
                label,
                owner,
            } => Mutation::CreateNode {
                id: *id,
                parent: *parent,
                position: *position,
                title: cut(title),
                body: body.as_ref().map(cut),
                deadline: *deadline,
                label: cut(label),
                owner: owner.as_ref().map(code),
            },
            Mutation::EditNode { id, edit: e } => Mutation::EditNode {
                id: *id,
                edit: edit(e),
            },
            Mutation::ResolveConflict {
                conflict,
                id,
                edit: e,
            } => Mutation::ResolveConflict {
                conflict: *conflict,
                id: *id,
                edit: edit(e),
            },
            Mutation::Assign {
                id,
                agency,
                role,
                deadline,
            } => Mutation::Assign {
                id: *id,
                agency: code(agency),
                role: *role,
                deadline: *deadline,
            },
            Mutation::Unassign { id, agency } => Mutation::Unassign {
                id: *id,
                agency: code(agency),
            },
            Mutation::Reassign { id, from, to } => Mutation::Reassign {
                id: *id,
                from: code(from),
                to: code(to),
            },
            Mutation::Report { op } => Mutation::Report {
                op: op.abridged(&|t: &str| cut_text(t, max_chars), max_list),
            },
            Mutation::Inspection { op } => Mutation::Inspection {
                op: op.abridged(&|t: &str| cut_text(t, max_chars), max_list),
            },
            Mutation::MoveNode { .. } | Mutation::DeleteNode { .. } => self.clone(),
        }
    }

    /// The node the mutation is about (`None` for a report's records, which are not nodes:
    /// see [`Mutation::record`]).
    pub fn node(&self) -> Option<NodeId> {
        Some(match self {
            Mutation::CreateNode { id, .. }
            | Mutation::EditNode { id, .. }
            | Mutation::MoveNode { id, .. }
            | Mutation::DeleteNode { id }
            | Mutation::ResolveConflict { id, .. }
            | Mutation::Assign { id, .. }
            | Mutation::Unassign { id, .. }
            | Mutation::Reassign { id, .. } => *id,
            Mutation::Report { .. } | Mutation::Inspection { .. } => return None,
        })
    }

    /// The report record the mutation is about.
    pub fn record(&self) -> Option<crate::report::RecordKey> {
        match self {
            Mutation::Report { op } => Some(op.key()),
            Mutation::Inspection { op } => Some(op.key()),
            _ => None,
        }
    }
}

/// Why a mutation was refused. Display is the Vietnamese message for its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum MutationError {
    #[error("Không tìm thấy mục này; có thể mục đã bị xoá.")]
    NodeNotFound { id: NodeId },
    #[error("Không tìm thấy mục cha; có thể mục đã bị xoá.")]
    ParentNotFound { id: NodeId },
    #[error("Không tìm thấy mục làm mốc vị trí trong cùng cấp.")]
    AnchorNotFound { id: NodeId },
    #[error("Đã có một mục với mã này.")]
    AlreadyExists { id: NodeId },
    /// The id belongs to a node of another plan, or to a node deleted from this one: a new
    /// node never takes it (it would overwrite or bring back someone else's record).
    #[error("Mã mục này đã được dùng cho một mục khác; không thể tạo mục mới với mã này.")]
    IdTaken { id: NodeId },
    #[error("Không tìm thấy xung đột này trong kế hoạch.")]
    ConflictNotFound { conflict: ConflictId },
    #[error("Không thể chuyển một mục vào chính nó hoặc vào mục con của nó.")]
    Cycle { id: NodeId, parent: NodeId },
    #[error("{error}")]
    Invalid { error: ValidationError },
    #[error("Cơ quan {agency} chưa được giao nhiệm vụ này.")]
    NotAssigned { agency: AgencyCode },
    #[error("Cơ quan {agency} đã được giao nhiệm vụ này.")]
    AlreadyAssigned { agency: AgencyCode },
    #[error("Không có cơ quan mã {agency} trong danh mục.")]
    UnknownAgency { agency: AgencyCode },
    #[error("Cách giải quyết không khớp với xung đột (khác mục hoặc khác trường).")]
    ConflictMismatch,
    /// The user's role may not make this change; the message says what it may do.
    #[error("{message}")]
    Forbidden { message: String },
    #[error("{error}")]
    Report { error: ReportError },
    #[error("{error}")]
    Inspection { error: InspectionError },
}

impl From<InspectionError> for MutationError {
    fn from(error: InspectionError) -> Self {
        match error {
            // One refusal by role, whatever it is about.
            InspectionError::Forbidden { message } => Self::Forbidden { message },
            error => Self::Inspection { error },
        }
    }
}

impl From<ReportError> for MutationError {
    fn from(error: ReportError) -> Self {
        match error {
            // One refusal by role, whatever it is about.
            ReportError::Forbidden { message } => Self::Forbidden { message },
            error => Self::Report { error },
        }
    }
}

impl MutationError {
    /// The error with the texts it quotes from a mutation cut to `max_chars` characters.
    pub fn abridged(self, max_chars: usize) -> Self {
        match self {
            Self::NotAssigned { agency } => Self::NotAssigned {
                agency: AgencyCode(cut_text(&agency, max_chars)),
            },
            Self::AlreadyAssigned { agency } => Self::AlreadyAssigned {
                agency: AgencyCode(cut_text(&agency, max_chars)),
            },
            Self::UnknownAgency { agency } => Self::UnknownAgency {
                agency: AgencyCode(cut_text(&agency, max_chars)),
            },
            Self::Report {
                error: ReportError::NotHeld { agency },
            } => Self::Report {
                error: ReportError::NotHeld {
                    agency: AgencyCode(cut_text(&agency, max_chars)),
                },
            },
            Self::Inspection {
                error: InspectionError::UnknownPlace { unit },
            } => Self::Inspection {
                error: InspectionError::UnknownPlace {
                    unit: cut_text(&unit, max_chars),
                },
            },
            Self::Inspection {
                error: InspectionError::NotAPlaceOfTheRound { unit },
            } => Self::Inspection {
                error: InspectionError::NotAPlaceOfTheRound {
                    unit: cut_text(&unit, max_chars),
                },
            },
            other => other,
        }
    }
}

/// `text` cut to `max_chars` characters, "…" marking the cut.
fn cut_text(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

impl From<ValidationError> for MutationError {
    fn from(error: ValidationError) -> Self {
        Self::Invalid { error }
    }
}

/// The legal documents a node's title and body cite.
pub(crate) fn references_in(node: &Node) -> Vec<crate::document::Reference> {
    let mut refs = find_references(&node.title);
    if let Some(body) = &node.body {
        refs.extend(find_references(body));
    }
    refs
}
