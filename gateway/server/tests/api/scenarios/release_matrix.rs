//! The release matrix: grantee kinds × bases × categories × requested purposes, each
//! asserting exactly which fields come back (DESIGN §4.1's category table, written out
//! here rather than taken from the code under test), or that the grant is refused when
//! its basis cannot cover the category; a search and the grantee's list release exactly
//! what the single read did. With two holders of one senior, each category granted by
//! either releases exactly that holder's values, never the other's. Regulators and the
//! operator: `lists_and_searches.rs` and `service_record_visibility.rs`.

use jiayang_domain::ParticipantKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::keys;
use crate::{
    both,
    common::{PORTAL, TestApp, fixture, send, senior, senior_of},
};

/// Top-level fields (and `address` parts) each category releases from the fixture
/// profile, beyond what everyone sees (`id`, `version`, `createdAt`, `updatedAt`).
fn expected(category: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    match category {
        "BASIC" => (
            vec![
                "address",
                "birthDate",
                "gender",
                "livingSituation",
                "name",
                "status",
            ],
            vec!["divisionCode"],
        ),
        "CONTACT" => (vec!["address", "guardians", "phone"], vec!["detail"]),
        "LOCATION" => (vec!["address"], vec!["geo"]),
        "IDENTITY" => (vec!["identityDocument"], vec![]),
        "HEALTH" => (vec!["capabilityAssessment", "careNeeds"], vec![]),
        "FINANCIAL" => (vec!["eligibility"], vec![]),
        other => panic!("{other}"),
    }
}

async fn every_grant_releases_exactly_its_categories(app: &TestApp) {
    let portal = app.token.clone();
    let grantees = [
        (
            "hk-daojia",
            app.participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
                .await,
        ),
        (
            "cy-yanglaoyuan",
            app.participant("cy-yanglaoyuan", ParticipantKind::ElderCareInstitution)
                .await,
        ),
    ];
    let as_ = |token: &str, method: Method, path: &str| {
        app.client.request(method, app.url(path)).bearer_auth(token)
    };
    let mut n = 100;
    for (grantee, token) in &grantees {
        // What each single read released to this grantee: its list and its searches
        // must release exactly the same.
        let mut released: Vec<Value> = Vec::new();
        for basis in ["CONSENT", "SEPARATE_CONSENT"] {
            for category in [
                "BASIC",
                "CONTACT",
                "LOCATION",
                "IDENTITY",
                "HEALTH",
                "FINANCIAL",
            ] {
                n += 1;
                let (status, registered) = send(
                    as_(&portal, Method::POST, "/v1/seniors").json(&senior(n, "110105013000")),
                )
                .await;
                assert_eq!(status, StatusCode::CREATED, "{registered}");
                let id = registered["id"].as_str().unwrap();
                let mut grant = fixture("consent", "design-example.json");
                grant["senior"] = json!({"seniorId": id});
                grant["grantee"] = (*grantee).into();
                grant["basis"] = basis.into();
                grant["categories"] = json!([category]);
                grant["validFrom"] = "2026-01-01".into();
                grant["validUntil"] = "2099-12-31".into();
                let (status, recorded) =
                    send(as_(&portal, Method::POST, "/v1/consents").json(&grant)).await;
                let covered =
                    basis == "SEPARATE_CONSENT" || ["BASIC", "CONTACT"].contains(&category);
                if !covered {
                    assert_eq!(
                        status,
                        StatusCode::BAD_REQUEST,
                        "{basis} {category}: {recorded}"
                    );
                    assert_eq!(
                        recorded["violations"][0]["path"], "/categories/0",
                        "{recorded}"
                    );
                    continue;
                }
                assert_eq!(
                    status,
                    StatusCode::CREATED,
                    "{basis} {category}: {recorded}"
                );
                let path = format!("/v1/seniors/{id}");
                for purpose in ["SERVICE_DELIVERY", "CARE_COORDINATION"] {
                    let response = as_(token, Method::GET, &path)
                        .header("x-jiayang-purpose", purpose)
                        .send()
                        .await
                        .unwrap();
                    let case = format!("{grantee} {basis} {category} {purpose}");
                    if purpose != "SERVICE_DELIVERY" {
                        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}");
                        continue;
                    }
                    assert_eq!(response.status(), StatusCode::OK, "{case}");
                    let withheld = response.headers()["x-jiayang-withheld-categories"]
                        .to_str()
                        .unwrap()
                        .to_owned();
                    assert!(
                        !withheld.split(',').any(|c| c == category),
                        "{case}: {withheld}"
                    );
                    assert_eq!(withheld.split(',').count(), 5, "{case}: {withheld}");
                    let body: Value = response.json().await.unwrap();
                    let (fields, address) = expected(category);
                    let mut want: Vec<String> =
                        ["createdAt", "holder", "id", "updatedAt", "version"]
                            .iter()
                            .chain(fields.iter())
                            .map(|s| s.to_string())
                            .collect();
                    want.sort();
                    assert_eq!(keys(&body), want, "{case}: {body}");
                    let address: Vec<String> = address.iter().map(|s| s.to_string()).collect();
                    assert_eq!(keys(&body["address"]), address, "{case}");
                    let external = json!({"externalId": {"participant": "bj-elder-portal", "id": format!("LNR-{n:06}")}});
                    let (status, found) = send(
                        as_(token, Method::POST, "/v1/seniors:lookup")
                            .header("x-jiayang-purpose", purpose)
                            .json(&external),
                    )
                    .await;
                    assert_eq!((status, &found), (StatusCode::OK, &body), "{case}");
                    // By ID number only with IDENTITY: the search itself tells whose it is.
                    let number = senior(n, "110105013000")["identityDocument"]["number"].clone();
                    let (status, found) = send(
                        as_(token, Method::POST, "/v1/seniors:lookup")
                            .header("x-jiayang-purpose", purpose)
                            .json(&json!({ "identityNumber": number })),
                    )
                    .await;
                    if category == "IDENTITY" {
                        assert_eq!((status, &found), (StatusCode::OK, &body), "{case}");
                    } else {
                        assert_eq!(status, StatusCode::NOT_FOUND, "{case}");
                    }
                    released.push(body);
                }
            }
        }
        let (status, page) = send(
            as_(token, Method::GET, "/v1/seniors?pageSize=200")
                .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        // Both bases cover BASIC and CONTACT, only SEPARATE_CONSENT the other four: were
        // none released, an empty page would match.
        assert_eq!(released.len(), 2 + 6, "{grantee}");
        // Seniors list in id order, not in the order they were registered.
        released.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        assert_eq!(page["seniors"], json!(released), "{grantee}");
        assert_eq!(
            page["withheld"].as_array().map(Vec::len),
            Some(released.len()),
            "{grantee}: {page}"
        );
    }
}
both!(consent_matrix, every_grant_releases_exactly_its_categories);

/// The station's registration of a senior the portal registered as `senior(n, …)`: the
/// same person (identity document, birth date, gender), every other field its own.
fn station_registration(n: u32) -> Value {
    let mut document = senior_of("cy-tjh-station", n, "110105014000");
    document["name"] = "王秀英（驿站登记）".into();
    document["phone"] = "13700137000".into();
    document["address"]["detail"] = "劲松北路8号".into();
    document["address"]["geo"] = json!({"lat": 39.8861, "lng": 116.4612});
    document["livingSituation"] = json!(["EMPTY_NEST"]);
    document["guardians"] =
        json!([{"name": "李强", "relation": "RELATIVE", "phone": "13600136000"}]);
    document["capabilityAssessment"]["assessor"] = "劲松街道评估站".into();
    document["careNeeds"] = json!(["MEAL_DELIVERY"]);
    document["eligibility"] = json!(["ADVANCED_AGE_ALLOWANCE"]);
    document
}

async fn each_holder_grants_only_its_own_registration(app: &TestApp) {
    let station = app
        .participant("cy-tjh-station", ParticipantKind::CommunityStation)
        .await;
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let portal = app.token.clone();
    let mut n = 300;
    for category in [
        "BASIC",
        "CONTACT",
        "LOCATION",
        "IDENTITY",
        "HEALTH",
        "FINANCIAL",
    ] {
        for granting in ["portal", "station"] {
            n += 1;
            let by_portal = senior(n, "110105013000");
            let by_station = station_registration(n);
            let (status, created) = app.post("/v1/seniors", &by_portal).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            let id = created["id"].as_str().unwrap().to_owned();
            let (status, created) = send(
                app.request_as(&station, Method::POST, "/v1/seniors")
                    .json(&by_station),
            )
            .await;
            assert_eq!(
                (status, created["id"].as_str()),
                (StatusCode::CREATED, Some(id.as_str()))
            );
            let (token, holder, sent) = match granting {
                "portal" => (&portal, PORTAL, &by_portal),
                _ => (&station, "cy-tjh-station", &by_station),
            };
            let mut grant = fixture("consent", "design-example.json");
            grant["senior"] = json!({"seniorId": id});
            grant["basis"] = "SEPARATE_CONSENT".into();
            grant["categories"] = json!([category]);
            grant["validFrom"] = "2026-01-01".into();
            grant["validUntil"] = "2099-12-31".into();
            let (status, body) = send(
                app.request_as(token, Method::POST, "/v1/consents")
                    .json(&grant),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");

            let case = format!("{category} granted by the {granting}");
            let (status, read) = send(
                app.request_as(&hk, Method::GET, &format!("/v1/seniors/{id}"))
                    .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{case}: {read}");
            assert_eq!(read["holder"], holder, "{case}");
            let (fields, address) = expected(category);
            let mut want: Vec<String> = ["createdAt", "holder", "id", "updatedAt", "version"]
                .iter()
                .chain(fields.iter())
                .map(|s| s.to_string())
                .collect();
            want.sort();
            assert_eq!(keys(&read), want, "{case}: {read}");
            // Every value released is the granting holder's.
            for field in fields {
                match field {
                    "address" => {
                        for part in &address {
                            assert_eq!(
                                read["address"][part], sent["address"][part],
                                "{case}: {part}"
                            );
                        }
                    }
                    field => assert_eq!(read[field], sent[field], "{case}: {field}"),
                }
            }
        }
    }
}
both!(two_holders, each_holder_grants_only_its_own_registration);
