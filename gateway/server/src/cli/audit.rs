//! `jiayang audit verify`: walks the audit log's hash chain and names the first entry
//! that was edited, deleted or moved. Exit 0 intact, 1 broken, 2 unusable.

use jiayang_store::audit::{self, Verified};

use super::{Outcome, database::Database};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    database: Database,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check every entry against the one before it and the chain's head.
    Verify,
}

pub fn run(args: &Args) -> Outcome {
    let Command::Verify = args.command;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("jiayang audit: {error}");
            return Outcome::Unusable;
        }
    };
    let verified = runtime.block_on(async {
        let store = args.database.open().await?;
        let verified = audit::verify(&store.db)
            .await
            .map_err(|e| format!("cannot read the audit log: {e}"));
        store.db.close().await.ok();
        verified
    });
    match verified {
        Ok(Verified::Intact { entries }) => {
            println!("audit log intact: {entries} entries");
            Outcome::Clean
        }
        Ok(Verified::Broken { seq, reason }) => {
            println!("audit log broken at entry {seq}: {reason}");
            Outcome::SomeInvalid
        }
        Err(message) => {
            eprintln!("jiayang audit: {message}");
            Outcome::Unusable
        }
    }
}
