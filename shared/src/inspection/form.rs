//! The inspection forms as a user fills them on the tablet: plain text drafts (dates dd/mm/yyyy,
//! a time hh:mm, people one per line) turned into records or a typed, worded refusal; and what
//! the pages list: the places a visit may be at, the visits by district and commune.

use chrono::NaiveDate;
use std::fmt;

use crate::ids::{AgencyCode, NodeId, RecordId};
use crate::inspection::model::*;
use crate::registry::{AdminUnit, UnitLevel};
use crate::text::{format_date, format_time, parse_time};

/// Why a form cannot be saved yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// A date that is not dd/mm/yyyy (the field's name).
    Date(&'static str),
    Time,
    NoPlace,
    NoTask,
    NoAgency,
    NoRating,
    Check(InspectionError),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::Date(what) => write!(f, "{what}: cần nhập ngày dạng dd/mm/yyyy."),
            FormError::Time => f.write_str("Giờ kiểm tra: cần nhập dạng hh:mm (ví dụ 09:30)."),
            FormError::NoPlace => f.write_str("Cần chọn địa bàn."),
            FormError::NoTask => f.write_str("Cần chọn nhiệm vụ được kiểm tra."),
            FormError::NoAgency => f.write_str("Cần chọn cơ quan chịu trách nhiệm."),
            FormError::NoRating => f.write_str("Cần chọn mức đánh giá."),
            FormError::Check(e) => e.fmt(f),
        }
    }
}

impl From<InspectionError> for FormError {
    fn from(e: InspectionError) -> Self {
        FormError::Check(e)
    }
}

fn date(text: &str, what: &'static str) -> Result<NaiveDate, FormError> {
    crate::text::parse_date(text).ok_or(FormError::Date(what))
}

fn optional_date(text: &str, what: &'static str) -> Result<Option<NaiveDate>, FormError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        date(text, what).map(Some)
    }
}

fn optional_text(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Names one per line (or separated by commas), blanks dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// "Lập đợt kiểm tra".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundDraft {
    pub title: String,
    pub decision_number: String,
    pub decision_date: String,
    pub leader: String,
    /// User names, one per line or separated by commas.
    pub members: String,
    pub starts: String,
    pub ends: String,
    pub places: Vec<Place>,
    pub tasks: Vec<NodeId>,
    pub agencies: Vec<AgencyCode>,
}

impl RoundDraft {
    /// A new round led by `leader` (the user filling it), from `today`, for a day.
    pub fn new(leader: &str, today: NaiveDate) -> Self {
        Self {
            leader: leader.to_owned(),
            starts: format_date(today),
            ends: format_date(today),
            ..Self::default()
        }
    }

    /// The form of an existing round.
    pub fn of(round: &InspectionRound) -> Self {
        Self {
            title: round.title.clone(),
            decision_number: round.decision_number.clone().unwrap_or_default(),
            decision_date: round.decision_date.map(format_date).unwrap_or_default(),
            leader: round.leader.clone(),
            members: round.members.join("\n"),
            starts: format_date(round.starts),
            ends: format_date(round.ends),
            places: round.places.clone(),
            tasks: round.tasks.clone(),
            agencies: round.agencies.clone(),
        }
    }

    /// The round, checked as typed (the registry's places: [`check_round`]).
    pub fn round(&self, id: RecordId) -> Result<InspectionRound, FormError> {
        let round = InspectionRound {
            id,
            title: self.title.trim().to_owned(),
            decision_number: optional_text(&self.decision_number),
            decision_date: optional_date(&self.decision_date, "Ngày quyết định")?,
            leader: self.leader.trim().to_owned(),
            members: lines(&self.members),
            starts: date(&self.starts, "Ngày bắt đầu")?,
            ends: date(&self.ends, "Ngày kết thúc")?,
            places: self.places.clone(),
            tasks: self.tasks.clone(),
            agencies: self.agencies.clone(),
        };
        check_round_text(&round)?;
        Ok(round)
    }
}

/// "Phiếu kiểm tra": the visit itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitDraft {
    /// The unit's id (`registry::AdminUnit::id`).
    pub unit: String,
    pub village: String,
    pub date: String,
    pub time: String,
    /// The inspected agency's code; empty: the commune's people's committee.
    pub agency: String,
    /// The people met, one per line.
    pub met: String,
    pub position: Position,
}

impl VisitDraft {
    /// A visit now (`today`, `time` as hh:mm) at the round's first place, with no position yet.
    pub fn new(round: &InspectionRound, today: NaiveDate, time: &str) -> Self {
        let day = today.clamp(round.starts, round.ends.max(round.starts));
        Self {
            unit: round
                .places
                .first()
                .map(|p| p.unit.clone())
                .unwrap_or_default(),
            village: String::new(),
            date: format_date(day),
            time: time.to_owned(),
            agency: String::new(),
            met: String::new(),
            position: Position::Unavailable,
        }
    }

    pub fn of(visit: &Visit) -> Self {
        Self {
            unit: visit.place.unit.clone(),
            village: visit.place.village.clone().unwrap_or_default(),
            date: format_date(visit.at.date()),
            time: format_time(visit.at.time()),
            agency: match &visit.inspected {
                Inspected::Agency(a) => a.to_string(),
                Inspected::Commune(_) => String::new(),
            },
            met: visit.met.join("\n"),
            position: visit.position,
        }
    }

    /// The visit, checked against its round; `commune_name` names the inspected commune
    /// committee when no agency is chosen.
    pub fn visit(
        &self,
        id: RecordId,
        round: &InspectionRound,
        commune_name: &str,
    ) -> Result<Visit, FormError> {
        if self.unit.trim().is_empty() {
            return Err(FormError::NoPlace);
        }
        let day = date(&self.date, "Ngày kiểm tra")?;
        let time = parse_time(&self.time).ok_or(FormError::Time)?;
        let visit = Visit {
            id,
            round: round.id,
            place: Place {
                unit: self.unit.trim().to_owned(),
                village: optional_text(&self.village),
            },
            at: day.and_time(time),
            inspected: match optional_text(&self.agency) {
                Some(a) => Inspected::Agency(AgencyCode::from(a.as_str())),
                None => Inspected::Commune(format!("UBND {commune_name}")),
            },
            // A person is written with a position after a comma: one per line.
            met: self
                .met
                .lines()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            position: self.position,
        };
        check_visit_text(&visit, round)?;
        Ok(visit)
    }
}

/// "Kết quả kiểm tra" of one task.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingDraft {
    pub task: Option<NodeId>,
    pub findings: String,
    pub rating: Option<Rating>,
    pub reason: String,
}

impl FindingDraft {
    pub fn of(finding: &Finding) -> Self {
        Self {
            task: Some(finding.task),
            findings: finding.findings.clone(),
            rating: finding.rating,
            reason: finding.reason.clone(),
        }
    }

    pub fn finding(&self, visit: RecordId) -> Result<Finding, FormError> {
        let task = self.task.ok_or(FormError::NoTask)?;
        let rating = self.rating.ok_or(FormError::NoRating)?;
        let finding = Finding {
            visit,
            task,
            findings: self.findings.trim().to_owned(),
            rating: Some(rating),
            reason: if rating.needs_reason() {
                self.reason.trim().to_owned()
            } else {
                String::new()
            },
        };
        check_finding(&finding)?;
        Ok(finding)
    }
}

/// "Kiến nghị": what an agency must do, by when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecommendationDraft {
    pub text: String,
    pub agency: String,
    pub due: String,
    pub task: Option<NodeId>,
}

impl RecommendationDraft {
    /// A new recommendation of a visit of `round`: due three months after the round ends.
    pub fn new(round: &InspectionRound) -> Self {
        Self {
            due: format_date(round.ends + chrono::Duration::days(90)),
            ..Self::default()
        }
    }

    pub fn of(rec: &Recommendation) -> Self {
        Self {
            text: rec.text.clone(),
            agency: rec.agency.to_string(),
            due: format_date(rec.due),
            task: rec.task,
        }
    }

    pub fn recommendation(
        &self,
        id: RecordId,
        visit: RecordId,
    ) -> Result<Recommendation, FormError> {
        let agency = optional_text(&self.agency).ok_or(FormError::NoAgency)?;
        let rec = Recommendation {
            id,
            visit,
            task: self.task,
            text: self.text.trim().to_owned(),
            agency: AgencyCode::from(agency.as_str()),
            due: date(&self.due, "Hạn thực hiện")?,
            state: FollowUp::NotStarted,
            note: String::new(),
        };
        check_recommendation(&rec)?;
        Ok(rec)
    }
}

/// The places a visit of `round` may be at: the round's own, and the communes of the districts
/// it visits that existed on its dates; each with its name as people read it ("xã Mai Pha,
/// thành phố Lạng Sơn").
pub fn visit_places(round: &InspectionRound, units: &[AdminUnit]) -> Vec<(String, String)> {
    let by_id = |id: &str| units.iter().find(|u| u.id == id);
    let mut out: Vec<(String, String)> = Vec::new();
    for place in &round.places {
        let Some(unit) = by_id(&place.unit) else {
            continue;
        };
        out.push((unit.id.clone(), place_name(unit, units)));
        if unit.level == UnitLevel::District {
            for c in units.iter().filter(|c| {
                c.parent.as_deref() == Some(unit.id.as_str()) && c.existed(round.starts, round.ends)
            }) {
                if !out.iter().any(|(id, _)| *id == c.id) {
                    out.push((c.id.clone(), place_name(c, units)));
                }
            }
        }
    }
    out
}

/// A unit's name with its kind, and its district's after a comma.
pub fn place_name(unit: &AdminUnit, units: &[AdminUnit]) -> String {
    let own = unit.label();
    match unit
        .parent
        .as_deref()
        .and_then(|p| units.iter().find(|u| u.id == p))
    {
        Some(d) => format!("{own}, {}", d.label()),
        None => own,
    }
}

/// One line of "where": a district (or a commune of the two-tier system) and, under it, a
/// commune, with the number of visits there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceCount {
    pub district: String,
    /// `None`: the district's own line (its total).
    pub commune: Option<String>,
    pub visits: usize,
}

/// The visits of `visits` counted by district, then commune, in Vietnamese alphabetical
/// order; a district's line carries its total.
pub fn visits_by_place<'a>(
    visits: impl IntoIterator<Item = &'a Visit>,
    units: &[AdminUnit],
) -> Vec<PlaceCount> {
    use std::collections::BTreeMap;
    let name = |u: &AdminUnit| u.label();
    let mut tree: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for v in visits {
        let unit = units.iter().find(|u| u.id == v.place.unit);
        let district = unit
            .and_then(|u| u.parent.as_deref())
            .and_then(|p| units.iter().find(|u| u.id == p));
        let (d, c) = match (unit, district) {
            (Some(u), Some(d)) => (name(d), Some(name(u))),
            (Some(u), None) => (name(u), None),
            (None, _) => (v.place.unit.clone(), None),
        };
        *tree
            .entry(d)
            .or_default()
            .entry(c.unwrap_or_default())
            .or_default() += 1;
    }
    let key = |s: &String| crate::text::collation_key(s);
    let mut districts: Vec<(String, BTreeMap<String, usize>)> = tree.into_iter().collect();
    districts.sort_by_key(|(d, _)| key(d));
    let mut out = Vec::new();
    for (district, communes) in districts {
        out.push(PlaceCount {
            district: district.clone(),
            commune: None,
            visits: communes.values().sum(),
        });
        let mut communes: Vec<(String, usize)> = communes
            .into_iter()
            .filter(|(c, _)| !c.is_empty())
            .collect();
        communes.sort_by_key(|(c, _)| key(c));
        out.extend(communes.into_iter().map(|(c, n)| PlaceCount {
            district: district.clone(),
            commune: Some(c),
            visits: n,
        }));
    }
    out
}
