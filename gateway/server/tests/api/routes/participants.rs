//! /v1/participants: the operator's registry over the API, taking effect at once.

use jiayang_domain::ParticipantKind;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    both,
    common::{TestApp, send},
};

async fn as_token(app: &TestApp, token: &str, method: Method, path: &str) -> (StatusCode, Value) {
    send(app.request_as(token, method, path)).await
}

async fn the_operator_manages_participants_over_the_api(app: &TestApp) {
    let operator = &app.operator_token;
    let (status, added) = send(
        app.request_as(operator, Method::POST, "/v1/participants")
            .json(&json!({"id": "hk-daojia", "kind": "HOUSEKEEPING_PLATFORM", "name": "到家家政"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let token = added["credentials"]["token"].as_str().unwrap().to_owned();
    assert!(
        added["credentials"]["certificatePem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let (status, _) = as_token(app, &token, Method::GET, "/v1/providers").await;
    assert_eq!(status, StatusCode::OK, "a new participant works at once");
    let (status, _) = as_token(app, &token, Method::GET, "/v1/participants").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the operator manages participants"
    );

    let (_, listed) = as_token(app, operator, Method::GET, "/v1/participants").await;
    let ids: Vec<&str> = listed["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bj-elder-portal", "hk-daojia", "operator"]);

    for (body, at) in [
        (
            json!({"id": "hk-daojia", "kind": "REGULATOR", "name": "x"}),
            None,
        ),
        (
            json!({"id": "x", "kind": "REGULATOR", "name": "x"}),
            Some("/id"),
        ),
        (
            json!({"id": "bj-mca", "kind": "MINISTRY", "name": "x"}),
            Some("/kind"),
        ),
        (
            json!({"id": "ops-2", "kind": "OPERATOR", "name": "x"}),
            Some("/id"),
        ),
    ] {
        let (status, problem) = send(
            app.request_as(operator, Method::POST, "/v1/participants")
                .json(&body),
        )
        .await;
        match at {
            None => assert_eq!(status, StatusCode::CONFLICT, "{problem}"),
            Some(path) => {
                assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
                assert_eq!(problem["violations"][0]["path"], path, "{problem}");
            }
        }
    }

    let (status, _) = as_token(
        app,
        operator,
        Method::POST,
        "/v1/participants/hk-daojia:suspend",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = as_token(app, &token, Method::GET, "/v1/providers").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = as_token(
        app,
        operator,
        Method::POST,
        "/v1/participants/hk-daojia:resume",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, rotated) = as_token(
        app,
        operator,
        Method::POST,
        "/v1/participants/hk-daojia:rotate",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = as_token(app, &token, Method::GET, "/v1/providers").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old token is revoked");
    let fresh = rotated["credentials"]["token"].as_str().unwrap();
    let (status, _) = as_token(app, fresh, Method::GET, "/v1/providers").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = as_token(
        app,
        operator,
        Method::POST,
        "/v1/participants/nobody:suspend",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The operator cannot lock itself out: its token would stop working, and only the
    // command line could resume it.
    let (status, problem) = as_token(
        app,
        operator,
        Method::POST,
        "/v1/participants/operator:suspend",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, _) = as_token(app, operator, Method::GET, "/v1/participants").await;
    assert_eq!(status, StatusCode::OK, "the operator's token still works");

    // A station registers its ledger in bulk and holds what it registered.
    let (_, station) = send(
        app.request_as(operator, Method::POST, "/v1/participants")
            .json(
                &json!({"id": "cy-tjh-station", "kind": "COMMUNITY_STATION", "name": "团结湖驿站"}),
            ),
    )
    .await;
    let station = station["credentials"]["token"].as_str().unwrap().to_owned();
    let (status, results) = send(
        app.client
            .post(app.url("/v1/seniors:batchCreate"))
            .bearer_auth(&station)
            .json(&json!({"seniors": [crate::common::senior_of("cy-tjh-station", 7, "110105013000")]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let id = results["results"][0]["id"].as_str().unwrap();
    let (status, profile) =
        as_token(app, &station, Method::GET, &format!("/v1/seniors/{id}")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the holder reads its own profile whole"
    );
    assert!(profile["identityDocument"].is_object());
    let (status, _) = as_token(app, fresh, Method::GET, &format!("/v1/seniors/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "others need a grant");
}
both!(registry_api, the_operator_manages_participants_over_the_api);

async fn concurrent_registry_changes_all_succeed(app: &TestApp) {
    // Found by schemathesis: on SQLite a status change read, then wrote, outside the write
    // gate, and met another writer as "database is locked" (500).
    app.participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let changes = (0..16).map(|n| {
        let verb = if n % 2 == 0 { "suspend" } else { "resume" };
        send(app.request_as(
            &app.operator_token,
            Method::POST,
            &format!("/v1/participants/hk-daojia:{verb}"),
        ))
    });
    for (status, answer) in futures::future::join_all(changes).await {
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
}
both!(
    concurrent_registry_changes,
    concurrent_registry_changes_all_succeed
);

/// Nodes starting together on one new database make one operator with one first token,
/// whoever gets there first (each with its own data directory, so none is told by a
/// token file that one was saved).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_operator_token_is_made_once_per_database() {
    let admin = sea_orm::Database::connect(&crate::common::postgres_admin_url())
        .await
        .unwrap();
    let name = format!(
        "jiayang_test_{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = crate::common::postgres_admin_url()
        .rsplit_once('/')
        .map(|(base, _)| (base.to_owned(), ()))
        .unwrap();
    // PostgreSQL only: several nodes share a database there; SQLite is one process's.
    for url in [format!("{base}/{name}")] {
        // Stores of their own, as separate nodes have.
        let mut stores = Vec::new();
        for _ in 0..6 {
            stores.push(jiayang_store::Store::open(&url).await.unwrap());
        }
        let starts = stores.iter().map(|store| {
            jiayang_domain::participants::ensure_operator(store, false, |_| {
                Ok::<(), jiayang_domain::Error>(())
            })
        });
        let made: Vec<String> = futures::future::join_all(starts)
            .await
            .into_iter()
            .filter_map(|made| made.unwrap())
            .collect();
        assert_eq!(made.len(), 1, "{url}: {} first tokens", made.len());
        let tokens = jiayang_store::entity::api_token::Entity::find()
            .filter(jiayang_store::entity::api_token::Column::ParticipantId.eq("operator"))
            .count(&stores[0].db)
            .await
            .unwrap();
        assert_eq!(tokens, 1, "{url}");
        for store in stores {
            store.db.close().await.unwrap();
        }
    }
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
