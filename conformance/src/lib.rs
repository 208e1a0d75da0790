//! The conformance suite vendors run before going live (DESIGN §7; README "For vendors").
//!
//! A catalog of requirements (`requirements.toml`, [`catalog`]) with stable ids, each
//! checked by named tests of one mode; a run judges a target and writes a manifest, a
//! JUnit file and an HTML page ([`report`]). Modes: [`data`] (a vendor's sample files),
//! [`server`] (any implementation of the API, over REST and gRPC), [`client`] (a vendor's
//! client in a sandbox) and [`webhook`] (a vendor's receiver of signed events).
//!
//! The suite is a client of the exchange: it reaches a server only over the wire, so it
//! judges this gateway exactly as it judges anyone else's.

pub mod catalog;
pub mod client;
pub mod data;
pub mod fixtures;
mod mask;
pub mod outcome;
pub mod proxy;
pub mod report;
pub mod server;
pub mod webhook;

use std::{fmt, str::FromStr};

pub use jiayang_schemas::Message;
use serde::{Deserialize, Serialize};

/// What a run judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Data,
    Server,
    Client,
    Webhook,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Data => "data",
            Mode::Server => "server",
            Mode::Client => "client",
            Mode::Webhook => "webhook",
        }
    }

    /// The mode's part of a requirement id (`JY-SRV-…`).
    pub fn id_part(self) -> &'static str {
        match self {
            Mode::Data => "DATA",
            Mode::Server => "SRV",
            Mode::Client => "CLI",
            Mode::Webhook => "HOOK",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Mode::Data, Mode::Server, Mode::Client, Mode::Webhook]
            .into_iter()
            .find(|m| m.as_str() == text)
            .ok_or_else(|| {
                format!("unknown mode `{text}` (expected data, server, client or webhook)")
            })
    }
}

/// Every test of the suite, by mode: what the catalog's `tests` must name.
pub fn test_cases() -> impl Iterator<Item = outcome::TestCase> {
    data::TESTS
        .iter()
        .copied()
        .chain(server::CHECKS.iter().map(|c| c.case))
        .chain(webhook::CHECKS.iter().map(|c| c.case))
        .chain(client::GRADERS.iter().map(|g| g.case))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// A requirement with no test, a test with no requirement, or the two naming each
    /// other differently: each fails here, naming what is wrong.
    #[test]
    fn catalog_and_suite_agree() {
        let cases: Vec<outcome::TestCase> = test_cases().collect();
        let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), cases.len(), "a test name is used twice");
        for requirement in catalog::all() {
            for test in &requirement.tests {
                let case = cases.iter().find(|c| c.name == test).unwrap_or_else(|| {
                    panic!(
                        "{} names test {test}, which the suite does not have",
                        requirement.id
                    )
                });
                assert!(
                    case.requirements.contains(&requirement.id.as_str()),
                    "{} names test {test}, which does not name it back",
                    requirement.id
                );
            }
        }
        for case in &cases {
            assert!(
                !case.requirements.is_empty(),
                "test {} names no requirement",
                case.name
            );
            for id in case.requirements {
                let requirement = catalog::find(id).unwrap_or_else(|| {
                    panic!(
                        "test {} names {id}, which the catalog does not have",
                        case.name
                    )
                });
                assert!(
                    requirement.tests.iter().any(|t| t == case.name),
                    "test {} names {id}, whose catalog entry does not list it",
                    case.name
                );
            }
        }
    }
}
