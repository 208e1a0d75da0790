//! One senior, two holders: the portal and a community station register the same person.
//! Each holds its own registration (document, version, external ids) under the one
//! senior id and sees only its own; a grantee gets one holder's registration, cut to
//! that holder's grants and named in `holder`, never fields of the other's; consents
//! are per holder; service records attach to the person and reach the holders whose
//! basis they were written under; the access history lists every access to the person.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{GetRequest, senior_service_client::SeniorServiceClient};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::{bearer, call, grant_from, listing_with_nurse};
use crate::{
    both,
    common::{PORTAL, TestApp, authorized, fixture, senior, senior_of},
};

const STATION: &str = "cy-tjh-station";

/// The station's registration of the portal's senior 1: same identity document, its own
/// phone, address and external id.
fn station_registration() -> Value {
    let mut document = senior_of(STATION, 1, "110105014000");
    document["phone"] = "13700137000".into();
    document["address"]["detail"] = "劲松北路8号".into();
    document
}

/// A document as the gateway answers it, without what the gateway sets.
fn as_sent(answer: &Value) -> Value {
    let mut document = answer.clone();
    for key in ["id", "version", "createdAt", "updatedAt", "holder"] {
        document.as_object_mut().unwrap().remove(key);
    }
    document
}

async fn two_holders_each_see_their_own_registration(app: &TestApp) {
    let station = app
        .participant(STATION, ParticipantKind::CommunityStation)
        .await;
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let portal = app.token.clone();

    let (status, by_portal) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    assert_eq!(status, StatusCode::CREATED, "{by_portal}");
    let id = by_portal["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/seniors/{id}");

    // The station registers the same person: 201, the same senior, its own registration
    // and nothing of the portal's.
    let mine = station_registration();
    let (status, by_station) = call(
        app,
        &station,
        Method::POST,
        "/v1/seniors",
        None,
        Some(&mine),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{by_station}");
    assert_eq!(by_station["id"], json!(id));
    assert_eq!(by_station["holder"], STATION);
    assert_eq!(by_station["version"], 1);
    assert_eq!(as_sent(&by_station), mine);
    // Again by the same holder: a duplicate, as for any participant's second registration.
    let (status, problem) = call(
        app,
        &station,
        Method::POST,
        "/v1/seniors",
        None,
        Some(&mine),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");

    // Each reads and changes its own.
    let (_, read) = call(app, &portal, Method::GET, &path, None, None).await;
    assert_eq!(
        (read["holder"].clone(), read["phone"].clone()),
        (json!(PORTAL), json!("13800138000"))
    );
    let mut changed = mine.clone();
    changed["phone"] = "13700137001".into();
    let (status, updated) = app_put(app, &station, &path, 1, &changed).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        (updated["version"].clone(), updated["phone"].clone()),
        (json!(2), json!("13700137001"))
    );
    let (_, read) = call(app, &portal, Method::GET, &path, None, None).await;
    assert_eq!(read, by_portal, "the portal's registration is untouched");
    let mut seniors = SeniorServiceClient::new(app.channel().await);
    let over_grpc = seniors
        .get_senior(authorized(&station, GetRequest { id: id.clone() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (over_grpc.holder.as_str(), over_grpc.phone.as_str()),
        (STATION, "13700137001")
    );
    // A stale version of its own registration is the station's conflict, not the portal's.
    let (status, _) = app_put(app, &station, &path, 1, &changed).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    for (token, holder) in [(&portal, PORTAL), (&station, STATION)] {
        let (_, page) = call(app, token, Method::GET, "/v1/seniors", None, None).await;
        let listed = page["seniors"].as_array().unwrap();
        assert_eq!(listed.len(), 1, "one person, listed once: {page}");
        assert_eq!(listed[0]["holder"], holder);
        assert_eq!(listed[0]["externalIds"][0]["participant"], holder);
    }

    // A grantee gets the registration of the holder whose grants give it most, and only
    // that holder's fields.
    let (status, _) = call(app, &hk, Method::GET, &path, Some("SERVICE_DELIVERY"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let from_portal = grant_from(
        app,
        &portal,
        &id,
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC", "CONTACT"],
    )
    .await;
    grant_from(
        app,
        &station,
        &id,
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC"],
    )
    .await;
    let (status, read) = call(app, &hk, Method::GET, &path, Some("SERVICE_DELIVERY"), None).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(read["holder"], PORTAL);
    assert_eq!(read["phone"], "13800138000");
    assert_eq!(read["address"]["detail"], by_portal["address"]["detail"]);
    let (_, page) = call(
        app,
        &hk,
        Method::GET,
        "/v1/seniors",
        Some("SERVICE_DELIVERY"),
        None,
    )
    .await;
    assert_eq!(
        page["seniors"],
        json!([read]),
        "the list releases what the read did"
    );
    // With the portal's grant withdrawn, the station's grant gives BASIC of the station's
    // registration: none of the portal's contact data, and none of the station's.
    let (status, _) = call(
        app,
        &portal,
        Method::POST,
        &format!("/v1/consents/{from_portal}:withdraw"),
        None,
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let response = app
        .request_as(&hk, Method::GET, &path)
        .header("x-jiayang-purpose", "SERVICE_DELIVERY")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-jiayang-withheld-categories"],
        "CONTACT,LOCATION,IDENTITY,HEALTH,FINANCIAL"
    );
    let read: Value = response.json().await.unwrap();
    assert_eq!(read["holder"], STATION);
    assert_eq!(read["address"], json!({"divisionCode": "110105014000"}));
    assert!(
        read.get("phone").is_none() && read.get("externalIds").is_none(),
        "{read}"
    );
    let over_grpc = seniors
        .get_senior(bearer(
            &hk,
            "SERVICE_DELIVERY",
            GetRequest { id: id.clone() },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (over_grpc.holder.as_str(), over_grpc.phone.as_str()),
        (STATION, "")
    );

    // Consents are each holder's: the station lists only its own, the grantee both.
    let consents = format!("{path}/consents");
    let (_, listed) = call(app, &station, Method::GET, &consents, None, None).await;
    let captured: Vec<&Value> = listed["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["capturedBy"])
        .collect();
    assert_eq!(captured, [STATION]);
    let (_, listed) = call(app, &hk, Method::GET, &consents, None, None).await;
    assert_eq!(listed["consents"].as_array().unwrap().len(), 2);
    let (status, _) = call(
        app,
        &station,
        Method::GET,
        &format!("/v1/consents/{from_portal}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another holder's consent is not the station's to see"
    );
    let (status, _) = call(
        app,
        &station,
        Method::POST,
        &format!("/v1/consents/{from_portal}:withdraw"),
        None,
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Service records attach to the person; each reaches the holders whose basis it was
    // written under (the platform's now rests on the station's grant).
    let provider_id = listing_with_nurse(app, &hk).await;
    let mut record = fixture("service-record", "design-example.json");
    record["senior"] = json!({"identityNumber": mine["identityDocument"]["number"]});
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
    record["externalIds"] = json!([{"participant": PORTAL, "id": "V-1"}]);
    let (status, by_portal_record) = app.post("/v1/service-records", &record).await;
    assert_eq!(status, StatusCode::CREATED, "{by_portal_record}");
    for written in [&by_hk, &by_portal_record] {
        assert_eq!(written["senior"], json!({"seniorId": id}));
    }
    let record_path = |r: &Value| format!("/v1/service-records/{}", r["id"].as_str().unwrap());
    for (token, record, seen) in [
        (&station, &by_hk, true),
        (&station, &by_portal_record, false),
        (&portal, &by_hk, false),
        (&portal, &by_portal_record, true),
    ] {
        let (status, _) = call(
            app,
            token,
            Method::GET,
            &record_path(record),
            Some("SERVICE_DELIVERY"),
            None,
        )
        .await;
        let expected = if seen {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected, "{}", record_path(record));
    }

    // The access history lists every access to the person, whichever registration.
    let (status, history) = call(
        app,
        &station,
        Method::GET,
        &format!("{path}/access-history?pageSize=200"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let accessed_by: std::collections::BTreeSet<&str> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["participant"].as_str().unwrap())
        .collect();
    assert_eq!(
        accessed_by,
        [PORTAL, STATION, "hk-daojia"].into_iter().collect()
    );
}
both!(two_holders, two_holders_each_see_their_own_registration);

async fn app_put(
    app: &TestApp,
    token: &str,
    path: &str,
    version: i64,
    body: &Value,
) -> (StatusCode, Value) {
    crate::common::send(
        app.request_as(token, Method::PUT, path)
            .header("if-match", format!("\"{version}\""))
            .json(body),
    )
    .await
}
