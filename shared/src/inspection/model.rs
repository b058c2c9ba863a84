//! An inspection's records and their rules: a round (đợt kiểm tra) with its team, places and
//! scope; visits (phiếu kiểm tra) with the findings per task; recommendations (kiến nghị) that
//! the responsible agency answers. Pure: today's date is passed in.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::ids::{AgencyCode, NodeId, RecordId};
use crate::registry::{AdminUnit, UnitLevel};

/// Most places a round plans to visit.
pub const PLACES_MAX: usize = 200;
/// Most members of a team, its leader included.
pub const TEAM_MAX: usize = 30;
/// Most tasks and agencies a round's scope names.
pub const SCOPE_MAX: usize = 500;
/// Longest free text (findings, a reason, a recommendation, a note), in characters.
pub const TEXT_MAX_CHARS: usize = 10_000;
/// Longest short text (a title, a village, a document number, a name), in characters.
pub const SHORT_MAX_CHARS: usize = 300;

/// A place to visit: a commune (or, before 01/07/2025, a district) of the registry, and the
/// village (thôn, bản) if the visit is to one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Place {
    /// `registry::AdminUnit::id`.
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
}

/// Đợt kiểm tra.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionRound {
    pub id: RecordId,
    pub title: String,
    /// The deciding document (quyết định kiểm tra): its number and date.
    #[serde(default)]
    pub decision_number: Option<String>,
    #[serde(default)]
    pub decision_date: Option<NaiveDate>,
    /// Trưởng đoàn (a user name).
    pub leader: String,
    /// Thành viên (user names), the leader not repeated.
    #[serde(default)]
    pub members: Vec<String>,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    #[serde(default)]
    pub places: Vec<Place>,
    /// The tasks to check.
    #[serde(default)]
    pub tasks: Vec<NodeId>,
    /// The agencies to check.
    #[serde(default)]
    pub agencies: Vec<AgencyCode>,
}

impl InspectionRound {
    /// Whether `username` is on the team.
    pub fn on_team(&self, username: &str) -> bool {
        self.leader == username || self.members.iter().any(|m| m == username)
    }
}

/// Who was inspected: an agency, or a commune's people's committee (UBND xã).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inspected {
    Agency(AgencyCode),
    Commune(String),
}

/// Where the tablet was when the visit was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// A fix from the Geolocation API: degrees × 10⁶, accuracy in metres.
    Fix {
        lat_e6: i32,
        lon_e6: i32,
        accuracy_m: u32,
    },
    /// No fix could be had (the user said so, or retried in vain).
    Unavailable,
}

impl Position {
    /// Checks a fix is on Earth (and in Vietnam's hemisphere quarter, where every commune is).
    pub fn check(&self) -> Result<(), InspectionError> {
        match *self {
            Position::Fix { lat_e6, lon_e6, .. }
                if !(0..=90_000_000).contains(&lat_e6) || !(0..=180_000_000).contains(&lon_e6) =>
            {
                Err(InspectionError::BadPosition)
            }
            _ => Ok(()),
        }
    }
}

/// Phiếu kiểm tra: one visit of a round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub id: RecordId,
    pub round: RecordId,
    pub place: Place,
    /// Local time (Vietnam) of the visit.
    pub at: NaiveDateTime,
    pub inspected: Inspected,
    /// The people met (names and positions, as written).
    #[serde(default)]
    pub met: Vec<String>,
    pub position: Position,
}

/// Đánh giá of a task at a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Met,
    PartlyMet,
    NotMet,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Met, Rating::PartlyMet, Rating::NotMet];

    pub fn label_vi(self) -> &'static str {
        match self {
            Rating::Met => "Đạt",
            Rating::PartlyMet => "Đạt một phần",
            Rating::NotMet => "Chưa đạt",
        }
    }

    /// Whether a reason must be given (anything short of met).
    pub fn needs_reason(self) -> bool {
        self != Rating::Met
    }
}

/// Kết quả kiểm tra of one task at one visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub visit: RecordId,
    pub task: NodeId,
    pub findings: String,
    pub rating: Option<Rating>,
    #[serde(default)]
    pub reason: String,
}

/// Where an agency says a recommendation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    #[default]
    NotStarted,
    InProgress,
    Done,
}

impl FollowUp {
    pub fn label_vi(self) -> &'static str {
        match self {
            FollowUp::NotStarted => "Chưa thực hiện",
            FollowUp::InProgress => "Đang thực hiện",
            FollowUp::Done => "Đã thực hiện",
        }
    }
}

/// Kiến nghị sau kiểm tra: what an agency must do, by when, and what it says it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub id: RecordId,
    pub visit: RecordId,
    /// The task it is about, if one.
    #[serde(default)]
    pub task: Option<NodeId>,
    pub text: String,
    pub agency: AgencyCode,
    pub due: NaiveDate,
    #[serde(default)]
    pub state: FollowUp,
    /// The agency's note on what it did.
    #[serde(default)]
    pub note: String,
}

/// How a recommendation stands for those who follow it up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Done,
    Open,
    /// Past its due date and not done.
    Overdue,
}

impl Recommendation {
    /// On `today`: done, open, or overdue (the due day itself is still in time).
    pub fn standing(&self, today: NaiveDate) -> Standing {
        match self.state {
            FollowUp::Done => Standing::Done,
            _ if today > self.due => Standing::Overdue,
            _ => Standing::Open,
        }
    }
}

/// Why a record of an inspection was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum InspectionError {
    EmptyTitle,
    TooLong {
        what: String,
        max: usize,
    },
    TooMany {
        what: String,
        max: usize,
    },
    EndsBeforeStart,
    NoLeader,
    UnknownPlace {
        unit: String,
    },
    /// The unit did not exist on the round's dates (a district after 01/07/2025, a commune
    /// merged away).
    PlaceNotOnDate {
        name: String,
    },
    NotAPlaceOfTheRound {
        unit: String,
    },
    VisitOutsideRound,
    BadPosition,
    ReasonNeeded,
    NoText,
}

impl fmt::Display for InspectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use InspectionError as E;
        match self {
            E::EmptyTitle => f.write_str("Cần nhập tên đợt kiểm tra."),
            E::TooLong { what, max } => write!(f, "{what} dài quá {max} ký tự."),
            E::TooMany { what, max } => write!(f, "{what}: tối đa {max}."),
            E::EndsBeforeStart => f.write_str("Ngày kết thúc phải từ ngày bắt đầu trở đi."),
            E::NoLeader => f.write_str("Cần chọn trưởng đoàn."),
            E::UnknownPlace { unit } => write!(f, "Không có đơn vị hành chính «{unit}»."),
            E::PlaceNotOnDate { name } => write!(
                f,
                "{name} không còn (hoặc chưa có) vào thời gian của đợt kiểm tra."
            ),
            E::NotAPlaceOfTheRound { unit } => {
                write!(f, "«{unit}» không nằm trong các địa bàn của đợt kiểm tra.")
            }
            E::VisitOutsideRound => {
                f.write_str("Ngày kiểm tra phải nằm trong thời gian của đợt kiểm tra.")
            }
            E::BadPosition => f.write_str("Vị trí không hợp lệ."),
            E::ReasonNeeded => {
                f.write_str("Cần nêu lý do khi đánh giá đạt một phần hoặc chưa đạt.")
            }
            E::NoText => f.write_str("Cần nhập nội dung kiến nghị."),
        }
    }
}

impl std::error::Error for InspectionError {}

fn short(what: &str, text: &str) -> Result<(), InspectionError> {
    limit(what, text, SHORT_MAX_CHARS)
}

fn limit(what: &str, text: &str, max: usize) -> Result<(), InspectionError> {
    if text.chars().count() > max {
        Err(InspectionError::TooLong {
            what: what.into(),
            max,
        })
    } else {
        Ok(())
    }
}

fn at_most<T>(what: &str, items: &[T], max: usize) -> Result<(), InspectionError> {
    if items.len() > max {
        Err(InspectionError::TooMany {
            what: what.into(),
            max,
        })
    } else {
        Ok(())
    }
}

/// The places a round from `starts` to `ends` may visit: the districts and communes of `units`
/// that existed on one of its days (a 2014 round gets the 2014 districts and communes, one
/// after 01/07/2025 the new communes).
pub fn places_on(units: &[AdminUnit], starts: NaiveDate, ends: NaiveDate) -> Vec<&AdminUnit> {
    units.iter().filter(|u| u.existed(starts, ends)).collect()
}

/// Checks a round as typed: its text, dates, team and places (against the registry's units).
pub fn check_round(round: &InspectionRound, units: &[AdminUnit]) -> Result<(), InspectionError> {
    if round.title.trim().is_empty() {
        return Err(InspectionError::EmptyTitle);
    }
    short("Tên đợt kiểm tra", &round.title)?;
    short(
        "Số quyết định",
        round.decision_number.as_deref().unwrap_or(""),
    )?;
    if round.ends < round.starts {
        return Err(InspectionError::EndsBeforeStart);
    }
    if round.leader.trim().is_empty() {
        return Err(InspectionError::NoLeader);
    }
    at_most("Thành viên đoàn", &round.members, TEAM_MAX - 1)?;
    at_most("Địa bàn kiểm tra", &round.places, PLACES_MAX)?;
    at_most("Nhiệm vụ được kiểm tra", &round.tasks, SCOPE_MAX)?;
    at_most("Cơ quan được kiểm tra", &round.agencies, SCOPE_MAX)?;
    for place in &round.places {
        let Some(unit) = units.iter().find(|u| u.id == place.unit) else {
            return Err(InspectionError::UnknownPlace {
                unit: place.unit.clone(),
            });
        };
        if !unit.existed(round.starts, round.ends) {
            return Err(InspectionError::PlaceNotOnDate {
                name: format!("{} {}", unit.kind, unit.name),
            });
        }
        short("Tên thôn, bản", place.village.as_deref().unwrap_or(""))?;
    }
    Ok(())
}

/// Checks a visit against its round: one of its places (a commune of a district visited counts),
/// on one of its days, a position on Earth.
pub fn check_visit(
    visit: &Visit,
    round: &InspectionRound,
    units: &[AdminUnit],
) -> Result<(), InspectionError> {
    let day = visit.at.date();
    if day < round.starts || day > round.ends {
        return Err(InspectionError::VisitOutsideRound);
    }
    let planned = |unit: &str| round.places.iter().any(|p| p.unit == unit);
    let in_planned_district = units
        .iter()
        .find(|u| u.id == visit.place.unit)
        .and_then(|u| u.parent.as_deref())
        .is_some_and(|parent| {
            planned(parent)
                && units
                    .iter()
                    .any(|d| d.id == parent && d.level == UnitLevel::District)
        });
    if !planned(&visit.place.unit) && !in_planned_district {
        return Err(InspectionError::NotAPlaceOfTheRound {
            unit: visit.place.unit.clone(),
        });
    }
    short(
        "Tên thôn, bản",
        visit.place.village.as_deref().unwrap_or(""),
    )?;
    at_most("Người làm việc với đoàn", &visit.met, TEAM_MAX)?;
    for person in &visit.met {
        short("Tên người làm việc với đoàn", person)?;
    }
    visit.position.check()
}

/// Checks a finding: a reason for anything short of met.
pub fn check_finding(finding: &Finding) -> Result<(), InspectionError> {
    limit("Kết quả kiểm tra", &finding.findings, TEXT_MAX_CHARS)?;
    limit("Lý do", &finding.reason, TEXT_MAX_CHARS)?;
    if finding.rating.is_some_and(Rating::needs_reason) && finding.reason.trim().is_empty() {
        return Err(InspectionError::ReasonNeeded);
    }
    Ok(())
}

/// Checks a recommendation's text and note.
pub fn check_recommendation(rec: &Recommendation) -> Result<(), InspectionError> {
    if rec.text.trim().is_empty() {
        return Err(InspectionError::NoText);
    }
    limit("Kiến nghị", &rec.text, TEXT_MAX_CHARS)?;
    limit("Ghi chú", &rec.note, TEXT_MAX_CHARS)
}
