//! The feed's order against PostgreSQL's out-of-order commits: a transaction that
//! inserted its event first but commits last must still reach a reader that has
//! already read past the events committed before it. (SQLite has one writer: commit
//! order is insert order there, and the API suite covers it.)

mod support;

use jiayang_store::{Store, entity::event, events};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, TransactionTrait,
};
use support::scratch::on_scratch_postgres;

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
    on_scratch_postgres("jiayang_events", |url| async move {
        let store = Store::open(&url).await.expect("open test database");
        late_commit_is_not_skipped(store.clone()).await;
        store.db.close().await.unwrap();
    })
    .await;
}
