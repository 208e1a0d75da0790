//! Lists, searches and service records as each kind of participant sees them: only the
//! seniors a reader holds or has grants for (nothing about the others, not even how many
//! there are), minimised per item; regulators see BASIC without names; the operator sees
//! ids; observations reach the holder only under CARE_COORDINATION. REST and gRPC.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{
    GetRequest, ListSeniorsRequest, senior_service_client::SeniorServiceClient,
    service_record_service_client::ServiceRecordServiceClient,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both,
    common::{PORTAL, TestApp, fixture, provider, send, senior},
};

/// A request as `token`, declaring `purpose` when given.
async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    purpose: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = app.request_as(token, method, path);
    if let Some(purpose) = purpose {
        request = request.header("x-jiayang-purpose", purpose);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

fn ids(page: &Value, plural: &str) -> Vec<String> {
    page[plural]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

fn keys(item: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// The portal grants `grantee` `categories` of `senior` for `purposes`.
async fn grant(app: &TestApp, senior: &str, grantee: &str, purposes: &[&str], categories: &[&str]) {
    let mut consent = fixture("consent", "design-example.json");
    consent["senior"] = json!({"seniorId": senior});
    consent["grantee"] = grantee.into();
    consent["purposes"] = json!(purposes);
    consent["categories"] = json!(categories);
    consent["validFrom"] = "2026-01-01".into();
    consent["validUntil"] = "2099-12-31".into();
    let (status, body) = app.post("/v1/consents", &consent).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

fn bearer<T>(token: &str, purpose: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert("authorization", format!("Bearer {token}").parse().unwrap());
    metadata.insert("x-jiayang-purpose", purpose.parse().unwrap());
    request
}

async fn lists_and_searches_show_only_what_the_reader_may_see(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let station = app
        .participant("cy-tjh-station", ParticipantKind::CommunityStation)
        .await;
    let regulator = app.participant("bj-mca", ParticipantKind::Regulator).await;
    let operator = app.operator_token.clone();
    let hk_lists = |path: String| {
        let hk = &hk;
        async move { call(app, hk, Method::GET, &path, Some("SERVICE_DELIVERY"), None).await }
    };
    let mut seniors = Vec::new();
    for n in 1..=3 {
        let (status, created) = app.post("/v1/seniors", &senior(n, "110105013000")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        seniors.push(created["id"].as_str().unwrap().to_owned());
    }
    let (status, held) = call(
        app,
        &station,
        Method::POST,
        "/v1/seniors",
        None,
        Some(&senior(4, "110105013000")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{held}");
    let station_senior = held["id"].as_str().unwrap().to_owned();

    // Without a purpose a housekeeping platform is refused; with one and no grant it
    // sees an empty list, exactly as if there were no seniors at all.
    let (status, problem) = call(app, &hk, Method::GET, "/v1/seniors", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(
        problem.to_string().contains("x-jiayang-purpose"),
        "{problem}"
    );
    let (status, page) = hk_lists("/v1/seniors".to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page, json!({"seniors": []}));
    let lookup = json!({"identityNumber": senior(1, "110105013000")["identityDocument"]["number"]});
    let (status, _) = call(
        app,
        &hk,
        Method::POST,
        "/v1/seniors:lookup",
        Some("SERVICE_DELIVERY"),
        Some(&lookup),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a senior it may not see is not found"
    );

    // Grants on the second and third senior, for SERVICE_DELIVERY only.
    grant(
        app,
        &seniors[1],
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC", "CONTACT"],
    )
    .await;
    grant(
        app,
        &seniors[2],
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["BASIC"],
    )
    .await;
    let (_, page) = hk_lists("/v1/seniors".to_owned()).await;
    assert_eq!(ids(&page, "seniors"), seniors[1..]);
    assert_eq!(
        keys(&page["seniors"][0]),
        [
            "address",
            "birthDate",
            "createdAt",
            "gender",
            "guardians",
            "id",
            "livingSituation",
            "name",
            "phone",
            "status",
            "updatedAt",
            "version"
        ]
    );
    assert!(page["seniors"][1].get("phone").is_none());
    assert_eq!(
        page["withheld"],
        json!([
            {"id": seniors[1], "categories": ["LOCATION", "IDENTITY", "HEALTH", "FINANCIAL"]},
            {"id": seniors[2], "categories": ["CONTACT", "LOCATION", "IDENTITY", "HEALTH", "FINANCIAL"]},
        ])
    );
    // Pages hold only visible seniors, however small.
    let (_, first) = hk_lists("/v1/seniors?pageSize=1".to_owned()).await;
    assert_eq!(ids(&first, "seniors"), [seniors[1].clone()]);
    assert_eq!(
        first["withheld"].as_array().map(Vec::len),
        Some(1),
        "the look-ahead row is not released: {first}"
    );
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, second) = hk_lists(format!("/v1/seniors?pageSize=1&pageToken={token}")).await;
    assert_eq!(ids(&second, "seniors"), [seniors[2].clone()]);
    assert!(second.get("nextPageToken").is_none(), "{second}");
    // Another purpose, no grant: nothing.
    let (_, page) = call(
        app,
        &hk,
        Method::GET,
        "/v1/seniors",
        Some("EMERGENCY"),
        None,
    )
    .await;
    assert_eq!(page, json!({"seniors": []}));
    // Over gRPC, the same seniors and the same withheld categories.
    let mut grpc = SeniorServiceClient::new(app.channel().await);
    let listed = grpc
        .list_seniors(bearer(
            &hk,
            "SERVICE_DELIVERY",
            ListSeniorsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    let grpc_ids: Vec<&str> = listed.seniors.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(grpc_ids, seniors[1..]);
    assert!(listed.seniors[1].phone.is_empty());
    assert_eq!(
        listed.withheld[1].categories,
        ["CONTACT", "LOCATION", "IDENTITY", "HEALTH", "FINANCIAL"]
    );
    // A search finds a granted senior, minimised, and says what it left out; by ID
    // number only for a reader that may see the number (IDENTITY).
    let by_number =
        json!({"identityNumber": senior(2, "110105013000")["identityDocument"]["number"]});
    let (status, _) = call(
        app,
        &hk,
        Method::POST,
        "/v1/seniors:lookup",
        Some("SERVICE_DELIVERY"),
        Some(&by_number),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let by_external = json!({"externalId": {"participant": PORTAL, "id": "LNR-000002"}});
    let response = app
        .request_as(&hk, Method::POST, "/v1/seniors:lookup")
        .header("x-jiayang-purpose", "SERVICE_DELIVERY")
        .json(&by_external)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-jiayang-withheld-categories"],
        "LOCATION,IDENTITY,HEALTH,FINANCIAL"
    );
    let found: Value = response.json().await.unwrap();
    assert_eq!(found["id"], seniors[1].as_str());
    assert!(found.get("identityDocument").is_none());
    let (status, _) = call(
        app,
        &operator,
        Method::POST,
        "/v1/seniors:lookup",
        None,
        Some(&by_number),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the operator cannot map ID numbers to seniors"
    );

    // A filter by division or status lets through only seniors whose BASIC the reader
    // sees: a CONTACT-only grant says nothing of its senior's district.
    grant(
        app,
        &seniors[0],
        "hk-daojia",
        &["SERVICE_DELIVERY"],
        &["CONTACT"],
    )
    .await;
    let (_, page) = hk_lists("/v1/seniors".to_owned()).await;
    assert_eq!(ids(&page, "seniors"), seniors);
    let (_, page) = hk_lists("/v1/seniors?division=110105013000".to_owned()).await;
    assert_eq!(ids(&page, "seniors"), seniors[1..]);
    let (_, page) = hk_lists("/v1/seniors?status=ACTIVE".to_owned()).await;
    assert_eq!(ids(&page, "seniors"), seniors[1..]);
    let (status, _) = call(
        app,
        &operator,
        Method::GET,
        "/v1/seniors?division=110105013000",
        None,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the operator sees no districts"
    );

    // A native document's kind is judged as the handler reads it.
    let (status, _) = call(
        app,
        &hk,
        Method::POST,
        "/v1/native/elder-portal/%73enior",
        None,
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The station sees its own senior whole and nobody else's.
    let (_, page) = call(app, &station, Method::GET, "/v1/seniors", None, None).await;
    assert_eq!(ids(&page, "seniors"), std::slice::from_ref(&station_senior));
    assert!(page["seniors"][0]["identityDocument"].is_object());
    assert!(page.get("withheld").is_none());

    // A regulator: every senior, BASIC without the name, and a purpose is required.
    let (status, _) = call(app, &regulator, Method::GET, "/v1/seniors", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, page) = call(
        app,
        &regulator,
        Method::GET,
        "/v1/seniors",
        Some("SUBSIDY_ADMINISTRATION"),
        None,
    )
    .await;
    assert_eq!(ids(&page, "seniors").len(), 4);
    for item in page["seniors"].as_array().unwrap() {
        assert_eq!(
            keys(item),
            [
                "address",
                "birthDate",
                "createdAt",
                "gender",
                "id",
                "livingSituation",
                "status",
                "updatedAt",
                "version"
            ],
            "{item}"
        );
        assert_eq!(item["address"], json!({"divisionCode": "110105013000"}));
    }

    // The operator: ids, versions and times, for every senior; whether by list or one.
    let (_, page) = call(app, &operator, Method::GET, "/v1/seniors", None, None).await;
    assert_eq!(ids(&page, "seniors").len(), 4);
    for item in page["seniors"].as_array().unwrap() {
        assert_eq!(
            keys(item),
            ["createdAt", "id", "updatedAt", "version"],
            "{item}"
        );
    }
    let (status, one) = call(
        app,
        &operator,
        Method::GET,
        &format!("/v1/seniors/{}", seniors[0]),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(keys(&one), ["createdAt", "id", "updatedAt", "version"]);
    let (status, _) = call(
        app,
        &operator,
        Method::POST,
        "/v1/seniors",
        None,
        Some(&senior(9, "110105013000")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the operator collects no profiles"
    );

    // Each senior's access history shows the list reads that released it, with what
    // they released (the first senior: CONTACT, once its grant was recorded).
    let (_, history) = app
        .get(&format!(
            "/v1/seniors/{}/access-history?pageSize=200",
            seniors[1]
        ))
        .await;
    let by_hk: Vec<&Value> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["participant"] == "hk-daojia" && a["action"] == "GET /v1/seniors")
        .collect();
    assert!(!by_hk.is_empty(), "{history}");
    assert!(
        by_hk.iter().all(|a| a["categories"] == "BASIC,CONTACT"),
        "{history}"
    );
    let (_, history) = app
        .get(&format!(
            "/v1/seniors/{}/access-history?pageSize=200",
            seniors[0]
        ))
        .await;
    assert!(
        history["accesses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["participant"] != "hk-daojia"
                || a["decision"] == "DENY"
                || a["categories"] == "CONTACT"),
        "{history}"
    );
}
both!(
    lists_and_searches,
    lists_and_searches_show_only_what_the_reader_may_see
);

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
    let listing = provider(1, &["110105000000"]);
    let (status, body) = call(
        app,
        &hk,
        Method::POST,
        "/v1/providers",
        None,
        Some(&listing),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let provider_id = body["id"].as_str().unwrap().to_owned();
    let (status, body) = call(
        app,
        &hk,
        Method::POST,
        &format!("/v1/providers/{provider_id}/workers"),
        None,
        Some(&fixture("worker", "nurse.json")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
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
    assert_eq!(ids(&page, "serviceRecords").len(), 2);
    assert!(page["serviceRecords"][0]["observations"].is_array());
    let (_, page) = call(app, &operator, Method::GET, list, None, None).await;
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
