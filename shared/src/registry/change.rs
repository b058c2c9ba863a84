//! An administrator's changes to the agency registry (add, rename, merge, retire) and the rules
//! they must keep, checked on the device and again on the server.

use super::Agency;
use crate::ids::AgencyCode;
use crate::text::format_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest agency name, in characters.
pub const AGENCY_NAME_MAX_CHARS: usize = 200;
/// Longest free-text note on an agency (its role, its successor), in characters.
pub const AGENCY_NOTE_MAX_CHARS: usize = 1000;

/// A change an administrator makes to the agency registry. Records are never deleted: an
/// agency merged or retired keeps its record (old plans still name it) with the last day it
/// was in office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AgencyChange {
    /// A new agency, under a code not in the registry.
    Add { agency: Agency },
    /// A new name for an agency (its code stays).
    Rename { code: AgencyCode, name: String },
    /// `code` merged into `into` with effect from `on`: its last day is the day before.
    Merge {
        code: AgencyCode,
        into: AgencyCode,
        on: NaiveDate,
    },
    /// `code` dissolved with effect from `on`, with no successor: its last day is the day before.
    Retire { code: AgencyCode, on: NaiveDate },
}

/// Why a registry change is refused. Display is the Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("Mã cơ quan không hợp lệ: từ 1 đến 32 ký tự, không có khoảng trắng.")]
    CodeInvalid,
    #[error("Tên cơ quan không được để trống.")]
    NameEmpty,
    #[error("Tên cơ quan dài quá {max} ký tự.")]
    NameTooLong { max: usize },
    #[error("Tên cơ quan phải viết trên một dòng.")]
    NameMultiline,
    #[error("Ghi chú dài quá {max} ký tự.")]
    NoteTooLong { max: usize },
    #[error(
        "Ngày hết hiệu lực ({}) không được trước ngày bắt đầu hiệu lực ({}).",
        format_date(*.to),
        format_date(*.from)
    )]
    DatesInverted { from: NaiveDate, to: NaiveDate },
    #[error("Ngày không hợp lệ.")]
    DateOutOfRange,
    #[error("Đã có cơ quan mã {code}.")]
    Duplicate { code: AgencyCode },
    #[error("Không có cơ quan mã {code} trong danh mục.")]
    Unknown { code: AgencyCode },
    #[error("Không thể sáp nhập một cơ quan vào chính nó.")]
    MergeIntoItself,
    #[error(
        "Không thể sáp nhập {code} vào {into}: {into} đã được sáp nhập (trực tiếp hoặc qua cơ quan khác) vào {code}."
    )]
    SuccessorCycle { code: AgencyCode, into: AgencyCode },
    #[error("Cơ quan {code} không còn hoặc chưa hoạt động vào ngày {}.", format_date(*.on))]
    NotInOffice { code: AgencyCode, on: NaiveDate },
    #[error(
        "Cơ quan {code} đã hết hiệu lực từ ngày {}, trước ngày {}.",
        format_date(*.since),
        format_date(*.on)
    )]
    AlreadyRetired {
        code: AgencyCode,
        since: NaiveDate,
        on: NaiveDate,
    },
    #[error(
        "Cơ quan {code} có hiệu lực từ ngày {}: ngày sáp nhập hoặc giải thể phải sau ngày đó.",
        format_date(*.from)
    )]
    BeforeValidFrom { code: AgencyCode, from: NaiveDate },
}

impl RegistryError {
    /// True when the request itself breaks a rule for typed values (a malformed code, an empty
    /// name); false when it is well-formed but conflicts with the registry.
    pub fn is_validation(&self) -> bool {
        matches!(
            self,
            Self::CodeInvalid
                | Self::NameEmpty
                | Self::NameTooLong { .. }
                | Self::NameMultiline
                | Self::NoteTooLong { .. }
                | Self::DatesInverted { .. }
                | Self::DateOutOfRange
        )
    }
}

/// An agency's name: trimmed (non-breaking spaces read as spaces), one line, 1 to
/// `AGENCY_NAME_MAX_CHARS` characters.
pub fn agency_name(text: &str) -> Result<String, RegistryError> {
    let t = text.replace('\u{a0}', " ").trim().to_owned();
    if t.contains(['\n', '\r']) {
        return Err(RegistryError::NameMultiline);
    }
    match t.chars().count() {
        0 => Err(RegistryError::NameEmpty),
        n if n > AGENCY_NAME_MAX_CHARS => Err(RegistryError::NameTooLong {
            max: AGENCY_NAME_MAX_CHARS,
        }),
        _ => Ok(t),
    }
}

fn note(text: Option<&str>) -> Result<Option<String>, RegistryError> {
    let t = text.unwrap_or_default().trim();
    match t.chars().count() {
        0 => Ok(None),
        n if n > AGENCY_NOTE_MAX_CHARS => Err(RegistryError::NoteTooLong {
            max: AGENCY_NOTE_MAX_CHARS,
        }),
        _ => Ok(Some(t.to_owned())),
    }
}

fn find<'a>(current: &'a [Agency], code: &str) -> Result<&'a Agency, RegistryError> {
    let code = code.trim();
    current
        .iter()
        .find(|a| a.code == code)
        .ok_or_else(|| RegistryError::Unknown { code: code.into() })
}

/// The last day in office of an agency that ends on `on`, if `on` is a date it may end on:
/// after it began, and not after it had already ended (ending again on the same day is allowed,
/// e.g. to name a successor).
fn last_day(agency: &Agency, on: NaiveDate) -> Result<NaiveDate, RegistryError> {
    let last = on.pred_opt().ok_or(RegistryError::DateOutOfRange)?;
    if let Some(from) = agency.valid_from
        && last < from
    {
        return Err(RegistryError::BeforeValidFrom {
            code: agency.code.clone(),
            from,
        });
    }
    if let Some(to) = agency.valid_to
        && to < last
    {
        return Err(RegistryError::AlreadyRetired {
            code: agency.code.clone(),
            since: to.succ_opt().unwrap_or(to),
            on,
        });
    }
    Ok(last)
}

/// Applies an administrator's change to the registry `current`: the agencies whose records
/// change, as they should be written, or why the change is refused. Nothing else changes
/// (agencies that named a merged one as successor keep doing so).
pub fn apply_agency_change(
    current: &[Agency],
    change: &AgencyChange,
) -> Result<Vec<Agency>, RegistryError> {
    match change {
        AgencyChange::Add { agency } => {
            let code = crate::validate::agency_code(&agency.code)
                .map_err(|_| RegistryError::CodeInvalid)?;
            if let Some(same) = current.iter().find(|a| a.code.eq_ignore_ascii_case(&code)) {
                return Err(RegistryError::Duplicate {
                    code: same.code.clone(),
                });
            }
            let name = agency_name(&agency.name)?;
            if let (Some(from), Some(to)) = (agency.valid_from, agency.valid_to)
                && to < from
            {
                return Err(RegistryError::DatesInverted { from, to });
            }
            let successor = match agency.successor.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) if code == s => return Err(RegistryError::MergeIntoItself),
                Some(s) => Some(find(current, s)?.code.clone()),
            };
            Ok(vec![Agency {
                code,
                name,
                group: agency.group,
                role_note: note(agency.role_note.as_deref())?,
                successor,
                successor_note: note(agency.successor_note.as_deref())?,
                valid_from: agency.valid_from,
                valid_to: agency.valid_to,
            }])
        }
        AgencyChange::Rename { code, name } => {
            let mut agency = find(current, code)?.clone();
            agency.name = agency_name(name)?;
            Ok(vec![agency])
        }
        AgencyChange::Merge { code, into, on } => {
            let merged = find(current, code)?;
            let target = find(current, into)?;
            if merged.code == target.code {
                return Err(RegistryError::MergeIntoItself);
            }
            let in_office = target.valid_from.is_none_or(|f| f <= *on)
                && target.valid_to.is_none_or(|t| t >= *on);
            if !in_office {
                return Err(RegistryError::NotInOffice {
                    code: target.code.clone(),
                    on: *on,
                });
            }
            // Following the successors from the target must not lead back to the merged one.
            let mut seen = vec![target.code.as_str()];
            let mut next = target.successor.as_deref();
            while let Some(c) = next {
                if merged.code == c {
                    return Err(RegistryError::SuccessorCycle {
                        code: merged.code.clone(),
                        into: target.code.clone(),
                    });
                }
                if seen.contains(&c) {
                    break;
                }
                seen.push(c);
                next = current
                    .iter()
                    .find(|a| a.code == c)
                    .and_then(|a| a.successor.as_deref());
            }
            let mut agency = merged.clone();
            agency.valid_to = Some(last_day(merged, *on)?);
            agency.successor = Some(target.code.clone());
            // The note described the former successor.
            agency.successor_note = None;
            Ok(vec![agency])
        }
        AgencyChange::Retire { code, on } => {
            let retired = find(current, code)?;
            let mut agency = retired.clone();
            agency.valid_to = Some(last_day(retired, *on)?);
            agency.successor = None;
            // The free-text note stays: it may say where the duties went (split, or elsewhere).
            Ok(vec![agency])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::AgencyGroup;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn agency(code: &str, to: Option<NaiveDate>, successor: Option<&str>) -> Agency {
        Agency {
            code: code.into(),
            name: format!("Cơ quan {code}"),
            group: AgencyGroup::Department,
            role_note: None,
            successor: successor.map(AgencyCode::from),
            successor_note: None,
            valid_from: None,
            valid_to: to,
        }
    }

    /// SKHDT merged into STC on 01/03/2025; SYT, STC and SGDDT in office.
    fn registry() -> Vec<Agency> {
        vec![
            agency("SKHDT", date(2025, 2, 28), Some("STC")),
            agency("STC", None, None),
            agency("SYT", None, None),
            agency("SGDDT", None, None),
        ]
    }

    fn on(y: i32, m: u32, d: u32) -> NaiveDate {
        date(y, m, d).unwrap_or_else(|| panic!("bad date"))
    }

    fn refused(change: AgencyChange) -> RegistryError {
        match apply_agency_change(&registry(), &change) {
            Ok(a) => panic!("{change:?} allowed: {a:?}"),
            Err(e) => e,
        }
    }

    fn allowed(current: &[Agency], change: AgencyChange) -> Agency {
        let mut changed =
            apply_agency_change(current, &change).unwrap_or_else(|e| panic!("{change:?}: {e}"));
        assert_eq!(changed.len(), 1);
        changed.remove(0)
    }

    #[test]
    fn changes_travel_as_tagged_json() {
        let change = AgencyChange::Merge {
            code: "SKHDT".into(),
            into: "STC".into(),
            on: on(2025, 3, 1),
        };
        let json = serde_json::to_value(&change).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            json,
            serde_json::json!({"action": "merge", "code": "SKHDT", "into": "STC", "on": "2025-03-01"})
        );
        let add: AgencyChange = serde_json::from_value(serde_json::json!({
            "action": "add", "agency": {"code": "SDL", "name": "Sở Du lịch", "group": "department"}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(add, AgencyChange::Add { ref agency } if agency.valid_to.is_none()));
    }

    #[test]
    fn adding_needs_a_new_well_formed_code_and_a_name() {
        let mut new = agency(" SDL ", None, None);
        new.name = "  Sở Du lịch\u{a0}".into();
        new.role_note = Some("  ".into());
        let added = allowed(
            &registry(),
            AgencyChange::Add {
                agency: new.clone(),
            },
        );
        assert_eq!(added.code, "SDL");
        assert_eq!(added.name, "Sở Du lịch");
        assert_eq!(added.role_note, None);

        let with = |f: &dyn Fn(&mut Agency)| {
            let mut a = new.clone();
            f(&mut a);
            refused(AgencyChange::Add { agency: a })
        };
        let dup = with(&|a| a.code = "SYT".into());
        assert_eq!(dup, RegistryError::Duplicate { code: "SYT".into() });
        assert_eq!(dup.to_string(), "Đã có cơ quan mã SYT.");
        assert_eq!(
            with(&|a| a.code = "syt".into()),
            RegistryError::Duplicate { code: "SYT".into() }
        );
        for bad in ["", "  ", "SO DL", &"X".repeat(33)] {
            assert_eq!(with(&|a| a.code = bad.into()), RegistryError::CodeInvalid);
        }
        assert_eq!(
            with(&|a| a.name = " \u{a0} ".into()),
            RegistryError::NameEmpty
        );
        assert_eq!(
            with(&|a| a.name = "Sở\nDu lịch".into()),
            RegistryError::NameMultiline
        );
        assert_eq!(
            with(&|a| a.name = "đ".repeat(201)),
            RegistryError::NameTooLong { max: 200 }
        );
        assert!(
            apply_agency_change(
                &registry(),
                &AgencyChange::Add {
                    agency: Agency {
                        name: "đ".repeat(200),
                        ..new.clone()
                    }
                }
            )
            .is_ok()
        );
        assert_eq!(
            with(&|a| a.successor = Some("KHONGCO".into())),
            RegistryError::Unknown {
                code: "KHONGCO".into()
            }
        );
        assert_eq!(
            with(&|a| a.successor = Some("SDL".into())),
            RegistryError::MergeIntoItself
        );
        let inverted = with(&|a| {
            a.valid_from = date(2025, 3, 1);
            a.valid_to = date(2025, 2, 1);
        });
        assert!(inverted.is_validation());
        assert_eq!(
            inverted.to_string(),
            "Ngày hết hiệu lực (01/02/2025) không được trước ngày bắt đầu hiệu lực (01/03/2025)."
        );
        assert!(
            with(&|a| a.role_note = Some("x".repeat(1001))).is_validation(),
            "long notes"
        );
    }

    #[test]
    fn renaming_needs_a_known_code_and_a_name() {
        let renamed = allowed(
            &registry(),
            AgencyChange::Rename {
                code: "SYT".into(),
                name: " Sở Y tế tỉnh Lạng Sơn ".into(),
            },
        );
        assert_eq!(renamed.name, "Sở Y tế tỉnh Lạng Sơn");
        assert_eq!(renamed.code, "SYT");
        let unknown = refused(AgencyChange::Rename {
            code: "X".into(),
            name: "Tên".into(),
        });
        assert_eq!(unknown.to_string(), "Không có cơ quan mã X trong danh mục.");
        assert!(!unknown.is_validation());
        let empty = refused(AgencyChange::Rename {
            code: "SYT".into(),
            name: "   ".into(),
        });
        assert_eq!(empty, RegistryError::NameEmpty);
        assert!(empty.is_validation());
    }

    #[test]
    fn merging_ends_the_day_before_and_names_the_successor() {
        let mut current = registry();
        current[2].successor_note = Some("ghi chú cũ".into());
        let merged = allowed(
            &current,
            AgencyChange::Merge {
                code: "SYT".into(),
                into: "STC".into(),
                on: on(2025, 3, 1),
            },
        );
        assert_eq!(merged.valid_to, date(2025, 2, 28));
        assert_eq!(merged.successor.as_deref(), Some("STC"));
        assert_eq!(merged.successor_note, None);
        assert_eq!(merged.name, "Cơ quan SYT");

        // Stated again on the day it already took effect: allowed (the same record).
        let again = allowed(
            &current,
            AgencyChange::Merge {
                code: "SKHDT".into(),
                into: "STC".into(),
                on: on(2025, 3, 1),
            },
        );
        assert_eq!(again, current[0]);
        // An earlier date moves the end earlier.
        let earlier = allowed(
            &current,
            AgencyChange::Merge {
                code: "SKHDT".into(),
                into: "STC".into(),
                on: on(2025, 1, 1),
            },
        );
        assert_eq!(earlier.valid_to, date(2024, 12, 31));
    }

    #[test]
    fn merging_is_refused_when_it_makes_no_sense() {
        let merge = |code: &str, into: &str, d: NaiveDate| AgencyChange::Merge {
            code: code.into(),
            into: into.into(),
            on: d,
        };
        let itself = refused(merge("SYT", "SYT", on(2025, 3, 1)));
        assert_eq!(
            itself.to_string(),
            "Không thể sáp nhập một cơ quan vào chính nó."
        );
        assert_eq!(
            refused(merge("SYT", "KHONGCO", on(2025, 3, 1))),
            RegistryError::Unknown {
                code: "KHONGCO".into()
            }
        );
        assert_eq!(
            refused(merge("KHONGCO", "SYT", on(2025, 3, 1))),
            RegistryError::Unknown {
                code: "KHONGCO".into()
            }
        );
        // Into an agency that had ended by then.
        let gone = refused(merge("SYT", "SKHDT", on(2025, 3, 1)));
        assert_eq!(
            gone,
            RegistryError::NotInOffice {
                code: "SKHDT".into(),
                on: on(2025, 3, 1)
            }
        );
        assert_eq!(
            gone.to_string(),
            "Cơ quan SKHDT không còn hoặc chưa hoạt động vào ngày 01/03/2025."
        );
        // Into an agency still in office on that day: allowed.
        assert!(apply_agency_change(&registry(), &merge("SYT", "SKHDT", on(2025, 2, 28))).is_ok());
        // An agency that had ended before.
        let ended = refused(merge("SKHDT", "SYT", on(2025, 6, 1)));
        assert_eq!(
            ended.to_string(),
            "Cơ quan SKHDT đã hết hiệu lực từ ngày 01/03/2025, trước ngày 01/06/2025."
        );
        // A cycle: STC's predecessor SKHDT cannot take STC in; nor through a longer chain.
        let cycle = refused(merge("STC", "SKHDT", on(2025, 1, 1)));
        assert_eq!(
            cycle,
            RegistryError::SuccessorCycle {
                code: "STC".into(),
                into: "SKHDT".into()
            }
        );
        let mut chain = registry();
        chain[1].successor = Some("SYT".into());
        chain[1].valid_to = date(2025, 12, 31);
        assert!(matches!(
            apply_agency_change(&chain, &merge("SYT", "SKHDT", on(2025, 1, 1))),
            Err(RegistryError::SuccessorCycle { .. })
        ));
        // Before the agency began.
        let mut young = registry();
        young[2].valid_from = date(2025, 3, 1);
        assert_eq!(
            apply_agency_change(&young, &merge("SYT", "STC", on(2025, 3, 1))),
            Err(RegistryError::BeforeValidFrom {
                code: "SYT".into(),
                from: on(2025, 3, 1)
            })
        );
        assert!(apply_agency_change(&young, &merge("SYT", "STC", on(2025, 3, 2))).is_ok());
        assert_eq!(
            refused(merge("SYT", "STC", NaiveDate::MIN)),
            RegistryError::DateOutOfRange
        );
    }

    #[test]
    fn retiring_ends_the_day_before_with_no_successor() {
        let mut current = registry();
        current[0].successor_note = Some("chức năng chuyển cho nhiều sở".into());
        let retired = allowed(
            &current,
            AgencyChange::Retire {
                code: "SYT".into(),
                on: on(2025, 7, 1),
            },
        );
        assert_eq!(retired.valid_to, date(2025, 6, 30));
        assert_eq!(retired.successor, None);
        // An agency merged on that very day: the successor goes, its note stays.
        let skhdt = allowed(
            &current,
            AgencyChange::Retire {
                code: "SKHDT".into(),
                on: on(2025, 3, 1),
            },
        );
        assert_eq!(skhdt.successor, None);
        assert_eq!(skhdt.valid_to, date(2025, 2, 28));
        assert!(skhdt.successor_note.is_some());

        assert_eq!(
            refused(AgencyChange::Retire {
                code: "SKHDT".into(),
                on: on(2025, 3, 2),
            }),
            RegistryError::AlreadyRetired {
                code: "SKHDT".into(),
                since: on(2025, 3, 1),
                on: on(2025, 3, 2)
            }
        );
        assert!(matches!(
            refused(AgencyChange::Retire {
                code: "X".into(),
                on: on(2025, 3, 2),
            }),
            RegistryError::Unknown { .. }
        ));
    }
}
