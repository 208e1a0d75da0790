//! `jiayang participant add|suspend|resume|rotate|list|webhook|certify`: the operator's registry of who
//! may connect. Works on the gateway's database directly (the data directory's SQLite,
//! or `--database-url`), so it works while the gateway runs: a suspension or rotation
//! made here is signalled to it (`jiayang_store::changes`).

use std::path::Path;

use jiayang_domain::{
    ParticipantKind,
    participants::{self, Credentials, NewParticipant, Status},
    webhooks,
};
use jiayang_store::{
    Store,
    crypto::{self, Keys},
    files::write_private,
    pki::TlsFiles,
};

use super::{Outcome, database::Database};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// The data directory's CA issues the certificates; participants' credentials are
    /// written under `DIR/participants/ID/`.
    #[command(flatten)]
    database: Database,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Register a participant and issue its certificate and API token.
    Add {
        /// A slug, e.g. hk-daojia.
        #[arg(long)]
        id: String,
        /// ELDER_CARE_PORTAL, HOUSEKEEPING_PLATFORM, ELDER_CARE_INSTITUTION,
        /// COMMUNITY_STATION or REGULATOR.
        #[arg(long)]
        kind: ParticipantKind,
        #[arg(long)]
        name: String,
        /// Its unified social credit code.
        #[arg(long)]
        uscc: Option<String>,
        /// The platform format it speaks (elder-portal, housekeeping-app, station-csv).
        #[arg(long)]
        native_format: Option<String>,
    },
    /// Refuse every credential of a participant from its next request on.
    Suspend {
        #[arg(long)]
        id: String,
    },
    /// Let a suspended participant connect again.
    Resume {
        #[arg(long)]
        id: String,
    },
    /// Revoke a participant's certificates and tokens and issue new ones.
    Rotate {
        #[arg(long)]
        id: String,
    },
    /// Every participant: id, kind, status, name, and the conformance modes it is
    /// certified in.
    List,
    /// Record a passing conformance report (`results.json`) as the participant's
    /// certification in the report's mode; it must name this participant, have every
    /// MUST passed and be at most 90 days old.
    Certify {
        #[arg(long)]
        id: String,
        /// The `results.json` of a conformance run.
        #[arg(long)]
        report: std::path::PathBuf,
    },
    /// Register (or replace) a participant's webhook endpoint; prints its new signing
    /// secret, shown this once (the one it replaces keeps signing beside it for a day).
    Webhook {
        #[arg(long)]
        id: String,
        /// https://… (plain http only to this machine, with --allow-insecure-webhooks).
        #[arg(long)]
        url: String,
        /// Development only: plain http and this machine as the target.
        #[arg(long)]
        allow_insecure_webhooks: bool,
        /// A target in a private network (the gateway must allow it too, in jiayang.toml).
        #[arg(long)]
        allow_private_networks: bool,
    },
}

pub fn run(args: &Args) -> Outcome {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error.to_string()),
    };
    match runtime.block_on(execute(args)) {
        Ok(()) => Outcome::Clean,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> Outcome {
    eprintln!("jiayang participant: {message}");
    Outcome::Unusable
}

async fn execute(args: &Args) -> Result<(), String> {
    let data_dir = &args.database.data_dir;
    let ca = TlsFiles::in_dir(data_dir);
    if !ca.ca_key.exists() {
        return Err(format!(
            "{} holds no gateway CA: start `jiayang serve --data-dir {}` once first",
            data_dir.display(),
            data_dir.display()
        ));
    }
    let store = args.database.open().await?;
    let result = match &args.command {
        Command::Add {
            id,
            kind,
            name,
            uscc,
            native_format,
        } => {
            let new = NewParticipant {
                id: id.clone(),
                kind: *kind,
                name: name.clone(),
                uscc: uscc.clone(),
                native_format: native_format.clone(),
            };
            let credentials = participants::add(&store, &ca, &new)
                .await
                .map_err(|e| e.to_string())?;
            save(data_dir, id, &credentials)
        }
        Command::Suspend { id } => participants::set_status(&store, id, Status::Suspended)
            .await
            .map(|()| println!("{id}: suspended; its credentials are refused from now on"))
            .map_err(|e| e.to_string()),
        Command::Resume { id } => participants::set_status(&store, id, Status::Active)
            .await
            .map(|()| println!("{id}: active"))
            .map_err(|e| e.to_string()),
        Command::Rotate { id } => {
            let credentials = participants::rotate(&store, &ca, id)
                .await
                .map_err(|e| e.to_string())?;
            save(data_dir, id, &credentials)
        }
        Command::Webhook {
            id,
            url,
            allow_insecure_webhooks,
            allow_private_networks,
        } => {
            let policy = webhooks::Policy {
                allow_insecure: *allow_insecure_webhooks,
                allow_private_networks: *allow_private_networks,
            };
            webhook(&store, data_dir, &policy, id, url).await
        }
        Command::List => participants::list(&store)
            .await
            .map(|all| {
                for p in all {
                    let certified: Vec<&str> =
                        p.conformance.iter().map(|c| c.mode.as_str()).collect();
                    let certified = if certified.is_empty() {
                        "not certified".to_owned()
                    } else {
                        format!("certified: {}", certified.join(","))
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{certified}",
                        p.id, p.kind, p.status, p.name
                    );
                }
            })
            .map_err(|e| e.to_string()),
        Command::Certify { id, report } => certify(&store, id, report).await,
    };
    store.db.close().await.ok();
    result
}

async fn certify(store: &Store, id: &str, report: &Path) -> Result<(), String> {
    let bytes =
        std::fs::read(report).map_err(|e| format!("cannot read {}: {e}", report.display()))?;
    // The suite's catalog says which MUSTs a report of each mode must show passed.
    let mut required = participants::certification::Required::new();
    for requirement in jiayang_conformance::catalog::all() {
        if requirement.level == jiayang_conformance::catalog::Level::Must {
            required
                .entry(requirement.mode.as_str().to_owned())
                .or_default()
                .push(requirement.id.clone());
        }
    }
    let certified = participants::certify(store, id, &bytes, &required)
        .await
        .map_err(|e| e.to_string())?;
    let target = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|m| m["target"].as_str().map(str::to_owned))
        .unwrap_or_default();
    println!(
        "{id}: certified in {} mode (report sha256 {}, suite {}, target {target}, run finished {})",
        certified.mode,
        certified.report_sha256,
        certified.suite_version,
        certified.report_finished_at
    );
    Ok(())
}

/// Registers the endpoint with the gateway's own master key (the secret is sealed with
/// it) and prints the secret.
async fn webhook(
    store: &Store,
    data_dir: &Path,
    policy: &webhooks::Policy,
    id: &str,
    url: &str,
) -> Result<(), String> {
    let keys = Keys::load_or_create(data_dir).map_err(|e| e.to_string())?;
    if !crypto::check_master_key(store, &keys)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err("the master key is not the one this database was sealed with".into());
    }
    let registered = webhooks::register(store, &keys, policy, id, url)
        .await
        .map_err(|e| e.to_string())?;
    println!("{id}: webhook {}", registered.url);
    println!("signing secret (shown once): {}", registered.secret);
    Ok(())
}

/// Writes `DIR/participants/ID/{cert.pem,key.pem,token}` (key and token 0600).
fn save(data_dir: &Path, id: &str, credentials: &Credentials) -> Result<(), String> {
    let dir = data_dir.join("participants").join(id);
    let write = |name: &str, contents: &str, private: bool| {
        let path = dir.join(name);
        // Rotation replaces files whose credentials were just revoked.
        let _ = std::fs::remove_file(&path);
        let written = if private {
            write_private(&path, contents.as_bytes())
        } else {
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, contents))
        };
        written.map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("cert.pem", &credentials.certificate_pem, false)?;
    write("key.pem", &credentials.key_pem, true)?;
    if id == participants::OPERATOR {
        // The operator's token lives where `serve` first wrote it, and where operators
        // and scripts read it.
        let path = data_dir.join("operator.token");
        let _ = std::fs::remove_file(&path);
        write_private(&path, format!("{}\n", credentials.token).as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!(
            "operator: token in {}, certificate in {} (cert.pem, key.pem)",
            path.display(),
            dir.display()
        );
        return Ok(());
    }
    write("token", &format!("{}\n", credentials.token), true)?;
    println!(
        "{id}: credentials in {} (cert.pem, key.pem, token); clients trust {}",
        dir.display(),
        data_dir.join("tls").join("ca.pem").display()
    );
    Ok(())
}
