//! Who may change what. The server checks every synced mutation with [`check`] against its own
//! state before applying it; the app uses the same rules to show only the controls that apply.

pub use crate::actor::{Actor, Author, UserRole};
use crate::ids::NodeId;
use crate::mutation::{Mutation, MutationError, NodeEdit};
use crate::plan::Visibility;
use crate::plan_state::PlanState;

/// Whether `actor` may read a plan of `visibility`; `assigns` says whether the plan gives a
/// task to an agency (asked only when it matters).
pub fn may_read(actor: &Actor, visibility: Visibility, assigns: impl FnOnce(&str) -> bool) -> bool {
    match (visibility, actor.role) {
        (Visibility::Province, _) => true,
        (Visibility::Assigned, UserRole::AgencyOfficer) => {
            actor.agency.as_deref().is_some_and(assigns)
        }
        (Visibility::Assigned, _) => true,
    }
}

const READ_ONLY: &str = "Vai trò của bạn chỉ được xem kế hoạch, không được sửa.";
const ASSIGN_ONLY_STANDING: &str =
    "Chỉ cơ quan thường trực mới được giao nhiệm vụ hoặc đổi cơ quan thực hiện.";
const ONLY_ASSIGNED_PROGRESS: &str =
    "Đơn vị chỉ được cập nhật tiến độ các nhiệm vụ được giao cho đơn vị.";
const ONLY_OWN_SUBTASKS: &str =
    "Đơn vị chỉ được sửa, chuyển hoặc xoá các nhiệm vụ con do đơn vị mình thêm.";
const ONLY_UNDER_ASSIGNED: &str =
    "Đơn vị chỉ được thêm nhiệm vụ con vào nhiệm vụ được giao cho đơn vị.";
const NO_AGENCY: &str = "Tài khoản cán bộ đơn vị chưa được gắn với cơ quan nào.";

fn forbidden(message: &str) -> MutationError {
    MutationError::Forbidden {
        message: message.to_owned(),
    }
}

/// True when `agency` is assigned `id` or one of its ancestors.
pub fn assigned_within(state: &PlanState, id: NodeId, agency: &str) -> bool {
    let mut cur = Some(id);
    for _ in 0..=state.len() {
        let Some(node) = cur.and_then(|c| state.get(c)) else {
            return false;
        };
        if node.assignment(agency).is_some() {
            return true;
        }
        cur = node.parent;
    }
    false
}

/// True when `id` is a sub-task `agency` added itself.
pub fn owned_by(state: &PlanState, id: NodeId, agency: &str) -> bool {
    state
        .get(id)
        .is_some_and(|n| n.owner.as_deref() == Some(agency))
}

/// True when the agency may hang its own sub-tasks under `parent`.
fn may_add_under(state: &PlanState, parent: Option<NodeId>, agency: &str) -> bool {
    parent.is_some_and(|p| assigned_within(state, p, agency) || owned_by(state, p, agency))
}

/// Whether `actor` may make `mutation` on `state`; the error says why not, in Vietnamese. A
/// mutation about a node that does not exist is let through: [`PlanState::apply`] gives the
/// precise reason.
pub fn check(
    actor: &Actor,
    username: &str,
    state: &PlanState,
    mutation: &Mutation,
) -> Result<(), MutationError> {
    if let Mutation::Report { op } = mutation {
        return crate::report::access::check(actor, op).map_err(MutationError::from);
    }
    if let Mutation::Inspection { op } = mutation {
        return crate::inspection::access::check(actor, username, state.records(), op)
            .map_err(MutationError::from);
    }
    match actor.role {
        UserRole::Admin | UserRole::Standing => return Ok(()),
        UserRole::Inspector | UserRole::Leader => return Err(forbidden(READ_ONLY)),
        UserRole::AgencyOfficer => {}
    }
    let Some(agency) = actor.agency.as_deref() else {
        return Err(forbidden(NO_AGENCY));
    };
    let exists = |id: NodeId| state.get(id).is_some();
    let owned = |id: NodeId| owned_by(state, id, agency);
    let owns_subtree = |id: NodeId| state.subtree(id).into_iter().all(owned);
    match mutation {
        Mutation::CreateNode { parent, owner, .. } => {
            if owner.as_deref() == Some(agency) && may_add_under(state, *parent, agency) {
                Ok(())
            } else {
                Err(forbidden(ONLY_UNDER_ASSIGNED))
            }
        }
        Mutation::EditNode { id, edit } | Mutation::ResolveConflict { id, edit, .. } => {
            if !exists(*id) || owned(*id) && !matches!(edit, NodeEdit::Assignments(_)) {
                return Ok(());
            }
            match edit {
                NodeEdit::Progress(_) | NodeEdit::CompletedOn(_) => {
                    if assigned_within(state, *id, agency) {
                        Ok(())
                    } else {
                        Err(forbidden(ONLY_ASSIGNED_PROGRESS))
                    }
                }
                NodeEdit::Assignments(_) => Err(forbidden(ASSIGN_ONLY_STANDING)),
                NodeEdit::Title(_)
                | NodeEdit::Body(_)
                | NodeEdit::Deadline(_)
                | NodeEdit::Label(_) => Err(forbidden(ONLY_OWN_SUBTASKS)),
            }
        }
        // A move or a delete takes the whole subtree: all of it must be the agency's own.
        Mutation::MoveNode { id, parent, .. } => {
            if !exists(*id) || owns_subtree(*id) && may_add_under(state, *parent, agency) {
                Ok(())
            } else {
                Err(forbidden(ONLY_OWN_SUBTASKS))
            }
        }
        Mutation::DeleteNode { id } => {
            if !exists(*id) || owns_subtree(*id) {
                Ok(())
            } else {
                Err(forbidden(ONLY_OWN_SUBTASKS))
            }
        }
        Mutation::Assign { .. } | Mutation::Unassign { .. } | Mutation::Reassign { .. } => {
            Err(forbidden(ASSIGN_ONLY_STANDING))
        }
        Mutation::Report { .. } | Mutation::Inspection { .. } => Ok(()),
    }
}

/// True when `actor` may change `field`-like things of node `id` (for showing controls):
/// `progress` asks about progress, otherwise about the node's text and place.
pub fn may_edit_node(actor: &Actor, state: &PlanState, id: NodeId, progress: bool) -> bool {
    let edit = if progress {
        NodeEdit::Progress(0)
    } else {
        NodeEdit::Title(String::new())
    };
    // Node edits do not depend on who the user is by name.
    check(actor, "", state, &Mutation::EditNode { id, edit }).is_ok()
}

/// True when `actor` may add a sub-task under `parent`.
pub fn may_add_child(actor: &Actor, state: &PlanState, parent: Option<NodeId>) -> bool {
    match actor.role {
        UserRole::Admin | UserRole::Standing => true,
        UserRole::AgencyOfficer => actor
            .agency
            .as_deref()
            .is_some_and(|a| may_add_under(state, parent, a)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AgencyCode;

    #[test]
    fn a_restricted_plan_is_read_by_the_agencies_it_assigns_and_the_province_roles() {
        let officer = |agency: Option<&str>| Actor {
            role: UserRole::AgencyOfficer,
            agency: agency.map(AgencyCode::from),
        };
        let assigns = |a: &str| a == "SYT";
        assert!(may_read(
            &officer(Some("SGD")),
            Visibility::Province,
            assigns
        ));
        assert!(may_read(
            &officer(Some("SYT")),
            Visibility::Assigned,
            assigns
        ));
        assert!(!may_read(
            &officer(Some("SGD")),
            Visibility::Assigned,
            assigns
        ));
        assert!(!may_read(&officer(None), Visibility::Assigned, assigns));
        for role in [
            UserRole::Admin,
            UserRole::Standing,
            UserRole::Inspector,
            UserRole::Leader,
        ] {
            let actor = Actor { role, agency: None };
            assert!(
                may_read(&actor, Visibility::Assigned, |_| false),
                "{role:?}"
            );
        }
    }
    use crate::assignment::Role;
    use crate::ids::{ConflictId, PlanId};
    use crate::mutation::Position;

    fn id(n: u8) -> NodeId {
        NodeId::from_parts(1, [n; 10])
    }

    /// III (assigned to SYT as lead, STC coordinating) → 1 → a; IV unassigned; 1 has SYT's own
    /// sub-task "s".
    fn state() -> PlanState {
        let plan = PlanId::from_parts(1, [0; 10]);
        let mut s = PlanState::new(plan, []);
        let mut create = |n: u8, parent: Option<u8>, owner: Option<&str>| {
            s.apply_and_commit(&Mutation::CreateNode {
                id: id(n),
                parent: parent.map(id),
                position: Position::Last,
                title: format!("n{n}"),
                body: None,
                deadline: None,
                label: String::new(),
                owner: owner.map(AgencyCode::from),
            })
            .expect("create");
        };
        create(1, None, None);
        create(2, Some(1), None);
        create(3, Some(2), None);
        create(4, None, None);
        create(5, Some(2), Some("SYT"));
        for (agency, role) in [("SYT", Role::Lead), ("STC", Role::Coordinating)] {
            s.apply_and_commit(&Mutation::Assign {
                id: id(1),
                agency: agency.into(),
                role,
                deadline: None,
            })
            .expect("assign");
        }
        s
    }

    fn officer(agency: &str) -> Actor {
        Actor {
            role: UserRole::AgencyOfficer,
            agency: Some(agency.into()),
        }
    }

    fn edit(n: u8, edit: NodeEdit) -> Mutation {
        Mutation::EditNode { id: id(n), edit }
    }

    fn create_under(n: u8, owner: Option<&str>) -> Mutation {
        Mutation::CreateNode {
            id: id(99),
            parent: Some(id(n)),
            position: Position::Last,
            title: "mới".into(),
            body: None,
            deadline: None,
            label: String::new(),
            owner: owner.map(AgencyCode::from),
        }
    }

    #[test]
    fn the_role_table_holds() {
        let s = state();
        let syt = officer("SYT");
        let stc = officer("STC");
        let sgd = officer("SGDDT");
        let leader = Actor {
            role: UserRole::Leader,
            agency: None,
        };
        let inspector = Actor {
            role: UserRole::Inspector,
            agency: None,
        };
        let standing = Actor {
            role: UserRole::Standing,
            agency: Some("BDT".into()),
        };
        let assign = Mutation::Assign {
            id: id(4),
            agency: "SYT".into(),
            role: Role::Lead,
            deadline: None,
        };
        let resolve_progress = Mutation::ResolveConflict {
            conflict: ConflictId::from_parts(1, [1; 10]),
            id: id(3),
            edit: NodeEdit::Progress(10),
        };
        // (actor, mutation, allowed)
        let table: Vec<(&Actor, Mutation, bool)> = vec![
            (&standing, assign.clone(), true),
            (&standing, edit(1, NodeEdit::Title("x".into())), true),
            (&standing, Mutation::DeleteNode { id: id(1) }, true),
            (&leader, edit(1, NodeEdit::Progress(5)), false),
            (&inspector, edit(1, NodeEdit::Progress(5)), false),
            (&inspector, Mutation::DeleteNode { id: id(5) }, false),
            // The lead and a coordinating agency report progress on the task and below it.
            (&syt, edit(1, NodeEdit::Progress(50)), true),
            (&syt, edit(3, NodeEdit::Progress(50)), true),
            (&stc, edit(2, NodeEdit::CompletedOn(None)), true),
            (&syt, resolve_progress.clone(), true),
            (&sgd, edit(1, NodeEdit::Progress(50)), false),
            (&sgd, resolve_progress, false),
            (&syt, edit(4, NodeEdit::Progress(50)), false),
            // Not the plan's own text, nor its assignments.
            (&syt, edit(1, NodeEdit::Title("x".into())), false),
            (&syt, edit(2, NodeEdit::Deadline(None)), false),
            (&syt, edit(1, NodeEdit::Assignments(vec![])), false),
            (&syt, assign.clone(), false),
            (
                &syt,
                Mutation::Unassign {
                    id: id(1),
                    agency: "STC".into(),
                },
                false,
            ),
            (&syt, Mutation::DeleteNode { id: id(2) }, false),
            // Its own sub-tasks: add under an assigned task, edit, move, delete.
            (&syt, create_under(2, Some("SYT")), true),
            (&syt, create_under(5, Some("SYT")), true),
            (&syt, create_under(2, None), false),
            (&syt, create_under(2, Some("STC")), false),
            (&syt, create_under(4, Some("SYT")), false),
            (&sgd, create_under(2, Some("SGDDT")), false),
            (&syt, edit(5, NodeEdit::Title("x".into())), true),
            (&syt, edit(5, NodeEdit::Assignments(vec![])), false),
            (&stc, edit(5, NodeEdit::Title("x".into())), false),
            (&stc, Mutation::DeleteNode { id: id(5) }, false),
            (
                &syt,
                Mutation::MoveNode {
                    id: id(5),
                    parent: Some(id(3)),
                    position: Position::First,
                },
                true,
            ),
            (
                &syt,
                Mutation::MoveNode {
                    id: id(5),
                    parent: Some(id(4)),
                    position: Position::First,
                },
                false,
            ),
            (
                &syt,
                Mutation::MoveNode {
                    id: id(5),
                    parent: None,
                    position: Position::First,
                },
                false,
            ),
        ];
        let mut s = s;
        for (i, (actor, m, allowed)) in table.into_iter().enumerate() {
            let got = check(actor, "", &s, &m);
            assert_eq!(got.is_ok(), allowed, "row {i}: {actor:?} {m:?} → {got:?}");
            if let Err(e) = got {
                assert!(matches!(e, MutationError::Forbidden { .. }), "row {i}");
                assert!(!e.to_string().is_empty());
            }
        }
        // STC hangs its own sub-task under SYT's (both work on task 1): SYT may then neither
        // delete nor move its sub-task, which would take STC's along.
        s.apply_and_commit(&create_under(5, Some("STC")))
            .expect("create");
        assert!(check(&stc, "", &s, &create_under(5, Some("STC"))).is_ok());
        assert!(matches!(
            check(&syt, "", &s, &Mutation::DeleteNode { id: id(5) }),
            Err(MutationError::Forbidden { .. })
        ));
        assert!(
            check(
                &syt,
                "",
                &s,
                &Mutation::MoveNode {
                    id: id(5),
                    parent: Some(id(3)),
                    position: Position::First
                }
            )
            .is_err()
        );
        assert!(check(&stc, "", &s, &Mutation::DeleteNode { id: id(99) }).is_ok());
        let unbound = Actor {
            role: UserRole::AgencyOfficer,
            agency: None,
        };
        assert!(matches!(
            check(&unbound, "", &s, &edit(1, NodeEdit::Progress(1))),
            Err(MutationError::Forbidden { .. })
        ));
        assert!(may_edit_node(&syt, &s, id(3), true));
        assert!(!may_edit_node(&syt, &s, id(3), false));
        assert!(may_add_child(&syt, &s, Some(id(3))));
        assert!(!may_add_child(&syt, &s, None));
        assert!(!may_add_child(&leader, &s, Some(id(3))));
    }
}
