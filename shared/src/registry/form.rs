//! The agency registry as an administrator edits it: the listing's order, and the forms (add,
//! rename, merge, retire) as plain drafts of typed text, turned into an [`AgencyChange`] by one
//! pure function the app and its tests share. The change is then checked by
//! `registry::apply_agency_change`, on the device and again on the server.

use crate::ids::AgencyCode;
use crate::registry::{Agency, AgencyChange, AgencyGroup};
use crate::text::{Query, collation_key};

/// The agencies matching `q` (by name or code, without diacritics), by group in
/// [`AgencyGroup::ALL`]'s order, then by name as Vietnamese sorts it.
pub fn listed(agencies: &[Agency], q: &Query) -> Vec<Agency> {
    let mut list: Vec<Agency> = agencies
        .iter()
        .filter(|a| q.matches(&a.name) || q.matches(&a.code))
        .cloned()
        .collect();
    list.sort_by_cached_key(|a| (a.group, collation_key(&a.name)));
    list
}

/// `agencies` in groups, in [`AgencyGroup::ALL`]'s order; within a group, in the order given.
pub fn grouped(agencies: Vec<Agency>) -> Vec<(AgencyGroup, Vec<Agency>)> {
    let mut groups: Vec<(AgencyGroup, Vec<Agency>)> = Vec::new();
    for a in agencies {
        match groups.iter_mut().find(|(g, _)| *g == a.group) {
            Some((_, v)) => v.push(a),
            None => groups.push((a.group, vec![a])),
        }
    }
    groups.sort_by_key(|(g, _)| *g);
    groups
}

/// The agencies `code` may be merged into: every other one still in office, by name.
pub fn merge_targets(agencies: &[Agency], code: &str) -> Vec<(AgencyCode, String)> {
    let mut targets: Vec<&Agency> = agencies
        .iter()
        .filter(|a| a.code != code && a.valid_to.is_none())
        .collect();
    targets.sort_by_cached_key(|a| collation_key(&a.name));
    targets
        .into_iter()
        .map(|a| (a.code.clone(), a.name.clone()))
        .collect()
}

/// Which change an agency's row is being edited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowEdit {
    Rename,
    Merge,
    Retire,
}

impl RowEdit {
    /// The editor's heading and its button.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::Rename => ("Đổi tên cơ quan", "Lưu tên mới"),
            Self::Merge => ("Sáp nhập vào cơ quan khác", "Sáp nhập"),
            Self::Retire => ("Giải thể (không có cơ quan kế thừa)", "Giải thể"),
        }
    }
}

/// What an administrator has typed into an agency row's editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDraft {
    pub code: AgencyCode,
    pub edit: RowEdit,
    /// The new name (rename).
    pub name: String,
    /// The agency it merges into (merge); empty until chosen.
    pub into: String,
    /// The day it takes effect (merge, retire), as typed: dd/mm/yyyy.
    pub date: String,
}

impl RowDraft {
    /// A fresh editor for `code`, whose current name is `name`.
    pub fn open(code: &str, edit: RowEdit, name: &str) -> Self {
        Self {
            code: code.into(),
            edit,
            name: name.to_owned(),
            into: String::new(),
            date: String::new(),
        }
    }

    /// The change this draft asks for.
    ///
    /// # Errors
    /// A date not typed as dd/mm/yyyy, or a merge with no agency chosen.
    pub fn change(&self) -> Result<AgencyChange, DraftError> {
        let code = self.code.clone();
        if self.edit == RowEdit::Rename {
            return Ok(AgencyChange::Rename {
                code,
                name: self.name.clone(),
            });
        }
        let on = crate::validate::date(&self.date)?;
        if self.edit == RowEdit::Retire {
            return Ok(AgencyChange::Retire { code, on });
        }
        if self.into.is_empty() {
            return Err(DraftError::NoSuccessor);
        }
        Ok(AgencyChange::Merge {
            code,
            into: self.into.as_str().into(),
            on,
        })
    }
}

/// What an administrator has typed into "Thêm cơ quan".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgencyDraft {
    pub code: String,
    pub name: String,
    pub group: AgencyGroup,
}

impl Default for NewAgencyDraft {
    fn default() -> Self {
        Self {
            code: String::new(),
            name: String::new(),
            group: AgencyGroup::Department,
        }
    }
}

impl NewAgencyDraft {
    /// The agency to add, in office from no particular day and with no successor.
    pub fn change(&self) -> AgencyChange {
        AgencyChange::Add {
            agency: Agency {
                code: self.code.trim().into(),
                name: self.name.clone(),
                group: self.group,
                role_note: None,
                successor: None,
                successor_note: None,
                valid_from: None,
                valid_to: None,
            },
        }
    }
}

/// Why a draft is not yet a change. Display is the Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    #[error(transparent)]
    Invalid(#[from] crate::validate::ValidationError),
    #[error("Chọn cơ quan tiếp nhận.")]
    NoSuccessor,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::ValidationError;
    use chrono::NaiveDate;

    fn agency(code: &str, name: &str, group: AgencyGroup) -> Agency {
        Agency {
            code: code.into(),
            name: name.into(),
            group,
            role_note: None,
            successor: None,
            successor_note: None,
            valid_from: None,
            valid_to: None,
        }
    }

    fn registry() -> Vec<Agency> {
        vec![
            agency("UBNDH", "UBND các huyện", AgencyGroup::Local),
            agency("SYT", "Sở Y tế", AgencyGroup::Department),
            agency("CA", "Công an tỉnh", AgencyGroup::ArmedForces),
            agency("BDT", "Ban Dân tộc tỉnh", AgencyGroup::Department),
            agency("MTTQ", "Ủy ban MTTQ tỉnh", AgencyGroup::MassOrganisation),
            agency("KBNN", "Kho bạc Nhà nước tỉnh", AgencyGroup::Other),
        ]
    }

    #[test]
    fn the_listing_goes_by_group_then_by_vietnamese_name() {
        let codes: Vec<AgencyCode> = listed(&registry(), &Query::new(""))
            .into_iter()
            .map(|a| a.code)
            .collect();
        assert_eq!(codes, ["BDT", "SYT", "CA", "MTTQ", "KBNN", "UBNDH"]);
        let found = listed(&registry(), &Query::new("so y te"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "SYT");
        assert_eq!(listed(&registry(), &Query::new("syt"))[0].code, "SYT");
    }

    #[test]
    fn groups_keep_the_order_given_within_and_the_registry_order_between() {
        let groups = grouped(registry());
        let order: Vec<AgencyGroup> = groups.iter().map(|(g, _)| *g).collect();
        assert_eq!(order, AgencyGroup::ALL);
        assert_eq!(
            groups[0].1[0].code, "SYT",
            "the order given, within a group"
        );
    }

    #[test]
    fn an_agency_merges_only_into_another_in_office() {
        let mut list = registry();
        list[2].valid_to = NaiveDate::from_ymd_opt(2025, 2, 28);
        let targets: Vec<AgencyCode> = merge_targets(&list, "SYT")
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(targets, ["BDT", "KBNN", "UBNDH", "MTTQ"]);
    }

    #[test]
    fn a_draft_becomes_its_change_or_says_what_is_missing() {
        let mut d = RowDraft::open("SYT", RowEdit::Rename, "Sở Y tế");
        d.name = "Sở Y tế tỉnh".into();
        assert_eq!(
            d.change(),
            Ok(AgencyChange::Rename {
                code: "SYT".into(),
                name: "Sở Y tế tỉnh".into()
            })
        );
        let mut d = RowDraft::open("SYT", RowEdit::Merge, "Sở Y tế");
        assert_eq!(
            d.change(),
            Err(DraftError::Invalid(ValidationError::DateUnreadable))
        );
        d.date = "01/03/2025".into();
        assert_eq!(d.change(), Err(DraftError::NoSuccessor));
        d.into = "BDT".into();
        let on = NaiveDate::from_ymd_opt(2025, 3, 1).expect("a date");
        assert_eq!(
            d.change(),
            Ok(AgencyChange::Merge {
                code: "SYT".into(),
                into: "BDT".into(),
                on
            })
        );
        let mut d = RowDraft::open("CA", RowEdit::Retire, "Công an tỉnh");
        d.date = "1/3/2025".into();
        assert_eq!(
            d.change(),
            Ok(AgencyChange::Retire {
                code: "CA".into(),
                on
            })
        );
        assert_eq!(
            DraftError::from(ValidationError::DateUnreadable).to_string(),
            "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 30/06/2016."
        );
    }

    #[test]
    fn a_new_agency_has_no_dates_and_no_successor() {
        let d = NewAgencyDraft {
            code: "SDL".into(),
            name: "Sở Du lịch".into(),
            group: AgencyGroup::Department,
        };
        let AgencyChange::Add { agency } = d.change() else {
            panic!("an add");
        };
        assert_eq!(
            agency,
            self::agency("SDL", "Sở Du lịch", AgencyGroup::Department)
        );
    }
}
