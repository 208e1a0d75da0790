//! Webhook mode against a receiver written as the README says: every MUST passes; each
//! flaw fails exactly the requirement it breaks; a receiver that is not there, or a
//! secret that is not one, is an error and not a report.

mod support;

use jiayang_conformance::{
    catalog::{self, Level},
    outcome::Verdict,
    webhook::{self, Options, WebhookError},
};
use support::receiver::{self, Flaw, SECRET};

fn options(url: String) -> Options {
    Options {
        url,
        secret: SECRET.into(),
        ca_pem: None,
        ca_path: None,
        participant: Some("hk-daojia".into()),
    }
}

#[tokio::test]
async fn a_receiver_written_as_the_readme_says_passes_every_must() {
    let url = receiver::start(Flaw::None).await;
    let results = webhook::run(&options(url), false).await.unwrap();
    assert!(results.passed, "{results:#?}");
    assert_eq!(
        results.summary.must.pass,
        catalog::of(jiayang_conformance::Mode::Webhook).count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_flaw_fails_exactly_the_requirement_it_breaks() {
    let mut wrong = Vec::new();
    let mut broken = Vec::new();
    for flaw in Flaw::ALL {
        let url = receiver::start(flaw).await;
        let results = webhook::run(&options(url), false).await.unwrap();
        let failed: Vec<&str> = results
            .requirements
            .iter()
            .filter(|r| r.level == Level::Must && r.verdict != Verdict::Pass)
            .map(|r| r.id.as_str())
            .collect();
        if failed != [flaw.breaks()] {
            wrong.push(format!(
                "{flaw:?}: failed {failed:?}, expected [{}]",
                flaw.breaks()
            ));
        }
        broken.push(flaw.breaks());
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let untested: Vec<&str> = catalog::of(jiayang_conformance::Mode::Webhook)
        .filter(|r| r.level == Level::Must && !broken.contains(&r.id.as_str()))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(untested, Vec::<&str>::new());
}

#[tokio::test]
async fn no_receiver_or_no_secret_is_an_error() {
    let error = webhook::run(&options("http://127.0.0.1:9/hook".into()), false)
        .await
        .unwrap_err();
    assert!(matches!(error, WebhookError::Unreachable { .. }), "{error}");
    let mut bad = options("http://127.0.0.1:9/hook".into());
    bad.secret = "not a secret!".into();
    let error = webhook::run(&bad, false).await.unwrap_err();
    assert!(matches!(error, WebhookError::Secret), "{error}");
}
