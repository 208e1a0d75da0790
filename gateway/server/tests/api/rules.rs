//! Every gateway rule has a failing case, as every validator rule has a failing fixture
//! in `schemas/`: for each id in `jiayang_domain::rules::ALL`, a request the gateway
//! must refuse with a violation carrying that id — or, for a refusal no client can
//! observe, the test elsewhere that checks it.

use std::{collections::BTreeSet, path::Path};

use jiayang_domain::{ParticipantKind, rules};
use reqwest::{Method, RequestBuilder, StatusCode, header::HeaderValue};
use serde_json::{Value, json};

use crate::{
    both,
    common::{PORTAL, TestApp, consent, fixture_of, held_senior, provider, send, senior},
};

/// A request refused (HTTP 400) with a violation of `rule`.
struct Case {
    rule: &'static str,
    /// The request, given the app and a senior its portal holds (a grant to `hk-daojia`,
    /// registered, would be accepted).
    request: fn(&TestApp, &str) -> RequestBuilder,
}

const CASES: &[Case] = &[
    Case {
        rule: rules::EXTERNAL_ID_FOREIGN,
        request: |app, _| {
            let mut claiming = senior(70, "110105013000");
            claiming["externalIds"] = json!([{"participant": "hk-daojia", "id": "C-70"}]);
            app.request(Method::POST, "/v1/seniors").json(&claiming)
        },
    },
    Case {
        rule: rules::IDENTITY_FIXED,
        request: |app, held| {
            // Another person's identity document in the held senior's registration.
            app.request(Method::PUT, &format!("/v1/seniors/{held}"))
                .header("if-match", "\"1\"")
                .json(&senior(71, "110105013000"))
        },
    },
    Case {
        rule: rules::REFERENCE_UNRESOLVED,
        request: |app, _| {
            let mut record = fixture_of("service-record", "design-example.json", PORTAL);
            record["senior"] = json!({"seniorId": "sen_01JC8W9Q4M5V3X2K7T6N1R0B9A"});
            app.request(Method::POST, "/v1/service-records")
                .json(&record)
        },
    },
    Case {
        rule: rules::CONSENT_STATUS,
        request: |app, senior| {
            let mut withdrawn = consent(senior);
            withdrawn["status"] = "WITHDRAWN".into();
            app.request(Method::POST, "/v1/consents").json(&withdrawn)
        },
    },
    Case {
        rule: rules::LOOKUP_FORMAT,
        request: |app, _| {
            app.request(Method::POST, "/v1/seniors:lookup")
                .json(&json!({}))
        },
    },
    Case {
        rule: rules::BATCH_FORMAT,
        request: |app, _| {
            app.request(Method::POST, "/v1/seniors:batchCreate")
                .json(&json!([]))
        },
    },
    Case {
        rule: rules::IDEMPOTENCY_KEY_FORMAT,
        request: |app, _| create_provider(app, "a".repeat(256).parse().unwrap()),
    },
    Case {
        rule: rules::IF_MATCH_FORMAT,
        request: |app, _| {
            app.request(Method::PUT, "/v1/providers/prv_x")
                .header("if-match", "abc")
                .json(&provider(1, &["110105000000"]))
        },
    },
    Case {
        rule: rules::HEADER_FORMAT,
        request: |app, _| create_provider(app, HeaderValue::from_bytes(b"\xfe\xff").unwrap()),
    },
    Case {
        rule: rules::QUERY_FORMAT,
        request: |app, _| app.request(Method::GET, "/v1/providers?pageSize=abc"),
    },
    Case {
        rule: rules::PARTICIPANT_FORMAT,
        request: |app, _| {
            register(
                app,
                json!({"id": "a1", "kind": "REGULATOR", "name": "x", "colour": "red"}),
            )
        },
    },
    Case {
        rule: rules::PARTICIPANT_ID,
        request: |app, _| register(app, json!({"id": "X", "kind": "REGULATOR", "name": "x"})),
    },
    Case {
        rule: rules::PARTICIPANT_KIND,
        request: |app, _| {
            register(
                app,
                json!({"id": "bj-mca", "kind": "MINISTRY", "name": "x"}),
            )
        },
    },
    Case {
        rule: rules::WEBHOOK_URL,
        request: |app, _| {
            // Plain http to another machine: refused outside development, and in it.
            app.request_as(
                &app.operator_token,
                Method::PUT,
                "/v1/participants/hk-daojia/webhook",
            )
            .json(&json!({"url": "http://hooks.daojia.example/jiayang"}))
        },
    },
];

/// A valid provider created with `Idempotency-Key: key`.
fn create_provider(app: &TestApp, key: HeaderValue) -> RequestBuilder {
    app.request(Method::POST, "/v1/providers")
        .header("idempotency-key", key)
        .json(&provider(1, &["110105000000"]))
}

/// The operator registering `participant`.
fn register(app: &TestApp, participant: Value) -> RequestBuilder {
    app.request_as(&app.operator_token, Method::POST, "/v1/participants")
        .json(&participant)
}

/// Rules no client can see refused, each with the test that checks it instead: `(rule,
/// source file from the workspace root, test function)`.
const CHECKED_ELSEWHERE: &[(&str, &str, &str)] = &[
    (
        // The body breaks off with the connection, so the answer never reaches the sender.
        rules::BODY_UNREADABLE,
        "gateway/api/src/rest/extract.rs",
        "a_body_that_breaks_off_is_unreadable",
    ),
    (
        // Needs an alert raised and handled first.
        rules::ALERT_TRANSITION,
        "gateway/server/tests/api/scenarios/alerts.rs",
        "alerts_reach_whom_they_concern",
    ),
    (
        // Certification is the operator's, on the command line.
        rules::CERTIFICATION_REPORT,
        "gateway/server/tests/participants_cli.rs",
        "certification_records_a_passing_report_and_refuses_any_other",
    ),
];

#[test]
fn every_gateway_rule_has_a_failing_case() {
    let cased: BTreeSet<&str> = CASES.iter().map(|case| case.rule).collect();
    let elsewhere: BTreeSet<&str> = CHECKED_ELSEWHERE.iter().map(|(rule, ..)| *rule).collect();
    for (rule, file, test) in CHECKED_ELSEWHERE {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(file);
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(
            source.contains(&format!("fn {test}(")),
            "{rule}: no test {test} in {file}"
        );
    }
    assert!(
        cased.is_disjoint(&elsewhere),
        "a rule with a case here is not checked elsewhere"
    );
    let covered: BTreeSet<&str> = cased.union(&elsewhere).copied().collect();
    assert_eq!(
        covered,
        rules::ALL.iter().copied().collect(),
        "every gateway rule, and nothing else, has a failing case"
    );
}

async fn each_case_is_refused_with_its_rule(app: &TestApp) {
    app.participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let senior = held_senior(app, 1).await;
    for case in CASES {
        let (status, problem) = send((case.request)(app, &senior)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}: {problem}", case.rule);
        let violations = problem["violations"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: {problem}", case.rule));
        assert!(
            violations.iter().any(|v| v["rule"] == case.rule),
            "{}: {problem}",
            case.rule
        );
    }
}
both!(cases, each_case_is_refused_with_its_rule);
