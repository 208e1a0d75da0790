//! Server mode against this gateway (SQLite): every MUST passes; behind a proxy that
//! breaks one requirement, exactly that requirement fails; an unreachable server is an
//! error, not a report.

mod support;

use std::sync::Arc;

use jiayang_conformance::{
    outcome::Verdict,
    proxy::{Proxy, Upstream},
    report::Results,
    server::{self, ServerError},
};
use support::{
    Gateway,
    mutants::{Fault, Faulty},
};

fn failed_musts(results: &Results) -> Vec<&str> {
    results
        .requirements
        .iter()
        .filter(|r| {
            r.level == jiayang_conformance::catalog::Level::Must && r.verdict != Verdict::Pass
        })
        .map(|r| r.id.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn this_gateway_passes_every_must_and_the_reports_say_so() {
    let gateway = Gateway::start().await;
    let results = server::run(&gateway.options(gateway.addr), false)
        .await
        .unwrap();
    assert_eq!(failed_musts(&results), Vec::<&str>::new(), "{results:#?}");
    assert!(results.passed);
    assert_eq!(
        results.summary.must.pass,
        jiayang_conformance::catalog::of(jiayang_conformance::Mode::Server).count()
    );

    let dir = tempfile::tempdir().unwrap();
    results.write(dir.path()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    assert_eq!(manifest["suite"], "jiayang-conformance");
    assert_eq!(manifest["mode"], "server");
    assert_eq!(manifest["participant"], support::HOLDER);
    assert_eq!(manifest["inputs"][0]["sha256"].as_str().unwrap().len(), 64);
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(junit.contains("name=\"JY-SRV-IDEMP-01 "), "{junit}");
    assert!(junit.contains("failures=\"0\""));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("全部“必须”要求均已通过"));
    // No token and no registered person in any report.
    for file in ["results.json", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(
            !text.contains(&gateway.holder_token),
            "{file} holds a token"
        );
        assert!(
            !text.contains(&gateway.grantee_token),
            "{file} holds a token"
        );
        assert!(!text.contains("\"name\": \"王秀英\""), "{file}");
    }
    gateway.stop().await;
}

/// Every MUST of server mode has a fault that fails it, and only it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_fails_exactly_the_requirement_it_breaks() {
    let gateway = Gateway::start().await;
    let upstream = Upstream::new(gateway.addr, "localhost", &gateway.ca_pem).unwrap();
    let mut broken: Vec<&str> = Vec::new();
    let mut wrong = Vec::new();
    for fault in Fault::ALL {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy::start(
            listener,
            gateway.tls.clone(),
            upstream.clone(),
            Arc::new(Faulty::new(fault, &gateway.holder_token)),
        )
        .unwrap();
        let results = server::run(&gateway.options(proxy.addr), false)
            .await
            .unwrap();
        let failed = failed_musts(&results);
        if failed != [fault.breaks()] {
            wrong.push(format!(
                "{fault:?}: failed {failed:?}, expected [{}]",
                fault.breaks()
            ));
        }
        if fault == Fault::MetricsLeakNames {
            // The leak is shown, the leaked name is not.
            let text = serde_json::to_string(&results).unwrap();
            assert!(
                text.contains("# last registered: ***"),
                "the leak is in the evidence: {:#?}",
                results
                    .requirements
                    .iter()
                    .find(|r| r.id == "JY-SRV-OPS-01")
            );
        }
        broken.push(fault.breaks());
        proxy.stop().await;
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // And no MUST of the mode is left without a fault that fails it.
    let untested: Vec<&str> = jiayang_conformance::catalog::of(jiayang_conformance::Mode::Server)
        .filter(|r| r.level == jiayang_conformance::catalog::Level::Must)
        .map(|r| r.id.as_str())
        .filter(|id| !broken.contains(id))
        .collect();
    assert_eq!(untested, Vec::<&str>::new());
    gateway.stop().await;
}

/// A transparent proxy changes nothing the suite can see.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_transparent_proxy_every_must_still_passes() {
    let gateway = Gateway::start().await;
    let upstream = Upstream::new(gateway.addr, "localhost", &gateway.ca_pem).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = Proxy::start(
        listener,
        gateway.tls.clone(),
        upstream,
        Arc::new(jiayang_conformance::proxy::Transparent),
    )
    .unwrap();
    let results = server::run(&gateway.options(proxy.addr), false)
        .await
        .unwrap();
    assert_eq!(failed_musts(&results), Vec::<&str>::new(), "{results:#?}");
    proxy.stop().await;
    gateway.stop().await;
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_not_a_report() {
    // Port 9 (discard) has no listener here; the CA is any certificate at all.
    let options = server::Options {
        url: "https://localhost:9".into(),
        ca_pem: include_bytes!("support/ca.pem").to_vec(),
        ca_path: None,
        participant: support::HOLDER.into(),
        credentials: server::Credentials::Token("x".into()),
        grantee: None,
    };
    let error = server::run(&options, false).await.unwrap_err();
    assert!(matches!(error, ServerError::Connect(_)), "{error}");
}
