//! Who may make each inspection mutation: the round's team (and the province's standing agency
//! and administrators) record its visits; inspectors open rounds; the agency a recommendation
//! is made to answers it; leaders and other agencies read.

use crate::actor::{Actor, UserRole};
use crate::ids::RecordId;
use crate::inspection::model::{InspectionError, InspectionRound};
use crate::inspection::op::{InspectionMutation, round_of};
use crate::inspection::{Action, may};
use crate::report::record::{Record, RecordKey, Records};

const READ_ONLY: &str = "Vai trò của bạn chỉ được xem kết quả kiểm tra, không được ghi.";
const ONLY_RECORDERS: &str =
    "Chỉ người làm công tác kiểm tra và cơ quan thường trực mới được lập đợt kiểm tra.";
const ONLY_TEAM: &str = "Chỉ thành viên đoàn kiểm tra mới được ghi phiếu của đợt kiểm tra này.";
const ONLY_ANSWERING_AGENCY: &str =
    "Chỉ cán bộ của cơ quan nhận kiến nghị mới được báo cáo tình hình thực hiện kiến nghị.";

fn forbidden(message: &str) -> InspectionError {
    InspectionError::Forbidden {
        message: message.to_owned(),
    }
}

/// Whether `actor`, signed in as `username`, may make `op` on a plan with `records`; the
/// error says why not. A mutation about a record that does not exist is let through:
/// `op::apply` gives the precise reason.
pub fn check(
    actor: &Actor,
    username: &str,
    records: &Records,
    op: &InspectionMutation,
) -> Result<(), InspectionError> {
    use InspectionMutation as M;
    let denied = || {
        if matches!(actor.role, UserRole::Leader | UserRole::AgencyOfficer) {
            forbidden(READ_ONLY)
        } else {
            forbidden(ONLY_TEAM)
        }
    };
    let recording = |round: Option<&InspectionRound>| match round {
        Some(round) if !may(actor, username, Action::RecordVisit { round }) => Err(denied()),
        None if !crate::inspection::may_record(actor.role) => Err(forbidden(READ_ONLY)),
        _ => Ok(()),
    };
    let answering = |id: RecordId| match records.get(&RecordKey::Recommendation(id)) {
        Some(Record::Recommendation(r))
            if !may(
                actor,
                username,
                Action::AnswerRecommendation { agency: &r.agency },
            ) =>
        {
            Err(forbidden(ONLY_ANSWERING_AGENCY))
        }
        _ => Ok(()),
    };
    match op {
        M::SaveRound { round } => match records.get(&RecordKey::Inspection(round.id)) {
            // Changing a round is its team's (or the province's) business.
            Some(Record::Inspection(old)) => recording(Some(old)),
            _ if may(actor, username, Action::PlanRound) => Ok(()),
            _ => Err(forbidden(ONLY_RECORDERS)),
        },
        M::SaveVisit { visit } => {
            let round = match records.get(&RecordKey::Inspection(visit.round)) {
                Some(Record::Inspection(r)) => Some(r),
                _ => None,
            };
            recording(round)
        }
        M::Answer { id, .. } => answering(*id),
        M::ResolveConflict {
            key: RecordKey::Recommendation(id),
            ..
        } => recording(round_of(records, &op.key())).or_else(|_| answering(*id)),
        _ => recording(round_of(records, &op.key())),
    }
}
