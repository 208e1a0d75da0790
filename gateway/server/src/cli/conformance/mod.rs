//! `jiayang conformance …`: the conformance suite (the `jiayang-conformance` crate) on the
//! command line. `requirements` lists the catalog; `data`, `server`, `webhook` and
//! `client` judge a vendor's files, server, webhook receiver or client (in a sandbox,
//! `sandbox.rs`) and write the reports.
//!
//! Exit codes: 0 every MUST passed, 1 one failed (or was not checked), 2 the target could
//! not be reached or the arguments are wrong.

use std::path::{Path, PathBuf};

use jiayang_adapters::{Format, RecordKind};
use jiayang_conformance::{
    Mode, catalog,
    data::{self, DataError},
    report::Results,
    server::{self, Credentials, ServerError},
    webhook::{self, WebhookError},
};

use super::Outcome;

mod sandbox;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// List the requirements: id, level, mode and title.
    Requirements {
        /// The catalog as JSON.
        #[arg(long)]
        json: bool,
        /// Only one mode's: data, server, client or webhook.
        #[arg(long)]
        mode: Option<Mode>,
    },
    /// Judge sample files in a native format or canonical.
    Data(DataArgs),
    /// Judge a server implementing the API, over REST and gRPC.
    Server(ServerArgs),
    /// Judge a webhook receiver: signed events, with the faults it must handle.
    Webhook(WebhookArgs),
    /// Open a sandbox gateway for your client and judge what it does there.
    Client(sandbox::ClientArgs),
}

#[derive(Debug, clap::Args)]
struct WebhookArgs {
    /// The receiver's URL (https; http on a development machine).
    #[arg(long)]
    url: String,
    /// The receiver's signing secret (`whsec_…`).
    #[arg(long, env = "JIAYANG_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// A CA to trust besides the system's (PEM), for a receiver with a private certificate.
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Your participant id, for the report.
    #[arg(long)]
    participant: Option<String>,
    #[command(flatten)]
    report: Report,
}

#[derive(Debug, clap::Args)]
struct Report {
    /// Write results.json, junit.xml and report.html here; without it the results JSON
    /// goes to stdout.
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// No progress lines on stderr.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
struct DataArgs {
    /// canonical, elder-portal, housekeeping-app or station-csv.
    #[arg(long)]
    format: Format,
    /// senior, service-record, provider, consent or customer.
    #[arg(long)]
    kind: RecordKind,
    /// Your participant id (native ids become your externalIds).
    #[arg(long)]
    participant: Option<String>,
    /// A station's district, 12-digit division code (station-csv seniors).
    #[arg(long)]
    district: Option<String>,
    /// A station's unified social credit code (station-csv visit logs).
    #[arg(long = "provider-uscc")]
    provider_uscc: Option<String>,
    #[command(flatten)]
    report: Report,
    /// The files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct ServerArgs {
    /// The server, `https://host:port`.
    #[arg(long)]
    url: String,
    /// The CA that issued the server's certificate (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// Your participant id: a portal, institution or station (it registers seniors and
    /// records consents).
    #[arg(long)]
    participant: String,
    /// Your API token.
    #[arg(long, env = "JIAYANG_TOKEN", hide_env_values = true, conflicts_with_all = ["cert", "key"])]
    token: Option<String>,
    /// Your client certificate (PEM), with --key.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// A second participant the suite grants access to, for the consent requirements.
    #[arg(long)]
    grantee: Option<String>,
    #[arg(
        long,
        env = "JIAYANG_GRANTEE_TOKEN",
        hide_env_values = true,
        requires = "grantee"
    )]
    grantee_token: Option<String>,
    #[arg(long, requires_all = ["grantee", "grantee_key"])]
    grantee_cert: Option<PathBuf>,
    #[arg(long, requires = "grantee_cert")]
    grantee_key: Option<PathBuf>,
    #[command(flatten)]
    report: Report,
}

pub fn run(args: &Args) -> Outcome {
    match &args.command {
        Command::Requirements { json, mode } => requirements(*json, *mode),
        Command::Data(data_args) => judge_data(data_args),
        Command::Server(server_args) => judge_server(server_args),
        Command::Webhook(webhook_args) => judge_webhook(webhook_args),
        Command::Client(client_args) => sandbox::judge_client(client_args),
    }
}

fn requirements(json: bool, mode: Option<Mode>) -> Outcome {
    let listed: Vec<&catalog::Requirement> = catalog::all()
        .iter()
        .filter(|r| mode.is_none_or(|m| r.mode == m))
        .collect();
    if json {
        match serde_json::to_string_pretty(&listed) {
            Ok(text) => println!("{text}"),
            Err(_) => return Outcome::Unusable,
        }
    } else {
        for requirement in listed {
            println!("{requirement}");
        }
    }
    Outcome::Clean
}

fn judge_data(args: &DataArgs) -> Outcome {
    let options = data::Options {
        format: args.format,
        kind: args.kind,
        files: args.files.clone(),
        participant: args.participant.clone(),
        district: args.district.clone(),
        provider_uscc: args.provider_uscc.clone(),
    };
    match data::run(&options, !args.report.quiet) {
        Ok(results) => conclude(&results, &args.report),
        Err(error @ (DataError::Arguments(_) | DataError::Read { .. } | DataError::NoFiles)) => {
            eprintln!("jiayang conformance data: {error}");
            Outcome::Unusable
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Outcome> {
    std::fs::read(path).map_err(|error| {
        eprintln!(
            "jiayang conformance: cannot read {}: {error}",
            path.display()
        );
        Outcome::Unusable
    })
}

fn credentials_of(
    token: Option<&String>,
    cert: Option<&PathBuf>,
    key: Option<&PathBuf>,
    what: &str,
) -> Result<Credentials, Outcome> {
    match (token, cert, key) {
        (Some(token), _, _) => Ok(Credentials::Token(token.clone())),
        (None, Some(cert), Some(key)) => Ok(Credentials::Certificate {
            cert: read(cert)?,
            key: read(key)?,
        }),
        _ => {
            eprintln!("jiayang conformance server: give {what}");
            Err(Outcome::Unusable)
        }
    }
}

fn judge_server(args: &ServerArgs) -> Outcome {
    let prepared = (|| {
        let credentials = credentials_of(
            args.token.as_ref(),
            args.cert.as_ref(),
            args.key.as_ref(),
            "--token (or JIAYANG_TOKEN) or --cert with --key",
        )?;
        let grantee = match &args.grantee {
            None => None,
            Some(id) => Some((
                id.clone(),
                credentials_of(
                    args.grantee_token.as_ref(),
                    args.grantee_cert.as_ref(),
                    args.grantee_key.as_ref(),
                    "--grantee-token (or JIAYANG_GRANTEE_TOKEN) or --grantee-cert with --grantee-key",
                )?,
            )),
        };
        Ok(server::Options {
            url: args.url.clone(),
            ca_pem: read(&args.ca)?,
            ca_path: Some(args.ca.clone()),
            participant: args.participant.clone(),
            credentials,
            grantee,
        })
    })();
    let options = match prepared {
        Ok(options) => options,
        Err(outcome) => return outcome,
    };
    let runtime = match runtime("server") {
        Ok(runtime) => runtime,
        Err(outcome) => return outcome,
    };
    match runtime.block_on(server::run(&options, !args.report.quiet)) {
        Ok(results) => conclude(&results, &args.report),
        Err(error @ (ServerError::Connect(_) | ServerError::NotServing { .. })) => {
            eprintln!("jiayang conformance server: {error}");
            Outcome::Unusable
        }
    }
}

fn runtime(mode: &str) -> Result<tokio::runtime::Runtime, Outcome> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            eprintln!("jiayang conformance {mode}: {error}");
            Outcome::Unusable
        })
}

fn judge_webhook(args: &WebhookArgs) -> Outcome {
    let ca_pem = match args.ca.as_deref().map(read).transpose() {
        Ok(ca) => ca,
        Err(outcome) => return outcome,
    };
    let options = webhook::Options {
        url: args.url.clone(),
        secret: args.secret.clone(),
        ca_pem,
        ca_path: args.ca.clone(),
        participant: args.participant.clone(),
    };
    let runtime = match runtime("webhook") {
        Ok(runtime) => runtime,
        Err(outcome) => return outcome,
    };
    match runtime.block_on(webhook::run(&options, !args.report.quiet)) {
        Ok(results) => conclude(&results, &args.report),
        Err(
            error @ (WebhookError::Secret
            | WebhookError::Url(_)
            | WebhookError::Tls(_)
            | WebhookError::Unreachable { .. }),
        ) => {
            eprintln!("jiayang conformance webhook: {error}");
            Outcome::Unusable
        }
    }
}

/// Writes the reports, says the outcome, and gives the exit code.
fn conclude(results: &Results, report: &Report) -> Outcome {
    match &report.report_dir {
        Some(dir) => {
            if let Err(error) = results.write(dir) {
                eprintln!(
                    "jiayang conformance: cannot write {}: {error}",
                    dir.display()
                );
                return Outcome::Unusable;
            }
        }
        None => match serde_json::to_string_pretty(results) {
            Ok(text) => println!("{text}"),
            Err(_) => return Outcome::Unusable,
        },
    }
    let must = results.summary.must;
    eprintln!(
        "MUST: {} passed, {} failed, {} not checked; SHOULD: {} passed, {} failed, {} not checked{}",
        must.pass,
        must.fail,
        must.skip,
        results.summary.should.pass,
        results.summary.should.fail,
        results.summary.should.skip,
        report
            .report_dir
            .as_ref()
            .map(|d| format!(" — {}", d.join("report.html").display()))
            .unwrap_or_default()
    );
    if results.passed {
        Outcome::Clean
    } else {
        Outcome::SomeInvalid
    }
}
