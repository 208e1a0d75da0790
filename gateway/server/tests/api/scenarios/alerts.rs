//! Alerts as DESIGN §4.5 hands them out: the submitting platform and the holder whose
//! grant it served read an alert on the record; another platform and an elder-care
//! participant without the senior see nothing; regulators (with a purpose) read all and
//! acknowledge and resolve at a version; the operator reads all. REST and gRPC, filters,
//! and reads in the senior's access history.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{
    GetRequest, ListAlertsRequest, alert::Status, alert_service_client::AlertServiceClient,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::{bearer, call, grant_from, ids, keys, listing_with_nurse};
use crate::{
    both,
    common::{TestApp, fixture, send, senior},
};

async fn alerts_reach_whom_they_concern(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let hk2 = app
        .participant("hk-58daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let institution = app
        .participant("cy-yanglaoyuan", ParticipantKind::ElderCareInstitution)
        .await;
    let regulator = app.participant("bj-mca", ParticipantKind::Regulator).await;
    let operator = app.operator_token.clone();
    let portal = app.token.clone();
    let (_, registered) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    let senior_id = registered["id"].as_str().unwrap().to_owned();
    grant_from(
        app,
        &portal,
        &senior_id,
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC"],
    )
    .await;
    let provider_id = listing_with_nurse(app, &hk).await;
    // A certificate no worker of the provider holds: stored, with an alert.
    let mut record = fixture("service-record", "design-example.json");
    record["senior"] = json!({ "seniorId": senior_id });
    record["provider"] = json!({ "providerId": provider_id });
    record["worker"]["certificateNo"] = "BJSM-2026-999999".into();
    let (status, stored) = call(
        app,
        &hk,
        Method::POST,
        "/v1/service-records",
        None,
        Some(&record),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    let raised: Vec<&Value> = stored["verification"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let uncertified = raised
        .iter()
        .find(|a| a["rule"] == "WORKER_UNCERTIFIED")
        .unwrap_or_else(|| panic!("{stored}"));
    let id = uncertified["alertId"].as_str().unwrap().to_owned();
    let path = format!("/v1/alerts/{id}");

    let (status, alert) = call(app, &hk, Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{alert}");
    assert_eq!(
        keys(&alert),
        [
            "createdAt",
            "history",
            "id",
            "message",
            "provider",
            "record",
            "rule",
            "senior",
            "severity",
            "status",
            "updatedAt",
            "version"
        ]
    );
    assert_eq!(
        (
            &alert["record"],
            &alert["senior"],
            &alert["provider"],
            &alert["status"],
            &alert["severity"],
            &alert["version"]
        ),
        (
            &stored["id"],
            &json!(senior_id),
            &json!(provider_id),
            &json!("OPEN"),
            &json!("HIGH"),
            &json!(1)
        )
    );
    assert!(alert["message"]["zh"].is_string() && alert["message"]["en"].is_string());
    let all: Vec<String> = raised
        .iter()
        .map(|a| a["alertId"].as_str().unwrap().to_owned())
        .collect();
    let sees = |token: String, purpose: Option<&'static str>| async move {
        let (status, page) = call(app, &token, Method::GET, "/v1/alerts", purpose, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let mut seen = ids(&page, "alerts");
        seen.sort();
        seen
    };
    let mut expected = all.clone();
    expected.sort();
    for (token, purpose, visible) in [
        (hk.clone(), None, true),
        // The holder whose grant the record was written under.
        (portal.clone(), None, true),
        (hk2.clone(), None, false),
        (institution.clone(), None, false),
        (regulator.clone(), Some("SUBSIDY_ADMINISTRATION"), true),
        (operator.clone(), None, true),
    ] {
        let seen = sees(token.clone(), purpose).await;
        assert_eq!(seen, if visible { expected.clone() } else { vec![] });
        let (status, _) = call(app, &token, Method::GET, &path, purpose, None).await;
        let status_wanted = if visible {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, status_wanted);
    }
    let (status, _) = call(app, &regulator, Method::GET, "/v1/alerts", None, None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a regulator declares its purpose"
    );

    // Filters.
    let filtered = |query: &'static str| {
        let regulator = regulator.clone();
        async move {
            call(
                app,
                &regulator,
                Method::GET,
                &format!("/v1/alerts?{query}"),
                Some("SUBSIDY_ADMINISTRATION"),
                None,
            )
            .await
        }
    };
    let (_, page) = filtered("rule=WORKER_UNCERTIFIED").await;
    assert_eq!(ids(&page, "alerts"), std::slice::from_ref(&id));
    let (_, page) = filtered("rule=DUPLICATE").await;
    assert_eq!(page["alerts"], json!([]));
    let (status, problem) = filtered("rule=BOGUS").await;
    assert_eq!(
        (status, &problem["violations"][0]["path"]),
        (StatusCode::BAD_REQUEST, &json!("/rule"))
    );
    let (_, page) = filtered("district=110105000000&status=OPEN").await;
    assert_eq!(ids(&page, "alerts").len(), all.len());
    let (_, page) = filtered("district=110101000000").await;
    assert_eq!(page["alerts"], json!([]));
    let (status, _) = call(
        app,
        &operator,
        Method::GET,
        "/v1/alerts?district=110105000000",
        None,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the operator sees no senior's district"
    );

    // Only a regulator handles an alert, at its version.
    let acknowledge = format!("{path}:acknowledge");
    let handle = |token: &str, path: &str, version: Option<i64>, note: Option<&str>| {
        let mut request = app
            .request_as(token, Method::POST, path)
            .header("x-jiayang-purpose", "SUBSIDY_ADMINISTRATION")
            .json(&json!({ "note": note }));
        if let Some(version) = version {
            request = request.header("if-match", format!("\"{version}\""));
        }
        send(request)
    };
    let (status, _) = handle(&hk, &acknowledge, Some(1), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = handle(&regulator, &acknowledge, None, None).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let (status, _) = handle(&regulator, &acknowledge, Some(7), None).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, acknowledged) =
        handle(&regulator, &acknowledge, Some(1), Some("已联系服务商核实")).await;
    assert_eq!(status, StatusCode::OK, "{acknowledged}");
    assert_eq!(
        (
            &acknowledged["status"],
            &acknowledged["version"],
            &acknowledged["note"]
        ),
        (
            &json!("ACKNOWLEDGED"),
            &json!(2),
            &json!("已联系服务商核实")
        )
    );
    assert_eq!(acknowledged["history"][1]["by"], "bj-mca");
    let (status, problem) = handle(&regulator, &acknowledge, Some(2), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["violations"][0]["rule"], "alert-transition");
    let (status, resolved) = handle(
        &regulator,
        &format!("{path}:resolve"),
        Some(2),
        Some("证书已补录"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(
        (&resolved["status"], &resolved["version"]),
        (&json!("RESOLVED"), &json!(3))
    );

    // The same over gRPC.
    let mut alerts = AlertServiceClient::new(app.channel().await);
    let read = alerts
        .get_alert(bearer(
            &regulator,
            "SUBSIDY_ADMINISTRATION",
            GetRequest { id: id.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (read.status(), read.version, read.history.len()),
        (Status::Resolved, 3, 3)
    );
    let listed = alerts
        .list_alerts(bearer(
            &hk,
            "SERVICE_DELIVERY",
            ListAlertsRequest {
                status: "RESOLVED".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.alerts.len(), 1);
    let refused = alerts
        .list_alerts(bearer(
            &hk2,
            "SERVICE_DELIVERY",
            ListAlertsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(refused.alerts.is_empty());

    // Reads of the alert are accesses to the senior's data.
    let (_, history) = call(
        app,
        &portal,
        Method::GET,
        &format!("/v1/seniors/{senior_id}/access-history?pageSize=200"),
        None,
        None,
    )
    .await;
    let alert_reads: Vec<(&str, &str)> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"].as_str().unwrap().contains("/v1/alerts"))
        .map(|a| {
            (
                a["participant"].as_str().unwrap(),
                a["decision"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        alert_reads.contains(&("hk-daojia", "ALLOW")),
        "{alert_reads:?}"
    );
    assert!(
        alert_reads.contains(&("hk-58daojia", "DENY")),
        "{alert_reads:?}"
    );
}
both!(alerts, alerts_reach_whom_they_concern);
