//! What someone who can write the database (but has not the master key) can do with the
//! sealed part of a registration: nothing unnoticed. A sealed value is bound to its
//! senior, holder and version, so an older value put back, or another holder's moved in,
//! does not open — the read fails instead of answering stale or foreign data. And the
//! registrations an older gateway sealed (numbers only, bound to the senior alone) are
//! resealed when a gateway starts on the database.

use jiayang_domain::ParticipantKind;
use jiayang_gateway::{self as server, Config};
use jiayang_store::{crypto::Keys, entity::registration};
use reqwest::{Method, StatusCode};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, DatabaseConnection,
    EntityTrait, IntoActiveModel, QueryFilter, sea_query::Expr,
};
use serde_json::{Value, json};

use crate::{
    both,
    common::{PORTAL, TestApp, send, senior, senior_of},
};

async fn row(db: &DatabaseConnection, senior: &str, holder: &str) -> registration::Model {
    registration::Entity::find_by_id((senior.to_owned(), holder.to_owned()))
        .one(db)
        .await
        .unwrap()
        .expect("the registration is stored")
}

async fn set_sealed(db: &DatabaseConnection, row: registration::Model, sealed: Vec<u8>) {
    let mut active = row.into_active_model();
    active.sealed = Set(sealed);
    active.update(db).await.unwrap();
}

async fn read_as(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    send(
        app.request_as(token, Method::GET, &format!("/v1/seniors/{id}"))
            .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
    )
    .await
}

async fn an_older_or_another_sealed_value_does_not_open(app: &TestApp) {
    let db = Database::connect(&app.database_url).await.unwrap();
    let first = senior(1, "110105013000");
    let (status, created) = app.post("/v1/seniors", &first).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let at_1 = row(&db, &id, PORTAL).await;

    let mut moved = first.clone();
    moved["address"]["detail"] = "新地址 8 号".into();
    let (status, updated) = app.put(&format!("/v1/seniors/{id}"), 1, &moved).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let at_2 = row(&db, &id, PORTAL).await;
    assert_eq!(at_2.version, 2);

    // The version-1 value put back into the version-2 row.
    set_sealed(&db, at_2.clone(), at_1.sealed.clone()).await;
    let (status, answer) = read_as(app, &app.token, &id).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
    assert!(!answer.to_string().contains("110105"), "{answer}");
    set_sealed(&db, at_2.clone(), at_2.sealed.clone()).await;
    let (status, answer) = read_as(app, &app.token, &id).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["address"]["detail"], "新地址 8 号");

    // A second holder registers the same person; its value moved into the first's row.
    let station = app
        .participant("cy-station", ParticipantKind::CommunityStation)
        .await;
    let mut theirs = senior_of("cy-station", 1, "110105013000");
    theirs["name"] = "另一个名字".into();
    let (status, registered) = send(
        app.request_as(&station, Method::POST, "/v1/seniors")
            .json(&theirs),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["id"], id.as_str(), "the same person");
    let other = row(&db, &id, "cy-station").await;
    let mut active = at_2.clone().into_active_model();
    active.version = Set(other.version);
    active.sealed = Set(other.sealed.clone());
    active.update(&db).await.unwrap();
    let (status, answer) = read_as(app, &app.token, &id).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
    assert!(!answer.to_string().contains("另一个名字"), "{answer}");
    let (status, answer) = read_as(app, &station, &id).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the station's own row is untouched: {answer}"
    );
    assert_eq!(answer["name"], "另一个名字");
    db.close().await.unwrap();
}
both!(
    sealed_values_are_bound_to_their_row,
    an_older_or_another_sealed_value_does_not_open
);

/// A registration as a gateway before M0013 wrote it: the numbers sealed under the
/// senior's id, everything else in clear.
async fn insert_legacy(app: &TestApp, db: &DatabaseConnection, id: &str, profile: &Value) {
    let keys = Keys::load_or_create(&app.data_dir).unwrap();
    let mut document = profile.as_object().unwrap().clone();
    let number = document["identityDocument"]
        .as_object_mut()
        .unwrap()
        .remove("number")
        .unwrap();
    let phone = document.remove("phone").unwrap();
    let guardian_phone = document["guardians"][0]
        .as_object_mut()
        .unwrap()
        .remove("phone")
        .unwrap();
    document.remove("externalIds");
    let numbers = json!({
        "identity_number": number, "phone": phone, "guardian_phones": [guardian_phone],
    });
    let at = 1_780_000_000_000_000_i64;
    db.execute_unprepared(&format!(
        "INSERT INTO persons (id, identity_hash, created_at) VALUES ('{id}', NULL, {at})"
    ))
    .await
    .unwrap();
    registration::ActiveModel {
        senior_id: Set(id.into()),
        holder: Set(PORTAL.into()),
        version: Set(3),
        status: Set("ACTIVE".into()),
        division_code: Set("110105013000".into()),
        identity_hash: Set(None),
        document: Set(Value::Object(document).to_string()),
        sealed: Set(keys.seal(id.as_bytes(), numbers.to_string().as_bytes())),
        sealing: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await
    .unwrap();
}

async fn an_older_gateways_registrations_are_resealed_at_start(app: &TestApp) {
    let db = Database::connect(&app.database_url).await.unwrap();
    let profile = crate::common::fixture("senior", "design-example.json");
    let id = "sen_01JLEGACY0000000000000000A";
    // The database as an older gateway left it: a row sealed the old way, and no record
    // that every row was resealed.
    db.execute_unprepared("DELETE FROM settings WHERE name = 'registrations_resealed'")
        .await
        .unwrap();
    insert_legacy(app, &db, id, &profile).await;

    // Another node starting on the database (or this one restarting) reseals it.
    let start_again = || async {
        server::prepare(&Config {
            data_dir: app.data_dir.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: Some(app.database_url.clone()),
            settings: None,
            allow_insecure_webhooks: false,
        })
        .await
        .expect("a second start prepares");
    };
    start_again().await;

    let resealed = row(&db, id, PORTAL).await;
    assert_eq!(resealed.sealing, 2);
    assert_eq!(resealed.version, 3, "resealing is not a change");
    assert!(
        !resealed.document.contains("王秀英"),
        "{}",
        resealed.document
    );
    let (status, answer) = read_as(app, &app.token, id).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for field in [
        "name",
        "birthDate",
        "identityDocument",
        "phone",
        "address",
        "capabilityAssessment",
        "guardians",
        "livingSituation",
        "careNeeds",
        "eligibility",
        "status",
    ] {
        assert_eq!(answer[field], profile[field], "{field}");
    }

    // Set back to the old way by someone with the database: it no longer opens, and a
    // later start does not make it valid again (it would authenticate what they wrote).
    registration::Entity::update_many()
        .col_expr(registration::Column::Sealing, Expr::value(1))
        .filter(registration::Column::SeniorId.eq(id))
        .exec(&db)
        .await
        .unwrap();
    let (status, answer) = read_as(app, &app.token, id).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
    start_again().await;
    assert_eq!(row(&db, id, PORTAL).await.sealing, 1, "not resealed");
    let (status, answer) = read_as(app, &app.token, id).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
    db.close().await.unwrap();
}
both!(
    legacy_registrations_are_resealed,
    an_older_gateways_registrations_are_resealed_at_start
);
