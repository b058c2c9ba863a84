//! What the report pages ask of a plan's records, answered purely: the rounds, an agency's
//! report and the tasks it reports on, who must report by default, where each agency stands,
//! and the form that opens a round.

use crate::assignment::Role;
use crate::document::RecurringDeadline;
use crate::ids::{AgencyCode, NodeId, RecordId};
use crate::registry::Agency;
use crate::report::completeness::{Completeness, Standing};
use crate::report::period::{DataPeriod, ReportPeriod, default_summary_due};
use crate::report::record::*;
use crate::text::{fold, format_date};
use crate::validate::{self, ValidationError};
use chrono::NaiveDate;

/// The plan's rounds, the latest data period first.
pub fn rounds(records: &Records) -> Vec<&Round> {
    let mut out: Vec<&Round> = records
        .values()
        .filter_map(|r| match r {
            Record::Round(r) => Some(r),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| (b.data.to, &b.title, b.id).cmp(&(a.data.to, &a.title, a.id)));
    out
}

/// A round of the plan.
pub fn round(records: &Records, id: RecordId) -> Option<&Round> {
    match records.get(&RecordKey::Round(id)) {
        Some(Record::Round(r)) => Some(r),
        _ => None,
    }
}

/// An agency's report for a round, when it has one.
pub fn report<'a>(records: &'a Records, round: RecordId, agency: &str) -> Option<&'a AgencyReport> {
    match records.get(&RecordKey::Report {
        round,
        agency: agency.into(),
    }) {
        Some(Record::Report(r)) => Some(r),
        _ => None,
    }
}

/// What the agency wrote about a task in a round, when it wrote anything.
pub fn entry<'a>(
    records: &'a Records,
    round: RecordId,
    agency: &str,
    node: NodeId,
) -> Option<&'a Entry> {
    match records.get(&RecordKey::Entry {
        round,
        agency: agency.into(),
        node,
    }) {
        Some(Record::Entry(e)) => Some(e),
        _ => None,
    }
}

/// A task an agency reports on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTask {
    pub node: NodeId,
    /// Its part in the task: `None` for a sub-task the agency added itself.
    pub role: Option<Role>,
}

/// The tasks `agency` reports on, in the plan's order: those it was given (lead or
/// coordinating), each followed by the sub-tasks it added under it.
pub fn tasks_of(plan: &impl PlanView, agency: &str) -> Vec<ReportTask> {
    let mut out = Vec::new();
    for n in plan.in_order() {
        if let Some(a) = n.assignment(agency) {
            out.push(ReportTask {
                node: n.id,
                role: Some(a.role),
            });
        } else if n.owner.as_deref() == Some(agency) {
            out.push(ReportTask {
                node: n.id,
                role: None,
            });
        }
    }
    out
}

/// The agency that answers for `code` on `on`: itself while in office, else its successor
/// (the 2025 mergers), followed as far as it goes.
pub fn in_office(agencies: &[Agency], code: &AgencyCode, on: NaiveDate) -> AgencyCode {
    let mut current = code.clone();
    for _ in 0..8 {
        let Some(a) = agencies.iter().find(|a| a.code == current) else {
            break;
        };
        match (&a.successor, a.valid_to) {
            (Some(next), Some(to)) if to < on => current = next.clone(),
            _ => break,
        }
    }
    current
}

/// Who must report by default: every agency with a lead or coordinating task in the plan, in
/// the plan's order, each as the registry has it on `on` (a merged agency's successor).
pub fn default_required(
    plan: &impl PlanView,
    agencies: &[Agency],
    on: NaiveDate,
) -> Vec<AgencyCode> {
    let mut out: Vec<AgencyCode> = Vec::new();
    for n in plan.in_order() {
        for a in &n.assignments {
            let code = in_office(agencies, &a.agency, on);
            if !out.contains(&code) {
                out.push(code);
            }
        }
    }
    out
}

/// The plan's recurring reporting deadline ("trước ngày 15/6 và 15/12 hằng năm"): the first
/// recurring deadline of a task that speaks of reporting, else the first one at all.
pub fn reporting_days(plan: &impl PlanView) -> Option<&RecurringDeadline> {
    let mut first = None;
    for n in plan.in_order() {
        if let Some(r) = &n.recurring_deadline {
            let text = fold(&format!(
                "{} {}",
                n.title,
                n.body.as_deref().unwrap_or_default()
            ));
            if text.contains("bao cao") {
                return Some(r);
            }
            first = first.or(Some(r));
        }
    }
    first
}

/// One agency's line in a round's completeness view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyLine {
    pub agency: AgencyCode,
    /// Asked to report by the round (an agency not asked may still have sent one).
    pub required: bool,
    pub standing: Standing,
    pub report: Option<AgencyReport>,
}

/// Where every required agency (and any other that reported) stands on `today`, in the round's
/// order, with the round's counts.
pub fn completeness(
    round: &Round,
    records: &Records,
    today: NaiveDate,
) -> (Vec<AgencyLine>, Completeness) {
    let mut lines: Vec<AgencyLine> = round
        .required
        .iter()
        .map(|a| {
            let r = report(records, round.id, a).cloned();
            AgencyLine {
                agency: a.clone(),
                required: true,
                standing: Standing::of(
                    round.due,
                    r.as_ref().map(|r| r.state),
                    r.as_ref().and_then(|r| r.first_sent_on),
                    today,
                ),
                report: r,
            }
        })
        .collect();
    for r in records.values() {
        if let Record::Report(r) = r
            && r.round == round.id
            && !round.required.contains(&r.agency)
        {
            lines.push(AgencyLine {
                agency: r.agency.clone(),
                required: false,
                standing: Standing::of(round.due, Some(r.state), r.first_sent_on, today),
                report: Some(r.clone()),
            });
        }
    }
    let counts = Completeness::of(lines.iter().filter(|l| l.required).map(|l| l.standing));
    (lines, counts)
}

/// The required agencies a reminder letter goes to on `today`: those that have not sent by the
/// due date, or must send again.
pub fn to_remind(round: &Round, records: &Records, today: NaiveDate) -> Vec<AgencyLine> {
    completeness(round, records, today)
        .0
        .into_iter()
        .filter(|l| l.required && l.standing.needs_reminder())
        .collect()
}

/// Why a round's form cannot open the round. Display is the Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundDraftError {
    #[error("{field}: {error}")]
    Date {
        field: &'static str,
        error: ValidationError,
    },
    #[error("Tên kỳ báo cáo: {0}")]
    Title(ValidationError),
    #[error("Thời gian lấy số liệu: từ ngày phải trước hoặc bằng đến ngày.")]
    PeriodBackwards,
    #[error("Chọn ít nhất một đơn vị phải báo cáo.")]
    NoAgencies,
}

/// The form that opens a round, as typed: dates as dd/mm/yyyy text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundDraft {
    pub period: ReportPeriod,
    pub year: i32,
    pub title: String,
    pub from: String,
    pub to: String,
    pub due: String,
    pub summary_due: String,
    pub required: Vec<AgencyCode>,
}

impl RoundDraft {
    /// The form for `period` of `year`, filled with the usual title and, for periodic reports,
    /// the data period by Nghị định 09/2019 and the due dates from the plan's own reporting days.
    pub fn new(
        period: ReportPeriod,
        year: i32,
        plan_days: Option<&RecurringDeadline>,
        required: Vec<AgencyCode>,
    ) -> Self {
        let data = period.data_period(year);
        let due = period.default_due(year, plan_days);
        let text = |d: Option<NaiveDate>| d.map(format_date).unwrap_or_default();
        Self {
            period,
            year,
            title: period.title_vi(year),
            from: text(data.map(|d| d.from)),
            to: text(data.map(|d| d.to)),
            due: text(due),
            summary_due: text(due.and_then(default_summary_due)),
            required,
        }
    }

    /// The round the form describes, under `id`.
    ///
    /// # Errors
    /// An unreadable date (saying which), a period running backwards, an empty title, no agency.
    pub fn round(&self, id: RecordId) -> Result<Round, RoundDraftError> {
        let date = |field: &'static str, text: &str| {
            validate::date(text).map_err(|error| RoundDraftError::Date { field, error })
        };
        let data = DataPeriod {
            from: date("Từ ngày", &self.from)?,
            to: date("Đến ngày", &self.to)?,
        };
        if data.from > data.to {
            return Err(RoundDraftError::PeriodBackwards);
        }
        let due = date("Hạn gửi báo cáo", &self.due)?;
        let summary_due = if self.summary_due.trim().is_empty() {
            default_summary_due(due).unwrap_or(due)
        } else {
            date("Hạn báo cáo tổng hợp", &self.summary_due)?
        };
        if self.required.is_empty() {
            return Err(RoundDraftError::NoAgencies);
        }
        Ok(Round {
            id,
            period: self.period,
            year: self.year,
            title: validate::title(&self.title).map_err(RoundDraftError::Title)?,
            data,
            due,
            summary_due,
            required: self.required.clone(),
        })
    }
}

/// Most years one schedule may open rounds for.
pub const SCHEDULE_MAX_YEARS: i32 = 20;

/// The rounds the plan's reporting days (`reporting_days`) ask for in `years` that the plan does
/// not have yet (same kind and year), each filled as the round form fills it (title, data period,
/// due dates, the agencies with tasks then); ids from `new_id`. Empty when the plan names no
/// reporting days; at most [`SCHEDULE_MAX_YEARS`] years.
pub fn scheduled_rounds(
    plan: &impl PlanView,
    agencies: &[Agency],
    years: std::ops::RangeInclusive<i32>,
    mut new_id: impl FnMut() -> RecordId,
) -> Vec<Round> {
    let Some(days) = reporting_days(plan) else {
        return Vec::new();
    };
    let start = *years.start();
    let end = (*years.end()).min(start.saturating_add(SCHEDULE_MAX_YEARS - 1));
    let existing: Vec<(ReportPeriod, i32)> = rounds(plan.records())
        .iter()
        .map(|r| (r.period, r.year))
        .collect();
    crate::report::period::schedule(days, start..=end)
        .into_iter()
        .filter(|(period, year, _)| !existing.contains(&(*period, *year)))
        .filter_map(|(period, year, _)| {
            let on = period.data_period(year)?.to;
            let required = default_required(plan, agencies, on);
            RoundDraft::new(period, year, Some(days), required)
                .round(new_id())
                .ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::Assignment;
    use crate::ids::PlanId;
    use crate::plan::Node;
    use crate::plan_state::PlanState;
    use crate::registry::AgencyGroup;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn node(n: u8, parent: Option<u8>, assigned: &[(&str, Role)], owner: Option<&str>) -> Node {
        Node {
            id: NodeId::from_parts(1, [n; 10]),
            plan_id: PlanId::from_parts(1, [0; 10]),
            parent: parent.map(|p| NodeId::from_parts(1, [p; 10])),
            rank: crate::rank::Rank::sequence(1).remove(0),
            label: n.to_string(),
            kind: crate::document::NodeKind::Task,
            title: format!("Nhiệm vụ {n}"),
            body: None,
            deadline: None,
            recurring_deadline: None,
            references: Vec::new(),
            progress: 0,
            completed_on: None,
            assignments: assigned
                .iter()
                .map(|(a, role)| Assignment {
                    agency: (*a).into(),
                    role: *role,
                    deadline: None,
                })
                .collect(),
            owner: owner.map(AgencyCode::from),
        }
    }

    fn agency(code: &str, successor: Option<&str>, valid_to: Option<NaiveDate>) -> Agency {
        Agency {
            code: code.into(),
            name: code.into(),
            group: AgencyGroup::Department,
            role_note: None,
            successor: successor.map(AgencyCode::from),
            successor_note: None,
            valid_from: None,
            valid_to,
        }
    }

    fn plan() -> PlanState {
        PlanState::new(
            PlanId::from_parts(1, [0; 10]),
            [
                node(
                    1,
                    None,
                    &[("SLDTBXH", Role::Lead), ("SYT", Role::Coordinating)],
                    None,
                ),
                node(2, Some(1), &[], Some("SLDTBXH")),
                node(3, None, &[("SYT", Role::Lead)], None),
            ],
        )
    }

    #[test]
    fn an_agency_reports_on_its_tasks_then_its_own_sub_tasks_in_plan_order() {
        let tasks = tasks_of(&plan(), "SLDTBXH");
        let ids: Vec<(NodeId, Option<Role>)> = tasks.iter().map(|t| (t.node, t.role)).collect();
        assert_eq!(
            ids,
            [
                (NodeId::from_parts(1, [1; 10]), Some(Role::Lead)),
                (NodeId::from_parts(1, [2; 10]), None),
            ]
        );
        assert_eq!(tasks_of(&plan(), "SYT").len(), 2);
    }

    #[test]
    fn the_agencies_asked_by_default_are_those_in_office_on_the_rounds_date() {
        // Sở Lao động merged into Sở Nội vụ on 01/03/2025.
        let registry = [
            agency("SLDTBXH", Some("SNV"), Some(d(2025, 2, 28))),
            agency("SYT", None, None),
            agency("SNV", None, None),
        ];
        let codes = |on| default_required(&plan(), &registry, on);
        assert_eq!(codes(d(2015, 6, 14)), ["SLDTBXH", "SYT"]);
        assert_eq!(codes(d(2025, 6, 14)), ["SNV", "SYT"]);
    }

    #[test]
    fn the_round_form_fills_the_six_month_report_from_the_plans_days() {
        let days = crate::dates::find_recurring("trước ngày 15/6 và 15/12 hằng năm");
        let draft = RoundDraft::new(
            ReportPeriod::HalfYear,
            2015,
            days.as_ref(),
            vec!["SYT".into()],
        );
        assert_eq!(draft.title, "Báo cáo 6 tháng đầu năm 2015");
        assert_eq!(
            (draft.from.as_str(), draft.to.as_str()),
            ("15/12/2014", "14/06/2015")
        );
        assert_eq!(
            (draft.due.as_str(), draft.summary_due.as_str()),
            ("15/06/2015", "20/06/2015")
        );
        let id = RecordId::from_parts(1, [1; 10]);
        let round = draft.round(id).expect("round");
        assert_eq!(round.due, d(2015, 6, 15));
        let mut bad = draft.clone();
        bad.due = "31/02/2015".into();
        assert_eq!(
            bad.round(id).map_err(|e| e.to_string()),
            Err(
                "Hạn gửi báo cáo: Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 30/06/2016."
                    .into()
            )
        );
        bad = draft.clone();
        bad.required.clear();
        assert_eq!(bad.round(id), Err(RoundDraftError::NoAgencies));
        // Ad hoc reports have no decree period: the form asks for the dates.
        let adhoc = RoundDraft::new(ReportPeriod::AdHoc, 2015, None, vec!["SYT".into()]);
        assert!(adhoc.from.is_empty() && adhoc.due.is_empty());
    }

    #[test]
    fn completeness_lists_required_agencies_first_and_counts_only_them() {
        let round = RoundDraft::new(
            ReportPeriod::HalfYear,
            2015,
            None,
            vec!["SYT".into(), "STC".into()],
        )
        .round(RecordId::from_parts(1, [1; 10]))
        .expect("round");
        let mut records = Records::new();
        let mut sent = AgencyReport::draft(round.id, "SYT".into());
        sent.state = crate::report::ReportState::Sent;
        sent.first_sent_on = Some(d(2015, 6, 18));
        let mut other = AgencyReport::draft(round.id, "SGD".into());
        other.state = crate::report::ReportState::Sent;
        other.first_sent_on = Some(d(2015, 6, 1));
        for r in [sent, other] {
            let r = Record::Report(r);
            records.insert(r.key(), r);
        }
        let (lines, counts) = completeness(&round, &records, d(2015, 6, 20));
        let shown: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| (l.agency.as_str(), l.standing.label_vi()))
            .collect();
        assert_eq!(
            shown,
            [
                ("SYT", "Gửi muộn"),
                ("STC", "Chưa gửi (quá hạn)"),
                ("SGD", "Đã gửi đúng hạn")
            ]
        );
        assert_eq!(counts.required, 2);
        assert_eq!(counts.sent_percent(), 50);
    }

    #[test]
    fn a_schedule_opens_the_rounds_the_plans_reporting_days_ask_for_once() {
        let mut task = node(1, None, &[("SYT", Role::Lead)], None);
        task.title = "Báo cáo kết quả thực hiện".into();
        task.recurring_deadline = crate::dates::find_recurring("trước ngày 15/6 và 15/12 hằng năm");
        let state = PlanState::new(PlanId::from_parts(1, [0; 10]), [task]);
        let mut n = 0;
        let mut next = || {
            n += 1;
            RecordId::from_parts(9, [n; 10])
        };
        let made = scheduled_rounds(&state, &[], 2015..=2016, &mut next);
        let shown: Vec<(&str, NaiveDate)> =
            made.iter().map(|r| (r.title.as_str(), r.due)).collect();
        assert_eq!(
            shown,
            [
                ("Báo cáo 6 tháng đầu năm 2015", d(2015, 6, 15)),
                ("Báo cáo năm 2015", d(2015, 12, 15)),
                ("Báo cáo 6 tháng đầu năm 2016", d(2016, 6, 15)),
                ("Báo cáo năm 2016", d(2016, 12, 15)),
            ]
        );
        assert!(made.iter().all(|r| r.required == ["SYT"]));
        // Scheduling again opens only what is missing.
        let state = state.with_records([Record::Round(made[0].clone())]);
        assert_eq!(
            scheduled_rounds(&state, &[], 2015..=2016, &mut next).len(),
            3
        );
        // A plan with no reporting days schedules nothing; a century is cut to twenty years.
        assert!(scheduled_rounds(&plan(), &[], 2015..=2016, &mut next).is_empty());
        assert_eq!(
            scheduled_rounds(&state, &[], 2015..=2114, &mut next).len(),
            2 * SCHEDULE_MAX_YEARS as usize - 1
        );
    }
}
