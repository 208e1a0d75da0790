//! Subcommands of `jiayang`. Each module holds one subcommand: its arguments and its run.
//!
//! Exit codes are shared: 0 all good, 1 some records were invalid (the report says which),
//! 2 the input or the invocation was unusable.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod conformance;
mod convert;
mod database;
mod import;
mod input;
mod participant;
mod serve;
mod validate;

/// The Jiayang (家养) data gateway.
#[derive(Debug, Parser)]
#[command(name = "jiayang", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify the audit log's hash chain.
    Audit(audit::Args),
    /// The conformance suite: list its requirements, judge sample files or a server.
    Conformance(conformance::Args),
    /// Convert records between the canonical model and the platforms' own formats.
    Convert(convert::Args),
    /// Import a participant's file (e.g. a station spreadsheet) into a running gateway.
    Import(import::Args),
    /// Manage participants: add, suspend, resume, rotate credentials, list.
    Participant(participant::Args),
    /// Run the gateway: one TLS port for gRPC and REST.
    Serve(serve::Args),
    /// Validate canonical JSON records against the schema and domain rules.
    Validate(validate::Args),
}

/// The outcome of a subcommand, as an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was valid or converted.
    Clean = 0,
    /// Some records failed; the report names them.
    SomeInvalid = 1,
    /// The input could not be used at all.
    Unusable = 2,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        ExitCode::from(outcome as u8)
    }
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Audit(args) => audit::run(&args),
        Command::Conformance(args) => conformance::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Participant(args) => participant::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Validate(args) => validate::run(&args),
    }
    .into()
}
