//! Field inspections (đợt kiểm tra, phiếu kiểm tra): what inspectors record in communes with no
//! signal, and the photos they take. So far: the photos' upload rules ([`photo`]) and who may
//! record ([`may_record`]); rounds, visits, findings and recommendations come next.

pub mod photo;

use crate::actor::UserRole;

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
