//! `jiayang serve`: runs the gateway.

use std::{net::SocketAddr, path::PathBuf};

use jiayang_gateway::{self as server, Config};

use super::Outcome;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the database, keys, certificates and the first operator token live.
    #[arg(long, default_value = "jiayang-data")]
    data_dir: PathBuf,
    /// The one port for gRPC and REST (TLS); port 0 lets the system choose one, named in
    /// the `serving` log line.
    #[arg(long, default_value = "127.0.0.1:7443")]
    listen: SocketAddr,
    /// A PostgreSQL URL (postgres://…); SQLite in the data directory when absent.
    #[arg(long, env = "JIAYANG_DATABASE_URL")]
    database_url: Option<String>,
    /// The configuration file (verification thresholds); `DATA_DIR/jiayang.toml` when
    /// absent, and DESIGN's values without one.
    #[arg(long = "config", value_name = "FILE")]
    settings: Option<PathBuf>,
    /// Development only: webhooks may use plain http and point at this machine.
    #[arg(long)]
    allow_insecure_webhooks: bool,
}

pub fn run(args: &Args) -> Outcome {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("jiayang serve: cannot start the runtime: {error}");
            return Outcome::Unusable;
        }
    };
    runtime.block_on(async {
        let config = Config {
            data_dir: args.data_dir.clone(),
            listen: args.listen,
            database_url: args.database_url.clone(),
            settings: args.settings.clone(),
            allow_insecure_webhooks: args.allow_insecure_webhooks,
        };
        let prepared = match server::prepare(&config).await {
            Ok(prepared) => prepared,
            Err(error) => {
                eprintln!("jiayang serve: {error}");
                return Outcome::Unusable;
            }
        };
        let listener = match server::bind(args.listen).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("jiayang serve: {error}");
                return Outcome::Unusable;
            }
        };
        // The port actually bound: `--listen 127.0.0.1:0` lets the system choose one.
        let listen = listener.local_addr().unwrap_or(args.listen);
        print_welcome(args, listen, &prepared);
        tracing::info!(listen = %listen, "serving");
        server::serve(listener, prepared, server::shutdown_signal()).await;
        tracing::info!("stopped");
        Outcome::Clean
    })
}

/// A few lines on how to call the gateway, on stderr (stdout stays free for tools).
fn print_welcome(args: &Args, addr: SocketAddr, prepared: &server::Prepared) {
    let dir = args.data_dir.display();
    let ca = prepared.tls_files.ca_cert.display();
    let token_note = if prepared.new_operator_token.is_some() {
        format!("the first operator token was written to {dir}/operator.token (keep it secret)")
    } else {
        format!("operator token: {dir}/operator.token")
    };
    let host = if addr.ip().is_loopback() {
        format!("localhost:{}", addr.port())
    } else {
        addr.to_string()
    };
    eprintln!(
        "Jiayang gateway on https://{host} (gRPC + REST, TLS), data in {dir}\n  \
         {token_note}\n  \
         curl --cacert {ca} -H \"Authorization: Bearer $(cat {dir}/operator.token)\" https://{host}/v1/catalog/service-items\n  \
         grpcurl -cacert {ca} -H \"authorization: Bearer $(cat {dir}/operator.token)\" {host} jiayang.v1.CatalogService/ListServiceItems\n  \
         API docs: https://{host}/docs   health: /healthz /readyz   metrics: /metrics"
    );
}

/// JSON logs on stdout, one object per line; `RUST_LOG` filters (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .try_init();
}
