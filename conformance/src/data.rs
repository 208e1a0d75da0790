//! `data` mode: a vendor's sample files, in its native format or canonical, read the way
//! the gateway reads them (the same adapters and validator). Each file is judged on its
//! encoding, its envelope or header, every record, the references in them, and what the
//! canonical model cannot carry (reported, never dropped).

use std::path::{Path, PathBuf};

use jiayang_adapters::{
    Batch, Context, Format, Issue, Location, NotCarried, RecordKind, Unusable, accept, import,
    rule as adapter_rule, supported,
};
use jiayang_schemas::rule as schema_rule;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::{
    Mode, mask,
    outcome::{Failure, Outcome, TestCase, TestResult, ensure, fail, skip},
    report::{Input, Results, Run},
};

pub const TESTS: &[TestCase] = &[
    TestCase {
        name: "data.encoding",
        requirements: &["JY-DATA-ENC-01"],
    },
    TestCase {
        name: "data.envelope",
        requirements: &["JY-DATA-ENV-01"],
    },
    TestCase {
        name: "data.records",
        requirements: &["JY-DATA-REC-01"],
    },
    TestCase {
        name: "data.references",
        requirements: &["JY-DATA-REF-01"],
    },
    TestCase {
        name: "data.carried",
        requirements: &["JY-DATA-CARRY-01"],
    },
];

/// What to read and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    pub kind: RecordKind,
    pub files: Vec<PathBuf>,
    /// The vendor's participant id (its ids become `externalIds`).
    pub participant: Option<String>,
    /// A station's district (station-csv seniors).
    pub district: Option<String>,
    /// A station's credit code (station-csv visit logs).
    pub provider_uscc: Option<String>,
}

/// Why a data run could not judge anything (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{}", .0.message().en)]
    Arguments(Unusable),
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("no file given")]
    NoFiles,
}

/// How one file went: it could not be used as a whole, or it gave a batch.
enum Read {
    Unusable(Unusable),
    Batch(Batch),
}

pub fn run(options: &Options, progress: bool) -> Result<Results, DataError> {
    // The same check `jiayang convert` makes: a kind this format does not carry is a
    // wrong argument, not a finding about the vendor's data.
    supported(options.format, Format::Canonical, options.kind).map_err(DataError::Arguments)?;
    if options.files.is_empty() {
        return Err(DataError::NoFiles);
    }
    let target = format!("{} {}", options.format, options.kind);
    let mut run = Run::start(Mode::Data, target, options.participant.clone(), progress);
    let ctx = Context {
        participant: options.participant.as_deref(),
        district: options.district.as_deref(),
        provider_uscc: options.provider_uscc.as_deref(),
        ..Context::new(OffsetDateTime::now_utc())
    };
    let mut files = Vec::new();
    for path in &options.files {
        let bytes = std::fs::read(path).map_err(|error| DataError::Read {
            path: path.clone(),
            error,
        })?;
        run.input(Input::of(path, &bytes));
        let read = read(options.format, options.kind, &bytes, &ctx);
        if let Read::Unusable(
            unusable @ (Unusable::Unsupported { .. }
            | Unusable::OptionRequired { .. }
            | Unusable::OptionInvalid { .. }),
        ) = read
        {
            return Err(DataError::Arguments(unusable));
        }
        files.push((path.as_path(), read));
    }
    for case in TESTS {
        let mut outcome: Outcome = Ok(());
        let mut evidence = Vec::new();
        for (path, read) in &files {
            let (file_outcome, mut found) = judge(case.name, options.format, read);
            for item in &mut found {
                if let Value::Object(item) = item {
                    item.insert("file".into(), json!(path.display().to_string()));
                }
            }
            evidence.extend(found);
            outcome = worse(outcome, file_outcome, path);
        }
        run.record(*case, TestResult::new(case.name, outcome, evidence));
    }
    Ok(run.finish())
}

/// The worse of two outcomes (a failure over a skip over a pass), the file named.
fn worse(so_far: Outcome, next: Outcome, path: &Path) -> Outcome {
    let named = |failure: Failure| match failure {
        Failure::Fail(m) => fail(
            format!("{}：{}", path.display(), m.zh),
            format!("{}: {}", path.display(), m.en),
        ),
        Failure::Skip(m) => skip(
            format!("{}：{}", path.display(), m.zh),
            format!("{}: {}", path.display(), m.en),
        ),
    };
    match (so_far, next) {
        (Err(Failure::Fail(m)), _) => Err(Failure::Fail(m)),
        (_, Err(Failure::Fail(m))) => Err(named(Failure::Fail(m))),
        (Err(Failure::Skip(m)), _) => Err(Failure::Skip(m)),
        (_, Err(Failure::Skip(m))) => Err(named(Failure::Skip(m))),
        (Ok(()), Ok(())) => Ok(()),
    }
}

fn read(format: Format, kind: RecordKind, bytes: &[u8], ctx: &Context<'_>) -> Read {
    let result = if format == Format::Canonical {
        canonical(kind, bytes, ctx)
    } else {
        import(format, kind, bytes, ctx)
    };
    match result {
        Ok(batch) => Read::Batch(batch),
        Err(unusable) => Read::Unusable(unusable),
    }
}

/// Canonical input as `jiayang validate` reads it: one object, an array, or NDJSON.
fn canonical(kind: RecordKind, bytes: &[u8], ctx: &Context<'_>) -> Result<Batch, Unusable> {
    let text = std::str::from_utf8(bytes).map_err(|_| Unusable::NotJson { line: 1, column: 1 })?;
    if text.trim().is_empty() {
        return Err(Unusable::Empty);
    }
    let records: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(one) => vec![one],
        Err(whole) => {
            let mut records = Vec::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                // A line that is not JSON makes the file unreadable as NDJSON too: report
                // where the whole document first broke.
                records.push(serde_json::from_str(line).map_err(|_| Unusable::NotJson {
                    line: whole.line(),
                    column: whole.column(),
                })?);
            }
            records
        }
    };
    Ok(accept(kind, records.into_iter().enumerate(), ctx))
}

/// One test on one file: its outcome and its evidence.
fn judge(test: &str, format: Format, read: &Read) -> (Outcome, Vec<Value>) {
    let unreadable = || {
        skip(
            "文件无法作为整体读取，未检查",
            "not checked: the file could not be read as a whole",
        )
    };
    match (test, read) {
        ("data.encoding", Read::Unusable(u)) => match u {
            Unusable::Empty | Unusable::NotJson { .. } => {
                (Err(fail(u.message().zh, u.message().en)), vec![unusable(u)])
            }
            _ => (Ok(()), Vec::new()),
        },
        ("data.encoding", Read::Batch(batch)) => {
            let undecodable: Vec<Value> = batch
                .report
                .violations
                .iter()
                .filter(|i| i.rule == adapter_rule::UNDECODABLE)
                .map(issue)
                .collect();
            (
                ensure(
                    undecodable.is_empty(),
                    format!("{} 处字节既非 UTF-8 也非 GB18030", undecodable.len()),
                    format!(
                        "{} places hold bytes that are neither UTF-8 nor GB18030",
                        undecodable.len()
                    ),
                ),
                undecodable,
            )
        }
        ("data.envelope", Read::Unusable(u)) => match u {
            Unusable::Empty | Unusable::NotJson { .. } => (Err(unreadable()), Vec::new()),
            _ => (Err(fail(u.message().zh, u.message().en)), vec![unusable(u)]),
        },
        ("data.envelope", Read::Batch(_)) => (Ok(()), Vec::new()),
        (_, Read::Unusable(_)) => (Err(unreadable()), Vec::new()),
        ("data.records", Read::Batch(batch)) => {
            let violations: Vec<Value> = batch.report.violations.iter().map(issue).collect();
            let records = batch.records.len() + distinct_records(&batch.report.violations);
            (
                ensure(
                    violations.is_empty(),
                    format!(
                        "{} 条记录中有 {} 条未通过，共 {} 处违规",
                        records,
                        distinct_records(&batch.report.violations),
                        violations.len()
                    ),
                    format!(
                        "{} of {} records failed, {} violations in all",
                        distinct_records(&batch.report.violations),
                        records,
                        violations.len()
                    ),
                ),
                violations,
            )
        }
        ("data.references", Read::Batch(batch)) => {
            let bad: Vec<Value> = batch
                .report
                .violations
                .iter()
                .filter(|i| is_reference(format, i))
                .map(issue)
                .collect();
            (
                ensure(
                    bad.is_empty(),
                    format!("{} 处引用格式不正确", bad.len()),
                    format!("{} references are not well formed", bad.len()),
                ),
                bad,
            )
        }
        ("data.carried", Read::Batch(batch)) => {
            let dropped: Vec<Value> = batch.report.not_carried.iter().map(not_carried).collect();
            (
                ensure(
                    dropped.is_empty(),
                    format!("{} 个值无法由规范模型承载（见证据）", dropped.len()),
                    format!(
                        "{} values cannot be carried by the canonical model (see the evidence)",
                        dropped.len()
                    ),
                ),
                dropped,
            )
        }
        (other, _) => unreachable!("data mode has no test {other}"),
    }
}

/// How many records the violations are in (rows, for a spreadsheet).
fn distinct_records(issues: &[Issue]) -> usize {
    let mut places: Vec<usize> = issues
        .iter()
        .filter_map(|i| match &i.location {
            Location::Record { record, .. } => Some(*record),
            Location::Cell { row, .. } => Some(*row),
            Location::Document { .. } => None,
        })
        .collect();
    places.sort_unstable();
    places.dedup();
    places.len()
}

/// The fields that name another party, by format: canonical references and external ids,
/// and the native fields the adapters turn into them.
fn reference_fields(format: Format) -> &'static [&'static str] {
    match format {
        Format::Canonical => &["senior", "provider", "worker", "externalIds", "grantee"],
        Format::ElderPortal => &["LNRBH", "TYSHXYDM", "FWRYZH", "FWJLBH", "SFZH"],
        Format::HousekeepingApp => &["elder", "store", "aunt", "orderNo", "storeId"],
        Format::StationCsv => &["身份证号", "上门服务证号"],
    }
}

fn is_reference(format: Format, issue: &Issue) -> bool {
    if [
        schema_rule::REFERENCE_EXACTLY_ONE,
        schema_rule::EXTERNAL_ID_DUPLICATE,
    ]
    .contains(&issue.rule)
    {
        return true;
    }
    let fields = reference_fields(format);
    match &issue.location {
        Location::Record { path, .. } => path
            .split('/')
            .filter(|s| !s.is_empty())
            .any(|segment| fields.contains(&segment)),
        Location::Cell {
            column: Some(column),
            ..
        } => fields.contains(&column.as_str()),
        _ => false,
    }
}

fn located(location: &Location) -> Map<String, Value> {
    let mut out = Map::new();
    location.write(&mut out);
    out
}

fn issue(issue: &Issue) -> Value {
    let mut out = located(&issue.location);
    out.insert("rule".into(), json!(issue.rule));
    out.insert(
        "message".into(),
        json!({"zh": issue.message.zh, "en": issue.message.en}),
    );
    mask::value(&Value::Object(out))
}

fn not_carried(value: &NotCarried) -> Value {
    let mut out = located(&value.location);
    out.insert(
        "message".into(),
        json!({"zh": value.message.zh, "en": value.message.en}),
    );
    Value::Object(out)
}

fn unusable(u: &Unusable) -> Value {
    let mut out = located(&u.location());
    out.insert("rule".into(), json!(u.rule()));
    let message = u.message();
    out.insert(
        "message".into(),
        json!({"zh": message.zh, "en": message.en}),
    );
    Value::Object(out)
}
