//! One request as the domain sees it: who calls, the purpose it declared, and the trail
//! where the decisions made while answering it are left for the audit log.

use crate::{ParticipantKind, trail::Trail};

/// Who is calling, as established by authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub participant: String,
    pub kind: ParticipantKind,
}

/// A caller's request: every operation on seniors' data takes one.
#[derive(Clone, Debug)]
pub struct Call {
    pub caller: Caller,
    /// `x-jiayang-purpose` as sent (checked where a release needs it).
    pub purpose: Option<String>,
    /// Shared with whoever writes the request's audit entries once it is answered.
    pub trail: Trail,
}

impl Call {
    /// A call with a fresh trail.
    pub fn new(caller: Caller, purpose: Option<String>) -> Self {
        Self {
            caller,
            purpose,
            trail: Trail::default(),
        }
    }

    /// The calling participant's id.
    pub fn me(&self) -> &str {
        &self.caller.participant
    }

    pub fn kind(&self) -> ParticipantKind {
        self.caller.kind
    }
}
