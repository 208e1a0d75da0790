//! Raw TLS connections to a served gateway, for tests that write requests byte by byte.

use std::{path::Path, sync::Arc};

use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, client::TlsStream, rustls};

/// A client trusting the gateway's CA in `data`, offering `alpn` (`http/1.1`, `h2`).
pub fn connector(data: &Path, alpn: &[u8]) -> TlsConnector {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(data.join("tls/ca.pem")).unwrap();
    roots
        .add(CertificateDer::from_pem_slice(&ca).unwrap())
        .unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    TlsConnector::from(Arc::new(config))
}

pub async fn connect(port: u16, connector: &TlsConnector) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    connector
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .unwrap()
}
