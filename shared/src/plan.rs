//! Plans and the nodes of their trees, as the API and the UI see them.

use crate::document::{NodeKind, PlanMetadata, RecurringDeadline, Reference};
use crate::ids::{AgencyCode, NodeId, PlanId};
use crate::rank::Rank;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An agency's part in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chủ trì: answers for the task; at most one per task.
    Lead,
    /// Phối hợp.
    Coordinating,
}

impl Role {
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Lead => "Chủ trì",
            Role::Coordinating => "Phối hợp",
        }
    }
}

/// One agency assigned to a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The agency's code in the registry ("BDT", "SYT").
    pub agency: AgencyCode,
    pub role: Role,
    /// Its own deadline; `None` means the task's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
}

/// The lead first, then the others in the order they were assigned.
pub fn sort(assignments: &mut [Assignment]) {
    assignments.sort_by_key(|a| a.role);
}

/// A task's assignments: valid codes, each agency once (the first kept), at most one lead and
/// it first, at most `ASSIGNEES_MAX`.
pub fn checked_assignments(
    list: &[Assignment],
) -> Result<Vec<Assignment>, crate::validate::ValidationError> {
    let mut out: Vec<Assignment> = Vec::with_capacity(list.len());
    for a in list {
        let agency = crate::validate::agency_code(&a.agency)?;
        if out.iter().any(|o| o.agency == agency) {
            continue;
        }
        out.push(Assignment {
            agency,
            role: a.role,
            deadline: a.deadline,
        });
    }
    if out.iter().filter(|a| a.role == Role::Lead).count() > 1 {
        return Err(crate::validate::ValidationError::SeveralLeads);
    }
    if out.len() > crate::limits::ASSIGNEES_MAX {
        return Err(crate::validate::ValidationError::TooManyAssignees {
            max: crate::limits::ASSIGNEES_MAX,
        });
    }
    sort(&mut out);
    Ok(out)
}

/// Who may read a plan (a setting of the plan, changed by those who edit it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Every signed-in officer: plans are public inside the administration (the default).
    #[default]
    Province,
    /// Administrators, the standing agency, leaders, inspectors, and the officers of the
    /// agencies the plan gives a task to (lead or coordinating).
    Assigned,
}

impl Visibility {
    pub const ALL: [Visibility; 2] = [Visibility::Province, Visibility::Assigned];

    pub fn label_vi(self) -> &'static str {
        match self {
            Visibility::Province => "Mọi cán bộ đã đăng nhập",
            Visibility::Assigned => {
                "Chỉ các cơ quan được giao việc (và thường trực, lãnh đạo, kiểm tra)"
            }
        }
    }
}

/// A plan: the document's metadata and the references it cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: PlanId,
    pub metadata: PlanMetadata,
    /// The opening paragraph(s) before the outline ("Thực hiện Công văn số …").
    pub preamble: Option<String>,
    pub references: Vec<Reference>,
    /// Who may read it.
    #[serde(default)]
    pub visibility: Visibility,
}

/// One line of the plan list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub id: PlanId,
    pub metadata: PlanMetadata,
    pub node_count: usize,
    #[serde(default)]
    pub visibility: Visibility,
}

/// A node of a plan's tree: a section, item, point, bullet or task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    pub plan_id: PlanId,
    /// `None` for a top-level node.
    pub parent: Option<NodeId>,
    /// Order among siblings.
    pub rank: Rank,
    /// Numbering as written ("III", "4", "a", "-"); empty for nodes made in the app.
    pub label: String,
    pub kind: NodeKind,
    pub title: String,
    /// Absent values are left out of the JSON (a plan's tree is sent whole, so it adds up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// A deadline repeated every period ("trước ngày 15/12 hằng năm"), as the document set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring_deadline: Option<RecurringDeadline>,
    /// Legal documents cited in the node's own text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Percent done, 0..=100.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub progress: u8,
    /// The day the work was finished, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_on: Option<NaiveDate>,
    /// The agencies that carry it out: the lead first, then the coordinating ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignments: Vec<Assignment>,
    /// The agency that added this node as its own sub-task (an agency's concrete plan); `None`
    /// for the plan's own nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<AgencyCode>,
}

impl Node {
    /// A copy of the node without its body (which is not copied).
    pub fn without_body(&self) -> Node {
        Node {
            id: self.id,
            plan_id: self.plan_id,
            parent: self.parent,
            rank: self.rank.clone(),
            label: self.label.clone(),
            kind: self.kind,
            title: self.title.clone(),
            body: None,
            deadline: self.deadline,
            recurring_deadline: self.recurring_deadline.clone(),
            references: self.references.clone(),
            progress: self.progress,
            completed_on: self.completed_on,
            assignments: self.assignments.clone(),
            owner: self.owner.clone(),
        }
    }

    /// Its heading as reports print it: "1. Tuyên truyền …" (the label, then the title).
    pub fn heading(&self) -> String {
        if self.label.is_empty() {
            self.title.clone()
        } else {
            format!("{}. {}", self.label, self.title)
        }
    }

    /// The lead agency's code, if any.
    pub fn lead(&self) -> Option<&str> {
        self.assignments
            .iter()
            .find(|a| a.role == Role::Lead)
            .map(|a| a.agency.as_str())
    }

    /// The assignment of `agency`, if it has one.
    pub fn assignment(&self, agency: &str) -> Option<&Assignment> {
        self.assignments.iter().find(|a| a.agency == agency)
    }
}

fn is_zero(v: &u8) -> bool {
    *v == 0
}

/// A plan with all its nodes (flat; `parent` and `rank` give the shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTree {
    pub plan: Plan,
    pub nodes: Vec<Node>,
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A bare task node titled `title`.
    pub fn node(title: &str) -> Node {
        Node {
            id: NodeId(uuid::Uuid::nil()),
            plan_id: PlanId(uuid::Uuid::nil()),
            parent: None,
            rank: Rank::sequence(1).remove(0),
            label: String::new(),
            kind: NodeKind::Task,
            title: title.to_owned(),
            body: None,
            deadline: None,
            recurring_deadline: None,
            references: Vec::new(),
            progress: 0,
            completed_on: None,
            assignments: Vec::new(),
            owner: None,
        }
    }
}
