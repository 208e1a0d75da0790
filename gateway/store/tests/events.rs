//! The feed's order against PostgreSQL's out-of-order commits: a transaction that
//! inserted its event first but commits last must still reach a reader that has
//! already read past the events committed before it. (SQLite has one writer: commit
//! order is insert order there, and the API suite covers it.)

use jiayang_store::{Store, entity::event, events};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, EntityTrait, NotSet, QueryFilter,
    QueryOrder, TransactionTrait,
};

fn event(id: &str) -> event::ActiveModel {
    event::ActiveModel {
        seq: NotSet,
        position: Set(None),
        id: Set(id.to_owned()),
        event_type: Set("provider.updated".into()),
        resource_kind: Set("provider".into()),
        resource_id: Set(format!("prv_{id}")),
        version: Set(2),
        parent_id: Set(None),
        senior_id: Set(None),
        holder: Set(None),
        occurred_at: Set(0),
    }
}

/// The events after `position`, by position: what a reader resuming there receives.
async fn after(store: &Store, position: i64) -> Vec<String> {
    event::Entity::find()
        .filter(event::Column::Position.gt(position))
        .order_by_asc(event::Column::Position)
        .all(&store.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

async fn late_commit_is_not_skipped(store: Store) {
    let early = store.db.begin().await.unwrap();
    event::Entity::insert(event("early"))
        .exec_without_returning(&early)
        .await
        .unwrap();
    let late = store.db.begin().await.unwrap();
    event::Entity::insert(event("late"))
        .exec_without_returning(&late)
        .await
        .unwrap();
    // The one inserted second (a higher seq) commits first.
    late.commit().await.unwrap();
    assert_eq!(events::sequence(&store).await.unwrap(), 1);
    let head = events::head(&store.db).await.unwrap();
    assert_eq!(after(&store, 0).await, ["late"]);
    // A reader has now read everything up to `head`; the earlier insert commits.
    early.commit().await.unwrap();
    assert_eq!(events::sequence(&store).await.unwrap(), 1);
    assert_eq!(after(&store, head).await, ["early"], "not skipped");
    assert_eq!(after(&store, 0).await, ["late", "early"]);
    assert_eq!(events::sequence(&store).await.unwrap(), 0, "nothing waits");
}

#[tokio::test]
async fn postgres() {
    let admin_url = std::env::var("JIAYANG_TEST_POSTGRES_URL").expect(
        "JIAYANG_TEST_POSTGRES_URL is not set: PostgreSQL tests never skip; set it to a \
         PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/test)",
    );
    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable at JIAYANG_TEST_POSTGRES_URL");
    let name = format!(
        "jiayang_events_{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL ends in /dbname");
    let url = format!("{base}/{name}");
    // In a task so that a failed assertion still reaches the DROP below.
    let outcome = tokio::spawn(async move {
        let store = Store::open(&url).await.expect("open test database");
        late_commit_is_not_skipped(store.clone()).await;
        store.db.close().await.unwrap();
    })
    .await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop test database");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}
