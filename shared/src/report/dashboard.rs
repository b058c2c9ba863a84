//! The figures of a plan's dashboard and of a round's comparison with the round before,
//! computed purely from the plan and its records: progress by task and by agency, overdue
//! tasks, every indicator's latest accepted value against its target, and each task's progress
//! and each indicator's values in a round beside the previous round's.

use crate::assignment::{Role, TaskStatus};
use crate::ids::{AgencyCode, NodeId, RecordId};
use crate::plan::Node;
use crate::report::book;
use crate::report::completeness::ReportState;
use crate::report::quantity::Quantity;
use crate::report::record::*;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A task on the dashboard: its heading, progress and the status of its lead's assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLine {
    pub node: NodeId,
    /// "1. Tuyên truyền …" (its label, then its title).
    pub heading: String,
    pub progress: u8,
    pub lead: Option<AgencyCode>,
    pub status: TaskStatus,
}

/// An agency's figures on the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyProgress {
    pub agency: AgencyCode,
    pub lead: usize,
    pub coordinating: usize,
    pub done: usize,
    pub overdue: usize,
    /// The mean progress of its tasks, in percent.
    pub progress: u8,
}

/// A top-level part of the plan (I, II, III…) on the dashboard: the tasks assigned in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionProgress {
    pub heading: String,
    pub tasks: usize,
    pub overdue: usize,
    /// The mean progress of its assigned tasks, in percent.
    pub progress: u8,
}

/// The plan's progress as of a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dashboard {
    /// Every assigned task, in the plan's order.
    pub tasks: Vec<TaskLine>,
    /// Every agency with a task, the most overdue first, then by code.
    pub agencies: Vec<AgencyProgress>,
    /// Every top-level part of the plan with an assigned task, in the plan's order.
    pub sections: Vec<SectionProgress>,
    /// How many assigned tasks stand in each status, in the status's order.
    pub by_status: Vec<(TaskStatus, usize)>,
}

impl Dashboard {
    /// The overdue tasks, in the plan's order.
    pub fn overdue(&self) -> impl Iterator<Item = &TaskLine> {
        self.tasks.iter().filter(|t| t.status.is_overdue())
    }

    /// The mean progress of every assigned task, in percent.
    pub fn progress(&self) -> u8 {
        mean(self.tasks.iter().map(|t| t.progress))
    }
}

fn mean(values: impl Iterator<Item = u8>) -> u8 {
    let (sum, n) = values.fold((0u64, 0u64), |(s, n), v| (s + u64::from(v), n + 1));
    if n == 0 {
        0
    } else {
        ((sum as f64 / n as f64).round() as u64).min(100) as u8
    }
}

/// The plan's dashboard on `today`.
pub fn dashboard(plan: &impl PlanView, today: NaiveDate) -> Dashboard {
    let mut tasks = Vec::new();
    let mut agencies: BTreeMap<AgencyCode, (AgencyProgress, Vec<u8>)> = BTreeMap::new();
    let mut by_status: BTreeMap<TaskStatus, usize> = BTreeMap::new();
    // In the plan's order every node follows its top-level part.
    let mut sections: Vec<(SectionProgress, Vec<u8>)> = Vec::new();
    for n in plan.in_order() {
        if n.parent.is_none() {
            sections.push((
                SectionProgress {
                    heading: n.heading(),
                    ..SectionProgress::default()
                },
                Vec::new(),
            ));
        }
        if n.assignments.is_empty() {
            continue;
        }
        let lead = n.assignments.iter().find(|a| a.role == Role::Lead);
        let status = lead.unwrap_or(&n.assignments[0]).status(n, today);
        *by_status.entry(status).or_default() += 1;
        if let Some((section, progress)) = sections.last_mut() {
            section.tasks += 1;
            section.overdue += usize::from(status.is_overdue());
            progress.push(n.progress);
        }
        for a in &n.assignments {
            let (line, progress) = agencies.entry(a.agency.clone()).or_default();
            line.agency = a.agency.clone();
            match a.role {
                Role::Lead => line.lead += 1,
                Role::Coordinating => line.coordinating += 1,
            }
            let s = a.status(n, today);
            line.done += usize::from(s.is_done());
            line.overdue += usize::from(s.is_overdue());
            progress.push(n.progress);
        }
        tasks.push(TaskLine {
            node: n.id,
            heading: n.heading(),
            progress: n.progress,
            lead: lead.map(|a| a.agency.clone()),
            status,
        });
    }
    let mut agencies: Vec<AgencyProgress> = agencies
        .into_values()
        .map(|(mut line, progress)| {
            line.progress = mean(progress.into_iter());
            line
        })
        .collect();
    agencies.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.agency.cmp(&b.agency)));
    let sections = sections
        .into_iter()
        .filter(|(s, _)| s.tasks > 0)
        .map(|(mut s, progress)| {
            s.progress = mean(progress.into_iter());
            s
        })
        .collect();
    Dashboard {
        tasks,
        agencies,
        sections,
        by_status: by_status.into_iter().collect(),
    }
}

/// The round before `round`: the one whose data period ends last before `round`'s ends.
pub fn previous_round<'a>(records: &'a Records, round: &Round) -> Option<&'a Round> {
    records
        .values()
        .filter_map(|r| match r {
            Record::Round(r) if r.id != round.id && r.data.to < round.data.to => Some(r),
            _ => None,
        })
        .max_by_key(|r| (r.data.to, r.id))
}

/// True when the agency's report in the round has been sent (and not returned since).
fn reported(records: &Records, round: RecordId, agency: &str) -> bool {
    book::report(records, round, agency)
        .is_some_and(|r| matches!(r.state, ReportState::Sent | ReportState::Accepted))
}

/// A task's progress as the round's sent reports give it: the lead's figure, else the highest
/// a coordinating agency gave.
pub fn progress_in(plan: &impl PlanView, round: RecordId, node: &Node) -> Option<u8> {
    let records = plan.records();
    let given = |agency: &str| {
        if !reported(records, round, agency) {
            return None;
        }
        match records.get(&RecordKey::Entry {
            round,
            agency: agency.into(),
            node: node.id,
        }) {
            Some(Record::Entry(e)) => e.progress,
            _ => None,
        }
    };
    let lead = node.lead().and_then(given);
    lead.or_else(|| {
        node.assignments
            .iter()
            .filter(|a| a.role == Role::Coordinating)
            .filter_map(|a| given(a.agency.as_str()))
            .max()
    })
}

/// One task in a round beside the round before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCompared {
    pub node: NodeId,
    pub heading: String,
    pub then: Option<u8>,
    pub now: Option<u8>,
}

/// One indicator for one unit in a round beside the round before (values of sent reports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueCompared {
    pub indicator: RecordId,
    pub unit: Option<String>,
    pub then: Option<Quantity>,
    pub now: Option<Quantity>,
}

/// A round beside the round before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub previous: Option<RecordId>,
    pub tasks: Vec<TaskCompared>,
    pub values: Vec<ValueCompared>,
}

/// The values of sent reports of `round`, by indicator and unit (the last agency in code order
/// when several gave one).
fn values_in(records: &Records, round: RecordId) -> BTreeMap<(RecordId, Option<String>), Quantity> {
    let mut out = BTreeMap::new();
    for r in records.values() {
        if let Record::Value(v) = r
            && v.round == round
            && reported(records, round, &v.agency)
            && let Some(q) = v.value
        {
            out.insert((v.indicator, v.unit.clone()), q);
        }
    }
    out
}

/// Every assigned task's progress, and every indicator's values, in `round` and in the round
/// before it (as their sent reports give them).
pub fn comparison(plan: &impl PlanView, round: &Round) -> Comparison {
    let records = plan.records();
    let previous = previous_round(records, round).map(|r| r.id);
    let tasks = plan
        .in_order()
        .into_iter()
        .filter(|n| !n.assignments.is_empty())
        .map(|n| TaskCompared {
            node: n.id,
            heading: n.heading(),
            then: previous.and_then(|p| progress_in(plan, p, n)),
            now: progress_in(plan, round.id, n),
        })
        .collect();
    let now = values_in(records, round.id);
    let then = previous.map(|p| values_in(records, p)).unwrap_or_default();
    let mut keys: Vec<&(RecordId, Option<String>)> = now.keys().chain(then.keys()).collect();
    keys.sort();
    keys.dedup();
    let values = keys
        .into_iter()
        .map(|k| ValueCompared {
            indicator: k.0,
            unit: k.1.clone(),
            then: then.get(k).copied(),
            now: now.get(k).copied(),
        })
        .collect();
    Comparison {
        previous,
        tasks,
        values,
    }
}
