//! Typed identifiers: newtypes over UUIDv7. `shared` never makes one from the clock or a random
//! source; the caller passes the time and the random bytes in.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A UUIDv7 from a Unix time in milliseconds and ten random bytes supplied by the caller.
            pub fn from_parts(unix_millis: u64, random: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_millis, &random).into_uuid())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Identifies a plan.
    PlanId
);
id_type!(
    /// Identifies a node of a plan's tree.
    NodeId
);

id_type!(
    /// Identifies a report round, an indicator or a summary paragraph of a plan (records whose
    /// identity is not made of others': `report::RecordKey`).
    RecordId
);

id_type!(
    /// Identifies a device's stream of mutations (made on the device when it first syncs).
    ClientId
);
id_type!(
    /// Identifies a conflict record.
    ConflictId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_round_trip_through_text_and_json() {
        let id = NodeId::from_parts(1_700_000_000_000, [7; 10]);
        assert_eq!(id.0.get_version_num(), 7);
        assert_eq!(id.to_string().parse::<NodeId>().ok(), Some(id));
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, format!("\"{id}\""));
        assert!("not-a-uuid".parse::<NodeId>().is_err());
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let a = PlanId::from_parts(1_000, [0xff; 10]);
        let b = PlanId::from_parts(1_001, [0; 10]);
        assert!(a < b);
    }
}

/// An agency's code in the registry ("SYT", "BDT"): how assignments, accounts and the registry
/// name an agency. A plain string on the wire and in the database; it reads as a `&str`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AgencyCode(pub String);

impl AgencyCode {
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for AgencyCode {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// So that a set or map of codes can be asked with a `&str`.
impl std::borrow::Borrow<str> for AgencyCode {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for AgencyCode {
    fn from(code: &str) -> Self {
        Self(code.to_owned())
    }
}

impl From<String> for AgencyCode {
    fn from(code: String) -> Self {
        Self(code)
    }
}

impl PartialEq<str> for AgencyCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for AgencyCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}
