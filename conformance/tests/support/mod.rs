//! A real gateway in this process (SQLite, a fresh data directory) with the two
//! participants a server run acts as, and the options that point the suite at it.
#![allow(dead_code)]

pub mod mutants;
pub mod receiver;

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use jiayang_conformance::server::{Credentials, Options};
use jiayang_domain::{
    ParticipantKind,
    participants::{self, NewParticipant},
};
use jiayang_gateway::{self as gateway, Config};
use tokio::{sync::oneshot, task::JoinHandle};
use tokio_rustls::rustls;

pub const HOLDER: &str = "bj-elder-portal";
pub const GRANTEE: &str = "hk-daojia";

pub struct Gateway {
    pub addr: SocketAddr,
    pub ca_pem: Vec<u8>,
    pub ca_path: PathBuf,
    /// The gateway's own TLS settings, which a proxy in front of it presents too.
    pub tls: Arc<rustls::ServerConfig>,
    pub holder_token: String,
    pub grantee_token: String,
    stop: Option<oneshot::Sender<()>>,
    done: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Gateway {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: None,
            settings: None,
            allow_insecure_webhooks: false,
        };
        let prepared = gateway::prepare(&config).await.unwrap();
        let mut tokens = Vec::new();
        for (id, kind) in [
            (HOLDER, ParticipantKind::ElderCarePortal),
            (GRANTEE, ParticipantKind::HousekeepingPlatform),
        ] {
            let credentials = participants::add(
                &prepared.gateway.store,
                &prepared.tls_files,
                &NewParticipant {
                    id: id.into(),
                    kind,
                    name: id.into(),
                    uscc: None,
                    native_format: None,
                },
            )
            .await
            .unwrap();
            tokens.push(credentials.token);
        }
        let ca_path = prepared.tls_files.ca_cert.clone();
        let ca_pem = std::fs::read(&ca_path).unwrap();
        let tls = prepared.tls.clone();
        let listener = gateway::bind(config.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(gateway::serve(listener, prepared, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            ca_pem,
            ca_path,
            tls,
            grantee_token: tokens.pop().unwrap(),
            holder_token: tokens.pop().unwrap(),
            stop: Some(stop),
            done: Some(done),
            _dir: dir,
        }
    }

    /// The suite's options for a server at `addr` (the gateway, or a proxy before it).
    pub fn options(&self, addr: SocketAddr) -> Options {
        Options {
            url: format!("https://localhost:{}", addr.port()),
            ca_pem: self.ca_pem.clone(),
            ca_path: Some(self.ca_path.clone()),
            participant: HOLDER.into(),
            credentials: Credentials::Token(self.holder_token.clone()),
            grantee: Some((
                GRANTEE.into(),
                Credentials::Token(self.grantee_token.clone()),
            )),
        }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), done).await;
        }
    }
}
