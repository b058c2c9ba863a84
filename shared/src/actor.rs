//! Who acts: a user's role, the actor a rule is checked for (role and agency), and the author
//! history records. Below every rule that asks who may do what (`access`, `report::access`).

use crate::ids::AgencyCode;
use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Quản trị: users, agencies, and everything the standing officer may do.
    Admin,
    /// Cán bộ cơ quan thường trực: edits the plan and its assignments.
    Standing,
    /// Cán bộ đơn vị, bound to one agency: the progress of its tasks and its own sub-tasks.
    AgencyOfficer,
    /// Cán bộ kiểm tra: reads everything (inspection records come with their own issue).
    Inspector,
    /// Lãnh đạo: reads everything.
    Leader,
}

impl UserRole {
    pub const ALL: [UserRole; 5] = [
        UserRole::Admin,
        UserRole::Standing,
        UserRole::AgencyOfficer,
        UserRole::Inspector,
        UserRole::Leader,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            UserRole::Admin => "Quản trị hệ thống",
            UserRole::Standing => "Cán bộ cơ quan thường trực",
            UserRole::AgencyOfficer => "Cán bộ đơn vị",
            UserRole::Inspector => "Cán bộ kiểm tra",
            UserRole::Leader => "Lãnh đạo",
        }
    }

    /// May edit the plan's tree and its assignments.
    pub fn edits_plan(self) -> bool {
        matches!(self, UserRole::Admin | UserRole::Standing)
    }

    /// May manage users and the agency registry.
    pub fn administers(self) -> bool {
        self == UserRole::Admin
    }
}

/// Who is making a change: the role and, for an agency officer, the agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: UserRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyCode>,
}

impl Actor {
    /// Someone who may change anything in a plan (tests, the seed, the command line).
    pub fn system() -> Self {
        Self {
            role: UserRole::Admin,
            agency: None,
        }
    }
}

/// The person behind a change, as history records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub username: String,
    pub name: String,
    pub actor: Actor,
}

impl Author {
    /// The system itself (the seed, the command line, tests).
    pub fn system() -> Self {
        Self {
            username: "system".to_owned(),
            name: "Hệ thống".to_owned(),
            actor: Actor::system(),
        }
    }
}
