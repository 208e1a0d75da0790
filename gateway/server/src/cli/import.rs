//! `jiayang import --format station-csv --kind senior FILE`: a participant's file into a
//! running gateway. Records are converted here (the adapters, with the one validator),
//! sent to `:batchCreate` over TLS a batch at a time, and every refusal, here or at the
//! gateway, is reported where the file has it: spreadsheet row and column, or record and
//! field. A progress bar on stderr when it is a terminal; a summary on stdout at the end.
//!
//! Each batch is committed by the gateway on its own, so an import that stops part way
//! keeps what it sent; the sender's external ids make a rerun report those records as
//! duplicates instead of storing them twice.

use std::{
    io::{IsTerminal, Write},
    path::PathBuf,
    time::Duration,
};

use jiayang_adapters::{Context, Converted, Format, Location, RecordKind, Report, SeniorDirectory};
use jiayang_schemas::Lang;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{Outcome, input};

/// Records per `:batchCreate` request: small enough for a progress bar to move.
const BATCH: usize = 500;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file's format: station-csv, elder-portal or housekeeping-app.
    #[arg(long)]
    format: Format,
    /// What the records are: senior, service-record or provider.
    #[arg(long)]
    kind: RecordKind,
    /// The participant importing: the file's ids become its external ids, and its token
    /// is read from DATA_DIR/participants/ID/token (`jiayang participant add` wrote it)
    /// unless `--token` is given.
    #[arg(long)]
    participant: String,
    /// A station's district, as a 12-digit division code (station-csv seniors).
    #[arg(long)]
    district: Option<String>,
    /// A station's unified social credit code (station-csv visit logs).
    #[arg(long = "provider-uscc")]
    provider_uscc: Option<String>,
    /// The gateway.
    #[arg(long, default_value = "https://localhost:7443")]
    url: String,
    /// The gateway's data directory, for its CA certificate and the participant's token
    /// when `--ca` and `--token` are not given.
    #[arg(long, default_value = "jiayang-data")]
    data_dir: PathBuf,
    /// The CA certificate the gateway's TLS certificate is checked against
    /// (default: DATA_DIR/tls/ca.pem).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// The participant's API token.
    #[arg(long, env = "JIAYANG_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Language of the messages: zh (default) or en.
    #[arg(long, default_value = "zh")]
    lang: Lang,
    /// Print the summary as one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The file; `-` reads stdin.
    file: PathBuf,
}

/// What an import did, in the file's terms.
#[derive(Debug, Default)]
struct Summary {
    total: usize,
    imported: usize,
    /// `{row, column | record, path, rule, message}` in input order.
    rejected: Vec<Value>,
    /// Why the import stopped before the end, if it did.
    stopped: Option<String>,
}

pub fn run(args: &Args) -> Outcome {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the runtime: {error}")),
    };
    let (batch, client) = match runtime.block_on(prepare(args)) {
        Ok(prepared) => prepared,
        Err(message) => return fail(&message),
    };
    let mut summary = Summary {
        total: batch.records.len() + rejected_records(&batch.report),
        ..Summary::default()
    };
    summary
        .rejected
        .extend(batch.report.violations.iter().map(|v| v.to_json(args.lang)));
    let mut progress = Progress::new(summary.total);
    progress.show(summary.rejected_count(), 0);
    runtime.block_on(send(
        args,
        &client,
        batch.records,
        &mut summary,
        &mut progress,
    ));
    progress.finish();
    summary.rejected.sort_by_key(position);
    print_summary(args, &summary);
    if summary.stopped.is_some() {
        Outcome::Unusable
    } else if summary.rejected.is_empty() {
        Outcome::Clean
    } else {
        Outcome::SomeInvalid
    }
}

fn fail(message: &str) -> Outcome {
    eprintln!("jiayang import: {message}");
    Outcome::Unusable
}

/// Reads and converts the file, and makes the client: everything that can fail before
/// the first record is sent.
async fn prepare(args: &Args) -> Result<(jiayang_adapters::Batch, Client), String> {
    if !matches!(
        args.kind,
        RecordKind::Senior | RecordKind::ServiceRecord | RecordKind::Provider
    ) {
        return Err(format!(
            "--kind {} cannot be imported (senior, service-record or provider)",
            args.kind
        ));
    }
    jiayang_adapters::supported(args.format, Format::Canonical, args.kind)
        .map_err(|e| e.message().en)?;
    let bytes =
        input::read_source(&args.file).map_err(|error| format!("cannot read the file: {error}"))?;
    let client = Client::new(args)?;
    let mut ctx = Context {
        participant: Some(&args.participant),
        district: args.district.as_deref(),
        provider_uscc: args.provider_uscc.as_deref(),
        ..Context::new(OffsetDateTime::now_utc())
    };
    let convert = |ctx: &Context<'_>| {
        jiayang_adapters::import(args.format, args.kind, &bytes, ctx)
            .map_err(|unusable| unusable.message().get(args.lang).to_owned())
    };
    let batch = convert(&ctx)?;
    if args.format != Format::StationCsv || args.kind != RecordKind::ServiceRecord {
        return Ok((batch, client));
    }
    // A visit log names its senior by ID number and by name: a second pass checks the
    // names against the seniors on record, as the gateway's native endpoint does.
    let mut names = Names::default();
    for number in batch
        .documents()
        .filter_map(|d| d.pointer("/senior/identityNumber").and_then(Value::as_str))
    {
        if !names.0.contains_key(number) {
            let name = client.name_of(number).await?;
            names.0.insert(number.to_owned(), name);
        }
    }
    ctx.seniors = Some(&names);
    Ok((convert(&ctx)?, client))
}

/// Names on record by ID number (`None`: no such senior).
#[derive(Default)]
struct Names(std::collections::HashMap<String, Option<String>>);

impl SeniorDirectory for Names {
    fn name_of(&self, identity_number: &str) -> Option<String> {
        self.0.get(identity_number).cloned().flatten()
    }
}

/// Records the conversion refused: one per distinct record or row with a violation.
fn rejected_records(report: &Report) -> usize {
    let mut seen: Vec<(usize, usize)> = report
        .violations
        .iter()
        .filter_map(|v| match v.location {
            Location::Record { record, .. } => Some((0, record)),
            Location::Cell { row, .. } => Some((1, row)),
            Location::Document { .. } => None,
        })
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

impl Summary {
    /// Records refused so far (a record with several violations counts once).
    fn rejected_count(&self) -> usize {
        let mut seen: Vec<(Option<u64>, Option<u64>)> = self
            .rejected
            .iter()
            .map(|v| {
                (
                    v.get("row").and_then(Value::as_u64),
                    v.get("record").and_then(Value::as_u64),
                )
            })
            .collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }
}

async fn send(
    args: &Args,
    client: &Client,
    records: Vec<Converted>,
    summary: &mut Summary,
    progress: &mut Progress,
) {
    let plural = match args.kind {
        RecordKind::Senior => "seniors",
        RecordKind::ServiceRecord => "serviceRecords",
        _ => "providers",
    };
    let path = match args.kind {
        RecordKind::Senior => "/v1/seniors:batchCreate",
        RecordKind::ServiceRecord => "/v1/service-records:batchCreate",
        _ => "/v1/providers:batchCreate",
    };
    for chunk in records.chunks(BATCH) {
        let body = json!({ plural: chunk.iter().map(|c| &c.document).collect::<Vec<_>>() });
        let results = match client.post(path, &body, args.lang).await {
            Ok(results) => results,
            Err(message) => {
                summary.stopped = Some(message);
                return;
            }
        };
        for result in results {
            let Some(converted) = result["index"].as_u64().and_then(|i| chunk.get(i as usize))
            else {
                continue;
            };
            if result.get("id").is_some() {
                summary.imported += 1;
            } else if let Some(violations) = result["violations"].as_array() {
                for violation in violations {
                    let at = violation["path"].as_str().unwrap_or_default();
                    summary.rejected.push(refusal(
                        &converted.trace.locate(at),
                        &violation["rule"],
                        &violation["message"],
                    ));
                }
            } else {
                // A problem's type ends in its stable code, e.g. `already-exists`.
                let error = &result["error"];
                let code = error["type"]
                    .as_str()
                    .and_then(|t| t.rsplit('/').next())
                    .unwrap_or("error");
                summary.rejected.push(refusal(
                    &converted.trace.locate(""),
                    &Value::from(code),
                    &error["title"],
                ));
            }
        }
        progress.show(summary.rejected_count(), summary.imported);
    }
}

fn refusal(location: &Location, rule: &Value, message: &Value) -> Value {
    let mut out = Map::new();
    location.write(&mut out);
    out.insert("rule".into(), rule.clone());
    out.insert("message".into(), message.clone());
    Value::Object(out)
}

/// Input order: rows, then records.
fn position(item: &Value) -> (u64, u64) {
    (
        item.get("row").and_then(Value::as_u64).unwrap_or(0),
        item.get("record").and_then(Value::as_u64).unwrap_or(0),
    )
}

fn print_summary(args: &Args, summary: &Summary) {
    let mut out = std::io::stdout().lock();
    let rejected = summary.rejected_count();
    let written = if args.json {
        let mut body = json!({
            "records": summary.total,
            "imported": summary.imported,
            "rejected": rejected,
            "violations": summary.rejected,
        });
        if let Some(stopped) = &summary.stopped {
            body["stopped"] = stopped.clone().into();
        }
        writeln!(out, "{body}")
    } else {
        text_summary(&mut out, args.lang, summary, rejected)
    };
    // A closed stdout leaves nowhere to say so; the exit code still tells.
    let _ = written;
}

fn text_summary(
    out: &mut impl Write,
    lang: Lang,
    summary: &Summary,
    rejected: usize,
) -> std::io::Result<()> {
    match lang {
        Lang::Zh => writeln!(
            out,
            "共 {} 条：导入 {} 条，拒收 {} 条",
            summary.total, summary.imported, rejected
        )?,
        Lang::En => writeln!(
            out,
            "{} records: {} imported, {} rejected",
            summary.total, summary.imported, rejected
        )?,
    }
    for item in &summary.rejected {
        let at = match (item.get("row"), item.get("record")) {
            (Some(row), _) => format!(
                "row {row}{}",
                item.get("column")
                    .and_then(Value::as_str)
                    .map(|c| format!(" · {c}"))
                    .unwrap_or_default()
            ),
            (None, Some(record)) => format!(
                "record {record} · {}",
                item.get("path").and_then(Value::as_str).unwrap_or_default()
            ),
            (None, None) => "input".to_owned(),
        };
        writeln!(
            out,
            "  {at}: {} — {}",
            item["rule"].as_str().unwrap_or_default(),
            item["message"].as_str().unwrap_or_default()
        )?;
    }
    if let Some(stopped) = &summary.stopped {
        writeln!(out, "stopped: {stopped}")?;
    }
    Ok(())
}

/// An HTTPS client for one gateway, trusting its CA, with the caller's token.
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    fn new(args: &Args) -> Result<Self, String> {
        let ca_path = args
            .ca
            .clone()
            .unwrap_or_else(|| args.data_dir.join("tls").join("ca.pem"));
        let ca = std::fs::read(&ca_path)
            .map_err(|e| format!("cannot read the CA certificate {}: {e}", ca_path.display()))?;
        let ca = reqwest::Certificate::from_pem(&ca)
            .map_err(|e| format!("{} is not a PEM certificate: {e}", ca_path.display()))?;
        let token = match &args.token {
            Some(token) => token.clone(),
            None => {
                let path = args
                    .data_dir
                    .join("participants")
                    .join(&args.participant)
                    .join("token");
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read the token {}: {e}", path.display()))?
            }
        };
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| format!("cannot make an HTTPS client: {e}"))?;
        Ok(Self {
            http,
            base: args.url.trim_end_matches('/').to_owned(),
            token: token.trim().to_owned(),
        })
    }

    /// The name on record for an ID number, `None` when no senior has it.
    async fn name_of(&self, identity_number: &str) -> Result<Option<String>, String> {
        let body = json!({ "identityNumber": identity_number });
        let response = self
            .http
            .post(format!("{}/v1/seniors:lookup", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("cannot reach the gateway at {}: {e}", self.base))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(format!("the gateway answered {status} to a senior lookup"));
        }
        let senior: Value = response
            .json()
            .await
            .map_err(|e| format!("the gateway's senior lookup is unreadable: {e}"))?;
        Ok(senior["name"].as_str().map(str::to_owned))
    }

    /// The per-item results of one batch, or why the import cannot go on.
    async fn post(&self, path: &str, body: &Value, lang: Lang) -> Result<Vec<Value>, String> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(
                "accept-language",
                match lang {
                    Lang::Zh => "zh",
                    Lang::En => "en",
                },
            )
            .json(body)
            .send()
            .await
            .map_err(|e| format!("cannot reach the gateway at {}: {e}", self.base))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|e| format!("the gateway answered {status} with an unreadable body: {e}"))?;
        if !status.is_success() {
            let title = body["title"].as_str().unwrap_or("");
            return Err(format!("the gateway answered {status}: {title}"));
        }
        body["results"]
            .as_array()
            .cloned()
            .ok_or_else(|| "the gateway's answer holds no results".to_owned())
    }
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal.
struct Progress {
    total: usize,
    terminal: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn show(&mut self, rejected: usize, imported: usize) {
        if !self.terminal || self.total == 0 {
            return;
        }
        const WIDTH: usize = 30;
        let done = (rejected + imported).min(self.total);
        let filled = done * WIDTH / self.total;
        let _ = write!(
            std::io::stderr().lock(),
            "\r[{}{}] {done}/{} imported {imported} rejected {rejected}",
            "#".repeat(filled),
            "-".repeat(WIDTH - filled),
            self.total,
        );
    }

    fn finish(&mut self) {
        if self.terminal && self.total > 0 {
            let _ = writeln!(std::io::stderr().lock());
        }
    }
}
