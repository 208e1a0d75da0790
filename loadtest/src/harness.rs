//! A real gateway on 127.0.0.1:0 in this process, with a fresh data directory (and, for
//! PostgreSQL, a fresh database), and the clients that reach it over TLS.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use jiayang_domain::{
    ParticipantKind,
    participants::{self, NewParticipant},
};
use jiayang_gateway::{self as server, Config as ServerConfig};
use sea_orm::{ConnectionTrait, Database};
use tokio::{sync::oneshot, task::JoinHandle};
use tokio_rustls::rustls;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

use crate::BoxError;

/// The participant the load is sent as.
pub const PORTAL: &str = "bj-elder-portal";

/// How long any one request may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Harness {
    pub addr: SocketAddr,
    /// The token of `PORTAL`, which registers the seeded seniors (so holds them) and
    /// records the services the scenarios send.
    pub token: String,
    /// The operator's token (it registers webhook endpoints).
    pub operator_token: String,
    pub ca_pem: Vec<u8>,
    /// The URL the gateway's database was opened with.
    pub database_url: String,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// The gateway's TLS settings, for serving the bare baseline the same way.
    pub tls: Arc<rustls::ServerConfig>,
    /// The gateway's data directory (master key, CA).
    pub data_dir: std::path::PathBuf,
    _dir: DataDir,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    done: Mutex<Option<JoinHandle<()>>>,
    scratch: Option<Scratch>,
}

impl Harness {
    /// Starts a gateway: SQLite in a temporary directory, or a fresh database on the
    /// PostgreSQL server `postgres_url` names.
    /// `data_dir` is kept after the run; a temporary directory is used when it is `None`.
    pub async fn start(
        postgres_url: Option<&str>,
        data_dir: Option<&Path>,
    ) -> Result<Self, BoxError> {
        let scratch = match postgres_url {
            Some(url) => Some(Scratch::create(url).await?),
            None => None,
        };
        let dir = DataDir::new(data_dir)?;
        let config = ServerConfig {
            data_dir: dir.path().to_owned(),
            listen: "127.0.0.1:0".parse()?,
            database_url: scratch.as_ref().map(|s| s.url.clone()),
            settings: None,
            // The webhook scenario's receiver listens on loopback.
            allow_insecure_webhooks: true,
        };
        let prepared = server::prepare(&config).await?;
        let token = participants::add(
            &prepared.gateway.store,
            &prepared.tls_files,
            &NewParticipant {
                id: PORTAL.into(),
                kind: ParticipantKind::ElderCarePortal,
                name: "北京养老服务网".into(),
                uscc: None,
                native_format: None,
            },
        )
        .await?
        .token;
        let operator_token = prepared.new_operator_token.clone().unwrap_or_default();
        let ca_pem = std::fs::read(&prepared.tls_files.ca_cert)?;
        let tls = prepared.tls.clone();
        let database_url = prepared.database_url.clone();
        let listener = server::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(server::serve(listener, prepared, async {
            let _ = stopped.await;
        }));
        Ok(Self {
            addr,
            token,
            operator_token,
            ca_pem,
            database_url,
            database: if scratch.is_some() {
                "postgres"
            } else {
                "sqlite"
            },
            tls,
            data_dir: dir.path().to_owned(),
            _dir: dir,
            stop: Mutex::new(Some(stop)),
            done: Mutex::new(Some(done)),
            scratch,
        })
    }

    /// Stops the gateway in this process, keeping its data directory and database (for
    /// a gateway in a process of its own to serve them).
    pub async fn pause(&self) {
        let stop = self.stop.lock().expect("not poisoned").take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        let done = self.done.lock().expect("not poisoned").take();
        if let Some(done) = done {
            let _ = tokio::time::timeout(Duration::from_secs(40), done).await;
        }
    }

    /// Stops the gateway and drops a PostgreSQL scratch database.
    pub async fn stop(mut self) {
        self.pause().await;
        if let Some(scratch) = self.scratch.take() {
            scratch.drop_database().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    /// A REST client with a connection of its own (HTTP/2 by ALPN), trusting the dev CA;
    /// `localhost` is pinned to the gateway's loopback address.
    pub fn rest_client(&self) -> Result<reqwest::Client, BoxError> {
        tls_client(&self.ca_pem, self.addr)
    }

    /// A gRPC channel (one connection) over TLS to the gateway.
    pub async fn channel(&self) -> Result<Channel, BoxError> {
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca_pem))
            .domain_name("localhost");
        Ok(Channel::from_shared(format!("https://{}", self.addr))?
            .tls_config(tls)?
            .timeout(REQUEST_TIMEOUT)
            .connect()
            .await?)
    }

    /// The `authorization` metadata / header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// A REST client with a connection of its own, trusting `ca_pem`, that reaches
/// `https://localhost:…` at `addr`.
pub fn tls_client(ca_pem: &[u8], addr: SocketAddr) -> Result<reqwest::Client, BoxError> {
    Ok(reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem)?)
        .resolve("localhost", addr)
        .timeout(REQUEST_TIMEOUT)
        .build()?)
}

/// The gateway's data directory: temporary, or one the caller keeps.
enum DataDir {
    Temporary(tempfile::TempDir),
    Kept(PathBuf),
}

impl DataDir {
    fn new(kept: Option<&Path>) -> Result<Self, BoxError> {
        match kept {
            None => Ok(Self::Temporary(tempfile::tempdir()?)),
            Some(path) if path.join("operator.token").exists() => Err(format!(
                "{} already holds a gateway; give a fresh directory",
                path.display()
            )
            .into()),
            Some(path) => Ok(Self::Kept(path.to_owned())),
        }
    }

    fn path(&self) -> &Path {
        match self {
            Self::Temporary(dir) => dir.path(),
            Self::Kept(path) => path,
        }
    }
}

/// A database made for one run on a local PostgreSQL server, dropped at the end.
struct Scratch {
    admin_url: String,
    name: String,
    url: String,
}

impl Scratch {
    async fn create(admin_url: &str) -> Result<Self, BoxError> {
        require_loopback(admin_url)?;
        let name = format!(
            "jiayang_load_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
        );
        let admin = Database::connect(admin_url).await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        let (base, _) = admin_url
            .split('?')
            .next()
            .and_then(|u| u.rsplit_once('/'))
            .ok_or("a PostgreSQL URL ends in /dbname")?;
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    async fn drop_database(self) {
        if let Ok(admin) = Database::connect(&self.admin_url).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
        }
    }
}

/// Load goes to this machine only: the database host must be a loopback address.
pub fn require_loopback(url: &str) -> Result<(), BoxError> {
    let refuse = || format!("{url}: jiayang-load only talks to 127.0.0.1, ::1 or localhost");
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    if rest.contains("host=") {
        return Err(refuse().into());
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(refuse().into())
    }
}

#[cfg(test)]
mod tests {
    use super::require_loopback;

    #[test]
    fn only_loopback_databases_are_accepted() {
        for ok in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u:p@localhost/db",
            "postgresql://[::1]:5432/db",
        ] {
            assert!(require_loopback(ok).is_ok(), "{ok}");
        }
        for refused in [
            "postgres://postgres@10.0.0.5:5432/test",
            "postgres://db.example.com/x",
            "postgres://u@127.0.0.1/db?host=10.1.1.1",
        ] {
            assert!(require_loopback(refused).is_err(), "{refused}");
        }
    }
}
