//! What a test finds, and how the findings of a run become one verdict per requirement.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    Message,
    catalog::{self, Bilingual, Level},
};

/// A requirement's result, or one test's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        }
    }
}

/// A test of the suite: its name and the requirements it checks. The catalog lists the
/// same pairs from the other side; `tests::catalog_and_suite_agree` holds them together.
#[derive(Debug, Clone, Copy)]
pub struct TestCase {
    pub name: &'static str,
    pub requirements: &'static [&'static str],
}

/// Why a test did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The target broke the requirement; the message says how.
    Fail(Message),
    /// The test could not check it (an option missing, a capability not offered).
    Skip(Message),
}

pub type Outcome = Result<(), Failure>;

pub fn fail(zh: impl Into<String>, en: impl Into<String>) -> Failure {
    Failure::Fail(Message::new(zh, en))
}

pub fn skip(zh: impl Into<String>, en: impl Into<String>) -> Failure {
    Failure::Skip(Message::new(zh, en))
}

/// Passes when `holds`, otherwise fails with the message.
pub fn ensure(holds: bool, zh: impl Into<String>, en: impl Into<String>) -> Outcome {
    if holds { Ok(()) } else { Err(fail(zh, en)) }
}

/// One test's result with what it saw (requests and answers, or the records it read),
/// personal data already masked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Bilingual>,
    pub evidence: Vec<Value>,
}

impl TestResult {
    pub fn new(name: &str, outcome: Outcome, evidence: Vec<Value>) -> Self {
        let (verdict, detail) = match outcome {
            Ok(()) => (Verdict::Pass, None),
            Err(Failure::Fail(m)) => (Verdict::Fail, Some(m.into())),
            Err(Failure::Skip(m)) => (Verdict::Skip, Some(m.into())),
        };
        Self {
            name: name.to_owned(),
            verdict,
            detail,
            evidence,
        }
    }
}

/// A requirement's verdict: FAIL when a test of it failed, PASS when every test of it
/// passed, SKIP otherwise (not checked in full is not passed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequirementResult {
    pub id: String,
    pub level: Level,
    pub title: Bilingual,
    pub clause: String,
    pub fix: Bilingual,
    pub verdict: Verdict,
    pub tests: Vec<TestResult>,
}

impl RequirementResult {
    /// Every test's evidence, each item as indented JSON, for the reports people read.
    pub fn evidence_text(&self) -> Vec<String> {
        self.tests
            .iter()
            .flat_map(|t| &t.evidence)
            .map(|e| serde_json::to_string_pretty(e).unwrap_or_default())
            .collect()
    }

    /// The requirement's verdict over the tests that ran; the catalog's tests that did
    /// not run count as skipped.
    pub fn gather(requirement: &catalog::Requirement, results: &[(TestCase, TestResult)]) -> Self {
        let tests: Vec<TestResult> = requirement
            .tests
            .iter()
            .map(|name| {
                results
                    .iter()
                    .find(|(case, _)| case.name == name)
                    .map(|(_, result)| result.clone())
                    .unwrap_or_else(|| TestResult {
                        name: name.clone(),
                        verdict: Verdict::Skip,
                        detail: Some(Message::new("未运行", "not run").into()),
                        evidence: Vec::new(),
                    })
            })
            .collect();
        let verdict = if tests.iter().any(|t| t.verdict == Verdict::Fail) {
            Verdict::Fail
        } else if tests.iter().all(|t| t.verdict == Verdict::Pass) {
            Verdict::Pass
        } else {
            Verdict::Skip
        };
        Self {
            id: requirement.id.clone(),
            level: requirement.level,
            title: requirement.title.clone(),
            clause: requirement.clause.clone(),
            fix: requirement.fix.clone(),
            verdict,
            tests,
        }
    }
}
