//! Where each agency's report of a round stands (tình hình báo cáo), and the counts the
//! standing agency follows: who has not sent, who sent on time or late, whose report was
//! returned, whose was accepted.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The states of an agency's report: dự thảo → đã gửi → trả lại (back to the agency, with the
/// reason) → đã tiếp nhận.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    Sent,
    Returned,
    Accepted,
}

/// Whether a report arrived by its due date: judged by the first time it was sent (a report
/// returned for corrections and sent again keeps the timeliness of its first sending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    OnTime,
    Late,
}

/// When the agency's report first went: on or before `due` is on time, after it late.
pub fn timeliness(due: NaiveDate, first_sent_on: NaiveDate) -> Timeliness {
    if first_sent_on <= due {
        Timeliness::OnTime
    } else {
        Timeliness::Late
    }
}

/// One required agency's line in the completeness view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Chưa gửi (nothing, or a draft); `overdue` once the due date has passed.
    NotSent { overdue: bool },
    /// Đã gửi, waiting for the standing agency.
    Sent(Timeliness),
    /// Bị trả lại: back with the agency.
    Returned(Timeliness),
    /// Đã tiếp nhận.
    Accepted(Timeliness),
}

impl Standing {
    /// Where an agency's report stands on `today`: `state` is `None` when it has none.
    pub fn of(
        due: NaiveDate,
        state: Option<ReportState>,
        first_sent_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Self {
        let sent = first_sent_on.map(|d| timeliness(due, d));
        match (state, sent) {
            (Some(ReportState::Sent), Some(t)) => Self::Sent(t),
            (Some(ReportState::Returned), Some(t)) => Self::Returned(t),
            (Some(ReportState::Accepted), Some(t)) => Self::Accepted(t),
            // A draft, nothing, or a state without a sending date (not possible through the
            // rules that change it): not sent.
            _ => Self::NotSent {
                overdue: today > due,
            },
        }
    }

    /// Its words: "Chưa gửi (quá hạn)", "Đã gửi đúng hạn", "Gửi muộn", "Bị trả lại", "Đã tiếp
    /// nhận (gửi muộn)".
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::NotSent { overdue: false } => "Chưa gửi",
            Self::NotSent { overdue: true } => "Chưa gửi (quá hạn)",
            Self::Sent(Timeliness::OnTime) => "Đã gửi đúng hạn",
            Self::Sent(Timeliness::Late) => "Gửi muộn",
            Self::Returned(_) => "Bị trả lại",
            Self::Accepted(Timeliness::OnTime) => "Đã tiếp nhận",
            Self::Accepted(Timeliness::Late) => "Đã tiếp nhận (gửi muộn)",
        }
    }

    /// Whether a reminder (đôn đốc) should go to the agency: nothing sent, or sent back to it.
    pub fn needs_reminder(self) -> bool {
        matches!(self, Self::NotSent { .. } | Self::Returned(_))
    }
}

/// A round's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completeness {
    /// Agencies that must report.
    pub required: usize,
    pub not_sent: usize,
    /// Of those not sent, past the due date.
    pub overdue: usize,
    /// Sent (waiting, returned or accepted), by first sending.
    pub on_time: usize,
    pub late: usize,
    pub returned: usize,
    pub accepted: usize,
}

impl Completeness {
    /// The counts of `standings` (one per required agency).
    pub fn of(standings: impl IntoIterator<Item = Standing>) -> Self {
        let mut c = Self::default();
        for s in standings {
            c.required += 1;
            let t = match s {
                Standing::NotSent { overdue } => {
                    c.not_sent += 1;
                    c.overdue += usize::from(overdue);
                    continue;
                }
                Standing::Sent(t) => t,
                Standing::Returned(t) => {
                    c.returned += 1;
                    t
                }
                Standing::Accepted(t) => {
                    c.accepted += 1;
                    t
                }
            };
            match t {
                Timeliness::OnTime => c.on_time += 1,
                Timeliness::Late => c.late += 1,
            }
        }
        c
    }

    /// Agencies that sent (whatever happened to the report since).
    pub fn sent(&self) -> usize {
        self.on_time + self.late
    }

    /// Sent reports waiting for the standing agency: neither returned nor accepted yet.
    pub fn waiting(&self) -> usize {
        self.sent().saturating_sub(self.returned + self.accepted)
    }

    /// Agencies that have not sent, before the due date.
    pub fn not_yet_due(&self) -> usize {
        self.not_sent.saturating_sub(self.overdue)
    }

    /// Agencies that sent, in whole percent of those required (rounded down, so 100 means all).
    pub fn sent_percent(&self) -> u8 {
        percent(self.sent(), self.required)
    }

    /// Agencies that sent by the due date, in whole percent of those required.
    pub fn on_time_percent(&self) -> u8 {
        percent(self.on_time, self.required)
    }
}

fn percent(part: usize, whole: usize) -> u8 {
    if whole == 0 {
        return 0;
    }
    u8::try_from(part.min(whole) * 100 / whole).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2015, m, day).expect("a day")
    }

    #[test]
    fn the_due_day_itself_is_on_time() {
        assert_eq!(timeliness(d(6, 15), d(6, 15)), Timeliness::OnTime);
        assert_eq!(timeliness(d(6, 15), d(6, 16)), Timeliness::Late);
        assert_eq!(timeliness(d(6, 15), d(1, 2)), Timeliness::OnTime);
    }

    #[test]
    fn each_state_stands_where_an_official_expects() {
        let due = d(6, 15);
        let today = d(6, 20);
        let of = |state, sent| Standing::of(due, state, sent, today);
        assert_eq!(of(None, None), Standing::NotSent { overdue: true });
        assert_eq!(
            Standing::of(due, Some(ReportState::Draft), None, d(6, 15)),
            Standing::NotSent { overdue: false }
        );
        assert_eq!(
            of(Some(ReportState::Sent), Some(d(6, 14))),
            Standing::Sent(Timeliness::OnTime)
        );
        assert_eq!(
            of(Some(ReportState::Sent), Some(d(6, 18))).label_vi(),
            "Gửi muộn"
        );
        // Returned, then sent again after the due date: its first sending counts.
        assert_eq!(
            of(Some(ReportState::Accepted), Some(d(6, 10))),
            Standing::Accepted(Timeliness::OnTime)
        );
        assert!(of(Some(ReportState::Returned), Some(d(6, 10))).needs_reminder());
        assert!(of(None, None).needs_reminder());
        assert!(!of(Some(ReportState::Sent), Some(d(6, 10))).needs_reminder());
        assert_eq!(
            of(Some(ReportState::Accepted), Some(d(6, 17))).label_vi(),
            "Đã tiếp nhận (gửi muộn)"
        );
    }

    #[test]
    fn counts_and_percentages_of_a_round() {
        let c = Completeness::of([
            Standing::NotSent { overdue: true },
            Standing::NotSent { overdue: false },
            Standing::Sent(Timeliness::OnTime),
            Standing::Returned(Timeliness::Late),
            Standing::Accepted(Timeliness::OnTime),
            Standing::Accepted(Timeliness::Late),
        ]);
        assert_eq!(
            c,
            Completeness {
                required: 6,
                not_sent: 2,
                overdue: 1,
                on_time: 2,
                late: 2,
                returned: 1,
                accepted: 2,
            }
        );
        assert_eq!(c.sent_percent(), 66);
        assert_eq!(c.on_time_percent(), 33);
        assert_eq!(Completeness::of([]).sent_percent(), 0);
        assert_eq!(
            Completeness::of([Standing::Sent(Timeliness::Late)]).sent_percent(),
            100
        );
    }
}
