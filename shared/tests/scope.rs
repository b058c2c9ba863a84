//! An agency officer's device holds the agency's tasks and what is around them only
//! (`shared::sync::scope`). Simulated: the standing officer gives tasks to the agency and takes
//! them back, moves, adds, deletes and edits; the agency's device edits its tasks and pulls at
//! random moments. After every pull the device holds exactly the scope's nodes, as the server
//! has them, and most pulls are not whole ones.

use proptest::prelude::*;
use shared::access::{Actor, Author, UserRole};
use shared::assignment::Role;
use shared::ids::{ClientId, ConflictId, NodeId, PlanId};
use shared::mutation::{Mutation, NodeEdit, Position};
use shared::plan::Node;
use shared::plan_state::PlanState;
use shared::sync::scope::{Scope, held};
use shared::sync::{
    Authority, ChangeNo, Pending, PlanSync, PullRequest, PullResponse, PushRequest, Replica,
};
use std::collections::HashMap;

const AGENCY: &str = "S1";

fn plan_id() -> PlanId {
    PlanId::from_parts(1, [0; 10])
}

fn node_id(n: usize) -> NodeId {
    NodeId::from_parts(10 + n as u64, [7; 10])
}

fn officer() -> Author {
    Author {
        username: "s1".into(),
        name: "Cán bộ S1".into(),
        actor: Actor {
            role: UserRole::AgencyOfficer,
            agency: Some(AGENCY.into()),
        },
    }
}

/// The server's plan, and the standing officer's own client.
struct Server {
    sync: PlanSync,
    seq: u64,
    conflicts: u64,
}

impl Server {
    /// `n` tasks: the first three at the top, each next one under an earlier one.
    fn new(n: usize) -> Self {
        let mut s = Self {
            sync: PlanSync::new(
                Authority::new(
                    PlanState::new(plan_id(), []),
                    HashMap::new(),
                    [],
                    ChangeNo::ZERO,
                ),
                None,
            ),
            seq: 0,
            conflicts: 0,
        };
        for i in 0..n {
            let parent = (i >= 3).then(|| node_id((i * 7) % i));
            s.standing(Mutation::CreateNode {
                id: node_id(i),
                parent,
                position: Position::Last,
                title: format!("Nhiệm vụ {i}"),
                body: Some(format!("Nội dung {i}")),
                deadline: None,
                label: String::new(),
                owner: None,
            });
        }
        s
    }

    /// A mutation of the standing officer, applied if the plan's rules allow it.
    fn standing(&mut self, mutation: Mutation) {
        self.seq += 1;
        let req = PushRequest {
            client: ClientId::from_parts(3, [0xee; 10]),
            mutations: vec![Pending {
                seq: self.seq,
                base: self.sync.authority.change(),
                at: 0,
                mutation,
            }],
        };
        self.push(&req, &Author::system());
    }

    fn push(&mut self, req: &PushRequest, author: &Author) {
        let counter = &mut self.conflicts;
        self.sync.push(req, author, || {
            *counter += 1;
            let mut b = [0; 10];
            b[..8].copy_from_slice(&counter.to_be_bytes());
            ConflictId::from_parts(4, b)
        });
    }

    fn scope(&self) -> Scope {
        Scope::of_agency(self.sync.authority.state(), AGENCY)
    }

    /// The agency officer's pull (and the same without bodies, built without copying them, is
    /// that pull with its bodies left out).
    fn pull(&self, req: &PullRequest) -> PullResponse {
        let scope = self.scope();
        let answer = self.sync.pull_scoped(req, &scope);
        let mut without = answer.clone();
        without.leave_out_bodies();
        assert_eq!(self.sync.pull_as(req, Some(&scope), false), without);
        answer
    }

    fn node(&self, id: NodeId) -> Option<&Node> {
        self.sync.authority.state().get(id)
    }
}

/// The agency's device: pushes what it has, then pulls; whether the pull was a whole one.
fn sync(server: &mut Server, device: &mut Replica) -> bool {
    let pending: Vec<Pending> = device.pending().iter().map(|e| e.pending.clone()).collect();
    if !pending.is_empty() {
        server.push(
            &PushRequest {
                client: device.client(),
                mutations: pending,
            },
            &officer(),
        );
    }
    let answer = server.pull(&device.pull_request());
    let whole = answer.reset;
    device.on_pull(answer);
    whole
}

/// The device holds the scope's nodes, each as the server has it.
fn holds_the_scope(server: &Server, device: &Replica) -> Result<(), TestCaseError> {
    let scope = server.scope();
    let mut held: Vec<NodeId> = device.synced_state().nodes.iter().map(|n| n.id).collect();
    held.sort();
    let mut want: Vec<NodeId> = scope.ids().collect();
    want.sort();
    prop_assert_eq!(
        &held,
        &want,
        "the device holds other nodes than the scope's"
    );
    for n in device.synced_state().nodes {
        prop_assert_eq!(
            Some(&n),
            server.node(n.id),
            "a node differs from the server's"
        );
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Op {
    Give(usize),
    TakeBack(usize),
    Move(usize, Option<usize>),
    Create(usize),
    Delete(usize),
    Title(usize, u8),
    /// The agency's device sets the progress of a node it shows (if its rules allow).
    Progress(usize, u8),
    Sync,
}

fn op() -> impl Strategy<Value = Op> {
    let n = 40usize;
    prop_oneof![
        3 => (0..n).prop_map(Op::Give),
        2 => (0..n).prop_map(Op::TakeBack),
        2 => (0..n, proptest::option::of(0..n)).prop_map(|(a, b)| Op::Move(a, b)),
        2 => (0..n).prop_map(Op::Create),
        1 => (0..n).prop_map(Op::Delete),
        4 => (0..n, any::<u8>()).prop_map(|(a, v)| Op::Title(a, v)),
        3 => (0..n, 0..=100u8).prop_map(|(a, v)| Op::Progress(a, v)),
        6 => Just(Op::Sync),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn an_agency_device_holds_its_scope_after_every_pull(ops in proptest::collection::vec(op(), 1..60)) {
        let mut server = Server::new(30);
        let mut next = 30;
        let mut device = Replica::new(plan_id(), ClientId::from_parts(5, [1; 10]));
        sync(&mut server, &mut device);
        holds_the_scope(&server, &device)?;
        for op in ops {
            match op {
                Op::Give(i) => server.standing(Mutation::Assign {
                    id: node_id(i),
                    agency: AGENCY.into(),
                    role: if i % 2 == 0 { Role::Lead } else { Role::Coordinating },
                    deadline: None,
                }),
                Op::TakeBack(i) => server.standing(Mutation::Unassign {
                    id: node_id(i),
                    agency: AGENCY.into(),
                }),
                Op::Move(i, parent) => server.standing(Mutation::MoveNode {
                    id: node_id(i),
                    parent: parent.map(node_id),
                    position: Position::Last,
                }),
                Op::Create(parent) => {
                    server.standing(Mutation::CreateNode {
                        id: node_id(next),
                        parent: Some(node_id(parent)),
                        position: Position::Last,
                        title: format!("Nhiệm vụ mới {next}"),
                        body: None,
                        deadline: None,
                        label: String::new(),
                        owner: None,
                    });
                    next += 1;
                }
                Op::Delete(i) => server.standing(Mutation::DeleteNode { id: node_id(i) }),
                Op::Title(i, v) => server.standing(Mutation::EditNode {
                    id: node_id(i),
                    edit: NodeEdit::Title(format!("Tên {v}")),
                }),
                Op::Progress(i, v) => {
                    if device.view().get(node_id(i)).is_some() {
                        // Refused on the device when the task is not the agency's: fine.
                        let _ = device.apply(
                            Mutation::EditNode { id: node_id(i), edit: NodeEdit::Progress(v) },
                            0,
                        );
                    }
                }
                Op::Sync => {
                    sync(&mut server, &mut device);
                    holds_the_scope(&server, &device)?;
                }
            }
        }
        sync(&mut server, &mut device);
        holds_the_scope(&server, &device)?;
        prop_assert!(device.pending().is_empty(), "the device's edits were all answered");
    }
}

/// A plan of seven: 0 ─ 1 ─ 2 ─ 3, 0 ─ 4, and 5 ─ 6 apart; the agency is given 1.
fn small() -> Server {
    let mut s = Server::new(0);
    for (i, parent) in [None, Some(0), Some(1), Some(2), Some(0), None, Some(5)]
        .into_iter()
        .enumerate()
    {
        s.standing(Mutation::CreateNode {
            id: node_id(i),
            parent: parent.map(node_id),
            position: Position::Last,
            title: format!("Mục {i}"),
            body: None,
            deadline: None,
            label: String::new(),
            owner: None,
        });
    }
    s.standing(Mutation::Assign {
        id: node_id(1),
        agency: AGENCY.into(),
        role: Role::Lead,
        deadline: None,
    });
    s
}

#[test]
fn the_scope_is_the_tasks_given_what_is_under_them_and_the_path_above() {
    let s = small();
    let mut ids: Vec<NodeId> = s.scope().ids().collect();
    ids.sort();
    assert_eq!(ids, vec![node_id(0), node_id(1), node_id(2), node_id(3)]);
}

#[test]
fn changes_inside_the_scope_come_alone_and_a_new_task_makes_a_whole_pull() {
    let mut s = small();
    let mut device = Replica::new(plan_id(), ClientId::from_parts(5, [1; 10]));
    assert!(sync(&mut s, &mut device), "a first pull is whole");
    assert_eq!(device.synced_state().nodes.len(), 4);

    // A change outside the scope: nothing comes.
    s.standing(Mutation::EditNode {
        id: node_id(6),
        edit: NodeEdit::Title("Khác".into()),
    });
    let answer = s.pull(&device.pull_request());
    assert!(!answer.reset && answer.nodes.is_empty() && answer.patches.is_empty());
    device.on_pull(answer);

    // A change inside it, and a sub-task added under the agency's task: only they come.
    s.standing(Mutation::EditNode {
        id: node_id(2),
        edit: NodeEdit::Title("Đổi tên".into()),
    });
    s.standing(Mutation::CreateNode {
        id: node_id(7),
        parent: Some(node_id(3)),
        position: Position::Last,
        title: "Việc con".into(),
        body: None,
        deadline: None,
        label: String::new(),
        owner: None,
    });
    let answer = s.pull(&device.pull_request());
    assert!(!answer.reset, "no whole pull for changes inside the scope");
    assert_eq!(answer.patches.len() + answer.nodes.len(), 2);
    device.on_pull(answer);
    assert_eq!(device.synced_state().nodes.len(), 5);

    // Another task given: the next pull is whole, and brings it with its path.
    s.standing(Mutation::Assign {
        id: node_id(6),
        agency: AGENCY.into(),
        role: Role::Coordinating,
        deadline: None,
    });
    assert!(sync(&mut s, &mut device));
    let mut ids: Vec<NodeId> = device.synced_state().nodes.iter().map(|n| n.id).collect();
    ids.sort();
    assert_eq!(
        ids,
        (0..8).filter(|i| *i != 4).map(node_id).collect::<Vec<_>>()
    );
}

#[test]
fn a_device_holding_the_whole_plan_is_cut_to_the_scope_and_back() {
    let mut s = small();
    let mut device = Replica::new(plan_id(), ClientId::from_parts(5, [1; 10]));
    // Whole, as an earlier version (or another role) pulled it.
    device.on_pull(s.sync.pull(&device.pull_request()));
    assert_eq!(device.synced_state().nodes.len(), 7);
    s.standing(Mutation::EditNode {
        id: node_id(6),
        edit: NodeEdit::Title("Khác".into()),
    });
    assert!(sync(&mut s, &mut device), "a whole copy is cut at once");
    assert_eq!(device.synced_state().nodes.len(), 4);
    // The user is now the standing officer's: the whole plan again.
    let req = device.pull_request();
    assert_eq!(
        req.holds,
        Some(held([0, 1, 2, 3].map(node_id))),
        "a scoped copy says what it holds"
    );
    let answer = s.sync.pull(&req);
    assert!(answer.reset && !answer.scoped);
    device.on_pull(answer);
    assert_eq!(device.synced_state().nodes.len(), 7);
    assert_eq!(device.pull_request().holds, None);
}
