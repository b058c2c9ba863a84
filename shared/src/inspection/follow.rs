//! What inspections say of one task, and what an agency still has to do after them: the
//! findings a task's page lists, and the recommendations not yet done, overdue first.

use chrono::NaiveDate;

use crate::actor::Actor;
use crate::ids::{AgencyCode, NodeId};
use crate::inspection::model::{Finding, Recommendation, Standing, Visit};
use crate::inspection::op;
use crate::inspection::{sees_recommendation, sees_visit};
use crate::report::record::Records;

/// The findings on `task` that `actor` sees, with their visits, the latest visit first.
pub fn findings_on<'a>(
    records: &'a Records,
    task: NodeId,
    actor: &Actor,
) -> Vec<(&'a Visit, &'a Finding)> {
    let mut out: Vec<_> = op::visits(records)
        .filter(|v| sees_visit(actor, v))
        .filter_map(|v| {
            op::findings_of(records, v.id)
                .find(|f| f.task == task)
                .map(|f| (v, f))
        })
        .collect();
    out.sort_by(|a, b| b.0.at.cmp(&a.0.at).then(a.0.id.cmp(&b.0.id)));
    out
}

/// The recommendations `actor` sees that are not done and that `wanted` keeps, overdue first,
/// then by due date.
fn open<'a>(
    records: &'a Records,
    actor: &Actor,
    today: NaiveDate,
    wanted: impl Fn(&Recommendation) -> bool,
) -> Vec<&'a Recommendation> {
    let mut out: Vec<&Recommendation> = op::recommendations(records)
        .filter(|r| sees_recommendation(actor, r) && wanted(r))
        .filter(|r| r.standing(today) != Standing::Done)
        .collect();
    out.sort_by_key(|r| (r.standing(today) != Standing::Overdue, r.due, r.id));
    out
}

/// The recommendations about `task` not done yet, overdue first.
pub fn open_on_task<'a>(
    records: &'a Records,
    task: NodeId,
    actor: &Actor,
    today: NaiveDate,
) -> Vec<&'a Recommendation> {
    open(records, actor, today, |r| r.task == Some(task))
}

/// The recommendations made to `agency` not done yet, overdue first: what the agency's list
/// of tasks shows beside its tasks.
pub fn open_for_agency<'a>(
    records: &'a Records,
    agency: &AgencyCode,
    actor: &Actor,
    today: NaiveDate,
) -> Vec<&'a Recommendation> {
    open(records, actor, today, |r| &r.agency == agency)
}
