//! External ids are the caller's own. A participant that records another's ids (before
//! or after that participant exists) would make that participant's own create with them
//! a conflict later, so they are refused at their path, in a create, a batch item and a
//! worker or service record alike. The operator, migrating listings, may record the ids
//! of a participant that exists, and of no other.

use jiayang_domain::ParticipantKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::call;
use crate::{
    both,
    common::{PORTAL, TestApp, fixture, held_senior, provider, provider_of},
};

const HK: &str = "hk-daojia";

/// The (path, rule) of each violation of a refusal.
fn violations(problem: &Value) -> Vec<(String, String)> {
    problem["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("not a refusal with violations: {problem}"))
        .iter()
        .map(|v| {
            (
                v["path"].as_str().unwrap().to_owned(),
                v["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn foreign_at(path: &str) -> Vec<(String, String)> {
    vec![(path.to_owned(), "external-id-foreign".to_owned())]
}

async fn a_participant_records_only_its_own_external_ids(app: &TestApp) {
    // Before hk-daojia exists, and after: the portal cannot claim its ids.
    let claimed = provider_of(HK, 1, &["110105000000"]);
    let (status, refused) = app.post("/v1/providers", &claimed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        violations(&refused),
        foreign_at("/externalIds/0/participant")
    );
    let hk = app
        .participant(HK, ParticipantKind::HousekeepingPlatform)
        .await;
    let (status, refused) = app.post("/v1/providers", &claimed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        violations(&refused),
        foreign_at("/externalIds/0/participant")
    );

    // Its own next to another's: only the other's is named.
    let mut mixed = provider(2, &["110105000000"]);
    mixed["externalIds"] = json!([
        {"participant": PORTAL, "id": "S2"},
        {"participant": HK, "id": "S2"},
    ]);
    let (status, refused) = app.post("/v1/providers", &mixed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        violations(&refused),
        foreign_at("/externalIds/1/participant")
    );

    // In a batch, the claiming item alone is refused.
    let (status, results) = app
        .post(
            "/v1/providers:batchCreate",
            &json!({"providers": [provider(3, &["110105000000"]), claimed]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let own = results["results"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        violations(&results["results"][1]),
        foreign_at("/externalIds/0/participant")
    );

    // Workers and service records: the fixtures carry hk-daojia's ids.
    let (status, refused) = app
        .post(
            &format!("/v1/providers/{own}/workers"),
            &fixture("worker", "nurse.json"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        violations(&refused),
        foreign_at("/externalIds/0/participant")
    );
    let senior = held_senior(app, 1).await;
    let mut record = fixture("service-record", "design-example.json");
    record["senior"] = json!({"seniorId": senior});
    record["provider"] = json!({"providerId": own});
    record.as_object_mut().unwrap().remove("worker");
    record["status"] = "SCHEDULED".into();
    let (status, refused) = app.post("/v1/service-records", &record).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        violations(&refused),
        foreign_at("/externalIds/0/participant")
    );

    // Nothing was claimed: hk-daojia's own create with those ids goes through.
    let (status, created) = call(
        app,
        &hk,
        Method::POST,
        "/v1/providers",
        None,
        Some(&claimed),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["externalIds"], claimed["externalIds"]);

    // The operator records an existing participant's ids, and no one else's.
    let operator = app.operator_token.clone();
    let migrated = provider_of(HK, 4, &["110105000000"]);
    let (status, created) = call(
        app,
        &operator,
        Method::POST,
        "/v1/providers",
        None,
        Some(&migrated),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["externalIds"], migrated["externalIds"]);
    let nobody = provider_of("no-such-platform", 5, &["110105000000"]);
    let (status, refused) = call(
        app,
        &operator,
        Method::POST,
        "/v1/providers",
        None,
        Some(&nobody),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        violations(&refused),
        [(
            "/externalIds/0/participant".to_owned(),
            "reference-unresolved".to_owned()
        )]
    );
}
both!(
    own_external_ids,
    a_participant_records_only_its_own_external_ids
);
