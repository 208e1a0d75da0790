//! `jiayang convert --from FORMAT --to FORMAT --kind KIND FILE`: converts records between
//! the canonical model and the platforms' own formats (see the adapters crate).
//!
//! stdout holds the converted document and nothing else: a JSON array of records for
//! canonical output, the format's envelope or batch otherwise (one per line when more than
//! 5000 records need several). stderr holds one JSON report,
//! `{"violations": [...], "notCarried": [...]}`, and only when it is not empty.

use std::{io::Write, path::PathBuf};

use jiayang_adapters::{
    Batch, Context, Format, Issue, Location, RecordKind, Report, Unusable, accept, export, import,
    supported,
};
use jiayang_schemas::Lang;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Outcome, input};

#[derive(Debug, clap::Args)]
pub struct Args {
    // Parsed by `choices`, not clap, so that an unknown value is reported in the JSON
    // report on stderr like every other unusable input.
    /// The input's format: canonical, elder-portal, housekeeping-app or station-csv.
    #[arg(long)]
    from: String,
    /// The output's format: canonical, elder-portal or housekeeping-app.
    #[arg(long)]
    to: String,
    /// What the records are: senior, service-record, provider, consent or customer.
    #[arg(long)]
    kind: String,
    /// The participant on the native side: its ids become externalIds, and it is written
    /// into outbound envelopes.
    #[arg(long)]
    participant: Option<String>,
    /// A station's district, as a 12-digit division code (station-csv seniors).
    #[arg(long)]
    district: Option<String>,
    /// A station's unified social credit code (station-csv visit logs).
    #[arg(long = "provider-uscc")]
    provider_uscc: Option<String>,
    /// Language of the messages: zh (default) or en.
    #[arg(long, default_value = "zh")]
    lang: Lang,
    /// The input file; `-` reads stdin.
    file: PathBuf,
}

/// The three choices of a conversion.
#[derive(Debug, Clone, Copy)]
struct Choices {
    from: Format,
    to: Format,
    kind: RecordKind,
}

fn choices(args: &Args) -> Result<Choices, Unusable> {
    fn parse<T: std::str::FromStr<Err = String>>(
        option: &'static str,
        text: &str,
    ) -> Result<T, Unusable> {
        text.parse()
            .map_err(|message: String| Unusable::OptionInvalid {
                option,
                message: jiayang_adapters::Message::new(message.clone(), message),
            })
    }
    Ok(Choices {
        from: parse("--from", &args.from)?,
        to: parse("--to", &args.to)?,
        kind: parse("--kind", &args.kind)?,
    })
}

pub fn run(args: &Args) -> Outcome {
    let ctx = Context {
        participant: args.participant.as_deref(),
        district: args.district.as_deref(),
        provider_uscc: args.provider_uscc.as_deref(),
        ..Context::new(OffsetDateTime::now_utc())
    };
    match choices(args).and_then(|choices| convert(args, choices, &ctx)) {
        Ok((choices, documents, report)) => {
            let mut stdout = std::io::stdout().lock();
            let written = if choices.to == Format::Canonical || documents.len() != 1 {
                write_documents(&mut stdout, &documents, choices.to)
            } else {
                serde_json::to_writer_pretty(&mut stdout, &documents[0])
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(stdout))
            };
            if written.is_err() {
                // A closed pipe: nothing more can be said where anyone would read it.
                return Outcome::Unusable;
            }
            if !report.is_empty() {
                print_report(&report.to_json(args.lang));
            }
            if report.violations.is_empty() {
                Outcome::Clean
            } else {
                Outcome::SomeInvalid
            }
        }
        Err(unusable) => {
            let violation = Issue {
                location: unusable.location(),
                rule: unusable.rule(),
                message: unusable.message(),
            };
            print_report(&json!({
                "violations": [violation.to_json(args.lang)],
                "notCarried": [],
            }));
            Outcome::Unusable
        }
    }
}

/// Canonical output is one JSON array; several native documents go one per line.
fn write_documents(out: &mut impl Write, documents: &[Value], to: Format) -> std::io::Result<()> {
    if to == Format::Canonical {
        serde_json::to_writer_pretty(&mut *out, documents)?;
        return writeln!(out);
    }
    for document in documents {
        serde_json::to_writer(&mut *out, document)?;
        writeln!(out)?;
    }
    Ok(())
}

fn print_report(report: &Value) {
    let text = serde_json::to_string_pretty(report).expect("a report serialises");
    // If stderr is gone there is nowhere left to say so.
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

fn convert(
    args: &Args,
    choices: Choices,
    ctx: &Context<'_>,
) -> Result<(Choices, Vec<Value>, Report), Unusable> {
    let Choices { from, to, kind } = choices;
    supported(from, to, kind)?;
    let bytes = input::read_source(&args.file).map_err(|error| Unusable::OptionInvalid {
        option: "FILE",
        message: jiayang_adapters::Message::new(
            format!("无法读取输入文件：{error}"),
            format!("cannot read the input: {error}"),
        ),
    })?;
    let batch = if from == Format::Canonical {
        canonical_batch(kind, &bytes, ctx)?
    } else {
        import(from, kind, &bytes, ctx)?
    };
    let (documents, mut report) = if to == Format::Canonical {
        (batch.documents().cloned().collect(), batch.report)
    } else {
        let exported = export(to, kind, &batch, ctx)?;
        (exported.documents, exported.report)
    };
    report.sort_in_input_order();
    Ok((choices, documents, report))
}

/// Canonical input: an object, an array or NDJSON; a line that is not JSON is a
/// `json-syntax` violation of that record.
fn canonical_batch(kind: RecordKind, bytes: &[u8], ctx: &Context<'_>) -> Result<Batch, Unusable> {
    let records = input::records(bytes).map_err(|error| match error {
        input::InputError::Empty => Unusable::Empty,
        input::InputError::NotUtf8 => Unusable::NotJson { line: 1, column: 1 },
        input::InputError::NotJson(e) => Unusable::NotJson {
            line: e.line(),
            column: e.column(),
        },
    })?;
    let mut syntax = Vec::new();
    let mut documents = Vec::new();
    for (record, parsed) in records.into_iter().enumerate() {
        match parsed {
            Ok(document) => documents.push((record, document)),
            Err(violation) => syntax.push(Issue {
                location: Location::Record {
                    record,
                    path: violation.path,
                },
                rule: violation.rule,
                message: violation.message,
            }),
        }
    }
    let mut batch = accept(kind, documents, ctx);
    batch.report.violations.extend(syntax);
    Ok(batch)
}
