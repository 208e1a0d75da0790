//! `jiayang conformance client`: the sandbox. A real gateway on a scratch data directory
//! (SQLite, its own CA), the sandbox's portal and the vendor's client registered in it,
//! and the suite's client mode in front of it (seeding, the recording proxy, grading).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use jiayang_conformance::client::{self, ClientParticipant, Sandbox, Scenario};
use jiayang_domain::{
    ParticipantKind,
    participants::{self, NewParticipant},
};
use jiayang_store::files::write_private;
use tokio::sync::oneshot;

use jiayang_gateway::{self as gateway, Config};

use super::{Report, conclude};
use crate::cli::Outcome;

/// The sandbox's own portal: it registers the fixture seniors and grants one of them.
const PORTAL: &str = "sandbox-portal";

#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// Where the sandbox listens for your client (e.g. 127.0.0.1:7450).
    #[arg(long)]
    listen: SocketAddr,
    /// Your client's participant kind: HOUSEKEEPING_PLATFORM, ELDER_CARE_INSTITUTION,
    /// COMMUNITY_STATION or ELDER_CARE_PORTAL.
    #[arg(long)]
    kind: ParticipantKind,
    /// What your client is asked to do: visit.
    #[arg(long, default_value = "visit")]
    scenario: Scenario,
    /// Your participant id in the sandbox.
    #[arg(long, default_value = "sandbox-client")]
    participant: String,
    /// Launch your client with this shell command (its environment names the sandbox:
    /// JIAYANG_URL, JIAYANG_CA, JIAYANG_TOKEN, …); without it, the sandbox waits for you.
    /// The client authenticates with the token (the recording proxy ends TLS, so a
    /// client certificate cannot be passed on).
    #[arg(long)]
    run: Option<String>,
    /// How long to wait for the client, in seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    #[command(flatten)]
    report: Report,
}

pub fn judge_client(args: &ClientArgs) -> Outcome {
    if matches!(
        args.kind,
        ParticipantKind::Regulator | ParticipantKind::Operator
    ) {
        eprintln!(
            "jiayang conformance client: the scenario needs a kind that records services, not {}",
            args.kind.as_str()
        );
        return Outcome::Unusable;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("jiayang conformance client: {error}");
            return Outcome::Unusable;
        }
    };
    let scratch = std::env::temp_dir().join(format!("jiayang-sandbox-{}", ulid::Ulid::new()));
    let outcome = runtime.block_on(sandbox(args, scratch.clone()));
    let _ = std::fs::remove_dir_all(&scratch);
    match outcome {
        Ok(results) => conclude(&results, &args.report),
        Err(message) => {
            eprintln!("jiayang conformance client: {message}");
            Outcome::Unusable
        }
    }
}

async fn sandbox(
    args: &ClientArgs,
    scratch: PathBuf,
) -> Result<jiayang_conformance::report::Results, String> {
    let config = Config {
        data_dir: scratch.clone(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: None,
        settings: None,
        allow_insecure_webhooks: false,
    };
    let prepared = gateway::prepare(&config).await.map_err(|e| e.to_string())?;
    let register = |id: &str, kind| NewParticipant {
        id: id.into(),
        kind,
        name: id.into(),
        uscc: None,
        native_format: None,
    };
    let portal = participants::add(
        &prepared.gateway.store,
        &prepared.tls_files,
        &register(PORTAL, ParticipantKind::ElderCarePortal),
    )
    .await
    .map_err(|e| e.to_string())?;
    let credentials = participants::add(
        &prepared.gateway.store,
        &prepared.tls_files,
        &register(&args.participant, args.kind),
    )
    .await
    .map_err(|e| e.to_string())?;
    let ca_path = prepared.tls_files.ca_cert.clone();
    let ca_pem = std::fs::read(&ca_path).map_err(|e| e.to_string())?;
    let tls = prepared.tls.clone();
    let listener = gateway::bind(config.listen)
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(gateway::serve(listener, prepared, async {
        let _ = stopped.await;
    }));

    let sandbox = Sandbox {
        gateway: addr,
        tls,
        ca_pem,
        ca_path,
        portal: (PORTAL.into(), portal.token),
        client: ClientParticipant {
            id: args.participant.clone(),
            token: credentials.token,
        },
    };
    let opened = client::open(&sandbox, args.listen, args.scenario)
        .await
        .map_err(|e| e.to_string())?;
    let handoff = opened.handoff.clone();
    eprintln!(
        "The sandbox is open at {} (trust {}).",
        handoff.url,
        handoff.ca_path.display()
    );
    eprintln!("沙箱已开启，请让你的客户端完成以下任务 / Have your client do this:");
    for (n, (zh, en)) in handoff.instructions().iter().enumerate() {
        eprintln!("  {}. {zh}\n     {en}", n + 1);
    }
    // For a tester at a terminal the token is in a file (0600), never on the screen.
    let token_file = scratch
        .join("participants")
        .join(&args.participant)
        .join("token");
    write_private(
        &token_file,
        format!("{}\n", handoff.client.token).as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    eprintln!("Your client's settings (the environment of --run):");
    for (name, value) in handoff.environment() {
        if name == "JIAYANG_TOKEN" {
            eprintln!("  {name}=$(cat {})", token_file.display());
        } else {
            eprintln!("  {name}={value}");
        }
    }
    let timeout = Duration::from_secs(args.timeout);
    let results = match &args.run {
        Some(command) => {
            // In a process group of its own, so that at the time-out the client and
            // whatever it started are stopped together.
            let mut child = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .envs(handoff.environment())
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| format!("cannot run `{command}`: {e}"))?;
            let group = child.id();
            let exited = async move {
                let _ = child.wait().await;
            };
            let results = opened
                .finish(Some(exited), timeout, !args.report.quiet)
                .await;
            if let Some(group) = group {
                // Nothing is left of a client that finished; `kill` then finds no one.
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{group}")])
                    .stderr(std::process::Stdio::null())
                    .status();
            }
            results
        }
        None => {
            opened
                .finish(None::<std::future::Ready<()>>, timeout, !args.report.quiet)
                .await
        }
    };
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(30), served).await;
    Ok(results)
}
