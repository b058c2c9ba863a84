//! Reference data: the agencies plans assign tasks to, and Lạng Sơn's administrative units, with
//! the dates they were valid and what succeeded them (the 2025 mergers), so that an old plan
//! still shows its original agencies. One job per file: the types here, the reference files
//! read in `reference.rs`, an administrator's changes and their rules in `change.rs`, the
//! registry's forms and listing in `form.rs`.

mod change;
pub mod form;
mod reference;

pub use change::{
    AGENCY_NAME_MAX_CHARS, AGENCY_NOTE_MAX_CHARS, AgencyChange, RegistryError, agency_name,
    apply_agency_change,
};
pub use reference::{ReferenceDataError, parse_reference_data, slug};

use crate::ids::AgencyCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// The groups the assignment board shows agencies in; they sort in the order they are declared,
/// which is the order the board and the registry list them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyGroup {
    /// Sở, ban, ngành (cơ quan chuyên môn thuộc UBND tỉnh).
    Department,
    /// Lực lượng vũ trang.
    ArmedForces,
    /// Mặt trận và đoàn thể.
    MassOrganisation,
    /// Ngành dọc, đơn vị sự nghiệp.
    Other,
    /// UBND cấp huyện, địa phương.
    Local,
}

impl AgencyGroup {
    /// Every group, in the order they are listed.
    pub const ALL: [AgencyGroup; 5] = [
        Self::Department,
        Self::ArmedForces,
        Self::MassOrganisation,
        Self::Other,
        Self::Local,
    ];

    pub fn name_vi(self) -> &'static str {
        match self {
            Self::Department => "Sở, ban, ngành",
            Self::ArmedForces => "Lực lượng vũ trang",
            Self::MassOrganisation => "Mặt trận, đoàn thể",
            Self::Other => "Ngành dọc, đơn vị khác",
            Self::Local => "Địa phương",
        }
    }
}

/// An agency (cơ quan, đơn vị).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Our own short code, e.g. "BDT".
    pub code: AgencyCode,
    pub name: String,
    pub group: AgencyGroup,
    /// Its usual role in ethnic-affairs plans.
    pub role_note: Option<String>,
    /// Code of the agency that took over its duties (the 2025 mergers), if any.
    pub successor: Option<AgencyCode>,
    /// Free text about the successor when it is not just a code.
    pub successor_note: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Level of an administrative unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    /// Huyện, thành phố thuộc tỉnh (abolished 1/7/2025).
    District,
    /// Xã, phường, thị trấn.
    Commune,
}

/// An administrative unit (huyện, xã, phường, thị trấn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUnit {
    /// Stable id: "d-178" for a district (its GSO code), "c-178-xa-mai-pha" for a commune of a
    /// district, "c-2025-xa-that-khe" for a commune of the 2025 two-tier system.
    pub id: String,
    pub name: String,
    /// As written: "huyện", "thành phố", "xã", "phường", "thị trấn".
    pub kind: String,
    pub level: UnitLevel,
    pub parent: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl AdminUnit {
    /// The unit as people name it, with its kind: "xã Mai Pha", "huyện Văn Quan" (a name that
    /// carries its kind already, "Xã Thất Khê", stands as it is).
    pub fn label(&self) -> String {
        let name = self.name.trim();
        let kind = format!("{} ", self.kind.trim().to_lowercase());
        if name.to_lowercase().starts_with(&kind) {
            name.to_owned()
        } else {
            format!("{} {name}", self.kind)
        }
    }

    /// True when the unit existed on some day from `from` to `to`.
    pub fn existed(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= to) && self.valid_to.is_none_or(|t| t >= from)
    }
}

/// All reference data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceData {
    pub agencies: Vec<Agency>,
    pub units: Vec<AdminUnit>,
}

/// The agency's name in `list` (its code when unknown).
pub fn name_of(list: &[Agency], code: &str) -> String {
    list.iter()
        .find(|a| a.code == code)
        .map_or_else(|| code.to_owned(), |a| a.name.clone())
}

/// What a plan's mutations may name from the registry: its agency codes and its administrative
/// units (with their level and the dates they existed), checked by the server on every push.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub agencies: HashSet<AgencyCode>,
    pub units: HashMap<String, AdminUnit>,
}

impl Known {
    pub fn new(agencies: &[Agency], units: Vec<AdminUnit>) -> Self {
        Self {
            agencies: agencies.iter().map(|a| a.code.clone()).collect(),
            units: units.into_iter().map(|u| (u.id.clone(), u)).collect(),
        }
    }

    /// True when unit `id` is in the registry at `level` and existed on some day from `from`
    /// to `to` (a 2014 round's values name the 2014 districts, a 2026 round's the new communes).
    pub fn unit_in(&self, id: &str, level: UnitLevel, from: NaiveDate, to: NaiveDate) -> bool {
        self.units
            .get(id)
            .is_some_and(|u| u.level == level && u.existed(from, to))
    }
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn a_units_label_carries_its_kind_once() {
        let unit = |name: &str, kind: &str| AdminUnit {
            id: "x".into(),
            name: name.into(),
            kind: kind.into(),
            level: UnitLevel::Commune,
            parent: None,
            valid_from: None,
            valid_to: None,
        };
        assert_eq!(unit("Mai Pha", "xã").label(), "xã Mai Pha");
        assert_eq!(unit("Xã Thất Khê", "xã").label(), "Xã Thất Khê");
        assert_eq!(unit("Xa Lý", "xã").label(), "xã Xa Lý");
    }
}
