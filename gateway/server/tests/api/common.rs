//! `TestApp`: a real gateway on 127.0.0.1 with a fresh database, and clients for it.

use std::{net::SocketAddr, path::PathBuf};

use jiayang_domain::{
    ParticipantKind,
    participants::{self, NewParticipant},
};
use jiayang_gateway::{self as server, Config};
use jiayang_store::{Store, changes::CredentialChanges, pki::TlsFiles};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use tokio::sync::oneshot;

/// Runs a test body against both databases: `both!(name, body_fn)` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::sqlite().await;
                super::$body(&app).await;
                app.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::common::TestApp::postgres().await;
                super::$body(&app).await;
                app.stop().await;
            }
        }
    };
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The token of `PORTAL`, the participant most tests act as: it registers the
    /// seniors it then holds.
    pub token: String,
    /// The operator's token (it manages participants and sees no personal data).
    pub operator_token: String,
    pub ca_pem: Vec<u8>,
    pub data_dir: PathBuf,
    /// The database the gateway uses.
    pub database_url: String,
    pub client: reqwest::Client,
    /// The gateway's word of credential changes: whether it may remember credentials.
    pub credentials: CredentialChanges,
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
    drop_database: Option<(String, String)>,
}

/// The PostgreSQL server tests create their databases on. Required: PostgreSQL tests
/// never skip silently.
pub fn postgres_admin_url() -> String {
    std::env::var("JIAYANG_TEST_POSTGRES_URL").expect(
        "JIAYANG_TEST_POSTGRES_URL is not set: run the suite with ./scripts/test, or set it to a PostgreSQL \
         server (e.g. postgres://postgres@127.0.0.1:5432/test)",
    )
}

/// [`both!`] with a gateway whose `jiayang.toml` is `$settings`.
#[macro_export]
macro_rules! both_with {
    ($name:ident, $body:ident, $settings:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::sqlite_with(super::$settings).await;
                super::$body(&app).await;
                app.stop().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::common::TestApp::postgres_with(super::$settings).await;
                super::$body(&app).await;
                app.stop().await;
            }
        }
    };
}

impl TestApp {
    pub async fn sqlite() -> Self {
        Self::sqlite_with("").await
    }

    pub async fn postgres() -> Self {
        Self::postgres_with("").await
    }

    /// A gateway on SQLite whose configuration file holds `settings`.
    pub async fn sqlite_with(settings: &str) -> Self {
        Self::start(None, None, settings).await
    }

    /// A gateway on a fresh PostgreSQL database whose configuration file holds `settings`.
    pub async fn postgres_with(settings: &str) -> Self {
        Self::postgres_at(None, settings).await
    }

    /// A gateway on a fresh PostgreSQL database that it reaches through `127.0.0.1:port`
    /// (a proxy the test controls).
    pub async fn postgres_through(port: u16) -> Self {
        Self::postgres_at(Some(port), "").await
    }

    async fn postgres_at(through: Option<u16>, settings: &str) -> Self {
        let admin_url = postgres_admin_url();
        let admin = Database::connect(&admin_url)
            .await
            .expect("PostgreSQL reachable at JIAYANG_TEST_POSTGRES_URL");
        let name = format!(
            "jiayang_test_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("a database URL ends in /dbname");
        let base = match through {
            // postgres://user@host:port → postgres://user@127.0.0.1:{through}
            Some(port) => {
                let (user, _) = base.rsplit_once('@').expect("a user in the URL");
                format!("{user}@127.0.0.1:{port}")
            }
            None => base.to_owned(),
        };
        Self::start(
            Some(format!("{base}/{name}")),
            Some((admin_url, name)),
            settings,
        )
        .await
    }

    async fn start(
        database_url: Option<String>,
        drop_database: Option<(String, String)>,
        settings: &str,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // A periodic checkpoint would put an event of its own into the feeds tests read
        // exactly (the one signed at shutdown comes after the test).
        let settings = if settings.contains("[audit]") {
            settings.to_owned()
        } else {
            format!("[audit]\ncheckpoint_every_seconds = 86400\n{settings}")
        };
        std::fs::write(dir.path().join("jiayang.toml"), settings).unwrap();
        let config = Config {
            data_dir: dir.path().to_owned(),
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url,
            settings: None,
            allow_insecure_webhooks: false,
        };
        let prepared = server::prepare(&config).await.expect("gateway prepares");
        let operator_token = prepared
            .new_operator_token
            .clone()
            .expect("a fresh gateway issues an operator token");
        let token = add_participant(
            &prepared.gateway.store,
            &prepared.tls_files,
            PORTAL,
            ParticipantKind::ElderCarePortal,
        )
        .await;
        let database_url = prepared.database_url.clone();
        let credentials = prepared.gateway.store.credentials.clone();
        let ca_pem = std::fs::read(&prepared.tls_files.ca_cert).unwrap();
        let listener = server::bind(config.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(server::serve(listener, prepared, async {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
            .build()
            .unwrap();
        Self {
            addr,
            token,
            operator_token,
            ca_pem,
            data_dir: dir.path().to_owned(),
            database_url,
            client,
            credentials,
            _dir: dir,
            stop: Some(stop),
            done: Some(done),
            drop_database,
        }
    }

    /// Stops the gateway and drops its PostgreSQL database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
        if let Some((admin_url, name)) = self.drop_database.take()
            && let Ok(admin) = Database::connect(&admin_url).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    /// A request as `PORTAL`.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.request_as(&self.token, method, path)
    }

    /// A request with another participant's token.
    pub fn request_as(&self, token: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// Registers a participant (as `jiayang participant add` does) and returns its token.
    pub async fn participant(&self, id: &str, kind: ParticipantKind) -> String {
        let store = Store::open(&self.database_url).await.unwrap();
        let token = add_participant(&store, &TlsFiles::in_dir(&self.data_dir), id, kind).await;
        store.db.close().await.unwrap();
        token
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        send(self.request(Method::POST, path).json(body)).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.request(Method::GET, path)).await
    }

    pub async fn put(&self, path: &str, version: i64, body: &Value) -> (StatusCode, Value) {
        send(
            self.request(Method::PUT, path)
                .header("if-match", format!("\"{version}\""))
                .json(body),
        )
        .await
    }

    /// A gRPC channel over TLS, trusting the gateway's CA.
    pub async fn channel(&self) -> tonic::transport::Channel {
        let tls = tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(&self.ca_pem))
            .domain_name("localhost");
        tonic::transport::Channel::from_shared(self.url(""))
            .unwrap()
            .tls_config(tls)
            .unwrap()
            .connect()
            .await
            .expect("gRPC connects")
    }
}

/// The participant a `TestApp`'s `token` belongs to.
/// A test that fails before `stop` still drops its PostgreSQL database, so failed runs
/// do not pile databases up on the server.
impl Drop for TestApp {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.drop_database.take() else {
            return;
        };
        // Drop runs outside async code's reach: a thread of its own with a runtime of its
        // own; FORCE ends the gateway's connections, which are still open.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
    }
}

pub const PORTAL: &str = "bj-elder-portal";

/// A gRPC request with `token`'s bearer credentials.
pub fn authorized<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// A gRPC request as `PORTAL`.
pub fn authed<T>(app: &TestApp, message: T) -> tonic::Request<T> {
    authorized(&app.token, message)
}

/// A proto message from its canonical JSON.
pub fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

async fn add_participant(store: &Store, tls: &TlsFiles, id: &str, kind: ParticipantKind) -> String {
    participants::add(
        store,
        tls,
        &NewParticipant {
            id: id.into(),
            kind,
            name: id.into(),
            uscc: None,
            native_format: None,
        },
    )
    .await
    .unwrap()
    .token
}

pub async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// A problem document's type without its base: `version-mismatch`, `precondition-required`.
pub fn problem_type(problem: &Value) -> &str {
    problem["type"]
        .as_str()
        .and_then(|t| t.strip_prefix("https://schemas.jiayang.local/problems/"))
        .unwrap_or_else(|| panic!("a problem type: {problem}"))
}

/// An update at a version that is not `current`: 412 `version-mismatch` naming the
/// current version in `currentVersion` and the ETag.
pub async fn assert_stale(app: &TestApp, path: &str, body: &Value, sent: i64, current: i64) {
    let stale = app
        .request(Method::PUT, path)
        .header("if-match", format!("\"{sent}\""))
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.headers()["etag"], format!("\"{current}\"").as_str());
    let problem: Value = stale.json().await.unwrap();
    assert_eq!(problem_type(&problem), "version-mismatch");
    assert_eq!(problem["currentVersion"], current);
}

/// What an update at `path` of `created` (at version 1) to `changed` must do: without
/// If-Match 428 `precondition-required`; at a stale version 412 (and neither refusal
/// changes anything); at the current version 200 with version 2 and its ETag, after which
/// version 1 is stale. The updated resource.
pub async fn assert_versioned_update(
    app: &TestApp,
    path: &str,
    created: &Value,
    changed: &Value,
) -> Value {
    let (status, problem) = send(app.request(Method::PUT, path).json(changed)).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{problem}");
    assert_eq!(problem_type(&problem), "precondition-required");
    assert_stale(app, path, changed, 7, 1).await;
    let (_, fetched) = app.get(path).await;
    assert_eq!(&fetched, created, "neither refusal changed it");

    let response = app
        .request(Method::PUT, path)
        .header("if-match", "\"1\"")
        .json(changed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["version"], 2);
    assert_stale(app, path, changed, 1, 2).await;
    updated
}

/// A fixture document from `schemas/fixtures/<kind>/valid/<name>`.
pub fn fixture(kind: &str, name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas/fixtures")
        .join(kind)
        .join("valid")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The check character of an ID number's first 17 digits (GB 11643).
pub fn id_number(first17: &str) -> String {
    let check = jiayang_schemas::id_card_check_digit(first17.as_bytes()).unwrap();
    format!("{first17}{}", char::from(check))
}

/// A valid senior numbered `n`: its own ID number (a woman born 1940-01-01 + n days mod
/// the month), the portal's external id `LNR-n`, living in `division`.
pub fn senior(n: u32, division: &str) -> Value {
    senior_of("bj-elder-portal", n, division)
}

/// [`senior`] as `holder` registers it: with its own external id `LNR-n`.
pub fn senior_of(holder: &str, n: u32, division: &str) -> Value {
    let day = 1 + n % 28;
    // An even sequence digit: female, matching the gender below.
    let first17 = format!("110105194001{day:02}{:02}{}", n % 100, (n % 5) * 2);
    let mut senior = fixture("senior", "design-example.json");
    senior["externalIds"] =
        serde_json::json!([{"participant": holder, "id": format!("LNR-{n:06}")}]);
    senior["birthDate"] = format!("1940-01-{day:02}").into();
    senior["identityDocument"]["number"] = id_number(&first17).into();
    senior["address"]["divisionCode"] = division.into();
    senior
}

/// A senior numbered `n` (see [`senior`]), registered by `PORTAL`, which holds it; its id.
pub async fn held_senior(app: &TestApp, n: u32) -> String {
    let (status, created) = app.post("/v1/seniors", &senior(n, "110105013000")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// The consent fixture (a grant to `hk-daojia`) for the senior `senior_id`.
pub fn consent(senior_id: &str) -> Value {
    let mut consent = fixture("consent", "design-example.json");
    consent["senior"] = serde_json::json!({ "seniorId": senior_id });
    consent
}

/// [`fixture`] with every external id made `owner`'s: a participant records only its own.
pub fn fixture_of(kind: &str, name: &str, owner: &str) -> Value {
    let mut document = fixture(kind, name);
    for id in document["externalIds"].as_array_mut().into_iter().flatten() {
        id["participant"] = owner.into();
    }
    document
}

/// A valid provider with credit code derived from `n`, serving `areas`, listed by `PORTAL`
/// with its own external id `Sn`.
pub fn provider(n: u32, areas: &[&str]) -> Value {
    provider_of(PORTAL, n, areas)
}

/// [`provider`] as `owner` lists it.
pub fn provider_of(owner: &str, n: u32, areas: &[&str]) -> Value {
    let first17 = format!("91110105MA{n:07}");
    let check = jiayang_schemas::uscc_check_character(first17.as_bytes()).unwrap();
    let mut provider = fixture("provider", "design-example.json");
    provider["uscc"] = format!("{first17}{}", char::from(check)).into();
    provider["externalIds"] = serde_json::json!([{"participant": owner, "id": format!("S{n}")}]);
    provider["serviceArea"] = serde_json::json!(areas);
    provider
}

/// Everything the database holds, as text or bytes, for checks that personal numbers
/// never reach it in clear: the SQLite files, or every row of every PostgreSQL table.
pub async fn database_contents(app: &TestApp) -> Vec<u8> {
    if app.database_url.starts_with("sqlite:") {
        let mut bytes = Vec::new();
        for name in ["jiayang.db", "jiayang.db-wal"] {
            if let Ok(file) = std::fs::read(app.data_dir.join(name)) {
                bytes.extend(file);
            }
        }
        return bytes;
    }
    let db = Database::connect(&app.database_url).await.unwrap();
    let tables = db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        ))
        .await
        .unwrap();
    let mut bytes = Vec::new();
    for row in tables {
        let table: String = row.try_get("", "tablename").unwrap();
        let dump = db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!(
                    "SELECT coalesce(string_agg(t::text, '\n'), '') AS dump FROM \"{table}\" t"
                ),
            ))
            .await
            .unwrap()
            .unwrap();
        let text: String = dump.try_get("", "dump").unwrap();
        bytes.extend(text.into_bytes());
    }
    bytes
}
