//! Field inspections (đợt kiểm tra, phiếu kiểm tra): what inspectors record in communes with no
//! signal, and the photos they take. [`model`]: rounds, visits, findings, recommendations and
//! their rules; [`op`]: the changes, carried by the plan's sync (`Mutation::Inspection`) as
//! report records are (`report::RecordKey::Inspection` and its kin); [`photo`]: the photos'
//! upload; here: who may do what.

pub mod access;
pub mod conclusion;
pub mod follow;
pub mod form;
pub mod minutes;
pub mod model;
pub mod op;
pub mod photo;
pub mod scope;
pub mod tables;

use crate::actor::{Actor, UserRole};
use crate::ids::AgencyCode;
use model::{Inspected, InspectionRound, Recommendation, Visit};

/// What a user does with an inspection.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Opens or changes a round (its team, places, scope).
    PlanRound,
    /// Records a visit of `round`: the visit, its findings, recommendations and photos.
    RecordVisit { round: &'a InspectionRound },
    /// Says where a recommendation to `agency` stands (đã / đang / chưa thực hiện).
    AnswerRecommendation { agency: &'a AgencyCode },
}

/// Whether `actor` (signed in as `username`) may do `action`: inspectors plan rounds and record
/// the visits of the rounds they are on; the standing agency and administrators do everything;
/// an agency's officer answers the recommendations made to the agency; leaders read.
pub fn may(actor: &Actor, username: &str, action: Action<'_>) -> bool {
    let province = matches!(actor.role, UserRole::Standing | UserRole::Admin);
    match action {
        Action::PlanRound => may_record(actor.role),
        Action::RecordVisit { round } => {
            province || (actor.role == UserRole::Inspector && round.on_team(username))
        }
        Action::AnswerRecommendation { agency } => {
            province
                || (actor.role == UserRole::AgencyOfficer && actor.agency.as_ref() == Some(agency))
        }
    }
}

/// Whether an agency's officer sees a visit: one of the agency itself. Every other role reading
/// the plan sees every visit.
pub fn sees_visit(actor: &Actor, visit: &Visit) -> bool {
    actor.role != UserRole::AgencyOfficer
        || matches!(&visit.inspected, Inspected::Agency(a) if actor.agency.as_ref() == Some(a))
}

/// Whether an agency's officer sees a recommendation: one made to the agency.
pub fn sees_recommendation(actor: &Actor, rec: &Recommendation) -> bool {
    actor.role != UserRole::AgencyOfficer || actor.agency.as_ref() == Some(&rec.agency)
}

/// Whether `actor` may read a round's conclusion (báo cáo kết quả kiểm tra), which speaks of
/// every place and agency visited: everyone reading the plan but an agency's officer, who sees
/// the visits of the agency only.
pub fn sees_round_report(actor: &Actor) -> bool {
    actor.role != UserRole::AgencyOfficer
}

/// Whether `role` records inspections (rounds, visits, their photos): inspectors, the
/// standing agency and administrators. Agency officers and leaders read them.
pub fn may_record(role: UserRole) -> bool {
    matches!(
        role,
        UserRole::Inspector | UserRole::Standing | UserRole::Admin
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inspectors_and_the_standing_agency_record_others_read() {
        let recording: Vec<UserRole> = UserRole::ALL
            .into_iter()
            .filter(|r| may_record(*r))
            .collect();
        assert_eq!(
            recording,
            vec![UserRole::Admin, UserRole::Standing, UserRole::Inspector]
        );
    }
}
