//! Service records as each kind of participant sees them: the writer reads its own
//! whole; the senior's holder reads every record written under its basis (its own, its
//! grantees'), observations others wrote only under CARE_COORDINATION; others see none; regulators read all under their
//! statutory duty; the operator sees ids and status. REST and gRPC. Lists and searches
//! of seniors: `lists_and_searches.rs`.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{GetRequest, service_record_service_client::ServiceRecordServiceClient};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::reading::{bearer, call, grant, ids, keys, listing_with_nurse};
use crate::{
    both,
    common::{PORTAL, TestApp, fixture, senior},
};

async fn service_records_reach_whom_they_concern(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let other = app
        .participant("cy-yanglaoyuan", ParticipantKind::ElderCareInstitution)
        .await;
    let regulator = app.participant("bj-mca", ParticipantKind::Regulator).await;
    let operator = app.operator_token.clone();
    let (_, created) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    let senior_id = created["id"].as_str().unwrap().to_owned();
    grant(
        app,
        &senior_id,
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC", "CONTACT", "LOCATION"],
    )
    .await;
    let provider_id = listing_with_nurse(app, &hk).await;
    let mut record = fixture("service-record", "design-example.json");
    record["senior"] = json!({"seniorId": senior_id});
    record["provider"] = json!({"providerId": provider_id});
    let (status, by_hk) = call(
        app,
        &hk,
        Method::POST,
        "/v1/service-records",
        None,
        Some(&record),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{by_hk}");
    let by_hk = by_hk["id"].as_str().unwrap().to_owned();
    record["externalIds"] = json!([{"participant": PORTAL, "id": "V-1"}]);
    let (status, by_portal) = app.post("/v1/service-records", &record).await;
    assert_eq!(status, StatusCode::CREATED, "{by_portal}");
    let by_portal = by_portal["id"].as_str().unwrap().to_owned();
    let list = "/v1/service-records";

    // The housekeeping platform reads its own records, whole.
    let (_, page) = call(app, &hk, Method::GET, list, None, None).await;
    assert_eq!(ids(&page, "serviceRecords"), std::slice::from_ref(&by_hk));
    assert!(page["serviceRecords"][0]["observations"].is_array());
    let (status, _) = call(
        app,
        &hk,
        Method::GET,
        &format!("{list}/{by_portal}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The holder reads every record about its senior; observations others wrote only
    // under CARE_COORDINATION.
    let (_, page) = call(app, &app.token, Method::GET, list, None, None).await;
    assert_eq!(
        ids(&page, "serviceRecords"),
        [by_hk.clone(), by_portal.clone()]
    );
    assert!(
        page["serviceRecords"][0].get("observations").is_none(),
        "{page}"
    );
    assert!(page["serviceRecords"][0]["checkIn"].is_object());
    assert!(
        page["serviceRecords"][1]["observations"].is_array(),
        "its own record is whole"
    );
    assert_eq!(
        page["withheld"],
        json!([{"id": by_hk, "categories": ["HEALTH"]}])
    );
    let (_, page) = call(
        app,
        &app.token,
        Method::GET,
        list,
        Some("CARE_COORDINATION"),
        None,
    )
    .await;
    assert!(
        page["serviceRecords"][0]["observations"].is_array(),
        "{page}"
    );
    assert!(page.get("withheld").is_none());
    let response = app
        .request(Method::GET, &format!("{list}/{by_hk}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["x-jiayang-withheld-categories"],
        "HEALTH"
    );
    let mut grpc = ServiceRecordServiceClient::new(app.channel().await);
    let got = grpc
        .get_service_record(bearer(
            &app.token,
            "CARE_COORDINATION",
            GetRequest { id: by_hk.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.observations.len(), 1);
    let got = grpc
        .get_service_record(bearer(
            &app.token,
            "SERVICE_DELIVERY",
            GetRequest { id: by_hk.clone() },
        ))
        .await
        .unwrap();
    assert_eq!(
        got.metadata().get("x-jiayang-withheld-categories").unwrap(),
        "HEALTH"
    );
    assert!(got.into_inner().observations.is_empty());

    // An institution that neither wrote them nor holds the senior sees none of them.
    let (_, page) = call(
        app,
        &other,
        Method::GET,
        list,
        Some("CARE_COORDINATION"),
        None,
    )
    .await;
    assert_eq!(page, json!({"serviceRecords": []}));
    let lookup = json!({"externalId": {"participant": "hk-daojia", "id": "HK202611030001"}});
    let (status, _) = call(
        app,
        &other,
        Method::POST,
        "/v1/service-records:lookup",
        None,
        Some(&lookup),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, found) = call(
        app,
        &hk,
        Method::POST,
        "/v1/service-records:lookup",
        None,
        Some(&lookup),
    )
    .await;
    assert_eq!(
        (status, found["id"].as_str()),
        (StatusCode::OK, Some(by_hk.as_str()))
    );

    // A regulator reads all of them under its statutory duty; the operator ids and status.
    let (status, _) = call(app, &regulator, Method::GET, list, None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, page) = call(
        app,
        &regulator,
        Method::GET,
        list,
        Some("SUBSIDY_ADMINISTRATION"),
        None,
    )
    .await;
    let both_records = [by_hk.clone(), by_portal.clone()];
    assert_eq!(ids(&page, "serviceRecords"), both_records);
    assert!(page["serviceRecords"][0]["observations"].is_array());
    let (_, page) = call(app, &operator, Method::GET, list, None, None).await;
    // The loop below says nothing of an empty page.
    assert_eq!(ids(&page, "serviceRecords"), both_records);
    for item in page["serviceRecords"].as_array().unwrap() {
        assert_eq!(
            keys(item),
            [
                "createdAt",
                "id",
                "provider",
                "senior",
                "status",
                "submittedAt",
                "submittedBy",
                "updatedAt",
                "verification",
                "version"
            ],
            "{item}"
        );
    }
    let (status, _) = call(
        app,
        &operator,
        Method::GET,
        &format!("{list}?from=2026-11-01T00:00:00Z"),
        None,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the operator sees no visit times"
    );
    let (status, _) = call(app, &operator, Method::POST, list, None, Some(&record)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the operator records no services"
    );
}
both!(service_records, service_records_reach_whom_they_concern);
