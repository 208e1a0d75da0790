//! A run's results: the manifest (`results.json`), a JUnit file for CI and one HTML page
//! for people, all from the same [`Results`].

mod html;
mod junit;

use std::{io, path::Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    Mode,
    catalog::{self, Level},
    outcome::{RequirementResult, TestCase, TestResult, Verdict},
};

pub use html::render as html;
pub use junit::render as junit;

/// The name a manifest's `suite` carries; certification accepts no other.
pub const SUITE: &str = "jiayang-conformance";

/// An input file of the run and its SHA-256, so that a report names exactly what it judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub path: String,
    pub sha256: String,
}

impl Input {
    pub fn of(path: &Path, bytes: &[u8]) -> Self {
        Self {
            path: path.display().to_string(),
            sha256: sha256_hex(bytes),
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub must: Counts,
    pub should: Counts,
}

/// The manifest of one run (`results.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Results {
    pub suite: String,
    pub version: String,
    pub mode: Mode,
    /// What was judged: a URL, or the format and kind of the files.
    pub target: String,
    /// The participant the run was made for, when the tester named it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    pub started_at: String,
    pub finished_at: String,
    pub inputs: Vec<Input>,
    pub summary: Summary,
    /// Every MUST passed.
    pub passed: bool,
    /// MUST first, the failures first within each level.
    pub requirements: Vec<RequirementResult>,
}

/// A run under way: what it is about, and the test results as they come.
#[derive(Debug)]
pub struct Run {
    mode: Mode,
    target: String,
    participant: Option<String>,
    started: OffsetDateTime,
    inputs: Vec<Input>,
    results: Vec<(TestCase, TestResult)>,
    progress: bool,
}

impl Run {
    /// `progress` prints one line per test on stderr, for a person at a terminal.
    pub fn start(mode: Mode, target: String, participant: Option<String>, progress: bool) -> Self {
        Self {
            mode,
            target,
            participant,
            started: OffsetDateTime::now_utc(),
            inputs: Vec::new(),
            results: Vec::new(),
            progress,
        }
    }

    pub fn input(&mut self, input: Input) {
        self.inputs.push(input);
    }

    pub fn record(&mut self, case: TestCase, result: TestResult) {
        if self.progress {
            let detail = result.detail.as_ref().map_or("", |d| d.en.as_str());
            eprintln!(
                "{:<4}  {:<34} {}  {detail}",
                result.verdict.as_str(),
                case.name,
                case.requirements.join(",")
            );
        }
        self.results.push((case, result));
    }

    pub fn finish(self) -> Results {
        let mut requirements: Vec<RequirementResult> = catalog::of(self.mode)
            .map(|r| RequirementResult::gather(r, &self.results))
            .collect();
        let rank = |v: Verdict| match v {
            Verdict::Fail => 0,
            Verdict::Skip => 1,
            Verdict::Pass => 2,
        };
        requirements.sort_by_key(|r| (r.level, rank(r.verdict)));
        let mut summary = Summary::default();
        for r in &requirements {
            let counts = match r.level {
                Level::Must => &mut summary.must,
                Level::Should => &mut summary.should,
            };
            match r.verdict {
                Verdict::Pass => counts.pass += 1,
                Verdict::Fail => counts.fail += 1,
                Verdict::Skip => counts.skip += 1,
            }
        }
        let now = |t: OffsetDateTime| t.format(&Rfc3339).expect("a UTC time formats");
        Results {
            suite: SUITE.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            mode: self.mode,
            target: self.target,
            participant: self.participant,
            started_at: now(self.started),
            finished_at: now(OffsetDateTime::now_utc()),
            inputs: self.inputs,
            passed: summary.must.fail == 0 && summary.must.skip == 0,
            summary,
            requirements,
        }
    }
}

impl Results {
    /// Writes `results.json`, `junit.xml` and `report.html` into `dir` (created if need be).
    pub fn write(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        std::fs::write(dir.join("results.json"), json)?;
        std::fs::write(dir.join("junit.xml"), junit(self))?;
        std::fs::write(dir.join("report.html"), html(self))?;
        Ok(())
    }
}
