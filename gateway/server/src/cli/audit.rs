//! `jiayang audit verify`: walks the audit log's hash chain and names the first entry
//! that was edited, deleted or moved, then checks it against the signed checkpoints kept
//! beside the data (`audit/checkpoints.jsonl`), which find a rewrite the chain alone
//! cannot: a tail removed with the head moved back, or hashes recomputed after an edit.
//! `--checkpoints FILE` checks against other copies instead: those a participant kept from
//! the event feed (`GET /v1/audit/checkpoints/{seq}`, one JSON object per line), which
//! whoever runs the database cannot reach. `jiayang audit checkpoint` signs the head now
//! and publishes it (the gateway does every minute). Exit 0 intact, 1 broken, 2 unusable.

use std::path::{Path, PathBuf};

use jiayang_store::{
    Store,
    audit::{self, Verified},
    checkpoints,
    crypto::Keys,
};

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
    /// Check every entry against the one before it and the chain's head, then the chain
    /// against the signed checkpoints.
    Verify {
        /// Signed checkpoints to check against (default: DIR/audit/checkpoints.jsonl),
        /// e.g. those a participant kept from the event feed.
        #[arg(long, value_name = "FILE")]
        checkpoints: Option<PathBuf>,
    },
    /// Sign the chain's head, append it to the checkpoint file and publish it in the
    /// event feed.
    Checkpoint,
}

pub fn run(args: &Args) -> Outcome {
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
    let done = runtime.block_on(async {
        let store = args.database.open().await?;
        let done = match &args.command {
            Command::Verify { checkpoints } => verify(args, &store, checkpoints.as_deref()).await,
            Command::Checkpoint => checkpoint(args, &store).await,
        };
        store.db.close().await.ok();
        done
    });
    match done {
        Ok(outcome) => outcome,
        Err(message) => {
            eprintln!("jiayang audit: {message}");
            Outcome::Unusable
        }
    }
}

fn keys(args: &Args) -> Result<Keys, String> {
    Keys::load(&args.database.data_dir)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "no master key in {} (nor JIAYANG_MASTER_KEY): checkpoints are signed with it",
                args.database.data_dir.display()
            )
        })
}

async fn verify(args: &Args, store: &Store, kept: Option<&Path>) -> Result<Outcome, String> {
    let unreadable = |e: sea_orm::DbErr| format!("cannot read the audit log: {e}");
    let entries = match audit::verify(&store.db).await.map_err(unreadable)? {
        Verified::Intact { entries } => entries,
        Verified::Broken { seq, reason } => return Ok(broken(seq, &reason)),
    };
    let path = match kept {
        Some(path) => path.to_owned(),
        None => checkpoints::file_in(&args.database.data_dir),
    };
    let signed = checkpoints::read(&path).map_err(|e| e.to_string())?;
    if signed.is_empty() && kept.is_some() {
        // Named to be checked against: none there is not "intact".
        return Err(format!("{}: no checkpoints in it", path.display()));
    }
    if signed.is_empty() {
        println!(
            "audit log intact: {entries} entries (no checkpoints in {} to check it against)",
            path.display()
        );
        return Ok(Outcome::Clean);
    }
    let public_key = checkpoints::public_key(&keys(args)?);
    match checkpoints::check(&store.db, &signed, &public_key)
        .await
        .map_err(unreadable)?
    {
        Verified::Intact { entries: covered } => {
            println!(
                "audit log intact: {entries} entries; {} signed checkpoints hold, the last at entry {covered}",
                signed.len()
            );
            Ok(Outcome::Clean)
        }
        Verified::Broken { seq, reason } => Ok(broken(seq, &reason)),
    }
}

fn broken(seq: i64, reason: &str) -> Outcome {
    println!("audit log broken at entry {seq}: {reason}");
    Outcome::SomeInvalid
}

async fn checkpoint(args: &Args, store: &Store) -> Result<Outcome, String> {
    let path = checkpoints::file_in(&args.database.data_dir);
    match checkpoints::write(store, &keys(args)?, &path, None)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(written) => println!(
            "checkpoint: entry {} signed into {}",
            written.seq,
            path.display()
        ),
        None => println!("checkpoint: the last one already names the head"),
    }
    // The file's last checkpoint, this one or one whose publication failed before.
    let last = checkpoints::read(&path).map_err(|e| e.to_string())?.pop();
    if let Some(last) = last
        && jiayang_domain::checkpoints::publish(store, &last)
            .await
            .map_err(|e| format!("the checkpoint is not published: {e}"))?
    {
        println!("checkpoint: entry {} published", last.seq);
    }
    Ok(Outcome::Clean)
}
