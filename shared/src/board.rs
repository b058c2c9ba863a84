//! The assignment board's rules, pure so that they are tested without a browser: which
//! agencies a plan shows and how a search ranks them, and what a drop means (the mutations to
//! make, the words for the undo bar, and the mutations that undo it, or why it is refused).

use crate::assignment::{self, Load};
use crate::ids::{AgencyCode, NodeId};
use crate::mutation::{Mutation, MutationError, Position};
use crate::plan_state::PlanState;
use crate::registry::{Agency, name_of};
use crate::text::{Query, collation_key, fold};
use chrono::NaiveDate;
use std::collections::HashMap;

/// What is being dragged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DragItem {
    /// A task of the tree.
    Task(NodeId),
    /// One agency's part in a task (its chip), to hand to another agency.
    Assignment { node: NodeId, agency: AgencyCode },
}

/// Where a tree drop goes relative to the row under the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Before,
    Inside,
    After,
}

/// What is under the pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Agency(AgencyCode),
    Row(NodeId, Zone),
}

/// The agencies a plan shows, in Vietnamese alphabetical order: those in office on the plan's
/// date (all current ones when it has none), and any it has assigned.
pub fn agencies_for(
    all: &[Agency],
    on: Option<NaiveDate>,
    assigned: &HashMap<AgencyCode, Load>,
) -> Vec<Agency> {
    let mut list: Vec<Agency> = all
        .iter()
        .filter(|a| {
            let in_office = match on {
                Some(d) => a.valid_from.is_none_or(|f| f <= d) && a.valid_to.is_none_or(|t| t >= d),
                None => a.valid_to.is_none(),
            };
            in_office || assigned.contains_key(&a.code)
        })
        .cloned()
        .collect();
    list.sort_by_cached_key(|a| collation_key(&a.name));
    list
}

/// The agencies matching a search (by name or code, without diacritics): those whose words
/// start with it first ("y te" finds Sở Y tế before "Khu kinh tế"), each kind in the order
/// given. All of them when the search is empty.
pub fn search(agencies: impl IntoIterator<Item = Agency>, q: &Query) -> Vec<Agency> {
    let mut ranked: Vec<(u8, Agency)> = agencies
        .into_iter()
        .filter_map(|a| {
            let rank = if q.is_empty() {
                2
            } else {
                q.rank_folded(&fold(&format!("{} {}", a.name, a.code)))
            };
            (rank > 0).then_some((rank, a))
        })
        .collect();
    ranked.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
    ranked.into_iter().map(|(_, a)| a).collect()
}

/// A task's number and the start of its title, as the board's messages name it.
pub fn short_title(s: &PlanState, id: NodeId) -> String {
    s.get(id)
        .map(|n| {
            let t: String = n.title.chars().take(60).collect();
            let more = if n.title.chars().count() > 60 {
                "…"
            } else {
                ""
            };
            if n.label.is_empty() {
                format!("«{t}{more}»")
            } else {
                format!("{} «{t}{more}»", n.label)
            }
        })
        .unwrap_or_default()
}

/// Where `id` sits now, as a position that puts it back there.
fn place_of(s: &PlanState, id: NodeId) -> Option<(Option<NodeId>, Position)> {
    let node = s.get(id)?;
    let siblings = s.children(node.parent);
    let i = siblings.iter().position(|n| n.id == id)?;
    let position = match i.checked_sub(1).and_then(|j| siblings.get(j)) {
        Some(prev) => Position::After(prev.id),
        None => Position::First,
    };
    Some((node.parent, position))
}

/// A drop worked out: the mutations, the words for the undo bar, and what undoes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub mutations: Vec<Mutation>,
    pub words: String,
    pub undo: Vec<Mutation>,
}

/// Why a drop does nothing but say so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropRefused {
    #[error("{agency} đã được giao nhiệm vụ này.")]
    AlreadyAssigned { agency: String },
    /// A task dropped into itself or its own sub-tasks (the rule's own words).
    #[error("{0}")]
    Cycle(MutationError),
}

fn cycle(id: NodeId, parent: NodeId) -> DropRefused {
    DropRefused::Cycle(MutationError::Cycle { id, parent })
}

/// Works out a drop: the mutations to make, the words for the undo bar, and what undoes it;
/// `None` when the drop changes nothing.
pub fn plan_drop(
    s: &PlanState,
    agencies: &[Agency],
    item: &DragItem,
    target: &Target,
) -> Result<Option<Planned>, DropRefused> {
    match (item, target) {
        (DragItem::Task(id), Target::Agency(code)) => {
            let Some(node) = s.get(*id) else {
                return Ok(None);
            };
            let name = name_of(agencies, code);
            if node.assignment(code).is_some() {
                return Err(DropRefused::AlreadyAssigned { agency: name });
            }
            let role = assignment::role_for_drop(&node.assignments);
            Ok(Some(Planned {
                mutations: vec![Mutation::Assign {
                    id: *id,
                    agency: code.clone(),
                    role,
                    deadline: None,
                }],
                words: format!(
                    "Đã giao {} cho {name} ({}).",
                    short_title(s, *id),
                    role.label_vi().to_lowercase()
                ),
                // A drop never demotes a lead: taking the agency off undoes it, and leaves what
                // others assigned meanwhile alone.
                undo: vec![Mutation::Unassign {
                    id: *id,
                    agency: code.clone(),
                }],
            }))
        }
        (DragItem::Assignment { node, agency }, Target::Agency(to)) => {
            if agency == to {
                return Ok(None);
            }
            let Some(n) = s.get(*node) else {
                return Ok(None);
            };
            let name = name_of(agencies, to);
            if n.assignment(to).is_some() {
                return Err(DropRefused::AlreadyAssigned { agency: name });
            }
            Ok(Some(Planned {
                mutations: vec![Mutation::Reassign {
                    id: *node,
                    from: agency.clone(),
                    to: to.clone(),
                }],
                words: format!(
                    "Đã chuyển phần việc của {} ở {} sang {name}.",
                    name_of(agencies, agency),
                    short_title(s, *node)
                ),
                undo: vec![Mutation::Reassign {
                    id: *node,
                    from: to.clone(),
                    to: agency.clone(),
                }],
            }))
        }
        (DragItem::Task(id), Target::Row(on, zone)) => {
            if s.is_ancestor_or_self(*id, *on) {
                return if id == on {
                    Ok(None)
                } else {
                    Err(cycle(*id, *on))
                };
            }
            let Some(target) = s.get(*on) else {
                return Ok(None);
            };
            let (parent, position) = match zone {
                Zone::Inside => (Some(*on), Position::Last),
                Zone::Before => (target.parent, Position::Before(*on)),
                Zone::After => (target.parent, Position::After(*on)),
            };
            if let Some(p) = parent
                && s.is_ancestor_or_self(*id, p)
            {
                return Err(cycle(*id, p));
            }
            let Some((old_parent, old_position)) = place_of(s, *id) else {
                return Ok(None);
            };
            let words = match zone {
                Zone::Inside => format!(
                    "Đã chuyển {} vào {}.",
                    short_title(s, *id),
                    short_title(s, *on)
                ),
                _ => format!("Đã chuyển {}.", short_title(s, *id)),
            };
            Ok(Some(Planned {
                mutations: vec![Mutation::MoveNode {
                    id: *id,
                    parent,
                    position,
                }],
                words,
                undo: vec![Mutation::MoveNode {
                    id: *id,
                    parent: old_parent,
                    position: old_position,
                }],
            }))
        }
        (DragItem::Assignment { .. }, Target::Row(..)) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::{Assignment, Role};
    use crate::ids::PlanId;
    use crate::plan::tests_support::node;
    use crate::rank::Rank;
    use crate::registry::AgencyGroup;

    fn id(n: u64) -> NodeId {
        NodeId::from_parts(n, [n as u8; 10])
    }

    fn agency(code: &str, name: &str, valid_to: Option<NaiveDate>) -> Agency {
        Agency {
            code: code.into(),
            name: name.into(),
            group: AgencyGroup::Department,
            role_note: None,
            successor: None,
            successor_note: None,
            valid_from: None,
            valid_to,
        }
    }

    fn agencies() -> Vec<Agency> {
        vec![
            agency("SYT", "Sở Y tế", None),
            agency("KKT", "Ban Quản lý Khu kinh tế", None),
            agency("SGDDT", "Sở Giáo dục và Đào tạo", None),
        ]
    }

    /// I with tasks 1 and 2 under it (2 led by Sở Y tế), and II.
    fn state() -> PlanState {
        let ranks = Rank::sequence(3);
        let at = |n: u64, parent: Option<u64>, label: &str, rank: usize, title: &str| {
            let mut x = node(title);
            x.id = id(n);
            x.plan_id = PlanId::from_parts(9, [9; 10]);
            x.parent = parent.map(id);
            x.label = label.into();
            x.rank = ranks[rank].clone();
            x
        };
        let mut two = at(3, Some(1), "2", 1, "Nâng cao chất lượng khám chữa bệnh");
        two.assignments = vec![Assignment {
            agency: "SYT".into(),
            role: Role::Lead,
            deadline: None,
        }];
        PlanState::new(
            PlanId::from_parts(9, [9; 10]),
            [
                at(1, None, "I", 0, "Giáo dục"),
                at(2, Some(1), "1", 0, "Phát triển trường dân tộc nội trú"),
                two,
                at(4, None, "II", 1, "Y tế"),
            ],
        )
    }

    #[test]
    fn a_task_dropped_on_an_agency_is_led_by_it_then_coordinated_and_undone_by_unassigning() {
        let s = state();
        let p = plan_drop(
            &s,
            &agencies(),
            &DragItem::Task(id(2)),
            &Target::Agency("SGDDT".into()),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("nothing planned"));
        assert_eq!(
            p.mutations,
            [Mutation::Assign {
                id: id(2),
                agency: "SGDDT".into(),
                role: Role::Lead,
                deadline: None
            }]
        );
        assert_eq!(
            p.words,
            "Đã giao 1 «Phát triển trường dân tộc nội trú» cho Sở Giáo dục và Đào tạo (chủ trì)."
        );
        assert_eq!(
            p.undo,
            [Mutation::Unassign {
                id: id(2),
                agency: "SGDDT".into()
            }]
        );
        let p = plan_drop(
            &s,
            &agencies(),
            &DragItem::Task(id(3)),
            &Target::Agency("SGDDT".into()),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("nothing planned"));
        assert!(matches!(
            p.mutations[0],
            Mutation::Assign {
                role: Role::Coordinating,
                ..
            }
        ));
    }

    #[test]
    fn a_drop_on_an_agency_already_assigned_is_refused_by_name() {
        let r = plan_drop(
            &state(),
            &agencies(),
            &DragItem::Task(id(3)),
            &Target::Agency("SYT".into()),
        );
        assert_eq!(
            r,
            Err(DropRefused::AlreadyAssigned {
                agency: "Sở Y tế".into()
            })
        );
        assert_eq!(
            r.err().map(|e| e.to_string()).as_deref(),
            Some("Sở Y tế đã được giao nhiệm vụ này.")
        );
    }

    #[test]
    fn a_chip_handed_to_another_agency_is_a_reassignment_undone_the_other_way() {
        let item = DragItem::Assignment {
            node: id(3),
            agency: "SYT".into(),
        };
        let p = plan_drop(&state(), &agencies(), &item, &Target::Agency("KKT".into()))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("nothing planned"));
        assert_eq!(
            p.mutations,
            [Mutation::Reassign {
                id: id(3),
                from: "SYT".into(),
                to: "KKT".into()
            }]
        );
        assert_eq!(
            p.undo,
            [Mutation::Reassign {
                id: id(3),
                from: "KKT".into(),
                to: "SYT".into()
            }]
        );
        assert_eq!(
            plan_drop(&state(), &agencies(), &item, &Target::Agency("SYT".into())),
            Ok(None)
        );
        assert_eq!(
            plan_drop(
                &state(),
                &agencies(),
                &item,
                &Target::Row(id(4), Zone::Inside)
            ),
            Ok(None)
        );
    }

    #[test]
    fn a_task_moves_in_the_tree_and_back_but_never_into_itself() {
        let s = state();
        let p = plan_drop(
            &s,
            &agencies(),
            &DragItem::Task(id(3)),
            &Target::Row(id(2), Zone::Before),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("nothing planned"));
        assert_eq!(
            p.mutations,
            [Mutation::MoveNode {
                id: id(3),
                parent: Some(id(1)),
                position: Position::Before(id(2))
            }]
        );
        assert_eq!(
            p.undo,
            [Mutation::MoveNode {
                id: id(3),
                parent: Some(id(1)),
                position: Position::After(id(2))
            }]
        );
        let into = plan_drop(
            &s,
            &agencies(),
            &DragItem::Task(id(1)),
            &Target::Row(id(3), Zone::Inside),
        );
        assert!(
            matches!(into, Err(DropRefused::Cycle(MutationError::Cycle { .. }))),
            "{into:?}"
        );
        assert_eq!(
            plan_drop(
                &s,
                &agencies(),
                &DragItem::Task(id(1)),
                &Target::Row(id(1), Zone::Inside)
            ),
            Ok(None)
        );
    }

    #[test]
    fn the_board_lists_agencies_in_office_and_those_assigned_in_vietnamese_order() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        let mut all = agencies();
        all.push(agency(
            "SLDTBXH",
            "Sở Lao động - Thương binh và Xã hội",
            d(2025, 2, 28),
        ));
        let names = |list: Vec<Agency>| list.into_iter().map(|a| a.code).collect::<Vec<_>>();
        // A plan of 2026: the merged department is gone, unless the plan assigned it.
        let none = HashMap::new();
        assert_eq!(
            names(agencies_for(&all, d(2026, 1, 1), &none)),
            ["KKT", "SGDDT", "SYT"]
        );
        let assigned = HashMap::from([(AgencyCode::from("SLDTBXH"), Load::default())]);
        assert_eq!(
            names(agencies_for(&all, d(2026, 1, 1), &assigned)),
            ["KKT", "SGDDT", "SLDTBXH", "SYT"]
        );
        // A plan of 2014: it was in office.
        assert_eq!(names(agencies_for(&all, d(2014, 6, 5), &none)).len(), 4);
    }

    #[test]
    fn a_search_ignores_diacritics_and_puts_word_starts_first() {
        let found = search(agencies(), &Query::new("y te"));
        assert_eq!(found.first().map(|a| a.code.as_str()), Some("SYT"));
        assert!(
            found.iter().any(|a| a.code == "KKT"),
            "a match inside a word still counts"
        );
        assert_eq!(search(agencies(), &Query::new("")).len(), 3);
        assert!(search(agencies(), &Query::new("quốc phòng")).is_empty());
    }
}
