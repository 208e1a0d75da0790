//! A fresh PostgreSQL database for one test, dropped afterwards even when the test fails.
//! Shared by the store's tests and the server's multi-node test (included by path).

use std::future::Future;

use sea_orm::{ConnectionTrait, Database};

/// Runs `test` with the URL of a new database on the server `JIAYANG_TEST_POSTGRES_URL`
/// names (required: PostgreSQL tests never skip), then drops the database and passes
/// on the test's panic, if any.
pub async fn on_scratch_postgres<F, Fut>(prefix: &str, test: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = std::env::var("JIAYANG_TEST_POSTGRES_URL").expect(
        "JIAYANG_TEST_POSTGRES_URL is not set: PostgreSQL tests never skip; set it to a \
         PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test)",
    );
    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable at JIAYANG_TEST_POSTGRES_URL");
    let name = format!("{prefix}_{}", ulid::Ulid::new().to_string().to_lowercase());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL ends in /dbname");
    // In a task so that a failed assertion still reaches the DROP below.
    let outcome = tokio::spawn(test(format!("{base}/{name}"))).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop test database");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}
