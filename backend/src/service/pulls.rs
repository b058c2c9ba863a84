//! Pulls of changes encoded once for every device that asks the same thing: the same plan at the
//! same change, from the same cursor, in the same scope. After a change, every device online
//! pulls from the cursor it had, which is mostly the same one; only a device's own part (its
//! clients' sequence numbers, its refusals) differs, and is encoded per request and joined on:
//! to the JSON, and to the gzip stream, whose head is kept compressed and flushed to a block
//! boundary, so that the own part follows as deflate blocks of its own (RFC 1951 § 3.2.3, one
//! gzip member: RFC 1952).

use bytes::Bytes;
use flate2::{Compress, Compression, FlushCompress, Status};
use shared::ids::{AgencyCode, PlanId};
use shared::sync::{ChangeNo, ClientSeq, PullResponse, Refusal};
use std::collections::HashMap;
use std::sync::Arc;

use super::{Result, ServiceError};

/// What makes two pulls' shared parts the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PullKey {
    pub plan: PlanId,
    /// The plan's change number the answer was read at.
    pub at: ChangeNo,
    /// The device's cursor.
    pub from: ChangeNo,
    /// An agency officer's pull is cut to the agency's (`shared::inspection::scope`):
    /// `Some(agency)`; `None`: everything.
    pub scope: Option<Option<AgencyCode>>,
    /// What the device says it holds (`PullRequest::holds`): whether its pull is whole.
    pub holds: Option<u64>,
    pub bodies_left_out: bool,
}

/// Most shared parts kept, and most bytes they may hold together (a device chooses its cursor:
/// many cursors must not fill the memory with encoded plans).
const KEPT: usize = 256;
const KEPT_BYTES: usize = 64 << 20;

/// The shared parts of pulls, encoded once for every device asking the same; of each plan,
/// only those of its newest change are kept.
#[derive(Default)]
pub struct SharedPulls {
    cells: std::sync::Mutex<HashMap<PullKey, Cell>>,
}

type Cell = Arc<tokio::sync::OnceCell<Arc<SharedPull>>>;

impl SharedPulls {
    /// The place of `key`'s shared part: filled by the first who asks, waited on by the others.
    pub fn cell(&self, key: PullKey) -> Cell {
        let mut cells = super::locked(&self.cells);
        let bytes: usize = cells
            .values()
            .filter_map(|c| c.get())
            .map(|p| p.bytes())
            .sum();
        if cells.len() >= KEPT || bytes >= KEPT_BYTES {
            cells.clear();
        }
        // An older change's answers are asked no more once a newer one is.
        cells.retain(|k, _| k.plan != key.plan || k.at >= key.at);
        cells.entry(key).or_default().clone()
    }

    /// Forgets a plan's (its record changed).
    pub fn forget(&self, plan: PlanId) {
        super::locked(&self.cells).retain(|k, _| k.plan != plan);
    }
}

/// The shared part of a pull, encoded.
pub struct SharedPull {
    pub cursor: ChangeNo,
    /// The JSON before the device's own fields, and after them.
    head: Bytes,
    tail: Bytes,
    /// `head` as raw deflate, flushed to a byte boundary but not ended.
    deflated_head: Bytes,
    head_crc: u32,
}

/// The device's own part of a pull.
#[derive(Debug, Clone, Default)]
pub struct OwnPart {
    pub clients: Vec<ClientSeq>,
    pub refusals: Vec<Refusal>,
}

/// A pull of changes: the shared part and the device's own.
pub struct ChangesPulled {
    pub shared: Arc<SharedPull>,
    pub own: OwnPart,
}

/// Where the own part goes: the shared part is encoded with empty lists there.
const OWN_FIELDS: &[u8] = br#""clients":[],"refusals":[]"#;

fn encode_error(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Encode(e.to_string())
}

impl SharedPull {
    /// Encodes `common`, a pull with no clients (so no refusals either).
    pub fn new(common: &PullResponse, level: Compression) -> Result<Self> {
        if !common.clients.is_empty() || !common.refusals.is_empty() {
            return Err(encode_error("a shared pull names no client"));
        }
        let json = serde_json::to_vec(common).map_err(encode_error)?;
        // The last occurrence: within a JSON string every quote is escaped, so the fields'
        // names cannot be matched inside a title.
        let at = json
            .windows(OWN_FIELDS.len())
            .rposition(|w| w == OWN_FIELDS)
            .ok_or_else(|| encode_error("the clients' fields are missing"))?;
        let (head, tail) = (&json[..at], &json[at + OWN_FIELDS.len()..]);
        let deflated_head = deflate(head, level, FlushCompress::Sync)?;
        Ok(Self {
            cursor: common.cursor,
            head: Bytes::copy_from_slice(head),
            tail: Bytes::copy_from_slice(tail),
            deflated_head: deflated_head.into(),
            head_crc: crc32fast::hash(head),
        })
    }

    /// The memory it holds.
    fn bytes(&self) -> usize {
        self.head.len() + self.tail.len() + self.deflated_head.len()
    }

    /// The own part and what follows it, as JSON.
    fn own_json(&self, own: &OwnPart) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(64 + self.tail.len());
        out.extend_from_slice(br#""clients":"#);
        serde_json::to_writer(&mut out, &own.clients).map_err(encode_error)?;
        out.extend_from_slice(br#","refusals":"#);
        serde_json::to_writer(&mut out, &own.refusals).map_err(encode_error)?;
        out.extend_from_slice(&self.tail);
        Ok(out)
    }

    /// The whole answer as JSON.
    pub fn json(&self, own: &OwnPart) -> Result<Vec<u8>> {
        let rest = self.own_json(own)?;
        let mut out = Vec::with_capacity(self.head.len() + rest.len());
        out.extend_from_slice(&self.head);
        out.extend_from_slice(&rest);
        Ok(out)
    }

    /// The whole answer as one gzip member: the header, the head's deflate blocks, the own
    /// part's (a stream of its own, which refers to nothing before it), and the trailer over
    /// all the bytes.
    pub fn gzip(&self, own: &OwnPart) -> Result<Vec<u8>> {
        let rest = self.own_json(own)?;
        let deflated_rest = deflate(&rest, Compression::fast(), FlushCompress::Finish)?;
        let mut crc =
            crc32fast::Hasher::new_with_initial_len(self.head_crc, self.head.len() as u64);
        crc.update(&rest);
        let size = (self.head.len() + rest.len()) as u32; // ISIZE: the length modulo 2³²
        let mut out = Vec::with_capacity(18 + self.deflated_head.len() + deflated_rest.len());
        // ID1 ID2, deflate, no flags, no time, no extra flags, unknown system.
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        out.extend_from_slice(&self.deflated_head);
        out.extend_from_slice(&deflated_rest);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        Ok(out)
    }
}

impl ChangesPulled {
    pub fn json(&self) -> Result<Vec<u8>> {
        self.shared.json(&self.own)
    }

    pub fn gzip(&self) -> Result<Vec<u8>> {
        self.shared.gzip(&self.own)
    }

    /// The answer decoded (for callers in the same process).
    pub fn answer(&self) -> Result<PullResponse> {
        serde_json::from_slice(&self.json()?).map_err(encode_error)
    }
}

/// `input` as raw deflate: ended (`Finish`), or flushed to a byte boundary (`Sync`) so that more
/// blocks may follow.
fn deflate(input: &[u8], level: Compression, flush: FlushCompress) -> Result<Vec<u8>> {
    let mut c = Compress::new(level, false);
    let mut out = Vec::with_capacity(input.len() / 3 + 64);
    loop {
        let read = c.total_in() as usize;
        let status = c
            .compress_vec(&input[read..], &mut out, flush)
            .map_err(encode_error)?;
        let full = out.len() == out.capacity();
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => c.total_in() as usize == input.len() && !full,
        };
        if done {
            return Ok(out);
        }
        if full {
            out.reserve(out.capacity().max(64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::document::NodeKind;
    use shared::ids::ClientId;
    use shared::plan::Node;
    use shared::rank::Rank;
    use std::io::Read;

    fn client(n: u64) -> ClientId {
        ClientId::from_parts(1_700_000_000_000 + n, [n as u8; 10])
    }

    fn answer(nodes: usize) -> PullResponse {
        let plan = PlanId(uuid::Uuid::from_u128(7));
        let ranks = Rank::sequence(nodes);
        PullResponse {
            cursor: ChangeNo(42),
            reset: false,
            plan: None,
            nodes: (0..nodes)
                .map(|i| Node {
                    id: shared::ids::NodeId(uuid::Uuid::from_u128(1000 + i as u128)),
                    plan_id: plan,
                    parent: None,
                    rank: ranks[i].clone(),
                    label: (i + 1).to_string(),
                    kind: NodeKind::Item,
                    // Names of the own fields inside a text must not be taken for them.
                    title: format!(r#"Nhiệm vụ {i} "clients":[],"refusals":[]"#),
                    body: (i % 2 == 0).then(|| format!("Nội dung {i}")),
                    deadline: None,
                    recurring_deadline: None,
                    references: Vec::new(),
                    progress: (i % 101) as u8,
                    completed_on: None,
                    assignments: Vec::new(),
                    owner: None,
                })
                .collect(),
            patches: Vec::new(),
            deleted: Vec::new(),
            conflicts: Vec::new(),
            records: Vec::new(),
            records_deleted: Vec::new(),
            record_conflicts: Vec::new(),
            clients: Vec::new(),
            refusals: Vec::new(),
            bodies_left_out: false,
            scoped: false,
        }
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("a valid gzip stream");
        out
    }

    #[test]
    fn joined_answers_are_the_whole_answer_in_json_and_in_gzip() {
        for (nodes, bodies_left_out) in [(0, false), (3, false), (2_000, true)] {
            let mut common = answer(nodes);
            common.bodies_left_out = bodies_left_out;
            let shared = SharedPull::new(&common, Compression::default()).expect("encoded");
            for own in [
                OwnPart::default(),
                OwnPart {
                    clients: vec![
                        ClientSeq {
                            client: client(1),
                            seq: 10,
                        },
                        ClientSeq {
                            client: client(2),
                            seq: 0,
                        },
                    ],
                    refusals: Vec::new(),
                },
            ] {
                let mut whole = common.clone();
                whole.clients = own.clients.clone();
                let expected = serde_json::to_vec(&whole).expect("json");
                assert_eq!(shared.json(&own).expect("json"), expected);
                let gzip = shared.gzip(&own).expect("gzip");
                assert_eq!(gunzip(&gzip), expected);
                let decoded: PullResponse = serde_json::from_slice(&gunzip(&gzip)).expect("a pull");
                assert_eq!(decoded, whole);
            }
        }
    }

    #[test]
    fn the_cache_keeps_only_each_plans_newest_change_and_a_bounded_number() {
        let pulls = SharedPulls::default();
        let key = |plan: u128, at: u64, from: u64| PullKey {
            plan: PlanId(uuid::Uuid::from_u128(plan)),
            at: ChangeNo(at),
            from: ChangeNo(from),
            scope: None,
            holds: None,
            bodies_left_out: false,
        };
        let first = pulls.cell(key(1, 5, 4));
        assert!(
            Arc::ptr_eq(&first, &pulls.cell(key(1, 5, 4))),
            "the same place"
        );
        pulls.cell(key(2, 9, 1));
        // Plan 1 moves on: its answers at change 5 go, plan 2's stay.
        pulls.cell(key(1, 6, 5));
        let kept = |p: &SharedPulls| super::super::locked(&p.cells).len();
        assert_eq!(kept(&pulls), 2);
        // Any number of cursors a device may choose: never more than KEPT places.
        for from in 0..(3 * KEPT as u64) {
            pulls.cell(key(3, 100, from));
        }
        assert!(kept(&pulls) <= KEPT);
    }

    #[test]
    fn a_pull_naming_clients_is_not_shared() {
        let mut common = answer(1);
        common.clients.push(ClientSeq {
            client: client(1),
            seq: 1,
        });
        assert!(SharedPull::new(&common, Compression::default()).is_err());
    }
}
