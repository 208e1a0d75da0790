//! An audit write that fails fails the request: no entry, no access. The database is
//! made to refuse every audit entry (a trigger); reads of a senior then answer an error
//! without the senior's data, a registration is not stored, and once entries are taken
//! again everything works as before.

use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;

use crate::{
    both,
    common::{TestApp, send, senior},
};

async fn execute(app: &TestApp, statements: &[&str]) {
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
    db.close().await.unwrap();
}

async fn refuse_audit_entries(app: &TestApp, refuse: bool) {
    let sqlite = app.database_url.starts_with("sqlite:");
    let statements: &[&str] = match (sqlite, refuse) {
        (true, true) => &["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END"],
        (true, false) => &["DROP TRIGGER refuse_audit"],
        (false, true) => &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        ],
        (false, false) => &[
            "DROP TRIGGER refuse_audit ON audit_log",
            "DROP FUNCTION refuse_audit()",
        ],
    };
    execute(app, statements).await;
}

async fn a_failed_audit_write_fails_the_request(app: &TestApp) {
    let first = senior(1, "110105013000");
    let (status, created) = app.post("/v1/seniors", &first).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/v1/seniors/{}", created["id"].as_str().unwrap());
    let name = first["name"].as_str().unwrap();
    let read = || {
        send(
            app.request(Method::GET, &path)
                .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
        )
    };

    refuse_audit_entries(app, true).await;
    let (status, answer) = read().await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
    assert!(!answer.to_string().contains(name), "{answer}");
    let (status, listed) = send(
        app.request(Method::GET, "/v1/seniors")
            .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{listed}");
    assert!(!listed.to_string().contains(name), "{listed}");
    let (status, refused) = app.post("/v1/seniors", &senior(2, "110105013000")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{refused}");

    refuse_audit_entries(app, false).await;
    let (status, answer) = read().await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["name"], name);
    // The registration refused with its audit entry was not stored.
    let (_, listed) = send(
        app.request(Method::GET, "/v1/seniors")
            .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
    )
    .await;
    assert_eq!(listed["seniors"].as_array().unwrap().len(), 1, "{listed}");
}
both!(audit_refused, a_failed_audit_write_fails_the_request);
