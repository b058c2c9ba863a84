//! Every change to a plan's inspections is a typed [`InspectionMutation`], carried by
//! `Mutation::Inspection` through the plan's sync beside the tree and the reports: [`apply`]
//! decides what it writes or why it is refused (who may make it: `inspection::access`). Records are saved
//! whole (a visit, a finding, a recommendation, a photo's note: what one person writes at
//! once); a recommendation's follow-up is the answering agency's own field, so the inspector
//! and the agency never overwrite each other.

use crate::ids::{AgencyCode, ConflictId, NodeId, RecordId};
use crate::inspection::model::*;
use crate::inspection::photo::PhotoHash;
use crate::report::record::{PlanView, Record, RecordChange, RecordEdit, RecordKey, Records};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A change to a plan's inspections, as a user meant it. Ids are made by the client, so a
/// mutation can be retried safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum InspectionMutation {
    /// Opens a round, or changes it (its team, dates, places, scope).
    SaveRound {
        round: InspectionRound,
    },
    /// Deletes a round with no visit recorded.
    DeleteRound {
        id: RecordId,
    },
    /// Records a visit (phiếu kiểm tra), or changes it.
    SaveVisit {
        visit: Visit,
    },
    /// Deletes a visit with its findings, recommendations and photos.
    DeleteVisit {
        id: RecordId,
    },
    /// Records what a visit found on a task, or changes it.
    SaveFinding {
        finding: Finding,
    },
    DeleteFinding {
        visit: RecordId,
        task: NodeId,
    },
    /// Makes a recommendation, or changes its text, agency, task or due date (its follow-up
    /// stays the agency's).
    SaveRecommendation {
        recommendation: Recommendation,
    },
    DeleteRecommendation {
        id: RecordId,
    },
    /// The responsible agency says where a recommendation stands.
    Answer {
        id: RecordId,
        state: FollowUp,
        #[serde(default)]
        note: String,
    },
    /// Keeps a photo of a visit (the file goes by its own upload), or changes its caption.
    SavePhoto {
        photo: Photo,
    },
    DeletePhoto {
        visit: RecordId,
        hash: PhotoHash,
    },
    /// Settles a conflict on an inspection record by keeping the record as it stands (to keep
    /// the replaced version, save it first).
    ResolveConflict {
        conflict: ConflictId,
        key: RecordKey,
    },
}

impl InspectionMutation {
    /// The record the mutation is about.
    pub fn key(&self) -> RecordKey {
        use InspectionMutation as M;
        match self {
            M::SaveRound { round } => RecordKey::Inspection(round.id),
            M::DeleteRound { id } => RecordKey::Inspection(*id),
            M::SaveVisit { visit } => RecordKey::Visit(visit.id),
            M::DeleteVisit { id } => RecordKey::Visit(*id),
            M::SaveFinding { finding } => RecordKey::Finding {
                visit: finding.visit,
                task: finding.task,
            },
            M::DeleteFinding { visit, task } => RecordKey::Finding {
                visit: *visit,
                task: *task,
            },
            M::SaveRecommendation { recommendation } => {
                RecordKey::Recommendation(recommendation.id)
            }
            M::DeleteRecommendation { id } | M::Answer { id, .. } => RecordKey::Recommendation(*id),
            M::SavePhoto { photo } => RecordKey::Photo {
                visit: photo.visit,
                hash: photo.hash.clone(),
            },
            M::DeletePhoto { visit, hash } => RecordKey::Photo {
                visit: *visit,
                hash: hash.clone(),
            },
            M::ResolveConflict { key, .. } => key.clone(),
        }
    }

    /// The change in words, for people.
    pub fn describe_vi(&self) -> String {
        use InspectionMutation as M;
        match self {
            M::SaveRound { round } => format!("Lưu đợt kiểm tra «{}»", round.title),
            M::DeleteRound { .. } => "Xoá đợt kiểm tra".to_owned(),
            M::SaveVisit { .. } => "Lưu phiếu kiểm tra".to_owned(),
            M::DeleteVisit { .. } => "Xoá phiếu kiểm tra".to_owned(),
            M::SaveFinding { .. } => "Ghi kết quả kiểm tra".to_owned(),
            M::DeleteFinding { .. } => "Xoá kết quả kiểm tra".to_owned(),
            M::SaveRecommendation { .. } => "Ghi kiến nghị".to_owned(),
            M::DeleteRecommendation { .. } => "Xoá kiến nghị".to_owned(),
            M::Answer { state, .. } => {
                format!("Báo cáo thực hiện kiến nghị: {}", state.label_vi())
            }
            M::SavePhoto { .. } => "Lưu ảnh kiểm tra".to_owned(),
            M::DeletePhoto { .. } => "Xoá ảnh kiểm tra".to_owned(),
            M::ResolveConflict { .. } => "Giải quyết xung đột".to_owned(),
        }
    }

    /// The save that puts a version of a conflict (`value`, of the record `key`) back: what
    /// choosing the replaced version sends before [`InspectionMutation::ResolveConflict`].
    pub fn restoring(key: &RecordKey, value: &RecordEdit) -> Option<Self> {
        use InspectionMutation as M;
        Some(match value {
            RecordEdit::Content(record) => match (**record).clone() {
                Record::Inspection(round) => M::SaveRound { round },
                Record::Visit(visit) => M::SaveVisit { visit },
                Record::Finding(finding) => M::SaveFinding { finding },
                Record::Recommendation(recommendation) => M::SaveRecommendation { recommendation },
                Record::Photo(photo) => M::SavePhoto { photo },
                _ => return None,
            },
            RecordEdit::FollowUp { state, note } => match key {
                RecordKey::Recommendation(id) => M::Answer {
                    id: *id,
                    state: *state,
                    note: note.clone(),
                },
                _ => return None,
            },
            _ => return None,
        })
    }

    /// Whether the mutation only removes a record.
    pub fn is_delete(&self) -> bool {
        use InspectionMutation as M;
        matches!(
            self,
            M::DeleteRound { .. }
                | M::DeleteVisit { .. }
                | M::DeleteFinding { .. }
                | M::DeleteRecommendation { .. }
                | M::DeletePhoto { .. }
        )
    }

    /// The mutation with every text cut by `cut` and every list to `max_list`: what a stored
    /// refusal keeps of it.
    pub fn abridged(&self, cut: &dyn Fn(&str) -> String, max_list: usize) -> Self {
        use InspectionMutation as M;
        let list = |l: &[String]| l.iter().take(max_list).map(|t| cut(t)).collect();
        let place = |p: &Place| Place {
            unit: cut(&p.unit),
            village: p.village.as_deref().map(cut),
        };
        let code = |a: &AgencyCode| AgencyCode::from(cut(a).as_str());
        match self {
            M::SaveRound { round } => M::SaveRound {
                round: InspectionRound {
                    title: cut(&round.title),
                    decision_number: round.decision_number.as_deref().map(cut),
                    leader: cut(&round.leader),
                    members: list(&round.members),
                    places: round.places.iter().take(max_list).map(place).collect(),
                    tasks: round.tasks.iter().take(max_list).copied().collect(),
                    agencies: round.agencies.iter().take(max_list).map(code).collect(),
                    ..round.clone()
                },
            },
            M::SaveVisit { visit } => M::SaveVisit {
                visit: Visit {
                    place: place(&visit.place),
                    inspected: match &visit.inspected {
                        Inspected::Agency(a) => Inspected::Agency(code(a)),
                        Inspected::Commune(c) => Inspected::Commune(cut(c)),
                    },
                    met: list(&visit.met),
                    ..visit.clone()
                },
            },
            M::SaveFinding { finding } => M::SaveFinding {
                finding: Finding {
                    findings: cut(&finding.findings),
                    reason: cut(&finding.reason),
                    ..finding.clone()
                },
            },
            M::SaveRecommendation { recommendation } => M::SaveRecommendation {
                recommendation: Recommendation {
                    text: cut(&recommendation.text),
                    agency: code(&recommendation.agency),
                    note: cut(&recommendation.note),
                    ..recommendation.clone()
                },
            },
            M::Answer { id, state, note } => M::Answer {
                id: *id,
                state: *state,
                note: cut(note),
            },
            M::SavePhoto { photo } => M::SavePhoto {
                photo: Photo {
                    caption: cut(&photo.caption),
                    ..photo.clone()
                },
            },
            other => other.clone(),
        }
    }
}

/// The records of `records` whose keys lie from `from` to `to`.
fn between(
    records: &Records,
    from: RecordKey,
    to: RecordKey,
) -> impl Iterator<Item = (&RecordKey, &Record)> {
    records.range(from..=to)
}

const LOW: RecordId = RecordId(Uuid::nil());
const HIGH: RecordId = RecordId(Uuid::max());

/// The plan's inspection rounds.
pub fn rounds(records: &Records) -> impl Iterator<Item = &InspectionRound> {
    between(
        records,
        RecordKey::Inspection(LOW),
        RecordKey::Inspection(HIGH),
    )
    .filter_map(|(_, r)| match r {
        Record::Inspection(r) => Some(r),
        _ => None,
    })
}

/// Every visit of the plan.
pub fn visits(records: &Records) -> impl Iterator<Item = &Visit> {
    between(records, RecordKey::Visit(LOW), RecordKey::Visit(HIGH)).filter_map(|(_, r)| match r {
        Record::Visit(v) => Some(v),
        _ => None,
    })
}

/// The round a record's key is part of (a round's key, a visit's, or a finding's, photo's or
/// recommendation's through its visit).
pub fn round_of<'a>(records: &'a Records, key: &RecordKey) -> Option<&'a InspectionRound> {
    let round = match key {
        RecordKey::Inspection(id) => *id,
        RecordKey::Recommendation(id) => match records.get(&RecordKey::Recommendation(*id)) {
            Some(Record::Recommendation(r)) => visit(records, r.visit)?.round,
            _ => return None,
        },
        other => visit(records, other.visit()?)?.round,
    };
    match records.get(&RecordKey::Inspection(round)) {
        Some(Record::Inspection(r)) => Some(r),
        _ => None,
    }
}

pub fn visit(records: &Records, id: RecordId) -> Option<&Visit> {
    match records.get(&RecordKey::Visit(id)) {
        Some(Record::Visit(v)) => Some(v),
        _ => None,
    }
}

/// A visit's findings, in the order of their tasks' ids.
pub fn findings_of(records: &Records, visit: RecordId) -> impl Iterator<Item = &Finding> {
    between(
        records,
        RecordKey::Finding {
            visit,
            task: NodeId(Uuid::nil()),
        },
        RecordKey::Finding {
            visit,
            task: NodeId(Uuid::max()),
        },
    )
    .filter_map(|(_, r)| match r {
        Record::Finding(f) => Some(f),
        _ => None,
    })
}

/// A visit's photos.
pub fn photos_of(records: &Records, visit: RecordId) -> impl Iterator<Item = &Photo> {
    let lowest = PhotoHash::from_digest(&[0; 32]);
    let highest = PhotoHash::from_digest(&[0xff; 32]);
    between(
        records,
        RecordKey::Photo {
            visit,
            hash: lowest,
        },
        RecordKey::Photo {
            visit,
            hash: highest,
        },
    )
    .filter_map(|(_, r)| match r {
        Record::Photo(p) => Some(p),
        _ => None,
    })
}

/// Every recommendation of the plan.
pub fn recommendations(records: &Records) -> impl Iterator<Item = &Recommendation> {
    between(
        records,
        RecordKey::Recommendation(LOW),
        RecordKey::Recommendation(HIGH),
    )
    .filter_map(|(_, r)| match r {
        Record::Recommendation(r) => Some(r),
        _ => None,
    })
}

/// A visit's recommendations.
pub fn recommendations_of(
    records: &Records,
    visit: RecordId,
) -> impl Iterator<Item = &Recommendation> {
    recommendations(records).filter(move |r| r.visit == visit)
}

fn task_exists(plan: &impl PlanView, task: Option<NodeId>) -> Result<(), InspectionError> {
    match task {
        Some(t) if plan.node(t).is_none() => Err(InspectionError::TaskNotFound),
        _ => Ok(()),
    }
}

fn too_many(what: &str, max: usize) -> InspectionError {
    InspectionError::TooMany {
        what: what.into(),
        max,
    }
}

fn dedup<T: PartialEq + Clone>(list: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(list.len());
    for x in list {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

/// What `op` writes, or why it is refused. What the registry must say (places, agencies) is
/// checked by the server besides (`sync::Authority`), where the registry is known.
pub fn apply(
    plan: &impl PlanView,
    op: &InspectionMutation,
) -> Result<RecordChange, InspectionError> {
    use InspectionMutation as M;
    let records = plan.records();
    let upsert = |r: Record| RecordChange {
        upserted: vec![r],
        deleted: Vec::new(),
    };
    let deleted = |keys: Vec<RecordKey>| RecordChange {
        upserted: Vec::new(),
        deleted: keys,
    };
    let existing = records.get(&op.key());
    match op {
        M::SaveRound { round } => {
            check_round_text(round)?;
            for t in &round.tasks {
                task_exists(plan, Some(*t))?;
            }
            for a in &round.agencies {
                crate::validate::agency_code(a).map_err(|_| InspectionError::TooLong {
                    what: "Mã cơ quan".into(),
                    max: SHORT_MAX_CHARS,
                })?;
            }
            if existing.is_none() && rounds(records).count() >= ROUNDS_MAX {
                return Err(too_many("Đợt kiểm tra của kế hoạch", ROUNDS_MAX));
            }
            let mut round = round.clone();
            round.title = round.title.trim().to_owned();
            round.members = dedup(&round.members)
                .into_iter()
                .filter(|m| *m != round.leader && !m.trim().is_empty())
                .collect();
            round.places = dedup(&round.places);
            round.tasks = dedup(&round.tasks);
            round.agencies = dedup(&round.agencies);
            Ok(upsert(Record::Inspection(round)))
        }
        M::DeleteRound { id } => {
            if existing.is_none() {
                return Err(InspectionError::RoundNotFound);
            }
            if visits(records).any(|v| v.round == *id) {
                return Err(InspectionError::RoundHasVisits);
            }
            Ok(deleted(vec![op.key()]))
        }
        M::SaveVisit { visit: v } => {
            let Some(Record::Inspection(round)) = records.get(&RecordKey::Inspection(v.round))
            else {
                return Err(InspectionError::RoundNotFound);
            };
            match existing {
                Some(Record::Visit(old)) if old.round != v.round => {
                    return Err(InspectionError::WrongParent);
                }
                Some(_) => {}
                None => {
                    if visits(records).filter(|x| x.round == v.round).count() >= VISITS_MAX {
                        return Err(too_many("Phiếu kiểm tra của đợt", VISITS_MAX));
                    }
                }
            }
            check_visit_text(v, round)?;
            let mut v = v.clone();
            v.met.retain(|m| !m.trim().is_empty());
            Ok(upsert(Record::Visit(v)))
        }
        M::DeleteVisit { id } => {
            if existing.is_none() {
                return Err(InspectionError::VisitNotFound);
            }
            let mut keys = vec![op.key()];
            keys.extend(findings_of(records, *id).map(|f| RecordKey::Finding {
                visit: f.visit,
                task: f.task,
            }));
            keys.extend(photos_of(records, *id).map(|p| RecordKey::Photo {
                visit: p.visit,
                hash: p.hash.clone(),
            }));
            keys.extend(recommendations_of(records, *id).map(|r| RecordKey::Recommendation(r.id)));
            Ok(deleted(keys))
        }
        M::SaveFinding { finding } => {
            visit(records, finding.visit).ok_or(InspectionError::VisitNotFound)?;
            task_exists(plan, Some(finding.task))?;
            check_finding(finding)?;
            if existing.is_none() && findings_of(records, finding.visit).count() >= SCOPE_MAX {
                return Err(too_many(
                    "Nhiệm vụ được kiểm tra trong một phiếu",
                    SCOPE_MAX,
                ));
            }
            Ok(upsert(Record::Finding(finding.clone())))
        }
        M::SaveRecommendation { recommendation: r } => {
            visit(records, r.visit).ok_or(InspectionError::VisitNotFound)?;
            task_exists(plan, r.task)?;
            check_recommendation(r)?;
            crate::validate::agency_code(&r.agency).map_err(|_| InspectionError::TooLong {
                what: "Mã cơ quan".into(),
                max: SHORT_MAX_CHARS,
            })?;
            let mut r = r.clone();
            match existing {
                Some(Record::Recommendation(old)) => {
                    if old.visit != r.visit {
                        return Err(InspectionError::WrongParent);
                    }
                    r.state = old.state;
                    r.note.clone_from(&old.note);
                }
                _ => {
                    if recommendations_of(records, r.visit).count() >= RECOMMENDATIONS_MAX {
                        return Err(too_many("Kiến nghị của một phiếu", RECOMMENDATIONS_MAX));
                    }
                    r.state = FollowUp::NotStarted;
                    r.note.clear();
                }
            }
            Ok(upsert(Record::Recommendation(r)))
        }
        M::Answer { state, note, .. } => {
            let Some(Record::Recommendation(old)) = existing else {
                return Err(InspectionError::RecommendationNotFound);
            };
            if note.chars().count() > TEXT_MAX_CHARS {
                return Err(InspectionError::TooLong {
                    what: "Ghi chú".into(),
                    max: TEXT_MAX_CHARS,
                });
            }
            Ok(upsert(Record::Recommendation(Recommendation {
                state: *state,
                note: note.trim_end().to_owned(),
                ..old.clone()
            })))
        }
        M::SavePhoto { photo } => {
            visit(records, photo.visit).ok_or(InspectionError::VisitNotFound)?;
            task_exists(plan, photo.task)?;
            check_photo(photo)?;
            if existing.is_none() && photos_of(records, photo.visit).count() >= PHOTOS_MAX {
                return Err(too_many("Ảnh của một phiếu", PHOTOS_MAX));
            }
            Ok(upsert(Record::Photo(photo.clone())))
        }
        // A record deleted already (by another device) is nothing to do.
        M::DeleteFinding { .. } | M::DeleteRecommendation { .. } | M::DeletePhoto { .. } => {
            Ok(if existing.is_some() {
                deleted(vec![op.key()])
            } else {
                RecordChange::default()
            })
        }
        M::ResolveConflict { .. } => Ok(RecordChange::default()),
    }
}
