//! Report rounds' periods (kỳ báo cáo): which data a round covers and when it is due.
//!
//! The data cut-offs are those of Nghị định 09/2019/NĐ-CP (Điều 12): a month from the 15th of
//! the month before to the 14th of the month; a quarter from the 15th of the month before the
//! quarter to the 14th of its last month; the 6-month report from 15/12 of the year before to
//! 14/06; the year's from 15/12 of the year before to 14/12. Ad hoc and thematic reports have
//! no rule: their period is whatever the round says.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::document::{Recurrence, RecurringDeadline};

/// Which report a round asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReportPeriod {
    /// Báo cáo tháng `month` (1–12).
    Month { month: u8 },
    /// Báo cáo quý `quarter` (1–4).
    Quarter { quarter: u8 },
    /// Báo cáo 6 tháng đầu năm.
    HalfYear,
    /// Báo cáo năm.
    Year,
    /// Báo cáo đột xuất.
    AdHoc,
    /// Báo cáo chuyên đề.
    Thematic,
}

/// The days whose data a round covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Days between the agencies' due date and the summary's, when nothing else is said: the
/// standing agency needs a few working days to compile.
pub const SUMMARY_DAYS_AFTER_AGENCIES: u64 = 5;

const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

fn day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The 15th of the month before `month` of `year` (December of the year before for January).
fn fifteenth_before(year: i32, month: u32) -> Option<NaiveDate> {
    if month == 1 {
        day(year - 1, 12, 15)
    } else {
        day(year, month - 1, 15)
    }
}

impl ReportPeriod {
    /// Whether the period is one the decree knows (not ad hoc or thematic) and well formed.
    pub fn is_periodic(self) -> bool {
        match self {
            Self::Month { month } => (1..=12).contains(&month),
            Self::Quarter { quarter } => (1..=4).contains(&quarter),
            Self::HalfYear | Self::Year => true,
            Self::AdHoc | Self::Thematic => false,
        }
    }

    /// The data period of this report for `year`, by Nghị định 09/2019's cut-offs; `None` for
    /// ad hoc and thematic reports (and an impossible month or quarter).
    pub fn data_period(self, year: i32) -> Option<DataPeriod> {
        let (from, to) = match self {
            Self::Month { month } if (1..=12).contains(&month) => {
                let m = u32::from(month);
                (fifteenth_before(year, m)?, day(year, m, 14)?)
            }
            Self::Quarter { quarter } if (1..=4).contains(&quarter) => {
                let last = u32::from(quarter) * 3;
                (fifteenth_before(year, last - 2)?, day(year, last, 14)?)
            }
            Self::HalfYear => (day(year - 1, 12, 15)?, day(year, 6, 14)?),
            Self::Year => (day(year - 1, 12, 15)?, day(year, 12, 14)?),
            _ => return None,
        };
        Some(DataPeriod { from, to })
    }

    /// The round's usual title: "Báo cáo 6 tháng đầu năm 2015", "Báo cáo quý II năm 2015".
    pub fn title_vi(self, year: i32) -> String {
        match self {
            Self::Month { month } => format!("Báo cáo tháng {month} năm {year}"),
            Self::Quarter { quarter } => {
                let roman = ROMAN
                    .get(usize::from(quarter).wrapping_sub(1))
                    .copied()
                    .unwrap_or("?");
                format!("Báo cáo quý {roman} năm {year}")
            }
            Self::HalfYear => format!("Báo cáo 6 tháng đầu năm {year}"),
            Self::Year => format!("Báo cáo năm {year}"),
            Self::AdHoc => format!("Báo cáo đột xuất năm {year}"),
            Self::Thematic => format!("Báo cáo chuyên đề năm {year}"),
        }
    }

    /// When the agencies' reports are due by default: the plan's own recurring day that falls
    /// after the cut-off and within a month of it ("trước ngày 15/6 và 15/12 hằng năm": 15/06
    /// for the 6-month report), else the day after the cut-off (the 15th). `None` for ad hoc
    /// and thematic reports, whose due date the round must give.
    pub fn default_due(
        self,
        year: i32,
        plan_days: Option<&RecurringDeadline>,
    ) -> Option<NaiveDate> {
        let cutoff = self.data_period(year)?.to;
        plan_days
            .and_then(|r| own_due(cutoff, r))
            .or_else(|| cutoff.succ_opt())
    }
}

/// The first of the plan's recurring days after `cutoff` and within a month of it (in the
/// cut-off's year, or in January after a December cut-off).
fn own_due(cutoff: NaiveDate, plan_days: &RecurringDeadline) -> Option<NaiveDate> {
    plan_days.days.iter().find_map(|d| {
        [cutoff.year(), cutoff.year() + 1]
            .into_iter()
            .filter_map(|y| day(y, u32::from(d.month), u32::from(d.day)))
            .find(|due| *due > cutoff && (*due - cutoff).num_days() <= 31)
    })
}

/// The summary's default due date: [`SUMMARY_DAYS_AFTER_AGENCIES`] after the agencies'.
pub fn default_summary_due(agencies_due: NaiveDate) -> Option<NaiveDate> {
    agencies_due.checked_add_days(chrono::Days::new(SUMMARY_DAYS_AFTER_AGENCIES))
}

/// The rounds a plan's recurring reporting deadline asks for in `years`, in order: for each
/// named day, the periodic report whose cut-off it follows (15/6: the 6-month report; 15/12:
/// the year's); with no day named, the reports of the recurrence (every quarter, every half
/// year: the 6-month and the year's, every year: the year's) due the day after their cut-off.
pub fn schedule(
    plan_days: &RecurringDeadline,
    years: std::ops::RangeInclusive<i32>,
) -> Vec<(ReportPeriod, i32, NaiveDate)> {
    let named = !plan_days.days.is_empty();
    let candidates: Vec<ReportPeriod> = match plan_days.every {
        Recurrence::Month => (1..=12)
            .map(|month| ReportPeriod::Month { month })
            .collect(),
        Recurrence::Quarter => (1..=4)
            .map(|quarter| ReportPeriod::Quarter { quarter })
            .collect(),
        Recurrence::Year if !named => vec![ReportPeriod::Year],
        Recurrence::HalfYear | Recurrence::Year => vec![ReportPeriod::HalfYear, ReportPeriod::Year],
    };
    let mut out = Vec::new();
    for year in years {
        for period in &candidates {
            let Some(cutoff) = period.data_period(year).map(|p| p.to) else {
                continue;
            };
            // With named days, only the periods one of them follows.
            let due = if named {
                own_due(cutoff, plan_days)
            } else {
                cutoff.succ_opt()
            };
            if let Some(due) = due {
                out.push((*period, year, due));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::DayOfYear;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a day")
    }

    fn period(from: NaiveDate, to: NaiveDate) -> Option<DataPeriod> {
        Some(DataPeriod { from, to })
    }

    #[test]
    fn cut_offs_follow_the_decree_across_year_boundaries() {
        assert_eq!(
            ReportPeriod::HalfYear.data_period(2015),
            period(d(2014, 12, 15), d(2015, 6, 14))
        );
        assert_eq!(
            ReportPeriod::Year.data_period(2015),
            period(d(2014, 12, 15), d(2015, 12, 14))
        );
        assert_eq!(
            ReportPeriod::Quarter { quarter: 1 }.data_period(2016),
            period(d(2015, 12, 15), d(2016, 3, 14))
        );
        assert_eq!(
            ReportPeriod::Quarter { quarter: 4 }.data_period(2016),
            period(d(2016, 9, 15), d(2016, 12, 14))
        );
        assert_eq!(
            ReportPeriod::Month { month: 1 }.data_period(2016),
            period(d(2015, 12, 15), d(2016, 1, 14))
        );
        assert_eq!(
            ReportPeriod::Month { month: 3 }.data_period(2016),
            period(d(2016, 2, 15), d(2016, 3, 14))
        );
        assert_eq!(ReportPeriod::Month { month: 13 }.data_period(2016), None);
        assert_eq!(ReportPeriod::Quarter { quarter: 0 }.data_period(2016), None);
        assert_eq!(ReportPeriod::AdHoc.data_period(2016), None);
        assert!(!ReportPeriod::Thematic.is_periodic());
        assert!(ReportPeriod::Quarter { quarter: 4 }.is_periodic());
    }

    #[test]
    fn every_month_and_quarter_follows_the_one_before_without_a_gap() {
        for year in [2014, 2015, 2016, 2024, 2025] {
            let months: Vec<DataPeriod> = (1..=12)
                .filter_map(|month| ReportPeriod::Month { month }.data_period(year))
                .collect();
            let quarters: Vec<DataPeriod> = (1..=4)
                .filter_map(|quarter| ReportPeriod::Quarter { quarter }.data_period(year))
                .collect();
            for list in [&months, &quarters] {
                for pair in list.windows(2) {
                    assert_eq!(pair[0].to.succ_opt(), Some(pair[1].from), "{year}");
                }
                let year_period = ReportPeriod::Year.data_period(year).expect("a year");
                assert_eq!(list.first().map(|p| p.from), Some(year_period.from));
                assert_eq!(list.last().map(|p| p.to), Some(year_period.to));
            }
        }
    }

    #[test]
    fn titles_read_as_officials_write_them() {
        assert_eq!(
            ReportPeriod::HalfYear.title_vi(2015),
            "Báo cáo 6 tháng đầu năm 2015"
        );
        assert_eq!(ReportPeriod::Year.title_vi(2015), "Báo cáo năm 2015");
        assert_eq!(
            ReportPeriod::Quarter { quarter: 2 }.title_vi(2015),
            "Báo cáo quý II năm 2015"
        );
        assert_eq!(
            ReportPeriod::Month { month: 3 }.title_vi(2015),
            "Báo cáo tháng 3 năm 2015"
        );
    }

    fn plan_52() -> RecurringDeadline {
        RecurringDeadline {
            every: Recurrence::Year,
            days: vec![
                DayOfYear { day: 15, month: 6 },
                DayOfYear { day: 15, month: 12 },
            ],
            text: "trước ngày 15/6 và 15/12 hằng năm".into(),
        }
    }

    #[test]
    fn due_dates_come_from_the_plan_or_follow_the_cut_off() {
        let own = plan_52();
        assert_eq!(
            ReportPeriod::HalfYear.default_due(2015, Some(&own)),
            Some(d(2015, 6, 15))
        );
        assert_eq!(
            ReportPeriod::Year.default_due(2015, Some(&own)),
            Some(d(2015, 12, 15))
        );
        let later = RecurringDeadline {
            every: Recurrence::Year,
            days: vec![DayOfYear { day: 5, month: 1 }],
            text: "trước ngày 05/01 hằng năm".into(),
        };
        assert_eq!(
            ReportPeriod::Year.default_due(2015, Some(&later)),
            Some(d(2016, 1, 5)),
            "a January day follows a December cut-off"
        );
        assert_eq!(
            ReportPeriod::Quarter { quarter: 3 }.default_due(2015, None),
            Some(d(2015, 9, 15))
        );
        assert_eq!(ReportPeriod::AdHoc.default_due(2015, Some(&own)), None);
        assert_eq!(default_summary_due(d(2015, 6, 15)), Some(d(2015, 6, 20)));
    }

    #[test]
    fn a_plans_reporting_days_become_a_schedule_of_rounds() {
        let rounds = schedule(&plan_52(), 2015..=2016);
        assert_eq!(
            rounds,
            [
                (ReportPeriod::HalfYear, 2015, d(2015, 6, 15)),
                (ReportPeriod::Year, 2015, d(2015, 12, 15)),
                (ReportPeriod::HalfYear, 2016, d(2016, 6, 15)),
                (ReportPeriod::Year, 2016, d(2016, 12, 15)),
            ]
        );
        let yearly = RecurringDeadline {
            every: Recurrence::Year,
            days: vec![DayOfYear { day: 15, month: 12 }],
            text: "trước ngày 15/12 hằng năm".into(),
        };
        assert_eq!(
            schedule(&yearly, 2015..=2015),
            [(ReportPeriod::Year, 2015, d(2015, 12, 15))]
        );
        let quarterly = RecurringDeadline {
            every: Recurrence::Quarter,
            days: vec![],
            text: "hằng quý".into(),
        };
        let q = schedule(&quarterly, 2015..=2015);
        assert_eq!(q.len(), 4);
        assert_eq!(
            q[3],
            (ReportPeriod::Quarter { quarter: 4 }, 2015, d(2015, 12, 15))
        );
    }
}
