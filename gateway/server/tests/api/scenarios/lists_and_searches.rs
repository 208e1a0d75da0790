//! Lists and searches as each kind of participant sees them: only the seniors a reader
//! holds or has grants for (nothing about the others, not even how many there are),
//! minimised per item, over REST and gRPC; filters that reveal nothing unreleased;
//! regulators see BASIC without names; the operator sees ids. Service records:
//! `service_record_visibility.rs`.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{ListSeniorsRequest, senior_service_client::SeniorServiceClient};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::{bearer, call, grant, ids, keys};
use crate::{
    both,
    common::{PORTAL, TestApp, senior, senior_of},
};

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
        seniors.push((created["id"].as_str().unwrap().to_owned(), n));
    }
    // Lists are in id order, and a senior's id is random (it tells no creation time):
    // `seniors[i]` is the i-th listed, `number[i]` the fixture it was made from.
    seniors.sort();
    let (seniors, number): (Vec<String>, Vec<u32>) = seniors.into_iter().unzip();
    let (status, held) = call(
        app,
        &station,
        Method::POST,
        "/v1/seniors",
        None,
        Some(&senior_of("cy-tjh-station", 4, "110105013000")),
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
    let lookup =
        json!({"identityNumber": senior(number[0], "110105013000")["identityDocument"]["number"]});
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
            "holder",
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
        json!({"identityNumber": senior(number[1], "110105013000")["identityDocument"]["number"]});
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
    let by_external =
        json!({"externalId": {"participant": PORTAL, "id": format!("LNR-{:06}", number[1])}});
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
    // Every senior, the station's too: the loops below say nothing of a page short of any.
    let mut everyone = seniors.clone();
    everyone.push(station_senior.clone());
    everyone.sort();
    assert_eq!(ids(&page, "seniors"), everyone);
    for item in page["seniors"].as_array().unwrap() {
        assert_eq!(
            keys(item),
            [
                "address",
                "birthDate",
                "createdAt",
                "gender",
                "holder",
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
    assert_eq!(ids(&page, "seniors"), everyone);
    for item in page["seniors"].as_array().unwrap() {
        assert_eq!(
            keys(item),
            ["createdAt", "holder", "id", "updatedAt", "version"],
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
    assert_eq!(
        keys(&one),
        ["createdAt", "holder", "id", "updatedAt", "version"]
    );
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
    // The operator's reads released identifiers only: no category, shown as no list
    // (as for a denial), never an empty text.
    let by_operator: Vec<&Value> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["participant"] == "operator" && a["decision"] == "ALLOW")
        .collect();
    assert!(!by_operator.is_empty(), "{history}");
    assert!(
        by_operator.iter().all(|a| a["categories"].is_null()),
        "{history}"
    );
    let (_, history) = app
        .get(&format!(
            "/v1/seniors/{}/access-history?pageSize=200",
            seniors[0]
        ))
        .await;
    // Exactly, since a check of each entry alone holds of an empty history. Newest first:
    // the one list read that released this senior (the filtered lists did not let it
    // through, its BASIC not being granted), then the search by ID number before its grant.
    let by_hk: Vec<(&str, &str, &Value)> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["participant"] == "hk-daojia")
        .map(|a| {
            (
                a["action"].as_str().unwrap(),
                a["decision"].as_str().unwrap(),
                &a["categories"],
            )
        })
        .collect();
    assert_eq!(
        by_hk,
        [
            ("GET /v1/seniors", "ALLOW", &json!("CONTACT")),
            ("POST /v1/seniors:lookup", "DENY", &Value::Null),
        ],
        "{history}"
    );
}
both!(
    lists_and_searches,
    lists_and_searches_show_only_what_the_reader_may_see
);
