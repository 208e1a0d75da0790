//! The requirement catalog (`conformance/requirements.toml`), compiled into the suite so
//! that a report always names the requirements of the suite that wrote it.

use std::{collections::BTreeSet, fmt, str::FromStr, sync::LazyLock};

use serde::{Deserialize, Serialize};

use crate::{Message, Mode};

/// MUST blocks certification; SHOULD is reported and never blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
        }
    }
}

/// Text in both languages of the exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

impl From<Message> for Bilingual {
    fn from(message: Message) -> Self {
        Self {
            zh: message.zh,
            en: message.en,
        }
    }
}

/// One requirement as the catalog writes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub mode: Mode,
    pub level: Level,
    pub title: Bilingual,
    pub clause: String,
    pub tests: Vec<String>,
    pub fix: Bilingual,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    requirement: Vec<Requirement>,
}

const SOURCE: &str = include_str!("../requirements.toml");

/// A catalog that breaks one of its own rules (the catalog test shows which).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("requirements.toml: {0}")]
    Syntax(String),
    #[error("{id}: the id is not JY-<DATA|SRV|CLI|HOOK>-<TOPIC>-<NN>")]
    Id { id: String },
    #[error("{id}: the id's mode does not match `mode = \"{mode}\"`")]
    ModeMismatch { id: String, mode: Mode },
    #[error("{id} appears twice")]
    Duplicate { id: String },
    #[error("{id}: {what} is empty")]
    Empty { id: String, what: &'static str },
}

/// Parses and checks a catalog's text.
pub fn parse(text: &str) -> Result<Vec<Requirement>, CatalogError> {
    let file: File = toml::from_str(text).map_err(|e| CatalogError::Syntax(e.to_string()))?;
    let mut seen = BTreeSet::new();
    for r in &file.requirement {
        let parts: Vec<&str> = r.id.split('-').collect();
        let well_formed = parts.len() == 4
            && parts[0] == "JY"
            && ["DATA", "SRV", "CLI", "HOOK"].contains(&parts[1])
            && !parts[2].is_empty()
            && parts[2].bytes().all(|b| b.is_ascii_uppercase())
            && parts[3].len() == 2
            && parts[3].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(CatalogError::Id { id: r.id.clone() });
        }
        if parts[1] != r.mode.id_part() {
            return Err(CatalogError::ModeMismatch {
                id: r.id.clone(),
                mode: r.mode,
            });
        }
        if !seen.insert(r.id.as_str()) {
            return Err(CatalogError::Duplicate { id: r.id.clone() });
        }
        let empty = [
            ("title.zh", r.title.zh.trim().is_empty()),
            ("title.en", r.title.en.trim().is_empty()),
            ("clause", r.clause.trim().is_empty()),
            ("tests", r.tests.is_empty()),
            ("fix.zh", r.fix.zh.trim().is_empty()),
            ("fix.en", r.fix.en.trim().is_empty()),
        ];
        if let Some((what, _)) = empty.into_iter().find(|(_, empty)| *empty) {
            return Err(CatalogError::Empty {
                id: r.id.clone(),
                what,
            });
        }
    }
    Ok(file.requirement)
}

static CATALOG: LazyLock<Vec<Requirement>> =
    LazyLock::new(|| parse(SOURCE).unwrap_or_else(|e| panic!("the built-in catalog: {e}")));

/// Every requirement, in the catalog's order.
pub fn all() -> &'static [Requirement] {
    &CATALOG
}

/// The requirements one mode checks.
pub fn of(mode: Mode) -> impl Iterator<Item = &'static Requirement> {
    all().iter().filter(move |r| r.mode == mode)
}

pub fn find(id: &str) -> Option<&'static Requirement> {
    all().iter().find(|r| r.id == id)
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<18} {:<6} {:<6} {} / {}",
            self.id,
            self.level.as_str(),
            self.mode,
            self.title.zh,
            self.title.en
        )
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "MUST" => Ok(Level::Must),
            "SHOULD" => Ok(Level::Should),
            _ => Err(format!("unknown level `{text}` (expected MUST or SHOULD)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[requirement]]
id = "JY-SRV-IDEMP-01"
mode = "server"
level = "MUST"
title = { zh = "幂等", en = "Idempotent" }
clause = "DESIGN §6"
tests = ["server.idempotency.replay"]
fix = { zh = "改", en = "Fix" }
"#;

    #[test]
    fn the_built_in_catalog_parses() {
        assert!(!all().is_empty());
    }

    #[test]
    fn a_catalog_breaking_its_rules_is_refused_naming_the_requirement() {
        assert!(parse(ONE).is_ok());
        let twice = format!("{ONE}{ONE}");
        assert_eq!(
            parse(&twice).unwrap_err(),
            CatalogError::Duplicate {
                id: "JY-SRV-IDEMP-01".into()
            }
        );
        assert_eq!(
            parse(&ONE.replace("JY-SRV-IDEMP-01", "JY-SRV-IDEMP-1")).unwrap_err(),
            CatalogError::Id {
                id: "JY-SRV-IDEMP-1".into()
            }
        );
        assert_eq!(
            parse(&ONE.replace("\"server\"", "\"data\"")).unwrap_err(),
            CatalogError::ModeMismatch {
                id: "JY-SRV-IDEMP-01".into(),
                mode: Mode::Data
            }
        );
        assert_eq!(
            parse(&ONE.replace("tests = [\"server.idempotency.replay\"]", "tests = []"))
                .unwrap_err(),
            CatalogError::Empty {
                id: "JY-SRV-IDEMP-01".into(),
                what: "tests"
            }
        );
        assert!(matches!(
            parse(&ONE.replace("MUST", "MAY")),
            Err(CatalogError::Syntax(_))
        ));
    }
}
