//! Sync, simulated: several devices with random edits, offline periods, lost and repeated
//! pushes, against a server that persists what [`Authority::push`] decides (as the backend's
//! store does). At the end every device converges to the server's state, and every mutation is
//! applied exactly once or refused with a notice to its author; every write overwritten by a
//! concurrent one is kept in a conflict.

use proptest::prelude::*;
use shared::access::{Actor, Author, UserRole};
use shared::assignment::{Assignment, Role};
use shared::ids::{ClientId, ConflictId, NodeId, PlanId, RecordId};
use shared::inspection::model::{
    Finding, FollowUp, Inspected, InspectionRound, Photo, Place, Position as Fix, Rating,
    Recommendation, Visit,
};
use shared::inspection::op::InspectionMutation;
use shared::inspection::photo::PhotoHash;
use shared::mutation::{Field, Mutation, NodeEdit, Position};
use shared::plan::Node;
use shared::plan_state::PlanState;
use shared::report::{
    DataPeriod, Record, RecordEdit, RecordField, RecordKey, ReportMutation, ReportPeriod, Round,
};
use shared::sync::{
    Authority, BodiesResponse, ChangeNo, Conflict, NodeBody, Outbox, Pending, PlanSync,
    PullRequest, PullResponse, PushRequest, PushResponse, RecordConflict, RefusalNotice, Replica,
};
use std::collections::{HashMap, HashSet};

fn plan_id() -> PlanId {
    PlanId::from_parts(1, [0; 10])
}

fn client(i: usize) -> ClientId {
    ClientId::from_parts(2, [i as u8 + 1; 10])
}

/// A write the server applied.
#[derive(Debug, Clone)]
struct Write {
    client: ClientId,
    seq: u64,
    base: ChangeNo,
    change: ChangeNo,
    mutation: Mutation,
}

/// The server: the same [`PlanSync`] the backend keeps in memory (the backend writes the same
/// facts to its database), and a log of the writes it applied.
struct Server {
    sync: PlanSync,
    writes: Vec<Write>,
    next_conflict: u64,
}

impl Server {
    fn new(nodes: Vec<Node>) -> Self {
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
            writes: Vec::new(),
            next_conflict: 0,
        };
        let seeder = ClientId::from_parts(3, [0xee; 10]);
        let mutations: Vec<Pending> = nodes
            .into_iter()
            .enumerate()
            .map(|(i, n)| Pending {
                seq: i as u64 + 1,
                base: ChangeNo::ZERO,
                at: 0,
                mutation: Mutation::CreateNode {
                    id: n.id,
                    parent: n.parent,
                    position: Position::Last,
                    title: n.title,
                    body: None,
                    deadline: None,
                    label: n.label,
                    owner: None,
                },
            })
            .collect();
        let n = mutations.len() as u64;
        // The agency S1 holds task 0 (and so its sub-tasks); a round asks for its report.
        let setup = [
            Mutation::Assign {
                id: node_id(0),
                agency: "S1".into(),
                role: Role::Lead,
                deadline: None,
            },
            Mutation::Report {
                op: ReportMutation::CreateRound { round: round() },
            },
            // An inspection round of two inspectors, a visit and a recommendation to S1.
            Mutation::Inspection {
                op: InspectionMutation::SaveRound {
                    round: inspection_round(),
                },
            },
            Mutation::Inspection {
                op: InspectionMutation::SaveVisit { visit: visit(0) },
            },
            Mutation::Inspection {
                op: InspectionMutation::SaveRecommendation {
                    recommendation: recommendation(0),
                },
            },
        ];
        let mutations = mutations
            .into_iter()
            .chain(setup.into_iter().enumerate().map(|(i, mutation)| Pending {
                seq: n + i as u64 + 1,
                base: ChangeNo::ZERO,
                at: 0,
                mutation,
            }))
            .collect();
        s.push(
            &PushRequest {
                client: seeder,
                mutations,
            },
            &Author::system(),
        );
        s
    }

    fn push(&mut self, req: &PushRequest, author: &Author) -> PushResponse {
        let counter = &mut self.next_conflict;
        let (resp, delta) = self.sync.push(req, author, || {
            *counter += 1;
            let mut b = [0; 10];
            b[..8].copy_from_slice(&counter.to_be_bytes());
            ConflictId::from_parts(4, b)
        });
        for seq in &delta.applied {
            let p = req
                .mutations
                .iter()
                .find(|p| p.seq == *seq)
                .expect("applied seq comes from the request");
            self.writes.push(Write {
                client: req.client,
                seq: *seq,
                base: p.base,
                change: delta.change,
                mutation: p.mutation.clone(),
            });
        }
        resp
    }

    fn pull(&self, req: &PullRequest) -> PullResponse {
        self.sync.pull(req)
    }
}

#[derive(Debug, Clone)]
enum Op {
    Edit {
        c: usize,
        node: usize,
        field: u8,
        val: u8,
    },
    Create {
        c: usize,
        parent: Option<usize>,
    },
    Move {
        c: usize,
        node: usize,
        parent: Option<usize>,
    },
    Delete {
        c: usize,
        node: usize,
    },
    Resolve {
        c: usize,
        conflict: usize,
        keep: bool,
    },
    /// Push everything, then pull.
    Sync {
        c: usize,
    },
    /// A push the server applies but whose answer never arrives.
    PushLost {
        c: usize,
    },
    /// The same push sent twice.
    PushTwice {
        c: usize,
    },
    Pull {
        c: usize,
    },
    /// Another device imports this one's exported outbox and syncs it.
    Carry {
        from: usize,
        to: usize,
    },
    /// An edit of the agency's report: an entry's field, or the remarks; or sending,
    /// returning, accepting it (`kind`).
    Report {
        c: usize,
        kind: u8,
        node: usize,
        val: u8,
    },
    ResolveRecord {
        c: usize,
        conflict: usize,
        keep: bool,
    },
    /// An inspection's record saved or deleted (`kind`): a finding, the visit, the
    /// recommendation, its follow-up, a photo.
    Inspect {
        c: usize,
        kind: u8,
        n: usize,
        val: u8,
    },
}

fn inspection_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2015, 9, 10).expect("date")
}

fn inspection_round() -> InspectionRound {
    InspectionRound {
        id: RecordId::from_parts(6, [6; 10]),
        title: "Kiểm tra năm 2015".into(),
        decision_number: None,
        decision_date: None,
        leader: "kt1".into(),
        members: vec!["kt2".into()],
        starts: inspection_day(),
        ends: inspection_day(),
        places: vec![Place {
            unit: "d-178".into(),
            village: None,
        }],
        tasks: Vec::new(),
        agencies: Vec::new(),
    }
}

fn visit_id(n: u8) -> RecordId {
    RecordId::from_parts(7, [n; 10])
}

fn visit(met: u8) -> Visit {
    Visit {
        id: visit_id(0),
        round: inspection_round().id,
        place: Place {
            unit: "d-178".into(),
            village: None,
        },
        at: inspection_day().and_hms_opt(9, 0, 0).expect("time"),
        inspected: Inspected::Agency("S1".into()),
        met: vec![format!("Người {met}")],
        position: Fix::Fix {
            lat_e6: 21_853_000,
            lon_e6: 106_761_000,
            accuracy_m: 12,
        },
    }
}

fn recommendation(val: u8) -> Recommendation {
    Recommendation {
        id: RecordId::from_parts(8, [8; 10]),
        visit: visit_id(0),
        task: Some(node_id(0)),
        text: format!("Kiến nghị {val}"),
        agency: "S1".into(),
        due: inspection_day(),
        state: FollowUp::NotStarted,
        note: String::new(),
    }
}

fn inspection_op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    prop_oneof![
        10 => (c.clone(), 0u8..7, any::<usize>(), any::<u8>())
            .prop_map(|(c, kind, n, val)| Op::Inspect { c, kind, n, val }),
        2 => (c.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(c, conflict, keep)| Op::ResolveRecord { c, conflict, keep }),
        3 => c.clone().prop_map(|c| Op::Sync { c }),
        1 => c.clone().prop_map(|c| Op::PushLost { c }),
        1 => c.clone().prop_map(|c| Op::PushTwice { c }),
        1 => c.clone().prop_map(|c| Op::Pull { c }),
        1 => (c.clone(), c).prop_map(|(from, to)| Op::Carry { from, to }),
    ]
}

fn round() -> Round {
    let d = |m, day| chrono::NaiveDate::from_ymd_opt(2015, m, day).expect("date");
    Round {
        id: shared::ids::RecordId::from_parts(5, [5; 10]),
        period: ReportPeriod::HalfYear,
        year: 2015,
        title: "Báo cáo 6 tháng đầu năm 2015".into(),
        data: DataPeriod {
            from: d(1, 1),
            to: d(6, 14),
        },
        due: d(6, 15),
        summary_due: d(6, 20),
        required: vec!["S1".into()],
    }
}

fn report_op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    prop_oneof![
        8 => (c.clone(), 0u8..4, any::<usize>(), any::<u8>())
            .prop_map(|(c, kind, node, val)| Op::Report { c, kind, node, val }),
        2 => (c.clone(), 4u8..7, any::<usize>(), any::<u8>())
            .prop_map(|(c, kind, node, val)| Op::Report { c, kind, node, val }),
        2 => (c.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(c, conflict, keep)| Op::ResolveRecord { c, conflict, keep }),
        1 => (c.clone(), any::<usize>(), 0u8..2, any::<u8>())
            .prop_map(|(c, node, field, val)| Op::Edit { c, node, field, val }),
        3 => c.clone().prop_map(|c| Op::Sync { c }),
        1 => c.clone().prop_map(|c| Op::PushLost { c }),
        1 => c.clone().prop_map(|c| Op::PushTwice { c }),
        1 => c.clone().prop_map(|c| Op::Pull { c }),
        1 => (c.clone(), c).prop_map(|(from, to)| Op::Carry { from, to }),
    ]
}

const CLIENTS: usize = 3;

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    prop_oneof![
        6 => (c.clone(), any::<usize>(), 0u8..5, any::<u8>())
            .prop_map(|(c, node, field, val)| Op::Edit { c, node, field, val }),
        2 => (c.clone(), proptest::option::of(any::<usize>()))
            .prop_map(|(c, parent)| Op::Create { c, parent }),
        2 => (c.clone(), any::<usize>(), proptest::option::of(any::<usize>()))
            .prop_map(|(c, node, parent)| Op::Move { c, node, parent }),
        1 => (c.clone(), any::<usize>()).prop_map(|(c, node)| Op::Delete { c, node }),
        2 => (c.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(c, conflict, keep)| Op::Resolve { c, conflict, keep }),
        3 => c.clone().prop_map(|c| Op::Sync { c }),
        1 => c.clone().prop_map(|c| Op::PushLost { c }),
        1 => c.clone().prop_map(|c| Op::PushTwice { c }),
        1 => c.clone().prop_map(|c| Op::Pull { c }),
        1 => (c.clone(), c).prop_map(|(from, to)| Op::Carry { from, to }),
    ]
}

struct World {
    server: Server,
    /// Who works on each device.
    authors: Vec<Author>,
    devices: Vec<Replica>,
    notices: Vec<Vec<RefusalNotice>>,
    /// Every mutation a device queued: (client, seq).
    queued: Vec<(ClientId, u64)>,
    next_node: u64,
    clock: i64,
}

impl World {
    fn new() -> Self {
        Self::with_authors(vec![Author::system(); CLIENTS])
    }

    /// Two officers of the agency S1 and one of the standing agency.
    fn reports() -> Self {
        let officer = |role, agency: Option<&str>| Author {
            username: format!("{role:?}"),
            name: "Cán bộ".into(),
            actor: Actor {
                role,
                agency: agency.map(Into::into),
            },
        };
        Self::with_authors(vec![
            officer(UserRole::AgencyOfficer, Some("S1")),
            officer(UserRole::AgencyOfficer, Some("S1")),
            officer(UserRole::Standing, None),
        ])
    }

    /// Two inspectors of the round's team and an officer of the agency S1, which answers the
    /// recommendation.
    fn inspections() -> Self {
        let user = |username: &str, role, agency: Option<&str>| Author {
            username: username.into(),
            name: "Cán bộ".into(),
            actor: Actor {
                role,
                agency: agency.map(Into::into),
            },
        };
        Self::with_authors(vec![
            user("kt1", UserRole::Inspector, None),
            user("kt2", UserRole::Inspector, None),
            user("s1", UserRole::AgencyOfficer, Some("S1")),
        ])
    }

    fn with_authors(authors: Vec<Author>) -> Self {
        let p = plan_id();
        let mut nodes = Vec::new();
        for i in 0..6u8 {
            let parent = if i >= 2 {
                Some(node_id(i as u64 % 2))
            } else {
                None
            };
            nodes.push(Node {
                id: node_id(i as u64),
                plan_id: p,
                parent,
                rank: shared::rank::Rank::sequence(1).remove(0),
                label: i.to_string(),
                kind: shared::document::NodeKind::Task,
                title: format!("Nhiệm vụ {i}"),
                body: None,
                deadline: None,
                recurring_deadline: None,
                references: Vec::new(),
                progress: 0,
                completed_on: None,
                assignments: Vec::new(),
                owner: None,
            });
        }
        let server = Server::new(nodes);
        let devices = (0..CLIENTS)
            .map(|i| {
                let mut r = Replica::new(p, client(i));
                r.on_pull(server.pull(&r.pull_request()));
                r
            })
            .collect();
        Self {
            server,
            authors,
            devices,
            notices: vec![Vec::new(); CLIENTS],
            queued: Vec::new(),
            next_node: 100,
            clock: 1_000,
        }
    }

    fn pick(&self, c: usize, i: usize) -> Option<NodeId> {
        let mut ids: Vec<NodeId> = self.devices[c].view().nodes().map(|n| n.id).collect();
        ids.sort();
        (!ids.is_empty()).then(|| ids[i % ids.len()])
    }

    fn local(&mut self, c: usize, m: Mutation) {
        self.clock += 1;
        let before = self.devices[c].pending().len();
        if self.devices[c].apply(m, self.clock).is_ok() {
            let e = &self.devices[c].pending()[before];
            self.queued.push((e.client, e.pending.seq));
        }
    }

    fn push_all(&mut self, c: usize) {
        // Each push takes the oldest run; answered pushes are followed by a pull, so loop on
        // pull + push until the outbox is empty or a push makes no progress.
        for _ in 0..10 {
            let Some(req) = self.devices[c].push_request(4) else {
                break;
            };
            self.push(&req);
            self.pull(c);
        }
    }

    /// A push, by the author of the device that made its mutations.
    fn push(&mut self, req: &PushRequest) {
        let author = (0..CLIENTS)
            .find(|i| client(*i) == req.client)
            .map_or_else(Author::system, |i| self.authors[i].clone());
        self.server.push(req, &author);
    }

    fn pull(&mut self, c: usize) {
        let resp = self.server.pull(&self.devices[c].pull_request());
        let n = self.devices[c].on_pull(resp);
        self.notices[c].extend(n);
    }

    fn run(&mut self, op: &Op) {
        match *op {
            Op::Edit {
                c,
                node,
                field,
                val,
            } => {
                let Some(id) = self.pick(c, node) else { return };
                let edit = match field {
                    0 => NodeEdit::Title(format!("Tiêu đề {val}")),
                    1 => NodeEdit::Progress(val),
                    2 => NodeEdit::Body(Some(format!("Nội dung {val}"))),
                    3 => NodeEdit::Assignments(vec![Assignment {
                        agency: format!("S{}", val % 4).into(),
                        role: Role::Lead,
                        deadline: None,
                    }]),
                    _ => {
                        // Assignment operations, which merge instead of conflicting.
                        let agency = shared::ids::AgencyCode(format!("S{}", val % 4));
                        let m = match val % 3 {
                            0 => Mutation::Assign {
                                id,
                                agency,
                                role: Role::Coordinating,
                                deadline: None,
                            },
                            1 => Mutation::Assign {
                                id,
                                agency,
                                role: Role::Lead,
                                deadline: None,
                            },
                            _ => Mutation::Unassign { id, agency },
                        };
                        self.local(c, m);
                        return;
                    }
                };
                self.local(c, Mutation::EditNode { id, edit });
            }
            Op::Create { c, parent } => {
                let parent = parent.and_then(|p| self.pick(c, p));
                self.next_node += 1;
                let id = node_id(self.next_node);
                self.local(
                    c,
                    Mutation::CreateNode {
                        id,
                        parent,
                        position: Position::Last,
                        title: format!("Mới {}", self.next_node),
                        body: None,
                        deadline: None,
                        label: String::new(),
                        owner: None,
                    },
                );
            }
            Op::Move { c, node, parent } => {
                let Some(id) = self.pick(c, node) else { return };
                let parent = parent.and_then(|p| self.pick(c, p));
                self.local(
                    c,
                    Mutation::MoveNode {
                        id,
                        parent,
                        position: Position::First,
                    },
                );
            }
            Op::Delete { c, node } => {
                let Some(id) = self.pick(c, node) else { return };
                self.local(c, Mutation::DeleteNode { id });
            }
            Op::Resolve { c, conflict, keep } => {
                let open: Vec<Conflict> = self.devices[c]
                    .open_conflicts()
                    .into_iter()
                    .cloned()
                    .collect();
                if open.is_empty() {
                    return;
                }
                let k = &open[conflict % open.len()];
                let chosen = if keep { &k.kept } else { &k.replaced };
                self.local(
                    c,
                    Mutation::ResolveConflict {
                        conflict: k.id,
                        id: k.node,
                        edit: chosen.value.clone(),
                    },
                );
            }
            Op::Sync { c } => self.push_all(c),
            Op::PushLost { c } => {
                if let Some(req) = self.devices[c].push_request(4) {
                    self.push(&req);
                }
            }
            Op::PushTwice { c } => {
                if let Some(req) = self.devices[c].push_request(4) {
                    self.push(&req);
                    self.push(&req);
                }
            }
            Op::Report { c, kind, node, val } => {
                let round = round().id;
                let agency: shared::ids::AgencyCode = "S1".into();
                // The tasks S1 holds: 0 and its sub-tasks 2 and 4.
                let node = node_id([0, 2, 4][node % 3]);
                let entry = RecordKey::Entry {
                    round,
                    agency: agency.clone(),
                    node,
                };
                let op = match kind {
                    0 => ReportMutation::Edit {
                        key: entry,
                        edit: RecordEdit::Results(format!("Kết quả {val}")),
                    },
                    1 => ReportMutation::Edit {
                        key: entry,
                        edit: RecordEdit::Progress(Some(val % 101)),
                    },
                    2 => ReportMutation::Edit {
                        key: entry,
                        edit: RecordEdit::Difficulties(format!("Khó khăn {val}")),
                    },
                    3 => ReportMutation::Edit {
                        key: RecordKey::Report {
                            round,
                            agency: agency.clone(),
                        },
                        edit: RecordEdit::Remarks(format!("Nhận xét {val}")),
                    },
                    4 => ReportMutation::Send {
                        round,
                        agency,
                        on: chrono::NaiveDate::from_ymd_opt(2015, 6, 1 + u32::from(val % 30))
                            .expect("date"),
                    },
                    5 => ReportMutation::Return {
                        round,
                        agency,
                        reason: format!("Thiếu số liệu {val}"),
                        on: chrono::NaiveDate::from_ymd_opt(2015, 6, 20).expect("date"),
                    },
                    _ => ReportMutation::Accept {
                        round,
                        agency,
                        on: chrono::NaiveDate::from_ymd_opt(2015, 6, 21).expect("date"),
                    },
                };
                self.local(c, Mutation::Report { op });
            }
            Op::ResolveRecord { c, conflict, keep } => {
                let open: Vec<RecordConflict> = self.devices[c]
                    .open_record_conflicts()
                    .into_iter()
                    .cloned()
                    .collect();
                if open.is_empty() {
                    return;
                }
                let k = &open[conflict % open.len()];
                let chosen = if keep { &k.kept } else { &k.replaced };
                if k.key.is_inspection() {
                    // Keeping the replaced version saves it again, then closes the conflict.
                    if !keep {
                        let Some(op) = InspectionMutation::restoring(&k.key, &chosen.value) else {
                            return;
                        };
                        self.local(c, Mutation::Inspection { op });
                    }
                    self.local(
                        c,
                        Mutation::Inspection {
                            op: InspectionMutation::ResolveConflict {
                                conflict: k.id,
                                key: k.key.clone(),
                            },
                        },
                    );
                    return;
                }
                self.local(
                    c,
                    Mutation::Report {
                        op: ReportMutation::ResolveConflict {
                            conflict: k.id,
                            key: k.key.clone(),
                            edit: chosen.value.clone(),
                        },
                    },
                );
            }
            Op::Inspect { c, kind, n, val } => {
                let task = node_id((n % 6) as u64);
                let hash = PhotoHash::from_digest(&[val % 4; 32]);
                let op = match kind {
                    0 => InspectionMutation::SaveFinding {
                        finding: Finding {
                            visit: visit_id(0),
                            task,
                            findings: format!("Kết quả {val}"),
                            rating: Some(Rating::ALL[usize::from(val % 3)]),
                            reason: format!("Lý do {val}"),
                        },
                    },
                    1 => InspectionMutation::SaveVisit { visit: visit(val) },
                    2 => InspectionMutation::SaveRecommendation {
                        recommendation: recommendation(val),
                    },
                    3 => InspectionMutation::Answer {
                        id: recommendation(0).id,
                        state: [FollowUp::NotStarted, FollowUp::InProgress, FollowUp::Done]
                            [usize::from(val % 3)],
                        note: format!("Đã làm {val}"),
                    },
                    4 => InspectionMutation::SavePhoto {
                        photo: Photo {
                            visit: visit_id(0),
                            hash,
                            size: 1_000 + u64::from(val),
                            width: 2_000,
                            height: 1_500,
                            task: Some(task),
                            caption: format!("Ảnh {val}"),
                            taken_at: None,
                            position: Fix::Unavailable,
                        },
                    },
                    5 => InspectionMutation::DeleteFinding {
                        visit: visit_id(0),
                        task,
                    },
                    _ => InspectionMutation::DeletePhoto {
                        visit: visit_id(0),
                        hash,
                    },
                };
                self.local(c, Mutation::Inspection { op });
            }
            Op::Pull { c } => self.pull(c),
            Op::Carry { from, to } => {
                let file: Outbox = self.devices[from].outbox();
                let json = serde_json::to_string(&file).expect("outbox serialises");
                let back: Outbox = serde_json::from_str(&json).expect("outbox parses");
                self.devices[to].import(&back);
                self.push_all(to);
            }
        }
    }

    fn settle(&mut self) {
        for _ in 0..50 {
            for c in 0..CLIENTS {
                self.push_all(c);
            }
            if self.devices.iter().all(|d| d.pending().is_empty()) {
                break;
            }
        }
        for c in 0..CLIENTS {
            self.pull(c);
        }
    }
}

fn node_id(n: u64) -> NodeId {
    NodeId::from_parts(10 + n, [7; 10])
}

fn sorted(state: &PlanState) -> Vec<Node> {
    let mut v: Vec<Node> = state.nodes().cloned().collect();
    v.sort_by_key(|n| n.id);
    v
}

fn edited_field(m: &Mutation) -> Option<(NodeId, Field, &NodeEdit)> {
    match m {
        Mutation::EditNode { id, edit } | Mutation::ResolveConflict { id, edit, .. } => {
            Some((*id, edit.field(), edit))
        }
        _ => None,
    }
}

fn edited_record(m: &Mutation) -> Option<(RecordKey, RecordField, RecordEdit)> {
    use InspectionMutation as I;
    let content = |r: Record| {
        Some((
            r.key(),
            RecordField::Content,
            RecordEdit::Content(Box::new(r)),
        ))
    };
    match m {
        Mutation::Report {
            op:
                ReportMutation::Edit { key, edit } | ReportMutation::ResolveConflict { key, edit, .. },
        } => Some((key.clone(), edit.field(), edit.clone())),
        Mutation::Inspection { op } => match op {
            I::SaveRound { round } => content(Record::Inspection(round.clone())),
            I::SaveVisit { visit } => content(Record::Visit(visit.clone())),
            I::SaveFinding { finding } => content(Record::Finding(finding.clone())),
            I::SavePhoto { photo } => content(Record::Photo(photo.clone())),
            // The follow-up is the agency's: a save leaves it as it is.
            I::SaveRecommendation { recommendation } => {
                content(Record::Recommendation(Recommendation {
                    state: FollowUp::NotStarted,
                    note: String::new(),
                    ..recommendation.clone()
                }))
            }
            I::Answer { id, state, note } => Some((
                RecordKey::Recommendation(*id),
                RecordField::FollowUp,
                RecordEdit::FollowUp {
                    state: *state,
                    note: note.clone(),
                },
            )),
            _ => None,
        },
        _ => None,
    }
}

/// The inspection record a mutation deletes (cascades aside).
fn deleted_record(m: &Mutation) -> Option<RecordKey> {
    match m {
        Mutation::Inspection { op } if op.is_delete() => Some(op.key()),
        _ => None,
    }
}

fn records(state: &PlanState) -> Vec<Record> {
    state.records().values().cloned().collect()
}

fn check(ops: &[Op]) -> Result<(), TestCaseError> {
    check_in(World::new(), ops)
}

fn check_in(mut w: World, ops: &[Op]) -> Result<(), TestCaseError> {
    for op in ops {
        w.run(op);
    }
    w.settle();

    // Convergence.
    let server_nodes = sorted(w.server.sync.authority.state());
    let server_open: HashSet<ConflictId> = w
        .server
        .sync
        .authority
        .open_conflicts()
        .map(|c| c.id)
        .collect();
    for (i, d) in w.devices.iter().enumerate() {
        prop_assert!(
            d.pending().is_empty(),
            "device {i} still has pending mutations"
        );
        prop_assert_eq!(&sorted(d.view()), &server_nodes, "device {} diverged", i);
        let open: HashSet<ConflictId> = d.open_conflicts().iter().map(|c| c.id).collect();
        prop_assert_eq!(&open, &server_open, "device {} sees other conflicts", i);
        prop_assert_eq!(
            records(d.view()),
            records(w.server.sync.authority.state()),
            "device {} has other report records",
            i
        );
        let open: HashSet<ConflictId> = d.open_record_conflicts().iter().map(|c| c.id).collect();
        let server_open: HashSet<ConflictId> = w
            .server
            .sync
            .authority
            .open_record_conflicts()
            .map(|c| c.id)
            .collect();
        prop_assert_eq!(
            &open,
            &server_open,
            "device {} sees other record conflicts",
            i
        );
    }

    // Exactly once, or refused with a notice to the author.
    let mut applied: HashMap<(ClientId, u64), usize> = HashMap::new();
    for wr in &w.server.writes {
        *applied.entry((wr.client, wr.seq)).or_default() += 1;
    }
    prop_assert!(
        applied.values().all(|n| *n == 1),
        "a mutation applied twice"
    );
    let refused: HashSet<(ClientId, u64)> = w
        .server
        .sync
        .refusals
        .iter()
        .map(|r| (r.client, r.seq))
        .collect();
    for q in &w.queued {
        let a = applied.contains_key(q);
        let r = refused.contains(q);
        prop_assert!(
            a ^ r,
            "mutation {:?} neither applied nor refused (or both)",
            q
        );
    }
    // Every refusal reached its author (and any device that carried the mutation).
    for r in &w.server.sync.refusals {
        let author = (0..CLIENTS).find(|i| client(*i) == r.client);
        if let Some(i) = author {
            let told = w.notices[i]
                .iter()
                .any(|n| n.client == r.client && n.seq == r.seq);
            prop_assert!(
                told,
                "refusal {:?} not delivered to its author",
                (r.client, r.seq)
            );
        }
    }

    // Nothing overwritten silently: each field write replaced by a write that had not seen it
    // is kept in a conflict.
    // Assignment operations (assign, unassign, reassign) change the list as the server has it:
    // they merge rather than overwrite, so a value they change is not lost.
    let assignment_op = |m: &Mutation, node: NodeId, field: Field| {
        field == Field::Assignments
            && m.node() == Some(node)
            && matches!(
                m,
                Mutation::Assign { .. } | Mutation::Unassign { .. } | Mutation::Reassign { .. }
            )
    };
    let writes: Vec<&Write> = w
        .server
        .writes
        .iter()
        .filter(|wr| {
            edited_field(&wr.mutation).is_some()
                || wr
                    .mutation
                    .node()
                    .is_some_and(|n| assignment_op(&wr.mutation, n, Field::Assignments))
        })
        .collect();
    for (i, a) in writes.iter().enumerate() {
        let Some((node, field, value)) = edited_field(&a.mutation) else {
            continue;
        };
        let next = writes[i + 1..].iter().find(|b| {
            edited_field(&b.mutation).is_some_and(|(n, f, _)| n == node && f == field)
                || assignment_op(&b.mutation, node, field)
        });
        let Some(b) = next else { continue };
        let Some((_, _, b_value)) = edited_field(&b.mutation) else {
            continue;
        };
        let blind = b.client != a.client
            && b.base < a.change
            && b_value != value
            && !matches!(b.mutation, Mutation::ResolveConflict { .. });
        if blind {
            let kept = w.server.sync.conflicts.values().any(|c| {
                c.node == node
                    && c.field == field
                    && c.replaced.change == a.change
                    && c.kept.change == b.change
            });
            prop_assert!(
                kept,
                "write {:?} overwritten without a conflict",
                (a.client, a.seq)
            );
        }
    }

    // The same for report and inspection records' fields; a record deleted by one who had
    // seen every write of it starts again.
    let writes: Vec<&Write> = w
        .server
        .writes
        .iter()
        .filter(|wr| {
            edited_record(&wr.mutation).is_some() || deleted_record(&wr.mutation).is_some()
        })
        .collect();
    for (i, a) in writes.iter().enumerate() {
        let Some((key, field, value)) = edited_record(&a.mutation) else {
            continue;
        };
        let next = writes[i + 1..].iter().find(|b| {
            edited_record(&b.mutation).is_some_and(|(k, f, _)| k == key && f == field)
                || deleted_record(&b.mutation).as_ref() == Some(&key)
        });
        let Some(b) = next else { continue };
        if deleted_record(&b.mutation).is_some() {
            prop_assert!(
                b.client == a.client || b.base >= a.change,
                "write {:?} deleted by a device that had not seen it",
                (a.client, a.seq)
            );
            continue;
        }
        let Some((_, _, b_value)) = edited_record(&b.mutation) else {
            continue;
        };
        let blind = b.client != a.client
            && b.base < a.change
            && b_value != value
            && !matches!(
                b.mutation,
                Mutation::Report {
                    op: ReportMutation::ResolveConflict { .. }
                }
            );
        if blind {
            let kept = w.server.sync.record_conflicts.values().any(|c| {
                c.key == key
                    && c.field == field
                    && c.replaced.change == a.change
                    && c.kept.change == b.change
            });
            prop_assert!(
                kept,
                "report write {:?} overwritten without a conflict",
                (a.client, a.seq)
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn devices_converge_and_nothing_is_lost(ops in proptest::collection::vec(op(), 1..80)) {
        check(&ops)?;
    }

    /// Two officers of one agency write its report offline on two tablets while the standing
    /// agency returns and accepts it: every device ends with the server's records, every edit
    /// applied once or refused with a notice, and no concurrent write lost without a conflict.
    #[test]
    fn report_edits_from_several_devices_converge_and_nothing_is_lost(
        ops in proptest::collection::vec(report_op(), 1..80)
    ) {
        check_in(World::reports(), &ops)?;
    }

    /// Two inspectors record the same visit offline while the agency answers the
    /// recommendation: every device ends with the server's records, every save applied once or
    /// refused with a notice, no concurrent save lost without a conflict, no unseen save
    /// deleted.
    #[test]
    fn inspection_records_from_several_devices_converge_and_nothing_is_lost(
        ops in proptest::collection::vec(inspection_op(), 1..80)
    ) {
        check_in(World::inspections(), &ops)?;
    }
}

#[test]
fn concurrent_title_edits_make_one_conflict_both_devices_see() {
    let mut w = World::new();
    let id = node_id(3);
    w.local(
        0,
        Mutation::EditNode {
            id,
            edit: NodeEdit::Title("Của A".into()),
        },
    );
    w.local(
        1,
        Mutation::EditNode {
            id,
            edit: NodeEdit::Title("Của B".into()),
        },
    );
    w.push_all(0);
    w.push_all(1);
    w.pull(0);
    let a = w.devices[0].open_conflicts();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].kept.value, NodeEdit::Title("Của B".into()));
    assert_eq!(a[0].replaced.value, NodeEdit::Title("Của A".into()));
    assert_eq!(a[0].replaced.client, client(0));
    assert_eq!(w.devices[1].open_conflicts().len(), 1);
    // A resolves by keeping its own value; B's conflict closes at its next pull.
    let c = a[0].clone();
    w.local(
        0,
        Mutation::ResolveConflict {
            conflict: c.id,
            id,
            edit: c.replaced.value.clone(),
        },
    );
    assert!(
        w.devices[0].open_conflicts().is_empty(),
        "resolving hides it at once"
    );
    w.push_all(0);
    w.pull(1);
    assert!(w.devices[1].open_conflicts().is_empty());
    assert_eq!(
        w.devices[1].view().get(id).map(|n| n.title.as_str()),
        Some("Của A")
    );
}

#[test]
fn different_fields_of_one_node_merge_without_conflict() {
    let mut w = World::new();
    let id = node_id(4);
    w.local(
        0,
        Mutation::EditNode {
            id,
            edit: NodeEdit::Title("Mới".into()),
        },
    );
    w.local(
        1,
        Mutation::EditNode {
            id,
            edit: NodeEdit::Progress(40),
        },
    );
    w.settle();
    let n = w
        .server
        .sync
        .authority
        .state()
        .get(id)
        .cloned()
        .expect("node");
    assert_eq!((n.title.as_str(), n.progress), ("Mới", 40));
    assert_eq!(w.server.sync.authority.open_conflicts().count(), 0);
}

#[test]
fn an_edit_of_a_node_deleted_meanwhile_is_refused_with_a_notice() {
    let mut w = World::new();
    let id = node_id(2);
    w.local(0, Mutation::DeleteNode { id });
    w.local(
        1,
        Mutation::EditNode {
            id,
            edit: NodeEdit::Progress(10),
        },
    );
    w.push_all(0);
    w.push_all(1);
    assert_eq!(w.notices[1].len(), 1);
    assert!(w.devices[1].view().get(id).is_none(), "rolled back");
    assert!(w.devices[1].pending().is_empty());
}

#[test]
fn a_repeated_push_applies_once() {
    let mut w = World::new();
    w.local(
        0,
        Mutation::EditNode {
            id: node_id(1),
            edit: NodeEdit::Progress(5),
        },
    );
    let req = w.devices[0].push_request(10).expect("one pending");
    let first = w.server.push(&req, &Author::system());
    let again = w.server.push(&req, &Author::system());
    assert_eq!(first.last_seq, 1);
    assert_eq!(again.last_seq, 1);
    assert_eq!(again.change, first.change, "the repeat wrote nothing");
    let edits = w
        .server
        .writes
        .iter()
        .filter(|wr| wr.client == client(0))
        .count();
    assert_eq!(edits, 1, "one write for the edit");
}

#[test]
fn a_resolution_naming_another_node_or_field_is_refused_and_the_conflict_stays() {
    let mut w = World::new();
    let id = node_id(3);
    for (c, t) in [(0, "Của A"), (1, "Của B")] {
        w.local(
            c,
            Mutation::EditNode {
                id,
                edit: NodeEdit::Title(t.into()),
            },
        );
    }
    w.push_all(0);
    w.push_all(1);
    w.pull(2);
    let conflict = w.devices[2].open_conflicts()[0].clone();
    // Device 2 "resolves" it with an edit of another node, then of another field.
    for (target, edit) in [
        (node_id(4), NodeEdit::Title("Khác".into())),
        (id, NodeEdit::Progress(10)),
    ] {
        w.local(
            2,
            Mutation::ResolveConflict {
                conflict: conflict.id,
                id: target,
                edit,
            },
        );
    }
    w.push_all(2);
    w.pull(2);
    assert_eq!(w.server.sync.authority.open_conflicts().count(), 1);
    assert_eq!(
        w.devices[2].open_conflicts().len(),
        1,
        "still open for everyone"
    );
}

#[test]
fn a_new_node_never_takes_a_deleted_or_another_plans_id() {
    let mut w = World::new();
    let deleted = node_id(5);
    let foreign = node_id(77);
    w.server.sync.authority.mark_taken([foreign]);
    w.local(0, Mutation::DeleteNode { id: deleted });
    w.push_all(0);
    w.pull(1);
    for id in [deleted, foreign] {
        w.local(
            1,
            Mutation::CreateNode {
                id,
                parent: None,
                position: Position::Last,
                title: "Mục mới".into(),
                body: None,
                deadline: None,
                label: String::new(),
                owner: None,
            },
        );
    }
    w.push_all(1);
    let refused: Vec<_> = w.notices[1].iter().map(|n| n.error.clone()).collect();
    assert_eq!(
        refused,
        [
            shared::mutation::MutationError::IdTaken { id: deleted },
            shared::mutation::MutationError::IdTaken { id: foreign }
        ]
    );
    assert!(w.devices[1].view().get(deleted).is_none(), "rolled back");
    assert!(w.server.sync.authority.state().get(foreign).is_none());
}

#[test]
fn a_resolution_of_a_conflict_the_plan_never_had_is_refused() {
    let mut w = World::new();
    let conflict = ConflictId::from_parts(9, [9; 10]);
    w.local(
        0,
        Mutation::ResolveConflict {
            conflict,
            id: node_id(1),
            edit: NodeEdit::Title("Không có xung đột này".into()),
        },
    );
    w.push_all(0);
    assert_eq!(
        w.notices[0]
            .iter()
            .map(|n| n.error.clone())
            .collect::<Vec<_>>(),
        [shared::mutation::MutationError::ConflictNotFound { conflict }]
    );
    assert_eq!(
        w.server
            .sync
            .authority
            .state()
            .get(node_id(1))
            .map(|n| n.title.as_str()),
        Some("Nhiệm vụ 1")
    );
}

#[test]
fn two_officers_writing_one_entry_offline_keep_both_texts_in_a_conflict() {
    let mut w = World::reports();
    let key = RecordKey::Entry {
        round: round().id,
        agency: "S1".into(),
        node: node_id(2),
    };
    let results = |t: &str| Mutation::Report {
        op: ReportMutation::Edit {
            key: key.clone(),
            edit: RecordEdit::Results(t.into()),
        },
    };
    w.local(0, results("Đã tổ chức 3 lớp tập huấn."));
    w.local(1, results("Đã tổ chức 4 lớp tập huấn."));
    // The other field of the same entry merges.
    w.local(
        1,
        Mutation::Report {
            op: ReportMutation::Edit {
                key: key.clone(),
                edit: RecordEdit::Progress(Some(60)),
            },
        },
    );
    w.settle();
    let open = w.devices[0].open_record_conflicts();
    assert_eq!(open.len(), 1, "one conflict");
    let c = open[0].clone();
    assert_eq!(c.field, RecordField::Results);
    assert_eq!(
        c.replaced.value,
        RecordEdit::Results("Đã tổ chức 3 lớp tập huấn.".into())
    );
    assert_eq!(
        c.kept.value,
        RecordEdit::Results("Đã tổ chức 4 lớp tập huấn.".into())
    );
    let Some(Record::Entry(e)) = w.devices[2].view().record(&key).cloned() else {
        panic!("the standing officer's tablet has the entry");
    };
    assert_eq!(e.progress, Some(60));
    // The first officer merges both texts; the conflict closes everywhere.
    w.local(
        0,
        Mutation::Report {
            op: ReportMutation::ResolveConflict {
                conflict: c.id,
                key: key.clone(),
                edit: RecordEdit::Results("Đã tổ chức 4 lớp tập huấn (3 lớp cấp huyện).".into()),
            },
        },
    );
    w.settle();
    for d in &w.devices {
        assert!(d.open_record_conflicts().is_empty());
    }
    assert!(
        w.server.sync.refusals.is_empty(),
        "{:?}",
        w.server.sync.refusals
    );
}

#[test]
fn a_report_sent_offline_takes_the_servers_date_and_edits_after_sending_are_refused() {
    let mut w = World::reports();
    let today = chrono::NaiveDate::from_ymd_opt(2015, 6, 18).expect("date");
    w.server.sync.authority.set_today(today);
    let (round, agency) = (round().id, shared::ids::AgencyCode::from("S1"));
    let report = RecordKey::Report {
        round,
        agency: agency.clone(),
    };
    w.local(
        0,
        Mutation::Report {
            op: ReportMutation::Send {
                round,
                agency: agency.clone(),
                on: chrono::NaiveDate::from_ymd_opt(2015, 6, 10).expect("date"),
            },
        },
    );
    // The other officer, offline, still edits the draft it has.
    w.local(
        1,
        Mutation::Report {
            op: ReportMutation::Edit {
                key: report.clone(),
                edit: RecordEdit::Remarks("Thêm nhận xét".into()),
            },
        },
    );
    w.settle();
    let Some(Record::Report(r)) = w.server.sync.authority.state().record(&report).cloned() else {
        panic!("report");
    };
    assert_eq!(
        r.first_sent_on,
        Some(today),
        "the server's date, not the device's"
    );
    assert!(
        w.notices[1]
            .iter()
            .any(|n| n.error.to_string().contains("đã gửi")),
        "{:?}",
        w.notices[1]
    );
}

#[test]
fn two_inspectors_saving_one_visit_offline_keep_both_in_a_conflict_and_the_agency_answers_apart() {
    let mut w = World::inspections();
    let key = RecordKey::Visit(visit_id(0));
    assert!(
        matches!(w.devices[0].view().record(&key), Some(Record::Visit(_))),
        "the seeded visit reached the devices"
    );
    let save = |met| Mutation::Inspection {
        op: InspectionMutation::SaveVisit { visit: visit(met) },
    };
    w.local(0, save(1));
    w.local(1, save(2));
    // The agency answers while an inspector rewrites the recommendation: different fields.
    w.local(
        2,
        Mutation::Inspection {
            op: InspectionMutation::Answer {
                id: recommendation(0).id,
                state: FollowUp::InProgress,
                note: "Đang làm".into(),
            },
        },
    );
    w.local(
        0,
        Mutation::Inspection {
            op: InspectionMutation::SaveRecommendation {
                recommendation: recommendation(9),
            },
        },
    );
    // The agency's officer may not record findings; an inspector's delete of a photo another
    // inspector took after the deleting device last synced is refused.
    w.local(
        2,
        Mutation::Inspection {
            op: InspectionMutation::SaveFinding {
                finding: Finding {
                    visit: visit_id(0),
                    task: node_id(0),
                    findings: "Tự đánh giá".into(),
                    rating: Some(Rating::Met),
                    reason: String::new(),
                },
            },
        },
    );
    let hash = PhotoHash::from_digest(&[1; 32]);
    let photo = Photo {
        visit: visit_id(0),
        hash: hash.clone(),
        size: 100_000,
        width: 2_000,
        height: 1_500,
        task: None,
        caption: "Nhà văn hoá thôn".into(),
        taken_at: None,
        position: Fix::Unavailable,
    };
    w.push_all(1);
    w.local(
        1,
        Mutation::Inspection {
            op: InspectionMutation::SavePhoto { photo },
        },
    );
    w.push_all(1);
    w.local(
        0,
        Mutation::Inspection {
            op: InspectionMutation::DeletePhoto {
                visit: visit_id(0),
                hash: hash.clone(),
            },
        },
    );
    w.settle();
    let server = w.server.sync.authority.state();
    let conflicts: Vec<&RecordConflict> = w.server.sync.authority.open_record_conflicts().collect();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].key, key);
    assert_eq!(conflicts[0].field, RecordField::Content);
    let Some(Record::Recommendation(r)) =
        server.record(&RecordKey::Recommendation(recommendation(0).id))
    else {
        panic!("the recommendation is there");
    };
    assert_eq!(
        (r.text.as_str(), r.state, r.note.as_str()),
        ("Kiến nghị 9", FollowUp::InProgress, "Đang làm"),
        "the inspector's text and the agency's answer both stand"
    );
    assert!(
        server
            .record(&RecordKey::Finding {
                visit: visit_id(0),
                task: node_id(0)
            })
            .is_none()
    );
    assert!(
        server
            .record(&RecordKey::Photo {
                visit: visit_id(0),
                hash
            })
            .is_some(),
        "a photo the deleting device had not seen stays"
    );
    let refused: Vec<String> = w
        .notices
        .iter()
        .flatten()
        .map(|n| n.error.to_string())
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert!(
        refused
            .iter()
            .any(|m| m.contains("chỉ được xem kết quả kiểm tra")),
        "{refused:?}"
    );
    assert!(
        refused.iter().any(|m| m.contains("chưa xoá")),
        "{refused:?}"
    );

    // An inspector keeps the replaced version from the conflicts panel: the visit is saved
    // again as it was, the conflict closes on every device.
    let conflict = conflicts[0].clone();
    let replaced = match &conflict.replaced.value {
        shared::report::RecordEdit::Content(r) => (**r).clone(),
        other => panic!("{other:?}"),
    };
    let records = w.devices[0].view().records().clone();
    assert!(shared::sync::settle::subject_vi(&conflict, &records).starts_with("Phiếu kiểm tra ("));
    assert!(shared::sync::settle::value_vi(&conflict.replaced.value).contains("làm việc với"));
    for m in shared::sync::settle::settle(&conflict, true) {
        w.local(0, m);
    }
    w.settle();
    assert_eq!(w.server.sync.authority.open_record_conflicts().count(), 0);
    assert_eq!(
        w.server.sync.authority.state().record(&key),
        Some(&replaced)
    );
    for d in &w.devices {
        assert!(d.open_record_conflicts().is_empty());
        assert_eq!(d.view().record(&key), Some(&replaced));
    }
}

/// A new device's first pull may leave the bodies out (the tree shows sooner); the bodies that
/// follow fill only the nodes no pull has brought since, and never from before that first pull.
#[test]
fn bodies_left_out_of_a_first_pull_arrive_later_and_never_overwrite_newer_ones() {
    let mut w = World::new();
    let body = |n: u64, text: Option<&str>| Mutation::EditNode {
        id: node_id(n),
        edit: NodeEdit::Body(text.map(str::to_owned)),
    };
    for (n, text) in [(1, "Một"), (2, "Hai"), (3, "Ba")] {
        w.local(0, body(n, Some(text)));
    }
    w.push_all(0);
    let bodies_now = |w: &World| BodiesResponse {
        cursor: w.server.sync.authority.change(),
        bodies: w
            .server
            .sync
            .authority
            .state()
            .nodes()
            .filter_map(|n| n.body.clone().map(|body| NodeBody { id: n.id, body }))
            .collect(),
    };
    let shown = |r: &Replica, n: u64| r.view().get(node_id(n)).and_then(|n| n.body.clone());

    let mut fresh = Replica::new(plan_id(), client(CLIENTS));
    let mut first = w.server.pull(&fresh.pull_request());
    first.leave_out_bodies();
    assert!(first.nodes.iter().all(|n| n.body.is_none()));
    // Built without the bodies (the server's way: they are never copied), the same answer.
    assert_eq!(
        w.server.sync.pull_as(&fresh.pull_request(), None, false),
        first
    );
    // A pull of changes keeps the bodies of the nodes it brings whole, as before.
    let later = PullRequest {
        cursor: ChangeNo(1),
        clients: Vec::new(),
        holds: None,
    };
    assert_eq!(
        w.server.sync.pull_as(&later, None, false),
        w.server.pull(&later)
    );
    fresh.on_pull(first);
    assert!(fresh.bodies_unknown() && fresh.body_unknown(node_id(1)));
    assert_eq!(shown(&fresh, 1), None);
    // What the device keeps says so, across a reload.
    let kept = Replica::restore(plan_id(), Some(fresh.synced_state()), fresh.outbox());
    assert!(kept.body_unknown(node_id(2)));

    // Bodies older than the first pull are not taken.
    let stale = BodiesResponse {
        cursor: ChangeNo::ZERO,
        bodies: vec![NodeBody {
            id: node_id(1),
            body: "Cũ".into(),
        }],
    };
    assert_eq!(fresh.fill_bodies(stale), None);
    assert!(fresh.body_unknown(node_id(1)));

    // An edit made meanwhile on the new device stays over what arrives.
    fresh
        .apply(
            Mutation::EditNode {
                id: node_id(1),
                edit: NodeEdit::Title("Sửa trên máy mới".into()),
            },
            5_000,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    // Asked for now, arriving after a pull that brought node 2's new body and node 3's removal.
    let asked = bodies_now(&w);
    w.local(0, body(2, Some("Hai, sửa lại")));
    w.local(0, body(3, None));
    w.push_all(0);
    fresh.on_pull(w.server.pull(&fresh.pull_request()));
    assert!(!fresh.body_unknown(node_id(2)) && !fresh.body_unknown(node_id(3)));
    assert_eq!(fresh.fill_bodies(asked), Some(vec![node_id(1)]));
    assert!(!fresh.bodies_unknown());
    assert_eq!(shown(&fresh, 1).as_deref(), Some("Một"));
    assert_eq!(shown(&fresh, 2).as_deref(), Some("Hai, sửa lại"));
    assert_eq!(shown(&fresh, 3), None);
    assert_eq!(
        fresh.view().get(node_id(1)).map(|n| n.title.as_str()),
        Some("Sửa trên máy mới")
    );
    let pushed = fresh
        .push_request(10)
        .unwrap_or_else(|| panic!("an edit waits"));
    w.push(&pushed);
    fresh.on_pull(w.server.pull(&fresh.pull_request()));
    w.pull(0);
    assert_eq!(sorted(fresh.view()), sorted(w.devices[0].view()));
}

#[test]
fn the_revision_moves_with_every_change_and_only_then() {
    let mut w = World::new();
    w.pull(0);
    let synced = w.devices[0].revision();
    // Nothing new on the server: the copy on the device need not be written again.
    w.pull(0);
    assert_eq!(w.devices[0].revision(), synced);
    let id = node_id(3);
    w.local(
        0,
        Mutation::EditNode {
            id,
            edit: NodeEdit::Title("Sửa".into()),
        },
    );
    let edited = w.devices[0].revision();
    assert!(edited > synced, "an edit is a change");
    w.push_all(0);
    w.pull(0);
    assert!(w.devices[0].revision() > edited, "its confirmation too");
    let confirmed = w.devices[0].revision();
    w.pull(0);
    assert_eq!(w.devices[0].revision(), confirmed);
    // Another device's edit arrives: a change.
    w.local(
        1,
        Mutation::EditNode {
            id,
            edit: NodeEdit::Title("Của B".into()),
        },
    );
    w.push_all(1);
    w.pull(0);
    assert!(w.devices[0].revision() > confirmed);
    assert_eq!(
        w.devices[0].view().get(id).map(|n| n.title.as_str()),
        Some("Của B")
    );
}
