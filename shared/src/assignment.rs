//! Assignments (giao nhiệm vụ): which agencies carry out a task, as lead (chủ trì) or
//! coordinating (phối hợp), each by its own deadline; and the status officials report
//! (chưa thực hiện, đang thực hiện trong hạn / quá hạn, hoàn thành đúng hạn / quá hạn).

use crate::ids::AgencyCode;
use crate::plan::Node;
pub use crate::plan::{Assignment, Role, sort};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

impl Assignment {
    /// The deadline that applies: its own, else the task's.
    pub fn deadline_for(&self, task: &Node) -> Option<NaiveDate> {
        self.deadline.or(task.deadline)
    }

    /// Its status on `today`, from its deadline and the task's progress and completion date.
    pub fn status(&self, task: &Node, today: NaiveDate) -> TaskStatus {
        TaskStatus::of(
            self.deadline_for(task),
            task.progress,
            task.completed_on,
            today,
        )
    }
}

/// Where a task stands, in the words officials use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Overdue and not started: listed first.
    NotStartedOverdue,
    /// Started, past its deadline.
    InProgressOverdue,
    NotStarted,
    InProgress,
    DoneLate,
    DoneOnTime,
}

impl TaskStatus {
    /// The status of work with `deadline`, `progress` percent done and (when done) finished on
    /// `completed_on`, as of `today`. Done means 100 % or a completion date. A task done with no
    /// recorded date is taken as done on time: nothing shows it was late.
    pub fn of(
        deadline: Option<NaiveDate>,
        progress: u8,
        completed_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> TaskStatus {
        let late = |on: NaiveDate| deadline.is_some_and(|d| on > d);
        if progress >= 100 || completed_on.is_some() {
            return match completed_on {
                Some(on) if late(on) => TaskStatus::DoneLate,
                _ => TaskStatus::DoneOnTime,
            };
        }
        match (progress, late(today)) {
            (0, false) => TaskStatus::NotStarted,
            (0, true) => TaskStatus::NotStartedOverdue,
            (_, false) => TaskStatus::InProgress,
            (_, true) => TaskStatus::InProgressOverdue,
        }
    }

    pub fn is_overdue(self) -> bool {
        matches!(self, Self::NotStartedOverdue | Self::InProgressOverdue)
    }

    pub fn is_done(self) -> bool {
        matches!(self, Self::DoneLate | Self::DoneOnTime)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Self::NotStarted => "Chưa thực hiện",
            Self::NotStartedOverdue => "Chưa thực hiện (quá hạn)",
            Self::InProgress => "Đang thực hiện (trong hạn)",
            Self::InProgressOverdue => "Đang thực hiện (quá hạn)",
            Self::DoneOnTime => "Hoàn thành đúng hạn",
            Self::DoneLate => "Hoàn thành quá hạn",
        }
    }

    /// A short CSS-friendly name.
    pub fn css(self) -> &'static str {
        match self {
            Self::NotStarted => "not-started",
            Self::NotStartedOverdue | Self::InProgressOverdue => "overdue",
            Self::InProgress => "in-progress",
            Self::DoneOnTime => "done",
            Self::DoneLate => "done-late",
        }
    }
}

/// `assignments` with `agency` assigned as `role` (added, or its role and deadline changed).
/// A new lead turns the previous lead into a coordinating agency. The lead stays first.
pub fn assign(
    assignments: &[Assignment],
    agency: &str,
    role: Role,
    deadline: Option<NaiveDate>,
) -> Vec<Assignment> {
    let mut out: Vec<Assignment> = assignments
        .iter()
        .filter(|a| a.agency != agency)
        .cloned()
        .collect();
    if role == Role::Lead {
        for a in &mut out {
            a.role = Role::Coordinating;
        }
    }
    out.push(Assignment {
        agency: AgencyCode::from(agency),
        role,
        deadline,
    });
    sort(&mut out);
    out
}

/// The role the board gives a task dropped on an agency: lead when it has none, else coordinating.
pub fn role_for_drop(assignments: &[Assignment]) -> Role {
    if assignments.iter().any(|a| a.role == Role::Lead) {
        Role::Coordinating
    } else {
        Role::Lead
    }
}

/// How many tasks an agency leads, coordinates, and has overdue (the board's load figures).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Load {
    pub lead: usize,
    pub coordinating: usize,
    pub overdue: usize,
}

/// The load of every agency assigned somewhere in `nodes`, as of `today`.
pub fn loads<'a>(
    nodes: impl IntoIterator<Item = &'a Node>,
    today: NaiveDate,
) -> std::collections::HashMap<AgencyCode, Load> {
    let mut out: std::collections::HashMap<AgencyCode, Load> = std::collections::HashMap::new();
    for n in nodes {
        for a in &n.assignments {
            let l = out.entry(a.agency.clone()).or_default();
            match a.role {
                Role::Lead => l.lead += 1,
                Role::Coordinating => l.coordinating += 1,
            }
            if a.status(n, today).is_overdue() {
                l.overdue += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn status_follows_deadline_progress_and_completion() {
        let deadline = Some(d(2016, 6, 30));
        let before = d(2016, 6, 1);
        let after = d(2016, 7, 1);
        use TaskStatus::*;
        assert_eq!(TaskStatus::of(deadline, 0, None, before), NotStarted);
        assert_eq!(TaskStatus::of(deadline, 0, None, after), NotStartedOverdue);
        assert_eq!(TaskStatus::of(deadline, 40, None, before), InProgress);
        assert_eq!(TaskStatus::of(deadline, 40, None, after), InProgressOverdue);
        // The deadline day itself is still on time.
        assert_eq!(
            TaskStatus::of(deadline, 40, None, d(2016, 6, 30)),
            InProgress
        );
        assert_eq!(
            TaskStatus::of(deadline, 100, Some(d(2016, 6, 30)), after),
            DoneOnTime
        );
        assert_eq!(
            TaskStatus::of(deadline, 100, Some(d(2016, 7, 2)), after),
            DoneLate
        );
        // A completion date counts as done even if progress was not raised to 100.
        assert_eq!(
            TaskStatus::of(deadline, 80, Some(d(2016, 7, 2)), after),
            DoneLate
        );
        assert_eq!(TaskStatus::of(deadline, 100, None, after), DoneOnTime);
        // No deadline: never overdue.
        assert_eq!(TaskStatus::of(None, 10, None, after), InProgress);
        assert_eq!(TaskStatus::of(None, 0, None, after), NotStarted);
        assert!(NotStartedOverdue < InProgress, "overdue sorts first");
        assert_eq!(InProgressOverdue.label_vi(), "Đang thực hiện (quá hạn)");
    }

    #[test]
    fn an_assignment_uses_its_own_deadline_else_the_tasks() {
        let mut task = crate::plan::tests_support::node("t");
        task.deadline = Some(d(2016, 12, 31));
        task.progress = 50;
        let own = Assignment {
            agency: "SYT".into(),
            role: Role::Coordinating,
            deadline: Some(d(2016, 6, 30)),
        };
        let default = Assignment {
            agency: "BDT".into(),
            role: Role::Lead,
            deadline: None,
        };
        let today = d(2016, 8, 1);
        assert_eq!(own.status(&task, today), TaskStatus::InProgressOverdue);
        assert_eq!(default.status(&task, today), TaskStatus::InProgress);
    }

    #[test]
    fn a_new_lead_demotes_the_old_one_and_leads_the_list() {
        let a = assign(&[], "SYT", Role::Lead, None);
        let a = assign(&a, "STC", Role::Coordinating, None);
        assert_eq!(role_for_drop(&a), Role::Coordinating);
        let a = assign(&a, "BDT", Role::Lead, Some(d(2016, 1, 1)));
        let roles: Vec<(&str, Role)> = a.iter().map(|x| (x.agency.as_str(), x.role)).collect();
        assert_eq!(
            roles,
            vec![
                ("BDT", Role::Lead),
                ("SYT", Role::Coordinating),
                ("STC", Role::Coordinating)
            ]
        );
        // Assigning again changes the role in place; no duplicates.
        let a = assign(&a, "STC", Role::Coordinating, Some(d(2017, 1, 1)));
        assert_eq!(a.len(), 3);
        assert_eq!(role_for_drop(&[]), Role::Lead);
    }

    #[test]
    fn loads_count_roles_and_overdue() {
        let mut t1 = crate::plan::tests_support::node("a");
        t1.deadline = Some(d(2016, 1, 1));
        t1.assignments = assign(&[], "BDT", Role::Lead, None);
        t1.assignments = assign(&t1.assignments, "SYT", Role::Coordinating, None);
        let mut t2 = crate::plan::tests_support::node("b");
        t2.assignments = assign(&[], "SYT", Role::Lead, None);
        let l = loads([&t1, &t2], d(2017, 1, 1));
        assert_eq!(
            l["SYT"],
            Load {
                lead: 1,
                coordinating: 1,
                overdue: 1
            }
        );
        assert_eq!(
            l["BDT"],
            Load {
                lead: 1,
                coordinating: 0,
                overdue: 1
            }
        );
    }
}
