//! `jiayang validate --kind KIND FILE`: checks canonical records and prints one JSON report.

use std::path::PathBuf;

use jiayang_schemas::{Kind, Lang, validate};
use serde::Serialize;

use super::{Outcome, input};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The resource kind: senior, service-record, provider, worker or consent.
    #[arg(long)]
    kind: Kind,
    /// Language of the messages: zh (default) or en.
    #[arg(long, default_value = "zh")]
    lang: Lang,
    /// A file holding one object, a JSON array or NDJSON; `-` reads stdin.
    file: PathBuf,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    valid: bool,
    records: usize,
    violations: Vec<RecordViolation<'a>>,
}

#[derive(Debug, Serialize)]
struct RecordViolation<'a> {
    record: usize,
    path: &'a str,
    rule: &'a str,
    message: &'a str,
}

pub fn run(args: &Args) -> Outcome {
    let bytes = match input::read_source(&args.file) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!(
                "jiayang validate: cannot read {}: {error}",
                args.file.display()
            );
            return Outcome::Unusable;
        }
    };
    let records = match input::records(&bytes) {
        Ok(records) => records,
        Err(error) => {
            eprintln!("jiayang validate: {error}");
            return Outcome::Unusable;
        }
    };
    let per_record: Vec<_> = records
        .iter()
        .map(|record| match record {
            Ok(document) => validate(args.kind, document),
            Err(syntax) => vec![syntax.clone()],
        })
        .collect();
    let violations: Vec<_> = per_record
        .iter()
        .enumerate()
        .flat_map(|(record, found)| {
            found.iter().map(move |v| {
                let local = v.localized(args.lang);
                RecordViolation {
                    record,
                    path: local.path,
                    rule: local.rule,
                    message: local.message,
                }
            })
        })
        .collect();
    let report = Report {
        valid: violations.is_empty(),
        records: records.len(),
        violations,
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&report).expect("a report serialises")
    );
    if report.valid {
        Outcome::Clean
    } else {
        Outcome::SomeInvalid
    }
}
