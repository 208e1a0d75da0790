//! The audit log: access decisions and changes are chained by hash; the access history
//! answers who touched a senior's data; an edited, deleted or reordered entry is found.

use jiayang_domain::{
    ParticipantKind,
    participants::{self, NewParticipant},
};
use jiayang_store::{
    Store,
    audit::{self, Verified},
    pki::TlsFiles,
};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::{
    both,
    common::{TestApp, send, senior},
};

async fn exec(store: &Store, sql: &str) {
    store.db.execute_unprepared(sql).await.unwrap();
}

async fn verdict(store: &Store) -> Verified {
    audit::verify(&store.db).await.unwrap()
}

async fn decisions_and_changes_are_chained_and_tampering_is_found(app: &TestApp) {
    let store = Store::open(&app.database_url).await.unwrap();
    let (status, created) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap();
    let path = format!("/v1/seniors/{id}");
    let (status, _) = send(
        app.request(Method::GET, &path)
            .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let hk = participants::add(
        &store,
        &TlsFiles::in_dir(&app.data_dir),
        &NewParticipant {
            id: "hk-daojia".into(),
            kind: ParticipantKind::HousekeepingPlatform,
            name: "到家".into(),
            uscc: None,
            native_format: None,
        },
    )
    .await
    .unwrap();
    let (status, _) = send(
        app.client
            .get(app.url(&path))
            .bearer_auth(&hk.token)
            .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The senior's access history, newest first: the refused read, the operator's read
    // (this read of the history is logged once it has been answered).
    let (status, history) = app.get(&format!("{path}/access-history")).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let accesses: Vec<(String, String, Value)> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["participant"].as_str().unwrap().to_owned(),
                a["decision"].as_str().unwrap().to_owned(),
                a["purpose"].clone(),
            )
        })
        .collect();
    assert_eq!(
        accesses,
        [
            ("hk-daojia".into(), "DENY".into(), "SERVICE_DELIVERY".into()),
            (
                "bj-elder-portal".into(),
                "ALLOW".into(),
                "SERVICE_DELIVERY".into()
            ),
        ],
        "changes are not accesses: {history}"
    );
    assert!(
        history["accesses"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("permission denied")
    );

    let Verified::Intact { entries } = verdict(&store).await else {
        panic!("an honest log verifies");
    };
    assert!(
        entries >= 5,
        "create, read, refusal, history read: {entries}"
    );

    // An edited entry.
    exec(
        &store,
        "UPDATE audit_log SET participant = participant || 'x' WHERE seq = 2",
    )
    .await;
    assert!(matches!(
        verdict(&store).await,
        Verified::Broken { seq: 2, .. }
    ));
    exec(
        &store,
        "UPDATE audit_log SET participant = substr(participant, 1, length(participant) - 1) WHERE seq = 2",
    )
    .await;
    assert!(matches!(verdict(&store).await, Verified::Intact { .. }));

    // Two entries swapped.
    exec(&store, "UPDATE audit_log SET seq = -1 WHERE seq = 2").await;
    exec(&store, "UPDATE audit_log SET seq = 2 WHERE seq = 3").await;
    exec(&store, "UPDATE audit_log SET seq = 3 WHERE seq = -1").await;
    assert!(matches!(
        verdict(&store).await,
        Verified::Broken { seq: 2, .. }
    ));
    exec(&store, "UPDATE audit_log SET seq = -1 WHERE seq = 3").await;
    exec(&store, "UPDATE audit_log SET seq = 3 WHERE seq = 2").await;
    exec(&store, "UPDATE audit_log SET seq = 2 WHERE seq = -1").await;
    assert!(matches!(verdict(&store).await, Verified::Intact { .. }));

    // A deleted entry, then the newest one deleted too.
    exec(&store, "DELETE FROM audit_log WHERE seq = 3").await;
    assert!(matches!(
        verdict(&store).await,
        Verified::Broken { seq: 3, .. }
    ));
    let last = entries;
    exec(&store, "DELETE FROM audit_log WHERE seq >= 3").await;
    let Verified::Broken { seq, reason } = verdict(&store).await else {
        panic!("a shortened log does not verify");
    };
    assert_eq!(seq, 3, "{reason} (the log had {last})");
    store.db.close().await.unwrap();
}
both!(
    audit_chain,
    decisions_and_changes_are_chained_and_tampering_is_found
);

const EVERY_SECOND: &str = "[audit]\ncheckpoint_every_seconds = 1\n";

/// While the chain grows, the running gateway signs its head on schedule and publishes
/// it: a participant with no grants finds it in its feed and reads it, naming the entry
/// the chain had then.
async fn the_gateway_publishes_checkpoints_as_the_chain_grows(app: &TestApp) {
    let (status, _) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    assert_eq!(status, StatusCode::CREATED);
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let (status, feed) =
        send(app.request_as(&hk, Method::GET, "/v1/events?waitSeconds=20&limit=1000")).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    let event = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "audit_checkpoint.signed")
        .unwrap_or_else(|| panic!("a checkpoint within the wait: {feed}"))
        .clone();
    let seq = event["resource"]["id"].as_str().unwrap();
    let (status, checkpoint) =
        send(app.request_as(&hk, Method::GET, &format!("/v1/audit/checkpoints/{seq}"))).await;
    assert_eq!(status, StatusCode::OK, "{checkpoint}");
    let store = Store::open(&app.database_url).await.unwrap();
    let hash: String =
        sea_orm::FromQueryResult::find_by_statement(sea_orm::Statement::from_string(
            store.backend(),
            format!("SELECT hash FROM audit_log WHERE seq = {seq}"),
        ))
        .one(&store.db)
        .await
        .map(|row: Option<HashRow>| row.unwrap().hash)
        .unwrap();
    assert_eq!(checkpoint["hash"], hash.as_str(), "{checkpoint}");
    store.db.close().await.unwrap();
}

#[derive(sea_orm::FromQueryResult)]
struct HashRow {
    hash: String,
}

crate::both_with!(
    checkpoints_published,
    the_gateway_publishes_checkpoints_as_the_chain_grows,
    EVERY_SECOND
);
