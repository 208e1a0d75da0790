//! What a call declares for reading seniors' data (its purpose, in `x-jiayang-purpose`),
//! and how each decision reaches the call's audit trail.

use jiayang_store::audit::Decision;

use super::Released;
use crate::{Access, Call, Error, ParticipantKind};

/// The purposes a request may declare.
pub const PURPOSES: [&str; 4] = [
    "SERVICE_DELIVERY",
    "CARE_COORDINATION",
    "SUBSIDY_ADMINISTRATION",
    "EMERGENCY",
];

impl Call {
    /// The declared purpose, refused when it is not one.
    pub(crate) fn purpose(&self) -> Result<Option<&'static str>, Error> {
        match self.purpose.as_deref() {
            None => Ok(None),
            Some(declared) => PURPOSES
                .into_iter()
                .find(|p| *p == declared)
                .map(Some)
                .ok_or_else(|| {
                    Error::denied(
                        format!(
                            "`{declared}` 不是可声明的用途（x-jiayang-purpose 取其一：{}）",
                            PURPOSES.join(", ")
                        ),
                        format!(
                            "`{declared}` is not a purpose (x-jiayang-purpose: one of {})",
                            PURPOSES.join(", ")
                        ),
                    )
                }),
        }
    }

    pub(crate) fn required_purpose(&self) -> Result<&'static str, Error> {
        self.purpose()?.ok_or_else(|| {
            Error::denied(
                "请在 x-jiayang-purpose 中声明请求的用途",
                "declare the purpose of the request in x-jiayang-purpose",
            )
        })
    }

    /// The declared purpose, required when `required` (a kind that reads only others'
    /// data), refused when it is not one.
    pub(crate) fn purpose_if(&self, required: bool) -> Result<Option<&'static str>, Error> {
        if required {
            self.required_purpose().map(Some)
        } else {
            self.purpose()
        }
    }

    /// Whether the caller needs grants to see seniors it does not hold (and so a purpose):
    /// everyone but the operator, which sees identifiers only.
    pub(crate) fn needs_grants(&self) -> bool {
        self.kind() != ParticipantKind::Operator
    }

    /// Records a decision on `senior`'s data about `resource` in the audit trail.
    pub(crate) fn decided(&self, senior: &str, resource: &str, outcome: Result<&Released, &Error>) {
        self.trail.push(Access {
            senior: senior.to_owned(),
            resource: resource.to_owned(),
            decision: if outcome.is_ok() {
                Decision::Allow
            } else {
                Decision::Deny
            },
            reason: outcome.err().map(ToString::to_string),
            // None released (a denial, or identifiers only) is no list at all, never "".
            categories: outcome
                .ok()
                .filter(|r| !r.released.is_empty())
                .map(|r| r.released.join(",")),
        });
    }
}
