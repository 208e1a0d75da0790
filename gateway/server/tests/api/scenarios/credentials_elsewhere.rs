//! The gateway remembers credentials it has found active (issue 13), yet a suspension or
//! rotation made by another process on the same database — the command line, another
//! node — stops a credential it has already seen: on SQLite at its next request (the
//! signal file), on PostgreSQL as soon as the notification arrives (moments; without it
//! the credential would work on for `REMEMBERED_FOR`, ten seconds).

use std::time::{Duration, Instant};

use jiayang_domain::{
    ParticipantKind,
    participants::{self, REMEMBERED_FOR, Status},
};
use jiayang_store::{Store, pki::TlsFiles};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{both, common::TestApp, common::send};

/// How long a PostgreSQL notification may take to arrive here: far above its usual
/// milliseconds, far below what the credential would be remembered for.
const NOTIFIED_WITHIN: Duration = Duration::from_secs(2);

async fn status_with(app: &TestApp, token: &str) -> StatusCode {
    send(app.request_as(token, Method::GET, "/v1/providers"))
        .await
        .0
}

/// Asserts that `token` is refused at once (SQLite), or within the notification's
/// delivery (PostgreSQL), and never accepted again after its first refusal.
async fn refused_soon(app: &TestApp, token: &str, what: &str) {
    let postgres = app.database_url.starts_with("postgres");
    let started = Instant::now();
    loop {
        let status = status_with(app, token).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            postgres && started.elapsed() < NOTIFIED_WITHIN,
            "{what}: still accepted after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..3 {
        assert_eq!(
            status_with(app, token).await,
            StatusCode::UNAUTHORIZED,
            "{what}"
        );
    }
}

async fn changes_made_elsewhere_stop_remembered_credentials(app: &TestApp) {
    assert!(NOTIFIED_WITHIN < REMEMBERED_FOR);
    // PostgreSQL: remembered only once the listener is connected; wait for it, so that
    // what follows is about a remembered credential.
    let started = Instant::now();
    while app.credentials.stamp().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never listening"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let token = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    for _ in 0..3 {
        assert_eq!(status_with(app, &token).await, StatusCode::OK);
    }

    // Another process on the database (as the command line is): its own store.
    let elsewhere = Store::open(&app.database_url).await.unwrap();
    participants::set_status(&elsewhere, "hk-daojia", Status::Suspended)
        .await
        .unwrap();
    refused_soon(app, &token, "suspended").await;

    participants::set_status(&elsewhere, "hk-daojia", Status::Active)
        .await
        .unwrap();
    // A refusal is never remembered: resumed, it works at the next request.
    assert_eq!(status_with(app, &token).await, StatusCode::OK);

    let rotated = participants::rotate(&elsewhere, &TlsFiles::in_dir(&app.data_dir), "hk-daojia")
        .await
        .unwrap();
    refused_soon(app, &token, "rotated").await;
    assert_eq!(status_with(app, &rotated.token).await, StatusCode::OK);

    if app.database_url.starts_with("postgres") {
        // The listener's connection ends: the node listens again, and what it then
        // remembers is still forgotten on the next change.
        let killed = elsewhere
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(pg_terminate_backend(pid)) AS killed FROM pg_stat_activity \
                 WHERE datname = current_database() AND query ~ '^(LISTEN|NOTIFY jiayang_credentials, ''alive'')'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "killed")
            .unwrap();
        assert_eq!(killed, 1, "one listener");
        let started = Instant::now();
        let before = app.credentials.stamp();
        while app.credentials.stamp().is_none() || app.credentials.stamp() == before {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "never listening again"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for _ in 0..3 {
            assert_eq!(status_with(app, &rotated.token).await, StatusCode::OK);
        }
        participants::set_status(&elsewhere, "hk-daojia", Status::Suspended)
            .await
            .unwrap();
        refused_soon(
            app,
            &rotated.token,
            "suspended after the listener reconnected",
        )
        .await;
    }
    elsewhere.db.close().await.unwrap();
}

both!(
    changes_elsewhere,
    changes_made_elsewhere_stop_remembered_credentials
);
