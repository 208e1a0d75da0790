//! Consent, as the participants live it: the portal registers a senior, a housekeeping
//! platform is refused, gets exactly the granted categories once the portal records a
//! consent, and is refused again right after withdrawal or once a grant has expired —
//! over REST and gRPC, each decision in the audit log.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{
    GetRequest, ListConsentsRequest, WithdrawConsentRequest,
    consent_service_client::ConsentServiceClient, senior_service_client::SeniorServiceClient,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::{bearer, keys, request};
use crate::{
    both,
    common::{TestApp, authorized, fixture, send, senior},
};

/// `GetSenior` over gRPC: the profile's top-level JSON names and the withheld header,
/// or the status code.
async fn grpc_get(
    app: &TestApp,
    token: &str,
    id: &str,
) -> Result<(Vec<String>, String), tonic::Code> {
    let mut client = SeniorServiceClient::new(app.channel().await);
    let request = bearer(token, "SERVICE_DELIVERY", GetRequest { id: id.into() });
    match client.get_senior(request).await {
        Ok(response) => {
            let withheld = response
                .metadata()
                .get("x-jiayang-withheld-categories")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let json = serde_json::to_value(response.into_inner()).unwrap();
            Ok((keys(&json), withheld))
        }
        Err(status) => Err(status.code()),
    }
}

async fn a_grant_releases_exactly_its_categories_until_withdrawn(app: &TestApp) {
    let portal = app.token.clone();
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;

    let (status, registered) = send(
        request(app, Method::POST, "/v1/seniors", &portal, None).json(&senior(1, "110105013000")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let id = registered["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/seniors/{id}");

    // No grant: refused, naming the purpose; no purpose: refused, naming the header.
    let (status, problem) = send(request(
        app,
        Method::GET,
        &path,
        &hk,
        Some("SERVICE_DELIVERY"),
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(
        problem.to_string().contains("SERVICE_DELIVERY"),
        "{problem}"
    );
    // In Chinese throughout by default (the participant id and the purpose are codes).
    let title = problem["title"].as_str().unwrap();
    let words = title
        .replace("hk-daojia", "")
        .replace("SERVICE_DELIVERY", "");
    assert!(
        title.starts_with("无权访问：") && !words.bytes().any(|b| b.is_ascii_alphabetic()),
        "{title}"
    );
    let (status, problem) = send(request(app, Method::GET, &path, &hk, None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        problem.to_string().contains("x-jiayang-purpose"),
        "{problem}"
    );
    assert_eq!(
        grpc_get(app, &hk, &id).await.unwrap_err(),
        tonic::Code::PermissionDenied
    );
    // The housekeeping platform cannot grant itself anything: with no grant, the senior
    // is not even one it may know of (`scenarios/existence.rs`).
    let mut grant = fixture("consent", "design-example.json");
    grant["senior"] = json!({"seniorId": id});
    grant["validFrom"] = "2026-01-01".into();
    grant["validUntil"] = "2099-12-31".into();
    let (status, problem) =
        send(request(app, Method::POST, "/v1/consents", &hk, None).json(&grant)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["violations"][0]["rule"], "reference-unresolved");

    // Nor record a service for the senior: no basis for SERVICE_DELIVERY yet.
    let (status, listing) = send(
        request(app, Method::POST, "/v1/providers", &hk, None)
            .json(&fixture("provider", "design-example.json")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{listing}");
    let provider_id = listing["id"].as_str().unwrap();
    let (status, _) = send(
        request(
            app,
            Method::POST,
            &format!("/v1/providers/{provider_id}/workers"),
            &hk,
            None,
        )
        .json(&fixture("worker", "nurse.json")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let visit = |n: u32| {
        let mut record = fixture("service-record", "design-example.json");
        record["senior"] = json!({"seniorId": id});
        record["externalIds"] = json!([{"participant": "hk-daojia", "id": format!("HK-{n}")}]);
        record
    };
    let (status, problem) =
        send(request(app, Method::POST, "/v1/service-records", &hk, None).json(&visit(1))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["violations"][0]["rule"], "reference-unresolved");

    // The portal records BASIC, CONTACT, LOCATION for SERVICE_DELIVERY.
    let (status, consent) =
        send(request(app, Method::POST, "/v1/consents", &portal, None).json(&grant)).await;
    assert_eq!(status, StatusCode::CREATED, "{consent}");
    assert_eq!(consent["capturedBy"], "bj-elder-portal");
    let consent_id = consent["id"].as_str().unwrap().to_owned();

    let response = request(app, Method::GET, &path, &hk, Some("SERVICE_DELIVERY"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-jiayang-withheld-categories"],
        "IDENTITY,HEALTH,FINANCIAL"
    );
    let released: Value = response.json().await.unwrap();
    assert_eq!(
        keys(&released),
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
        ],
        "{released}"
    );
    assert_eq!(
        keys(&released["address"]),
        ["detail", "divisionCode", "geo"]
    );
    assert!(
        released.get("externalIds").is_none(),
        "the portal's ids are not the platform's"
    );
    let (status, recorded) =
        send(request(app, Method::POST, "/v1/service-records", &hk, None).json(&visit(2))).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the grant is a basis: {recorded}"
    );
    let (grpc_keys, withheld) = grpc_get(app, &hk, &id).await.unwrap();
    assert_eq!(grpc_keys, keys(&released));
    assert_eq!(withheld, "IDENTITY,HEALTH,FINANCIAL");
    // Another purpose has no grant.
    let (status, _) = send(request(
        app,
        Method::GET,
        &path,
        &hk,
        Some("CARE_COORDINATION"),
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The holder still sees everything.
    let (status, whole) = send(request(app, Method::GET, &path, &portal, None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(whole["identityDocument"].is_object());

    // Withdrawal counts from the very next request, on both protocols.
    let (status, withdrawn) = send(
        request(
            app,
            Method::POST,
            &format!("/v1/consents/{consent_id}:withdraw"),
            &portal,
            None,
        )
        .json(&json!({"reason": "家属要求"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    let (status, _) = send(request(
        app,
        Method::GET,
        &path,
        &hk,
        Some("SERVICE_DELIVERY"),
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        grpc_get(app, &hk, &id).await.unwrap_err(),
        tonic::Code::PermissionDenied
    );
    // No basis after withdrawal: with no current grant left, the senior is again one the
    // platform may not learn of, and a reference to it is answered as unknown.
    let (status, problem) =
        send(request(app, Method::POST, "/v1/service-records", &hk, None).json(&visit(3))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["violations"][0]["rule"], "reference-unresolved");

    // A grant whose days are over grants nothing, and says so.
    let mut expired = grant.clone();
    expired["validFrom"] = "2025-01-01".into();
    expired["validUntil"] = "2025-12-31".into();
    let (status, recorded) =
        send(request(app, Method::POST, "/v1/consents", &portal, None).json(&expired)).await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(recorded["status"], "EXPIRED");
    let (status, _) = send(request(
        app,
        Method::GET,
        &path,
        &hk,
        Some("SERVICE_DELIVERY"),
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The grantee sees its own grants; the holder sees the access history.
    let (status, listed) = send(request(
        app,
        Method::GET,
        &format!("{path}/consents"),
        &hk,
        None,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["consents"].as_array().unwrap().len(), 2);
    let (status, _) = send(request(
        app,
        Method::GET,
        &format!("{path}/access-history"),
        &hk,
        None,
    ))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, history) = send(request(
        app,
        Method::GET,
        &format!("{path}/access-history?pageSize=200"),
        &portal,
        None,
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    // The same over gRPC: the grantee lists and reads its grants, the holder withdraws.
    let mut consents = ConsentServiceClient::new(app.channel().await);
    let listed = consents
        .list_consents(authorized(
            &hk,
            ListConsentsRequest {
                senior_id: id.clone(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(listed.get_ref().consents.len(), 2);
    let expired_id = recorded["id"].as_str().unwrap().to_owned();
    let withdrawn = consents
        .withdraw_consent(authorized(
            &portal,
            WithdrawConsentRequest {
                id: expired_id.clone(),
                reason: String::new(),
            },
        ))
        .await
        .unwrap();
    let withdrawn = serde_json::to_value(withdrawn.into_inner()).unwrap();
    assert_eq!(withdrawn["status"], "WITHDRAWN");
    let refused = consents
        .withdraw_consent(authorized(
            &hk,
            WithdrawConsentRequest {
                id: expired_id,
                reason: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);

    let allowed: Vec<&Value> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["participant"] == "hk-daojia"
                && a["decision"] == "ALLOW"
                && a["categories"].is_string()
        })
        .collect();
    assert_eq!(allowed.len(), 2, "one REST and one gRPC read: {history}");
    assert!(
        allowed
            .iter()
            .all(|a| a["categories"] == "BASIC,CONTACT,LOCATION"
                && a["purpose"] == "SERVICE_DELIVERY")
    );
}
both!(
    consent_lifecycle,
    a_grant_releases_exactly_its_categories_until_withdrawn
);
