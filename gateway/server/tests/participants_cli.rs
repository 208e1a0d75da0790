//! Participants as an operator onboards them: `jiayang participant add` while the gateway
//! runs, the issued certificate (mTLS) and token used as a new participant would, what
//! each kind may do, suspension and rotation taking effect at once (on a connection that
//! is already open too), and the registry listed.

mod support;

use std::path::{Path, PathBuf};

use jiayang_proto::v1::{
    ListProvidersRequest, ListSeniorsRequest, provider_service_client::ProviderServiceClient,
    senior_service_client::SeniorServiceClient,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::process::{client_for, jiayang, start, wait_ready};

fn participant(data: &Path, args: &[&str]) -> std::process::Output {
    let mut argv = vec!["participant"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
    jiayang(&argv, None)
}

fn add(data: &Path, id: &str, kind: &str) -> PathBuf {
    let output = participant(
        data,
        &[
            "add",
            "--id",
            id,
            "--kind",
            kind,
            "--name",
            &format!("{id} 测试"),
        ],
    );
    assert!(output.status.success(), "{output:?}");
    data.join("participants").join(id)
}

/// A client presenting the participant's certificate, and no token.
fn with_certificate(data: &Path, dir: &Path) -> reqwest::Client {
    let mut pem = std::fs::read(dir.join("cert.pem")).unwrap();
    pem.extend(std::fs::read(dir.join("key.pem")).unwrap());
    let ca = std::fs::read(data.join("tls/ca.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

fn token(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("token"))
        .unwrap()
        .trim()
        .to_owned()
}

async fn status(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_are_onboarded_scoped_suspended_and_rotated_while_the_gateway_runs() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let child = start(&data);
    let port = child.port;
    let plain = client_for(&data);
    wait_ready(&plain, port).await;
    let url = |path: &str| format!("https://localhost:{port}{path}");

    let hk = add(&data, "hk-daojia", "HOUSEKEEPING_PLATFORM");
    for secret in ["key.pem", "token"] {
        let mode = std::fs::metadata(hk.join(secret))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{secret}");
    }

    // The certificate alone authenticates; so does the token alone.
    let hk_cert = with_certificate(&data, &hk);
    let (code, _) = status(hk_cert.get(url("/v1/providers"))).await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = status(plain.get(url("/v1/providers")).bearer_auth(token(&hk))).await;
    assert_eq!(code, StatusCode::OK);
    // Neither: refused.
    let (code, _) = status(plain.get(url("/v1/providers"))).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    // Both, naming the same participant: accepted; naming two: refused, whichever is
    // valid on its own (a stolen token does not ride on another's certificate).
    let (code, _) = status(hk_cert.get(url("/v1/providers")).bearer_auth(token(&hk))).await;
    assert_eq!(code, StatusCode::OK);
    let station = add(&data, "cy-tjh-station", "COMMUNITY_STATION");
    let (code, problem) = status(
        hk_cert
            .get(url("/v1/providers"))
            .bearer_auth(token(&station)),
    )
    .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED, "{problem}");

    // Seniors' data needs a declared purpose (and then a grant).
    let (code, problem) = status(hk_cert.get(url("/v1/seniors"))).await;
    assert_eq!(code, StatusCode::FORBIDDEN, "{problem}");
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("permission-denied")
    );
    let (code, _) = status(
        hk_cert
            .post(url("/v1/seniors:lookup"))
            .json(&json!({"identityNumber": "110105194403080027"})),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);

    // Its own listings it creates and changes; another participant's it may not.
    let listing: Value = serde_json::from_str(include_str!(
        "../../../schemas/fixtures/provider/valid/design-example.json"
    ))
    .unwrap();
    let (code, created) = status(hk_cert.post(url("/v1/providers")).json(&listing)).await;
    assert_eq!(code, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let station = add(&data, "st-tuanjiehu", "COMMUNITY_STATION");
    let put = |client: &reqwest::Client, bearer: Option<String>, version: i64| {
        let request = client
            .put(url(&format!("/v1/providers/{id}")))
            .header("if-match", format!("\"{version}\""))
            .json(&listing);
        match bearer {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    };
    let (code, _) = status(put(&plain, Some(token(&station)), 1)).await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, updated) = status(put(&hk_cert, None, 1)).await;
    assert_eq!(code, StatusCode::OK, "{updated}");
    let regulator = add(&data, "bj-mca", "REGULATOR");
    let (code, _) = status(
        plain
            .post(url("/v1/providers"))
            .bearer_auth(token(&regulator))
            .json(&listing),
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);

    // gRPC, with the certificate: listings yes, seniors no.
    let identity = tonic::transport::Identity::from_pem(
        std::fs::read(hk.join("cert.pem")).unwrap(),
        std::fs::read(hk.join("key.pem")).unwrap(),
    );
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(
            std::fs::read(data.join("tls/ca.pem")).unwrap(),
        ))
        .identity(identity)
        .domain_name("localhost");
    let channel = tonic::transport::Channel::from_shared(url(""))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let listed = ProviderServiceClient::new(channel.clone())
        .list_providers(ListProvidersRequest::default())
        .await
        .unwrap();
    assert_eq!(listed.get_ref().providers.len(), 1);
    let refused = SeniorServiceClient::new(channel.clone())
        .list_seniors(ListSeniorsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);

    // Suspension stops the open connections at their next request.
    let output = participant(&data, &["suspend", "--id", "hk-daojia"]);
    assert!(output.status.success(), "{output:?}");
    let (code, _) = status(hk_cert.get(url("/v1/providers"))).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let refused = ProviderServiceClient::new(channel.clone())
        .list_providers(ListProvidersRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    assert!(
        participant(&data, &["resume", "--id", "hk-daojia"])
            .status
            .success()
    );
    let (code, _) = status(hk_cert.get(url("/v1/providers"))).await;
    assert_eq!(code, StatusCode::OK);

    // Rotation: the old certificate and token are refused, the new ones work.
    let old_token = token(&hk);
    assert!(
        participant(&data, &["rotate", "--id", "hk-daojia"])
            .status
            .success()
    );
    let (code, _) = status(hk_cert.get(url("/v1/providers"))).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _) = status(plain.get(url("/v1/providers")).bearer_auth(old_token)).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _) = status(with_certificate(&data, &hk).get(url("/v1/providers"))).await;
    assert_eq!(code, StatusCode::OK);
    let (code, _) = status(plain.get(url("/v1/providers")).bearer_auth(token(&hk))).await;
    assert_eq!(code, StatusCode::OK);

    // The operator: rotating it replaces `operator.token`, where it is read from; it
    // cannot be suspended, from the command line either.
    let operator_file = data.join("operator.token");
    let old_operator = std::fs::read_to_string(&operator_file).unwrap();
    let rotated = participant(&data, &["rotate", "--id", "operator"]);
    assert!(rotated.status.success(), "{rotated:?}");
    let new_operator = std::fs::read_to_string(&operator_file).unwrap();
    assert_ne!(new_operator, old_operator);
    let mode = std::fs::metadata(&operator_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let (code, _) = status(
        plain
            .get(url("/v1/participants"))
            .bearer_auth(old_operator.trim()),
    )
    .await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let (code, _) = status(
        plain
            .get(url("/v1/participants"))
            .bearer_auth(new_operator.trim()),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert!(!data.join("participants/operator/token").exists());
    let suspended = participant(&data, &["suspend", "--id", "operator"]);
    assert!(!suspended.status.success(), "{suspended:?}");
    assert!(
        String::from_utf8_lossy(&suspended.stderr).contains("cannot suspend itself"),
        "{suspended:?}"
    );

    let listed = participant(&data, &["list"]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains("hk-daojia\tHOUSEKEEPING_PLATFORM\tACTIVE"),
        "{listed}"
    );
    assert!(listed.contains("operator\tOPERATOR\tACTIVE"), "{listed}");

    // The registry refuses what it cannot hold.
    for args in [
        ["add", "--id", "hk-daojia", "--kind", "REGULATOR"],
        ["add", "--id", "Bad_Id", "--kind", "REGULATOR"],
        ["add", "--id", "second-operator", "--kind", "OPERATOR"],
    ] {
        let mut args = args.to_vec();
        args.extend(["--name", "x"]);
        let output = participant(&data, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
    child.stop();

    // Every refusal and registry change above is in the audit log, whose chain holds;
    // an edited entry breaks it.
    let verify = || {
        jiayang(
            &["audit", "verify", "--data-dir", data.to_str().unwrap()],
            None,
        )
    };
    let honest = verify();
    assert_eq!(honest.status.code(), Some(0), "{honest:?}");
    let said = String::from_utf8_lossy(&honest.stdout).into_owned();
    assert!(
        said.starts_with("audit log intact") && said.contains("signed checkpoints hold"),
        "the gateway signed a checkpoint as it stopped: {said}"
    );
    let checkpoints = data.join("audit/checkpoints.jsonl");
    let mode = std::fs::metadata(&checkpoints)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let db = sea_orm::Database::connect(format!("sqlite://{}", data.join("jiayang.db").display()))
        .await
        .unwrap();
    let sql = |statement: String| {
        let db = db.clone();
        async move {
            sea_orm::ConnectionTrait::execute_unprepared(&db, &statement)
                .await
                .unwrap();
        }
    };

    // A database administrator removes the last three entries and moves the head back:
    // the chain itself is consistent, but the signed checkpoint names an entry that is
    // gone. (A copy is put back afterwards, for the next attack.)
    std::fs::copy(data.join("jiayang.db"), dir.path().join("before.db")).unwrap();
    let last: i64 = said
        .rsplit("entry ")
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let kept = last - 3;
    sql(format!("DELETE FROM audit_log WHERE seq > {kept}")).await;
    sql(format!(
        "UPDATE audit_head SET seq = {kept}, hash = (SELECT hash FROM audit_log WHERE seq = {kept})"
    ))
    .await;
    let rewritten = verify();
    assert_eq!(rewritten.status.code(), Some(1), "{rewritten:?}");
    let said = String::from_utf8_lossy(&rewritten.stdout);
    assert!(
        said.starts_with(&format!("audit log broken at entry {last}")) && said.contains("gone"),
        "{said}"
    );
    // Nor can the checkpoint file be edited to match: its signature no longer holds.
    let text = std::fs::read_to_string(&checkpoints).unwrap();
    let forged = text.replace(&format!("\"seq\":{last},"), &format!("\"seq\":{kept},"));
    assert_ne!(forged, text);
    std::fs::write(&checkpoints, forged).unwrap();
    let rewritten = verify();
    assert_eq!(rewritten.status.code(), Some(1), "{rewritten:?}");
    assert!(
        String::from_utf8_lossy(&rewritten.stdout).contains("signature does not hold"),
        "{rewritten:?}"
    );
    std::fs::write(&checkpoints, text).unwrap();
    db.close().await.unwrap();
    std::fs::copy(dir.path().join("before.db"), data.join("jiayang.db")).unwrap();
    let _ = std::fs::remove_file(data.join("jiayang.db-wal"));
    let _ = std::fs::remove_file(data.join("jiayang.db-shm"));
    let restored = verify();
    assert_eq!(restored.status.code(), Some(0), "{restored:?}");

    let db = sea_orm::Database::connect(format!("sqlite://{}", data.join("jiayang.db").display()))
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        "UPDATE audit_log SET participant = 'nobody' WHERE seq = 1",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let tampered = verify();
    assert_eq!(tampered.status.code(), Some(1), "{tampered:?}");
    assert!(
        String::from_utf8_lossy(&tampered.stdout).starts_with("audit log broken at entry 1"),
        "{tampered:?}"
    );
}

/// A conformance run of `jiayang conformance data` for `participant` on one of the
/// adapters' golden files: the path of its `results.json`.
fn conformance_report(dir: &Path, participant: &str, golden: &str) -> PathBuf {
    let out = dir.join(format!("report-{participant}-{}", golden.replace('/', "-")));
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../adapters/tests/golden")
        .join(golden);
    let run = jiayang(
        &[
            "conformance",
            "data",
            "--format",
            golden.split('/').next().unwrap(),
            "--kind",
            golden.split('/').nth(1).unwrap(),
            "--participant",
            participant,
            "--quiet",
            "--report-dir",
            out.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(run.status.code().is_some_and(|c| c < 2), "{run:?}");
    out.join("results.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certification_records_a_passing_report_and_refuses_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let child = start(&data);
    let port = child.port;
    let plain = client_for(&data);
    wait_ready(&plain, port).await;
    add(&data, "hk-daojia", "HOUSEKEEPING_PLATFORM");

    let good = conformance_report(
        dir.path(),
        "hk-daojia",
        "housekeeping-app/service-record/spec-example/native.json",
    );
    let refusals = [
        // Made for someone else.
        (
            conformance_report(
                dir.path(),
                "hk-other",
                "housekeeping-app/service-record/spec-example/native.json",
            ),
            "/participant",
        ),
        // A MUST failed.
        (
            conformance_report(
                dir.path(),
                "hk-daojia",
                "elder-portal/senior/broken/native.json",
            ),
            "/requirements/0/verdict",
        ),
    ];
    for (report, path) in &refusals {
        let out = participant(
            &data,
            &[
                "certify",
                "--id",
                "hk-daojia",
                "--report",
                report.to_str().unwrap(),
            ],
        );
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(
            said.contains(path) && said.contains("certification-report"),
            "{said}"
        );
    }
    // Too old: the same passing report, dated four months back.
    let mut old: Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    old["finishedAt"] = "2026-08-01T00:00:00Z".into();
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, old.to_string()).unwrap();
    let out = participant(
        &data,
        &[
            "certify",
            "--id",
            "hk-daojia",
            "--report",
            old_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/finishedAt"));

    let listed = participant(&data, &["list"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .contains("hk-daojia\tHOUSEKEEPING_PLATFORM\tACTIVE\thk-daojia 测试\tnot certified")
    );

    let out = participant(
        &data,
        &[
            "certify",
            "--id",
            "hk-daojia",
            "--report",
            good.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let listed = participant(&data, &["list"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("hk-daojia 测试\tcertified: data"),
        "{listed:?}"
    );

    // The API shows the same, with the report's hash.
    let operator = std::fs::read_to_string(data.join("operator.token")).unwrap();
    let (status, body) = status(
        plain
            .get(format!("https://localhost:{port}/v1/participants"))
            .bearer_auth(operator.trim()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let hk = body["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "hk-daojia")
        .unwrap();
    let sha = {
        use std::fmt::Write;
        let digest = <sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&good).unwrap());
        digest.iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    };
    assert_eq!(hk["conformance"][0]["mode"], "data");
    assert_eq!(hk["conformance"][0]["reportSha256"], sha);
    child.stop();
}

/// Every participant receives the audit chain's signed checkpoints in its feed and can
/// check one with the published key alone; what it kept proves a later rewrite of the
/// database even when the gateway's own checkpoint file was taken away too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participants_hold_signed_checkpoints_that_prove_a_rewrite() {
    use base64::{Engine as _, engine::general_purpose::STANDARD};
    use ring::signature::{ED25519, UnparsedPublicKey};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let child = start(&data);
    let port = child.port;
    let plain = client_for(&data);
    wait_ready(&plain, port).await;
    let url = |path: &str| format!("https://localhost:{port}{path}");
    // A housekeeping platform: no grants, no one's data.
    let hk = token(&add(&data, "hk-daojia", "HOUSEKEEPING_PLATFORM"));
    add(&data, "cy-station", "COMMUNITY_STATION");

    let signed = jiayang(
        &["audit", "checkpoint", "--data-dir", data.to_str().unwrap()],
        None,
    );
    assert!(signed.status.success(), "{signed:?}");
    // Announced by another process: the gateway's sequencer sees it at its next tick.
    let (code, feed) = status(
        plain
            .get(url("/v1/events?limit=1000&waitSeconds=20"))
            .bearer_auth(&hk),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{feed}");
    let announced: Vec<&Value> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "audit_checkpoint.signed")
        .collect();
    assert_eq!(announced.len(), 1, "{feed}");
    assert_eq!(announced[0]["resource"]["kind"], "audit_checkpoint");
    let seq = announced[0]["resource"]["id"].as_str().unwrap();
    let (code, checkpoint) = status(
        plain
            .get(url(&format!("/v1/audit/checkpoints/{seq}")))
            .bearer_auth(&hk),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{checkpoint}");
    assert_eq!(checkpoint["seq"].to_string(), seq);

    // Checked as the API reference says, with the published key alone.
    let message = format!(
        "jiayang audit checkpoint v1\n{}\n{}\n{}",
        checkpoint["seq"],
        checkpoint["hash"].as_str().unwrap(),
        checkpoint["at"]
    );
    assert_eq!(checkpoint["message"], message.as_str());
    assert_eq!(checkpoint["algorithm"], "Ed25519");
    let key = STANDARD
        .decode(checkpoint["publicKey"].as_str().unwrap())
        .unwrap();
    let signature = STANDARD
        .decode(checkpoint["signature"].as_str().unwrap())
        .unwrap();
    let public = UnparsedPublicKey::new(&ED25519, &key);
    assert!(public.verify(message.as_bytes(), &signature).is_ok());
    assert!(
        public
            .verify(message.replace("v1\n", "v1\n9").as_bytes(), &signature)
            .is_err()
    );
    let (code, _) = status(
        plain
            .get(url("/v1/audit/checkpoints/999999"))
            .bearer_auth(&hk),
    )
    .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let kept = dir.path().join("kept-by-hk-daojia.jsonl");
    std::fs::write(&kept, format!("{checkpoint}\n")).unwrap();
    child.stop();

    let verify = || {
        jiayang(
            &[
                "audit",
                "verify",
                "--data-dir",
                data.to_str().unwrap(),
                "--checkpoints",
                kept.to_str().unwrap(),
            ],
            None,
        )
    };
    let honest = verify();
    assert_eq!(honest.status.code(), Some(0), "{honest:?}");
    let nothing_kept = jiayang(
        &[
            "audit",
            "verify",
            "--data-dir",
            data.to_str().unwrap(),
            "--checkpoints",
            dir.path().join("none.jsonl").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        nothing_kept.status.code(),
        Some(2),
        "nothing to check against is not intact: {nothing_kept:?}"
    );

    // Whoever runs the database removes the tail up to the kept checkpoint, moves the
    // head back and takes the gateway's own checkpoint file away.
    let db = sea_orm::Database::connect(format!("sqlite://{}", data.join("jiayang.db").display()))
        .await
        .unwrap();
    let kept_seq: i64 = seq.parse().unwrap();
    assert!(kept_seq > 1, "each participant added is an entry");
    let back = 1;
    for statement in [
        format!("DELETE FROM audit_log WHERE seq > {back}"),
        format!(
            "UPDATE audit_head SET seq = {back}, hash = (SELECT hash FROM audit_log WHERE seq = {back})"
        ),
        "DELETE FROM audit_checkpoints".to_owned(),
    ] {
        sea_orm::ConnectionTrait::execute_unprepared(&db, &statement)
            .await
            .unwrap();
    }
    db.close().await.unwrap();
    std::fs::remove_file(data.join("audit/checkpoints.jsonl")).unwrap();
    let own = jiayang(
        &["audit", "verify", "--data-dir", data.to_str().unwrap()],
        None,
    );
    assert_eq!(
        own.status.code(),
        Some(0),
        "alone, the database looks intact: {own:?}"
    );
    let rewritten = verify();
    assert_eq!(rewritten.status.code(), Some(1), "{rewritten:?}");
    let said = String::from_utf8_lossy(&rewritten.stdout);
    assert!(
        said.starts_with(&format!("audit log broken at entry {kept_seq}")) && said.contains("gone"),
        "{said}"
    );
}
