//! What of a plan's tree an agency officer's device holds: the tasks given to the agency (to
//! lead or to coordinate), everything under them (the sub-tasks the agency adds), and the items
//! above them (where each task sits in the plan). For an agency with 50 tasks in a plan of
//! 100,000, a few hundred nodes instead of the whole plan. Other roles hold every node.
//!
//! A device holding a scope's nodes says which with one number ([`held`] of its base's ids, in
//! `PullRequest::holds`). The server compares it with what the device would hold had it taken
//! in every change since its cursor ([`PlanSync::pull_scoped`](super::PlanSync::pull_scoped)):
//! the same, and the pull brings the changes inside the scope; not the same (a task given to the
//! agency or taken back, a move, a deletion, a device that held the whole plan), and the pull is
//! a whole one of the scope (`reset`), which the device takes instead of what it had.

use std::collections::{HashMap, HashSet};

use crate::ids::NodeId;
use crate::plan_state::PlanState;

/// The nodes of a plan an agency's officers hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    nodes: HashSet<NodeId>,
}

impl Scope {
    /// The tasks given to `agency` in `state`, what is under them and what is above them.
    pub fn of_agency(state: &PlanState, agency: &str) -> Self {
        let mut children: HashMap<NodeId, Vec<NodeId>> = HashMap::new();
        let mut given = Vec::new();
        for n in state.nodes() {
            if let Some(p) = n.parent {
                children.entry(p).or_default().push(n.id);
            }
            if n.assignments.iter().any(|a| a.agency.as_str() == agency) {
                given.push(n.id);
            }
        }
        let mut nodes = HashSet::new();
        // Below: each node once, even under two given tasks.
        let mut stack = given.clone();
        while let Some(id) = stack.pop() {
            if nodes.insert(id)
                && let Some(kids) = children.get(&id)
            {
                stack.extend(kids.iter().copied());
            }
        }
        // Above: up to the top, or to a node already there (its own path is).
        let mut above = HashSet::new();
        for id in given {
            let mut parent = state.get(id).and_then(|n| n.parent);
            // Bounded: corrupt data with a parent loop cannot hang the server.
            for _ in 0..state.len() {
                let Some(p) = parent else { break };
                if !above.insert(p) {
                    break;
                }
                parent = state.get(p).and_then(|n| n.parent);
            }
        }
        nodes.extend(above.into_iter().filter(|id| state.get(*id).is_some()));
        Self { nodes }
    }

    pub fn contains(&self, id: NodeId) -> bool {
        self.nodes.contains(&id)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes.iter().copied()
    }
}

/// One number for a set of node ids, whatever their order: what a device holding a scope's
/// nodes says it holds. Two different sets give the same number by chance only (one in 2^64).
pub fn held(ids: impl IntoIterator<Item = NodeId>) -> u64 {
    ids.into_iter().fold(0u64, |sum, id| {
        let bits = id.0.as_u128();
        sum.wrapping_add(mix(mix(bits as u64) ^ (bits >> 64) as u64))
    })
}

/// splitmix64's finaliser: every bit of the input moves every bit of the output.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
