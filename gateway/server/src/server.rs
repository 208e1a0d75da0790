//! Starting the gateway: the data directory, keys, database, certificates and first
//! operator credential, then one TLS port serving the whole application until shutdown.

use std::{
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use jiayang_domain::{Error, Gateway, Seniors, participants, webhooks};
use jiayang_store::{
    Store,
    checkpoints::{self, Checkpoint},
    crypto::{self, Keys},
    files::{create_private_dir, make_private, write_private},
    pki::{self, TlsFiles},
};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::{
    app,
    connections::{Connections, Limits},
    layers::PeerCertificate,
    settings, tls,
    webhook::HttpTransport,
};
/// The most a request head (line and headers) may hold, on either HTTP version: 431 above.
const HEADER_LIMIT: usize = 32 * 1024;
const HTTP2_MAX_FRAME: u32 = 64 * 1024;
/// How often an idle HTTP/2 connection is pinged, and how long the answer may take.
const HTTP2_KEEP_ALIVE: (Duration, Duration) = (Duration::from_secs(30), Duration::from_secs(20));
/// How long open connections get to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot prepare the data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error(transparent)]
    Keys(#[from] crypto::CryptoError),
    #[error(transparent)]
    Certificates(#[from] pki::PkiError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot open the database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("cannot make the operator: {0}")]
    Operator(#[from] Error),
    #[error("cannot reseal the registrations an older gateway wrote: {0}")]
    Reseal(Error),
    #[error(
        "the master key is not the one this database was sealed with: restore keys/master.key or \
         JIAYANG_MASTER_KEY"
    )]
    WrongMasterKey,
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("the configuration file is unusable: {0}")]
    Settings(String),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// `None`: SQLite in the data directory.
    pub database_url: Option<String>,
    /// The configuration file; `None`: `jiayang.toml` in the data directory, if there.
    pub settings: Option<PathBuf>,
    /// Development: webhooks over plain http and to this machine, whatever the file says.
    pub allow_insecure_webhooks: bool,
}

/// A gateway ready to serve.
pub struct Prepared {
    pub gateway: Gateway,
    pub tls: Arc<rustls::ServerConfig>,
    pub tls_files: TlsFiles,
    pub database_url: String,
    /// Set when this start issued the first operator token (written to `DIR/operator.token`).
    pub new_operator_token: Option<String>,
    /// How webhooks are sent (`serve` starts their dispatcher).
    pub webhooks: settings::Webhooks,
    /// Where signed checkpoints of the audit chain are appended, and how often.
    pub checkpoints: PathBuf,
    pub checkpoint_every: Duration,
    pub connections: settings::Connections,
}

pub fn sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("jiayang.db").display()
    )
}

/// Makes whatever the data directory lacks and opens the database (running migrations).
pub async fn prepare(config: &Config) -> Result<Prepared, ServeError> {
    let data_dir_error = |e| ServeError::DataDir(config.data_dir.clone(), e);
    create_private_dir(&config.data_dir).map_err(data_dir_error)?;
    let settings = match &config.settings {
        Some(path) => settings::load(path, true),
        None => settings::load(&settings::default_path(&config.data_dir), false),
    }
    .map_err(ServeError::Settings)?;
    let mut webhooks = settings.webhooks;
    webhooks.allow_insecure |= config.allow_insecure_webhooks;
    let keys = Keys::load_or_create(&config.data_dir)?;
    let database_url = config
        .database_url
        .clone()
        .unwrap_or_else(|| sqlite_url(&config.data_dir));
    // An older gateway, or a copy, may have left them readable by others.
    let loosened = make_private(&config.data_dir).map_err(data_dir_error)?;
    if !loosened.is_empty() {
        tracing::warn!(
            files = ?loosened,
            "the data directory or database files were readable by others: made private"
        );
    }
    let store = Store::open(&database_url).await?;
    // A new database's files, made by SQLite under the process's umask.
    make_private(&config.data_dir).map_err(data_dir_error)?;
    if !crypto::check_master_key(&store, &keys).await? {
        return Err(ServeError::WrongMasterKey);
    }
    let tls_files = TlsFiles::in_dir(&config.data_dir);
    create_private_dir(tls_files.ca_cert.parent().expect("tls dir has a parent"))
        .map_err(data_dir_error)?;
    pki::ensure_dev_certificates(&tls_files)?;
    let tls = tls::server_config(&tls_files)?;
    let new_operator_token = ensure_operator(&store, &config.data_dir).await?;
    let mut gateway = Gateway::new(store, keys, tls_files.clone());
    let resealed = Seniors::reseal_legacy(&gateway)
        .await
        .map_err(ServeError::Reseal)?;
    if resealed > 0 {
        tracing::info!(resealed, "registrations resealed (M0013)");
    }
    gateway.thresholds = settings.verification;
    gateway.webhook_policy = webhooks.policy();
    Ok(Prepared {
        gateway,
        tls,
        tls_files,
        database_url,
        new_operator_token,
        webhooks,
        connections: settings.connections,
        checkpoints: checkpoints::file_in(&config.data_dir),
        checkpoint_every: settings.audit.checkpoint_every(),
    })
}

/// The operator participant, and its first token when it has none: written once to
/// `DIR/operator.token` (0600), stored only as a hash.
async fn ensure_operator(store: &Store, data_dir: &Path) -> Result<Option<String>, ServeError> {
    let token_file = data_dir.join("operator.token");
    let written = std::cell::Cell::new(false);
    let made = participants::ensure_operator(store, token_file.exists(), |token| {
        write_private(&token_file, format!("{token}\n").as_bytes())
            .map_err(|e| ServeError::DataDir(data_dir.into(), e))?;
        written.set(true);
        Ok(())
    })
    .await;
    if made.is_err() && written.get() {
        // The token's hash did not commit: the file would name a token that does not work.
        let _ = std::fs::remove_file(&token_file);
    }
    made
}

/// Whether an HTTP/1.1 request head is over the limit. hyper refuses a head that is still
/// incomplete when its buffer reaches the limit, but one that arrives whole in a large
/// read gets through; HTTP/2 counts the header list itself.
fn head_too_large<B>(request: &http::Request<B>) -> bool {
    if request.version() >= http::Version::HTTP_2 {
        return false;
    }
    let line = request.method().as_str().len()
        + request
            .uri()
            .path_and_query()
            .map_or(1, |p| p.as_str().len())
        + " HTTP/1.1\r\n".len();
    let fields: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + ": \r\n".len())
        .sum();
    line + fields > HEADER_LIMIT
}

/// hyper's own answer to an oversized head: 431, no body, and the connection closed.
fn head_too_large_answer() -> http::Response<axum::body::Body> {
    http::Response::builder()
        .status(http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        .header(http::header::CONNECTION, "close")
        .body(axum::body::Body::empty())
        .expect("a fixed response")
}

/// Binds the port.
pub async fn bind(listen: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(listen)
        .await
        .map_err(|e| ServeError::Listen(listen, e))
}

/// Serves TLS connections (HTTP/2 and HTTP/1.1, ALPN) and delivers webhooks until
/// `shutdown` resolves, then stops accepting and gives open connections time to finish.
pub async fn serve(listener: TcpListener, prepared: Prepared, shutdown: impl Future<Output = ()>) {
    let feed = prepared.gateway.feed.clone();
    match HttpTransport::new(prepared.webhooks.policy(), prepared.webhooks.timeout()) {
        Ok(transport) => webhooks::start(
            prepared.gateway.clone(),
            transport,
            prepared.webhooks.dispatch(),
        ),
        Err(error) => tracing::error!(%error, "webhooks cannot be sent: no HTTP client"),
    }
    let checkpointing = (
        prepared.gateway.store.clone(),
        prepared.gateway.keys.clone(),
        prepared.checkpoints.clone(),
    );
    let checkpointed = tokio::spawn(checkpoint_every(
        checkpointing.clone(),
        prepared.checkpoint_every,
    ));
    let app = app::router(prepared.gateway);
    let acceptor = TlsAcceptor::from(prepared.tls);
    let settings = prepared.connections;
    let connections = admission(&settings);
    let first_request = settings.first_request_timeout();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout())
        .max_buf_size(HEADER_LIMIT);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(settings.max_streams)
        .max_header_list_size(HEADER_LIMIT as u32)
        // Frames this large let a header block well over the limit arrive in a few
        // frames, so it is answered 431 instead of ending the connection as a flood.
        .max_frame_size(HTTP2_MAX_FRAME)
        .keep_alive_interval(HTTP2_KEEP_ALIVE.0)
        .keep_alive_timeout(HTTP2_KEEP_ALIVE.1);
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(error = %error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(mut admitted) = connections.admit(peer.ip()) else {
            // Every connection is busy: this one is closed at once, not left queued.
            metrics::counter!("jiayang_connections_refused_total").increment(1);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let activity = admitted.activity.clone();
            let work = async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                // A verified client certificate names its participant on every request of
                // this connection; authentication looks it up each time.
                let peer = tls
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|chain| chain.first())
                    .map(|leaf| PeerCertificate(tls::fingerprint(leaf)));
                let service = tower::service_fn(move |request: http::Request<Incoming>| {
                    let too_large = head_too_large(&request);
                    let (mut request, exchange) = activity.begin(request);
                    if let Some(peer) = &peer {
                        request.extensions_mut().insert(peer.clone());
                    }
                    let app = app.clone();
                    async move {
                        let response = if too_large {
                            head_too_large_answer()
                        } else {
                            app.oneshot(request).await?
                        };
                        Ok::<_, Infallible>(exchange.finish(response))
                    }
                });
                let connection = builder.serve_connection_with_upgrades(
                    TokioIo::new(tls),
                    TowerToHyperService::new(service),
                );
                let _ = watcher.watch(connection.into_owned()).await;
            };
            tokio::select! {
                () = work => {}
                _ = admitted.dismissed(first_request) => {}
            }
        });
    }
    drop(listener);
    // Connections between requests, or still in their handshake or head, have nothing to
    // finish: they go now, and the drain waits only for requests in flight.
    let busy = connections.dismiss_idle();
    tracing::info!(busy, "draining connections");
    // Long-polls answer and event streams end, so they do not hold the drain open.
    feed.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain time-out; closing them");
    }
    // The last entries of this run are covered before it ends, and the file's last
    // checkpoint is published if it was not yet.
    checkpointed.abort();
    let unpublished = checkpoints::read(&checkpointing.2)
        .ok()
        .and_then(|mut signed| signed.pop());
    checkpoint(
        &checkpointing,
        Signed {
            last: None,
            unpublished,
        },
    )
    .await;
}

type Checkpointing = (Store, Keys, PathBuf);

/// What the periodic checkpoint remembers: the sequence number signed last (read from
/// the file when unknown), and a checkpoint not published yet (tried again each time).
#[derive(Default)]
struct Signed {
    last: Option<i64>,
    unpublished: Option<Checkpoint>,
}

/// Signs the audit chain's head to the checkpoint file when it has grown past what was
/// signed last, and publishes it to the participants (a duplicate is ignored).
async fn checkpoint((store, keys, path): &Checkpointing, mut signed: Signed) -> Signed {
    match checkpoints::write(store, keys, path, signed.last).await {
        Ok(Some(written)) => {
            signed.last = Some(written.seq);
            signed.unpublished = Some(written);
        }
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(%error, "audit checkpoint not written");
            signed.last = None;
        }
    }
    if let Some(checkpoint) = signed.unpublished.take()
        && let Err(error) = jiayang_domain::checkpoints::publish(store, &checkpoint).await
    {
        tracing::warn!(%error, "audit checkpoint not published; tried again next time");
        signed.unpublished = Some(checkpoint);
    }
    signed
}

/// A checkpoint every `every`, the first one `every` after the start (the last run
/// signed its end as it stopped).
async fn checkpoint_every(checkpointing: Checkpointing, every: Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut signed = Signed::default();
    loop {
        ticks.tick().await;
        signed = checkpoint(&checkpointing, signed).await;
    }
}

/// The connection cap, within what the process's descriptors allow.
fn admission(settings: &settings::Connections) -> Connections {
    let wanted = settings.limits();
    let (limits, descriptors) = Limits::within_descriptor_limit(wanted);
    if limits.total < wanted.total {
        tracing::warn!(
            wanted = wanted.total,
            max_connections = limits.total,
            descriptors,
            "the descriptor limit lowers the connection cap"
        );
    }
    Connections::new(limits)
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(version: http::Version, size: usize) -> http::Request<()> {
        http::Request::get("/healthz")
            .version(version)
            .header("x-big", "x".repeat(size))
            .body(())
            .unwrap()
    }

    #[test]
    fn an_http1_head_over_the_limit_is_refused_however_it_arrived() {
        assert!(head_too_large(&with_header(http::Version::HTTP_11, 40_000)));
        assert!(head_too_large(&with_header(
            http::Version::HTTP_11,
            HEADER_LIMIT
        )));
        assert!(!head_too_large(&with_header(
            http::Version::HTTP_11,
            30_000
        )));
        // HTTP/2 counts its header list in the protocol (max_header_list_size).
        assert!(!head_too_large(&with_header(http::Version::HTTP_2, 40_000)));
    }
}
