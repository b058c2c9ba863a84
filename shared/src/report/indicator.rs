//! A plan's indicators (chỉ tiêu): the form that adds one, where a value stands against the
//! target, and the latest accepted value of each for the province and for each district or
//! commune.

use crate::ids::{AgencyCode, RecordId};
use crate::registry::{AdminUnit, UnitLevel};
use crate::report::book;
use crate::report::completeness::ReportState;
use crate::report::quantity::{Quantity, QuantityError};
use crate::report::record::*;
use crate::text::fold;
use crate::validate::{self, ValidationError};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Whether a value meets its indicator's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState {
    Reached,
    NotYet,
    /// The indicator has no target.
    NoTarget,
}

impl TargetState {
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Reached => "Đạt",
            Self::NotYet => "Chưa đạt",
            Self::NoTarget => "Không đặt mục tiêu",
        }
    }
}

/// "28,5 %", "1.234 hộ", or "—" for no value.
pub fn amount(q: Option<Quantity>, unit: &str) -> String {
    q.map_or_else(|| "—".to_owned(), |q| format!("{} {unit}", q.format_vi()))
}

/// A target year as typed: empty is none, else a year from 1990 to 2100.
///
/// # Errors
/// Anything else.
pub fn target_year(text: &str) -> Result<Option<i32>, IndicatorDraftError> {
    let year = text.trim();
    if year.is_empty() {
        return Ok(None);
    }
    match year.parse::<i32>() {
        Ok(y) if (1990..=2100).contains(&y) => Ok(Some(y)),
        _ => Err(IndicatorDraftError::Year),
    }
}

impl Indicator {
    /// "18 % (năm 2020)", "18 %", or "—".
    pub fn target_vi(&self) -> String {
        match self.target_year {
            Some(y) if self.target.is_some() => {
                format!("{} (năm {y})", amount(self.target, &self.unit))
            }
            _ => amount(self.target, &self.unit),
        }
    }

    /// Whether `value` meets the target, in the indicator's direction.
    pub fn against_target(&self, value: Quantity) -> TargetState {
        match (self.target, self.direction) {
            (None, _) => TargetState::NoTarget,
            (Some(t), Direction::Higher) if value >= t => TargetState::Reached,
            (Some(t), Direction::Lower) if value <= t => TargetState::Reached,
            _ => TargetState::NotYet,
        }
    }

    /// How far `value` has come from the baseline to the target, in percent (0 to 100), when
    /// both are set and differ.
    pub fn share_of_target(&self, value: Quantity) -> Option<u8> {
        let (base, target) = (self.baseline?.0, self.target?.0);
        if base == target {
            return None;
        }
        let done = (value.0 - base) as f64 / (target - base) as f64;
        Some((done.clamp(0.0, 1.0) * 100.0).round() as u8)
    }
}

/// The plan's indicators, by name (ignoring diacritics).
pub fn indicators(records: &Records) -> Vec<&Indicator> {
    let mut out: Vec<&Indicator> = records
        .values()
        .filter_map(|r| match r {
            Record::Indicator(i) => Some(i),
            _ => None,
        })
        .collect();
    out.sort_by_cached_key(|i| (fold(&i.name), i.id));
    out
}

/// A value of an indicator as a report gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenValue {
    /// The district or commune (`None`: the whole province).
    pub unit: Option<String>,
    pub value: Quantity,
    pub round: RecordId,
    pub agency: AgencyCode,
}

/// The latest accepted value of `indicator` for each unit (the province first, then units in
/// id order), from rounds whose data period ends by `upto` (every round when `None`). The
/// round with the latest data period wins; within one round, the report accepted last.
pub fn latest_values(
    records: &Records,
    indicator: RecordId,
    upto: Option<NaiveDate>,
) -> Vec<GivenValue> {
    let mut best: BTreeMap<Option<String>, ((NaiveDate, NaiveDate), GivenValue)> = BTreeMap::new();
    for r in records.values() {
        let Record::Value(v) = r else { continue };
        let Some(value) = v.value else { continue };
        if v.indicator != indicator {
            continue;
        }
        let Some(round) = book::round(records, v.round) else {
            continue;
        };
        if upto.is_some_and(|d| round.data.to > d) {
            continue;
        }
        let Some(accepted_on) = book::report(records, v.round, &v.agency)
            .filter(|rep| rep.state == ReportState::Accepted)
            .and_then(|rep| rep.accepted_on)
        else {
            continue;
        };
        let rank = (round.data.to, accepted_on);
        let given = GivenValue {
            unit: v.unit.clone(),
            value,
            round: v.round,
            agency: v.agency.clone(),
        };
        match best.get(&v.unit) {
            Some((r, _)) if *r > rank => {}
            _ => {
                best.insert(v.unit.clone(), (rank, given));
            }
        }
    }
    best.into_values().map(|(_, v)| v).collect()
}

/// Why the indicator form cannot add the indicator. Display is the Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorDraftError {
    #[error("Tên chỉ tiêu: {0}")]
    Name(ValidationError),
    #[error("Nhập đơn vị tính (%, hộ, km…).")]
    NoUnit,
    #[error("{field}: {error}")]
    Number {
        field: &'static str,
        error: QuantityError,
    },
    #[error("Năm đạt mục tiêu phải là năm có 4 chữ số (1990–2100).")]
    Year,
}

/// The form that adds an indicator, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorDraft {
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub baseline: String,
    pub target: String,
    pub target_year: String,
    pub scope: IndicatorScope,
}

impl Default for IndicatorDraft {
    fn default() -> Self {
        Self {
            name: String::new(),
            unit: String::new(),
            direction: Direction::Higher,
            baseline: String::new(),
            target: String::new(),
            target_year: String::new(),
            scope: IndicatorScope::Province,
        }
    }
}

impl IndicatorDraft {
    /// The indicator the form describes, under `id`.
    ///
    /// # Errors
    /// An empty name or unit, an unreadable number (saying which), a year out of range.
    pub fn indicator(&self, id: RecordId) -> Result<Indicator, IndicatorDraftError> {
        let number = |field: &'static str, text: &str| {
            Quantity::parse_vi(text).map_err(|error| IndicatorDraftError::Number { field, error })
        };
        let unit = self.unit.trim();
        if unit.is_empty() {
            return Err(IndicatorDraftError::NoUnit);
        }
        let target_year = target_year(&self.target_year)?;
        Ok(Indicator {
            id,
            name: validate::title(&self.name).map_err(IndicatorDraftError::Name)?,
            unit: unit.to_owned(),
            direction: self.direction,
            baseline: number("Giá trị cơ sở", &self.baseline)?,
            target: number("Mục tiêu", &self.target)?,
            target_year,
            scope: self.scope,
        })
    }
}

impl Direction {
    pub fn label_vi(self) -> &'static str {
        match self {
            Direction::Higher => "Càng cao càng tốt",
            Direction::Lower => "Càng thấp càng tốt",
        }
    }
}

impl IndicatorScope {
    pub fn label_vi(self) -> &'static str {
        match self {
            IndicatorScope::Province => "Toàn tỉnh",
            IndicatorScope::District => "Theo huyện",
            IndicatorScope::Commune => "Theo xã",
        }
    }

    /// The level of the units its values are given for (`None`: the whole province).
    pub fn level(self) -> Option<UnitLevel> {
        match self {
            IndicatorScope::Province => None,
            IndicatorScope::District => Some(UnitLevel::District),
            IndicatorScope::Commune => Some(UnitLevel::Commune),
        }
    }
}

/// The units of `level` that existed on some day of `round`'s data period, by name (ignoring
/// diacritics): what an agency may give values for in that round.
pub fn units_for<'a>(
    units: &'a [AdminUnit],
    level: UnitLevel,
    round: &Round,
) -> Vec<&'a AdminUnit> {
    let mut out: Vec<&AdminUnit> = units
        .iter()
        .filter(|u| u.level == level && u.existed(round.data.from, round.data.to))
        .collect();
    out.sort_by_cached_key(|u| (fold(&u.name), u.id.clone()));
    out
}

/// A unit's name in `units` (its id when unknown); "Toàn tỉnh" for none.
pub fn unit_name(units: &[AdminUnit], id: Option<&str>) -> String {
    match id {
        None => "Toàn tỉnh".to_owned(),
        Some(id) => units
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_owned(), |u| u.name.clone()),
    }
}
