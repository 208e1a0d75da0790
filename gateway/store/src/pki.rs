//! The gateway's certificates: a development CA and server certificate made into the
//! data directory on first start (reused after), and the client certificates the CA
//! issues to participants. The server's rustls configuration reads these files.
//!
//! Production deployments put their own `server.pem` / `server-key.pem` (and `ca.pem`)
//! into `DIR/tls/`; the gateway only creates files that are missing.

use std::{fs, io, path::Path};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use sha2::{Digest, Sha256};

use crate::files::{write_atomically, write_private};

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("cannot read or write TLS files: {0}")]
    Io(#[from] io::Error),
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

/// Paths of the TLS files in the data directory.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca_cert: std::path::PathBuf,
    pub ca_key: std::path::PathBuf,
    pub server_cert: std::path::PathBuf,
    pub server_key: std::path::PathBuf,
}

impl TlsFiles {
    pub fn in_dir(data_dir: &Path) -> Self {
        let dir = data_dir.join("tls");
        Self {
            ca_cert: dir.join("ca.pem"),
            ca_key: dir.join("ca-key.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
        }
    }
}

/// Makes the development CA and the server certificate for localhost, 127.0.0.1 and ::1
/// when they are missing. Returns whether anything was made.
pub fn ensure_dev_certificates(files: &TlsFiles) -> Result<bool, PkiError> {
    if files.server_cert.exists() && files.server_key.exists() {
        return Ok(false);
    }
    let ca_key = if files.ca_key.exists() {
        KeyPair::from_pem(&fs::read_to_string(&files.ca_key)?)?
    } else {
        let key = KeyPair::generate()?;
        write_private(&files.ca_key, key.serialize_pem().as_bytes())?;
        key
    };
    let issuer = if files.ca_cert.exists() {
        Issuer::from_ca_cert_pem(&fs::read_to_string(&files.ca_cert)?, &ca_key)?
    } else {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.distinguished_name = name("Jiayang development CA");
        params.not_after = rcgen::date_time_ymd(2036, 1, 1);
        let cert = params.self_signed(&ca_key)?;
        write_atomically(&files.ca_cert, cert.pem().as_bytes())?;
        Issuer::new(params, &ca_key)
    };
    let server_key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])?;
    params.distinguished_name = name("Jiayang gateway (development)");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_after = rcgen::date_time_ymd(2031, 1, 1);
    let cert = params.signed_by(&server_key, &issuer)?;
    write_atomically(&files.server_cert, cert.pem().as_bytes())?;
    write_private(&files.server_key, server_key.serialize_pem().as_bytes())?;
    Ok(true)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "Jiayang");
    name
}

/// A client certificate issued by the gateway's CA.
#[derive(Debug)]
pub struct IssuedCertificate {
    pub certificate_pem: String,
    pub key_pem: String,
    /// SHA-256 of the certificate's DER, hex: how the gateway knows it.
    pub fingerprint: String,
}

/// The URI in a participant certificate's subject alternative names.
pub fn participant_uri(participant: &str) -> String {
    format!("urn:jiayang:participant:{participant}")
}

/// Issues a client certificate for `participant` from the CA in the data directory: the
/// participant id is the common name and a `urn:jiayang:participant:ID` URI.
pub fn issue_client_certificate(
    files: &TlsFiles,
    participant: &str,
) -> Result<IssuedCertificate, PkiError> {
    let ca_key = KeyPair::from_pem(&fs::read_to_string(&files.ca_key)?)?;
    let issuer = Issuer::from_ca_cert_pem(&fs::read_to_string(&files.ca_cert)?, &ca_key)?;
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = name(participant);
    params.subject_alt_names = vec![SanType::URI(
        participant_uri(participant)
            .try_into()
            .map_err(|e: rcgen::Error| PkiError::Generate(e))?,
    )];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.not_after = rcgen::date_time_ymd(2031, 1, 1);
    let cert = params.signed_by(&key, &issuer)?;
    Ok(IssuedCertificate {
        fingerprint: fingerprint(cert.der()),
        certificate_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// SHA-256 of a certificate's DER, lower-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
