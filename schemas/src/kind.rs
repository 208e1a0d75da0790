//! The canonical resource kinds the validator knows.

use std::{fmt, str::FromStr};

/// A canonical resource kind, named as on the command line (`--kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Senior,
    ServiceRecord,
    Provider,
    Worker,
    Consent,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Senior,
        Kind::ServiceRecord,
        Kind::Provider,
        Kind::Worker,
        Kind::Consent,
    ];

    /// The command-line and file name of the kind: `senior`, `service-record`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Senior => "senior",
            Kind::ServiceRecord => "service-record",
            Kind::Provider => "provider",
            Kind::Worker => "worker",
            Kind::Consent => "consent",
        }
    }

    /// The fully qualified proto message this kind's JSON is the mapping of.
    pub fn message_name(self) -> &'static str {
        match self {
            Kind::Senior => "jiayang.v1.SeniorProfile",
            Kind::ServiceRecord => "jiayang.v1.ServiceRecord",
            Kind::Provider => "jiayang.v1.ProviderListing",
            Kind::Worker => "jiayang.v1.Worker",
            Kind::Consent => "jiayang.v1.Consent",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text named no kind the validator knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{0}` (expected senior, service-record, provider, worker or consent)")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| UnknownKind(text.to_owned()))
    }
}
