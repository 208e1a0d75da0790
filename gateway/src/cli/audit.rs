//! `jiayang audit verify`: walks the audit log's hash chain and names the first entry
//! that was edited, deleted or moved. Exit 0 intact, 1 broken, 2 unusable.

use std::path::PathBuf;

use jiayang_gateway::{
    audit::{self, Verified},
    server::sqlite_url,
    store::Store,
};

use super::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// The gateway's data directory (its SQLite database).
    #[arg(long, global = true, default_value = "jiayang-data")]
    data_dir: PathBuf,
    /// The gateway's PostgreSQL database; SQLite in the data directory when absent.
    #[arg(long, global = true, env = "JIAYANG_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check every entry against the one before it and the chain's head.
    Verify,
}

pub fn run(args: &Args) -> Outcome {
    let Command::Verify = args.command;
    if args.database_url.is_none() && !args.data_dir.join("jiayang.db").exists() {
        eprintln!(
            "jiayang audit: no gateway database in {}",
            args.data_dir.display()
        );
        return Outcome::Unusable;
    }
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| sqlite_url(&args.data_dir));
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
        let store = Store::open(&url).await?;
        let verified = audit::verify(&store.db).await;
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
        Err(error) => {
            eprintln!("jiayang audit: cannot read the audit log: {error}");
            Outcome::Unusable
        }
    }
}
