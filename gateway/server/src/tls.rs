//! The rustls configuration of the one port, from the data directory's TLS files (made
//! by `jiayang_store::pki` when missing): HTTP/2 (gRPC and REST) and HTTP/1.1 (REST).

use std::sync::Arc;

use jiayang_store::pki::TlsFiles;
use rustls::{
    RootCertStore,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::WebPkiClientVerifier,
};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("a PEM file in the tls directory does not parse: {0}")]
    Pem(String),
    #[error("the TLS configuration is not usable: {0}")]
    Config(#[from] rustls::Error),
    #[error("the CA in the tls directory cannot verify client certificates: {0}")]
    ClientVerifier(#[from] rustls::server::VerifierBuilderError),
}

/// Client certificates from the gateway's CA are verified when offered; a client without
/// one authenticates with an API token instead.
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let pem = |e: rustls::pki_types::pem::Error| TlsError::Pem(e.to_string());
    let certs = CertificateDer::pem_file_iter(&files.server_cert)
        .map_err(pem)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem)?;
    let key = PrivateKeyDer::from_pem_file(&files.server_key).map_err(pem)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for ca in CertificateDer::pem_file_iter(&files.ca_cert).map_err(pem)? {
        roots.add(ca.map_err(pem)?)?;
    }
    let clients = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .allow_unauthenticated()
        .build()?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(clients)
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// SHA-256 of a certificate's DER: how the gateway knows a participant's certificate.
pub use jiayang_store::pki::fingerprint;
