//! An inspection's records and their rules: a round (đợt kiểm tra) with its team, places and
//! scope; visits (phiếu kiểm tra) with the findings per task; recommendations (kiến nghị) that
//! the responsible agency answers. Pure: today's date is passed in.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::ids::{AgencyCode, NodeId, RecordId};
use crate::inspection::photo::{PHOTO_MAX_BYTES, PhotoHash};
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
/// Most inspection rounds a plan may have.
pub const ROUNDS_MAX: usize = 200;
/// Most visits a round may record.
pub const VISITS_MAX: usize = 2_000;
/// Most photos one visit may keep.
pub const PHOTOS_MAX: usize = 100;
/// Most recommendations one visit may make.
pub const RECOMMENDATIONS_MAX: usize = 100;
/// Longest caption of a photo, in characters.
pub const CAPTION_MAX_CHARS: usize = 500;

/// Where the registry's administrative units are looked up by id: a list (the app's reference
/// data) or a map (the server's `registry::Known`).
pub trait Units {
    fn unit(&self, id: &str) -> Option<&AdminUnit>;
}

impl Units for [AdminUnit] {
    fn unit(&self, id: &str) -> Option<&AdminUnit> {
        self.iter().find(|u| u.id == id)
    }
}

impl Units for Vec<AdminUnit> {
    fn unit(&self, id: &str) -> Option<&AdminUnit> {
        self.as_slice().unit(id)
    }
}

impl Units for std::collections::HashMap<String, AdminUnit> {
    fn unit(&self, id: &str) -> Option<&AdminUnit> {
        self.get(id)
    }
}

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

/// A photo taken at a visit: the file (uploaded apart, named by its SHA-256) and what is said
/// of it. One record per visit and file: the same photo chosen twice is one photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub visit: RecordId,
    pub hash: PhotoHash,
    /// The file's size in bytes, as downscaled on the device.
    pub size: u64,
    pub width: u32,
    pub height: u32,
    /// The task it shows, if one.
    #[serde(default)]
    pub task: Option<NodeId>,
    #[serde(default)]
    pub caption: String,
    /// When it was taken (the camera's time, local), if known.
    #[serde(default)]
    pub taken_at: Option<NaiveDateTime>,
    /// Where it was taken, if known.
    #[serde(default = "no_position")]
    pub position: Position,
}

fn no_position() -> Position {
    Position::Unavailable
}

/// Checks a photo's note: its size within the limits, a caption not too long.
pub fn check_photo(photo: &Photo) -> Result<(), InspectionError> {
    if photo.size == 0 || photo.size > PHOTO_MAX_BYTES || photo.width == 0 || photo.height == 0 {
        return Err(InspectionError::BadPhoto);
    }
    limit("Chú thích ảnh", &photo.caption, CAPTION_MAX_CHARS)?;
    photo.position.check()
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
    BadPhoto,
    RoundNotFound,
    VisitNotFound,
    RecommendationNotFound,
    /// The task a finding, a recommendation or a photo names is not in the plan.
    TaskNotFound,
    /// A visit moved to another round, a finding or photo to another visit.
    WrongParent,
    /// A round with visits recorded is not deleted.
    RoundHasVisits,
    /// A record made with an id of a deleted one.
    AlreadyExists,
    /// A delete of a record someone else changed after the deleting device last saw it: the
    /// change is not thrown away unseen.
    ChangedSinceSeen,
    /// The user's role may not make this change; the message says what it may do.
    Forbidden {
        message: String,
    },
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
            E::BadPhoto => f.write_str(
                "Ảnh không hợp lệ (trống, quá 6 MB hoặc không rõ kích thước); hãy chọn lại ảnh.",
            ),
            E::RoundNotFound => {
                f.write_str("Không tìm thấy đợt kiểm tra này; có thể đợt đã bị xoá.")
            }
            E::VisitNotFound => {
                f.write_str("Không tìm thấy phiếu kiểm tra này; có thể phiếu đã bị xoá.")
            }
            E::RecommendationNotFound => {
                f.write_str("Không tìm thấy kiến nghị này; có thể kiến nghị đã bị xoá.")
            }
            E::TaskNotFound => {
                f.write_str("Không tìm thấy nhiệm vụ này trong kế hoạch; có thể đã bị xoá.")
            }
            E::WrongParent => f.write_str(
                "Không thể chuyển phiếu sang đợt khác, hay kết quả, ảnh sang phiếu khác.",
            ),
            E::RoundHasVisits => f.write_str(
                "Đợt kiểm tra đã có phiếu kiểm tra; hãy xoá các phiếu trước khi xoá đợt.",
            ),
            E::AlreadyExists => f.write_str("Mã này đã được dùng cho một bản ghi đã xoá."),
            E::Forbidden { message } => f.write_str(message),
            E::ChangedSinceSeen => f.write_str(
                "Người khác vừa sửa nội dung này sau lần đồng bộ trước của bạn nên chưa xoá; hãy xem lại rồi xoá nếu vẫn cần.",
            ),
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
pub fn check_round(
    round: &InspectionRound,
    units: &(impl Units + ?Sized),
) -> Result<(), InspectionError> {
    check_round_text(round)?;
    for place in &round.places {
        let Some(unit) = units.unit(&place.unit) else {
            return Err(InspectionError::UnknownPlace {
                unit: place.unit.clone(),
            });
        };
        if !unit.existed(round.starts, round.ends) {
            return Err(InspectionError::PlaceNotOnDate { name: unit.label() });
        }
    }
    Ok(())
}

/// What [`check_round`] checks without the registry: text, dates, team, caps, villages.
pub fn check_round_text(round: &InspectionRound) -> Result<(), InspectionError> {
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
    for member in std::iter::once(&round.leader).chain(&round.members) {
        short("Tên đăng nhập thành viên", member)?;
    }
    for place in &round.places {
        short("Tên thôn, bản", place.village.as_deref().unwrap_or(""))?;
    }
    Ok(())
}

/// Checks a visit against its round: one of its places (a commune of a district visited counts),
/// on one of its days, a position on Earth.
pub fn check_visit(
    visit: &Visit,
    round: &InspectionRound,
    units: &(impl Units + ?Sized),
) -> Result<(), InspectionError> {
    check_visit_text(visit, round)?;
    let planned = |unit: &str| round.places.iter().any(|p| p.unit == unit);
    let in_planned_district = units
        .unit(&visit.place.unit)
        .and_then(|u| u.parent.as_deref())
        .is_some_and(|parent| {
            planned(parent)
                && units
                    .unit(parent)
                    .is_some_and(|d| d.level == UnitLevel::District)
        });
    if !planned(&visit.place.unit) && !in_planned_district {
        return Err(InspectionError::NotAPlaceOfTheRound {
            unit: visit.place.unit.clone(),
        });
    }
    Ok(())
}

/// What [`check_visit`] checks without the registry: the day within the round's, the texts, the
/// position.
pub fn check_visit_text(visit: &Visit, round: &InspectionRound) -> Result<(), InspectionError> {
    let day = visit.at.date();
    if day < round.starts || day > round.ends {
        return Err(InspectionError::VisitOutsideRound);
    }
    match &visit.inspected {
        Inspected::Agency(a) => short("Mã cơ quan được kiểm tra", a)?,
        Inspected::Commune(c) => short("Đơn vị được kiểm tra", c)?,
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
