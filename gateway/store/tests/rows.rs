//! Multi-row inserts keep every value as it was: on PostgreSQL the rows travel as one
//! JSON text, so quotes, backslashes, control characters, non-ASCII text, bytes, NULLs
//! and 64-bit numbers must come back exactly, and a unique violation must still be one.

mod support;

use jiayang_store::{Store, entity::webhook, is_unique_violation, rows};
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder, TransactionTrait};
use support::scratch::on_scratch_postgres;

fn endpoint(n: usize) -> webhook::Model {
    let odd = n % 2 == 1;
    webhook::Model {
        participant: format!("p{n:04}"),
        url: format!("https://例子.test/hook?q=\"{n}\"&path=C:\\dir\\\u{1}\t\n"),
        secret: (0..=255u8).rev().chain([0, n as u8]).collect(),
        previous_secret: odd.then(|| vec![0, 92, 120, 39, 34]),
        previous_until: odd.then_some(i64::MAX - n as i64),
        status: "ACTIVE".into(),
        disabled_reason: (!odd).then(|| "连续失败 \\x00 '引号' \u{7f}".into()),
        cursor: i64::MIN + n as i64,
        due_at: n as i64,
        lease_owner: None,
        lease_until: odd.then_some(-1),
        created_at: 1_796_400_000_000_000,
        updated_at: 1_796_400_000_000_001,
    }
}

async fn values_come_back_exactly(store: Store) {
    let sent: Vec<webhook::Model> = (0..1200).map(endpoint).collect();
    let txn = store.db.begin().await.unwrap();
    rows::insert_all(
        &txn,
        sent.iter()
            .cloned()
            .map(webhook::ActiveModel::from)
            .collect(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let stored = webhook::Entity::find()
        .order_by_asc(webhook::Column::Participant)
        .all(&store.db)
        .await
        .unwrap();
    assert_eq!(stored, sent);

    // A taken key is refused as by a `VALUES` insert: the gateway maps it to a conflict.
    let again = webhook::ActiveModel {
        participant: Set("p0001".into()),
        ..webhook::ActiveModel::from(endpoint(2))
    };
    let error = rows::insert_all(&store.db, vec![again]).await.unwrap_err();
    assert!(is_unique_violation(&error), "{error}");
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("rows.db").display());
    let store = Store::open(&url).await.expect("open SQLite");
    values_come_back_exactly(store).await;
}

#[tokio::test]
async fn postgres() {
    on_scratch_postgres("jiayang_rows", |url| async move {
        let store = Store::open(&url).await.expect("open test database");
        values_come_back_exactly(store.clone()).await;
        store.db.close().await.unwrap();
    })
    .await;
}
