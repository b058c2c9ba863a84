//! The reference files (agencies, districts and communes before and after the 2025 mergers)
//! read into [`ReferenceData`].

use super::{AdminUnit, Agency, AgencyGroup, ReferenceData, UnitLevel};
use crate::ids::AgencyCode;
use crate::text::fold;
use chrono::NaiveDate;
use serde::Deserialize;

/// Reference data files that do not have the expected shape.
#[derive(Debug, thiserror::Error)]
#[error("dữ liệu tham chiếu không hợp lệ ({file}): {source}")]
pub struct ReferenceDataError {
    pub file: &'static str,
    #[source]
    pub source: serde_json::Error,
}

#[derive(Deserialize)]
struct AgencyFile {
    agencies: Vec<AgencyRecord>,
}

#[derive(Deserialize)]
struct AgencyRecord {
    code: String,
    name: String,
    group: String,
    role_in_ethnic_plans: Option<String>,
    merged_into_2025: Option<String>,
}

#[derive(Deserialize)]
struct DistrictRecord {
    name: String,
    kind: String,
    gso_code: String,
    communes: Vec<String>,
    #[serde(default)]
    communes_2020_2024: Vec<String>,
}

#[derive(Deserialize)]
struct Units2025File {
    units: Vec<Unit2025Record>,
}

#[derive(Deserialize)]
struct Unit2025Record {
    name: String,
    kind: String,
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// "Xã Mai Pha" → "xa-mai-pha".
pub fn slug(name: &str) -> String {
    let folded = fold(name);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Reads the three reference files (`agencies.json`, `lang-son-units.json`,
/// `lang-son-units-2025.json`).
/// The first dd/mm/yyyy date in `text`.
fn first_date(text: &str) -> Option<NaiveDate> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '/'))
        .filter(|w| w.matches('/').count() == 2)
        .find_map(crate::text::parse_date)
}

pub fn parse_reference_data(
    agencies: &str,
    units: &str,
    units_2025: &str,
) -> Result<ReferenceData, ReferenceDataError> {
    let agencies: AgencyFile =
        serde_json::from_str(agencies).map_err(|source| ReferenceDataError {
            file: "agencies.json",
            source,
        })?;
    let districts: Vec<DistrictRecord> =
        serde_json::from_str(units).map_err(|source| ReferenceDataError {
            file: "lang-son-units.json",
            source,
        })?;
    let units_2025: Units2025File =
        serde_json::from_str(units_2025).map_err(|source| ReferenceDataError {
            file: "lang-son-units-2025.json",
            source,
        })?;

    // The 2025 mergers took effect on 01/03/2025 (Nghị quyết 04/NQ-HĐND).
    let merged_on = date(2025, 3, 1);
    let agencies = agencies
        .agencies
        .into_iter()
        .map(|a| {
            let group = match a.group.as_str() {
                "sở" => AgencyGroup::Department,
                "lltv" => AgencyGroup::ArmedForces,
                "doan_the" => AgencyGroup::MassOrganisation,
                "dia_phuong" => AgencyGroup::Local,
                _ => AgencyGroup::Other,
            };
            let merged = a
                .merged_into_2025
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty());
            let successor_code = merged
                .as_deref()
                .and_then(|m| m.split([' ', '(']).next())
                .filter(|c| {
                    !c.is_empty()
                        && c.chars()
                            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit())
                })
                .map(str::to_owned);
            let (successor, successor_note) = match successor_code {
                Some(c) if c == a.code => (None, merged.filter(|m| m.len() > c.len())),
                Some(c) => (
                    Some(AgencyCode::from(c.as_str())),
                    merged.filter(|m| m.len() > c.len()),
                ),
                None => (None, merged),
            };
            // The change takes effect on the date its note gives (the districts were abolished
            // on 01/07/2025), else on the date of the mergers.
            let effective = successor_note.as_deref().and_then(first_date).or(merged_on);
            let valid_to = successor.as_ref().and(effective.and_then(|d| d.pred_opt()));
            // "Sở Dân tộc và Tôn giáo (from 01/03/2025)": a body created by the mergers.
            let (name, valid_from) = match a.name.rsplit_once("(from ") {
                Some((head, tail)) => match crate::text::parse_date(tail.trim_end_matches(')')) {
                    Some(d) => (head.trim().to_owned(), Some(d)),
                    None => (a.name.clone(), None),
                },
                None => (a.name, None),
            };
            Agency {
                code: a.code.into(),
                name,
                group,
                role_note: a.role_in_ethnic_plans,
                successor,
                successor_note,
                valid_from,
                valid_to,
            }
        })
        .collect();

    let mut units = Vec::new();
    let district_end = date(2025, 6, 30);
    for d in districts {
        let district_id = format!("d-{}", d.gso_code);
        units.push(AdminUnit {
            id: district_id.clone(),
            name: d.name,
            kind: d.kind,
            level: UnitLevel::District,
            parent: None,
            valid_from: None,
            valid_to: district_end,
        });
        let later: Vec<String> = d.communes_2020_2024.iter().map(|n| slug(n)).collect();
        let mut seen = Vec::new();
        for name in d.communes.iter().chain(d.communes_2020_2024.iter()) {
            let s = slug(name);
            if seen.contains(&s) {
                continue;
            }
            seen.push(s.clone());
            let in_2014 = d.communes.iter().any(|n| slug(n) == s);
            let in_2020 = later.contains(&s);
            let kind = name
                .split_whitespace()
                .next()
                .map(str::to_lowercase)
                .unwrap_or_default();
            let kind = if kind == "thị" {
                "thị trấn".to_owned()
            } else {
                kind
            };
            units.push(AdminUnit {
                id: format!("c-{}-{s}", d.gso_code),
                name: name.clone(),
                kind,
                level: UnitLevel::Commune,
                parent: Some(district_id.clone()),
                valid_from: if in_2014 { None } else { date(2020, 1, 1) },
                valid_to: if in_2020 || later.is_empty() {
                    district_end
                } else {
                    date(2019, 12, 31)
                },
            });
        }
    }
    for u in units_2025.units {
        units.push(AdminUnit {
            id: format!("c-2025-{}", slug(&u.name)),
            name: u.name,
            kind: u.kind,
            level: UnitLevel::Commune,
            parent: None,
            valid_from: date(2025, 7, 1),
            valid_to: None,
        });
    }
    Ok(ReferenceData { agencies, units })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slug("Xã Mai Pha"), "xa-mai-pha");
        assert_eq!(slug("Thị trấn Đồng Đăng "), "thi-tran-dong-dang");
    }

    #[test]
    fn agencies_carry_their_successors() {
        let agencies = r#"{"agencies": [
            {"code": "BDT", "name": "Ban Dân tộc tỉnh", "group": "sở", "role_in_ethnic_plans": "thường trực", "merged_into_2025": "SDTTG"},
            {"code": "VPUBND", "name": "Văn phòng UBND tỉnh", "group": "sở", "merged_into_2025": "VPUBND (Văn phòng UBND tỉnh)"},
            {"code": "CA", "name": "Công an tỉnh", "group": "lltv"},
            {"code": "SDTTG", "name": "Sở Dân tộc và Tôn giáo (from 01/03/2025)", "group": "sở", "merged_into_2025": "SDTTG"},
            {"code": "UBNDH", "name": "UBND các huyện, thành phố", "group": "dia_phuong", "merged_into_2025": "UBNDX (district level abolished 01/07/2025)"},
            {"code": "UBNDX", "name": "UBND các xã, phường (from 01/07/2025)", "group": "dia_phuong", "merged_into_2025": "UBNDX"}]}"#;
        let units = r#"[{"name": "Huyện Tràng Định", "kind": "huyện", "gso_code": "180",
            "communes": ["Thị trấn Thất Khê", "Xã Khánh Long"], "communes_2020_2024": ["Thị trấn Thất Khê"]}]"#;
        let u2025 = r#"{"units": [{"name": "Xã Thất Khê", "kind": "xã"}]}"#;
        let data = parse_reference_data(agencies, units, u2025).unwrap_or_else(|e| panic!("{e}"));
        let bdt = &data.agencies[0];
        assert_eq!(bdt.successor.as_deref(), Some("SDTTG"));
        assert_eq!(bdt.valid_to, date(2025, 2, 28));
        let vp = &data.agencies[1];
        assert_eq!(vp.successor, None);
        assert_eq!(
            vp.successor_note.as_deref(),
            Some("VPUBND (Văn phòng UBND tỉnh)")
        );
        assert_eq!(data.agencies[2].group, AgencyGroup::ArmedForces);
        // Bodies made by the mergers start on their date, under their own name.
        let sdttg = &data.agencies[3];
        assert_eq!(sdttg.name, "Sở Dân tộc và Tôn giáo");
        assert_eq!((sdttg.valid_from, sdttg.valid_to), (date(2025, 3, 1), None));
        // The districts ended on 30/06/2025; the communes' committees carry their duties on.
        let districts = &data.agencies[4];
        assert_eq!(districts.successor.as_deref(), Some("UBNDX"));
        assert_eq!(districts.valid_to, date(2025, 6, 30));
        assert_eq!(data.agencies[5].valid_from, date(2025, 7, 1));
        let ids: Vec<&str> = data.units.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "d-180",
                "c-180-thi-tran-that-khe",
                "c-180-xa-khanh-long",
                "c-2025-xa-that-khe"
            ]
        );
        assert_eq!(data.units[1].kind, "thị trấn");
        assert_eq!(data.units[2].valid_to, date(2019, 12, 31));
        assert!(parse_reference_data("{}", units, u2025).is_err());
    }
}
