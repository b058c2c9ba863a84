//! What of a plan's inspections reaches an agency officer's device: the visits to the agency
//! with their findings, photos and recommendations, the recommendations made to the agency
//! with the visit each was made at (its place and date, not what was found there), and every
//! round. Other roles receive everything. The server cuts each pull to this
//! ([`scope_pull`]); the app shows the same through [`sees_visit`] and
//! [`sees_recommendation`].

use crate::actor::{Actor, UserRole};
use crate::ids::RecordId;
use crate::inspection::op;
use crate::inspection::{sees_recommendation, sees_visit};
use crate::report::record::Records;
use crate::report::{Record, RecordKey};
use crate::sync::PullResponse;

/// Whether `actor` receives the record now at `key` in `records` (a key of a record gone:
/// whether its visit is seen).
pub fn receives(actor: &Actor, records: &Records, key: &RecordKey) -> bool {
    if actor.role != UserRole::AgencyOfficer {
        return true;
    }
    let sees = |visit: RecordId| op::visit(records, visit).is_some_and(|v| sees_visit(actor, v));
    match (key, records.get(key)) {
        (RecordKey::Visit(id), Some(Record::Visit(v))) => {
            sees_visit(actor, v)
                || op::recommendations_of(records, *id).any(|r| sees_recommendation(actor, r))
        }
        (RecordKey::Recommendation(_), Some(Record::Recommendation(r))) => {
            sees_recommendation(actor, r)
        }
        (RecordKey::Recommendation(_), _) => false,
        (RecordKey::Finding { visit, .. } | RecordKey::Photo { visit, .. }, _) => sees(*visit),
        (RecordKey::Visit(id), _) => sees(*id),
        _ => true,
    }
}

/// Cuts `answer`, a pull made from `records` (the plan's records now), to what `actor`
/// receives. A record cut from a pull that is not a first one is sent as deleted, so that a
/// device that had it (the visit went to another agency) lets it go; a visit sent brings its
/// findings, photos and recommendations along (it may have just become the agency's).
pub fn scope_pull(actor: &Actor, records: &Records, answer: &mut PullResponse) {
    if actor.role != UserRole::AgencyOfficer {
        return;
    }
    let mut gone: Vec<RecordKey> = Vec::new();
    let mut kept: Vec<Record> = Vec::with_capacity(answer.records.len());
    for r in answer.records.drain(..) {
        let key = r.key();
        if receives(actor, records, &key) {
            kept.push(r);
        } else {
            gone.push(key);
        }
    }
    if !answer.reset {
        // What goes with each visit: sent when the visit is sent, let go when it is.
        let mut more = Vec::new();
        for key in kept.iter().map(Record::key).chain(gone.clone()) {
            let RecordKey::Visit(id) = key else { continue };
            let children = op::findings_of(records, id)
                .map(|f| Record::Finding(f.clone()))
                .chain(op::photos_of(records, id).map(|p| Record::Photo(p.clone())))
                .chain(
                    op::recommendations_of(records, id).map(|r| Record::Recommendation(r.clone())),
                );
            for child in children {
                let child_key = child.key();
                if receives(actor, records, &child_key) {
                    more.push(child);
                } else {
                    gone.push(child_key);
                }
            }
        }
        // The visit of a recommendation sent: its place and date.
        for r in &kept {
            if let Record::Recommendation(rec) = r
                && let Some(v) = op::visit(records, rec.visit)
            {
                more.push(Record::Visit(v.clone()));
            }
        }
        for r in more {
            if !kept.iter().any(|k| k.key() == r.key()) {
                kept.push(r);
            }
        }
        answer.records_deleted.extend(gone);
        answer.records_deleted.sort();
        answer.records_deleted.dedup();
    }
    answer.records = kept;
    answer
        .record_conflicts
        .retain(|c| receives(actor, records, &c.key));
}
