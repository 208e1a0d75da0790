//! Participants: who may connect, as what kind, with which credentials. The registry
//! (`registry.rs`) is managed by the operator, on the command line or over the API;
//! authentication (`authenticate.rs`) remembers what it read only until the store reports
//! a change, so a suspension or rotation takes effect at once, on open connections too.

mod authenticate;
pub mod certification;
mod registry;

use std::{fmt, str::FromStr};

use jiayang_store::{entity::participant, micros_to_rfc3339};
use serde::Serialize;

pub use authenticate::{Callers, REMEMBERED_FOR, authenticate};
pub use certification::certify;
pub use registry::{
    Credentials, NewParticipant, Registered, add, ensure_operator, list, register, rotate,
    set_status,
};

/// The operator's participant id: `jiayang serve` makes it on first start.
pub const OPERATOR: &str = "operator";

/// What a participant is (DESIGN §4.5); its kind decides what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParticipantKind {
    ElderCarePortal,
    HousekeepingPlatform,
    ElderCareInstitution,
    CommunityStation,
    Regulator,
    Operator,
}

impl ParticipantKind {
    pub const ALL: [ParticipantKind; 6] = [
        ParticipantKind::ElderCarePortal,
        ParticipantKind::HousekeepingPlatform,
        ParticipantKind::ElderCareInstitution,
        ParticipantKind::CommunityStation,
        ParticipantKind::Regulator,
        ParticipantKind::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantKind::ElderCarePortal => "ELDER_CARE_PORTAL",
            ParticipantKind::HousekeepingPlatform => "HOUSEKEEPING_PLATFORM",
            ParticipantKind::ElderCareInstitution => "ELDER_CARE_INSTITUTION",
            ParticipantKind::CommunityStation => "COMMUNITY_STATION",
            ParticipantKind::Regulator => "REGULATOR",
            ParticipantKind::Operator => "OPERATOR",
        }
    }
}

impl fmt::Display for ParticipantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ParticipantKind {
    type Err = String;

    /// `HOUSEKEEPING_PLATFORM` or `housekeeping-platform`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normal = text.trim().to_ascii_uppercase().replace('-', "_");
        ParticipantKind::ALL
            .into_iter()
            .find(|k| k.as_str() == normal)
            .ok_or_else(|| {
                format!(
                    "unknown participant kind `{text}` (expected one of {})",
                    ParticipantKind::ALL.map(ParticipantKind::as_str).join(", ")
                )
            })
    }
}

/// A participant's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    Suspended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "ACTIVE",
            Status::Suspended => "SUSPENDED",
        }
    }
}

/// A registered participant as the registry lists it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub status: String,
    pub uscc: Option<String>,
    pub native_format: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// The latest certification in each mode the participant passed (none: not
    /// certified).
    pub conformance: Vec<certification::Certification>,
}

impl From<participant::Model> for Participant {
    fn from(row: participant::Model) -> Self {
        Self {
            id: row.id,
            kind: row.kind,
            name: row.name,
            status: row.status,
            uscc: row.uscc,
            native_format: row.native_format,
            created_at: micros_to_rfc3339(row.created_at),
            conformance: Vec::new(),
        }
    }
}
