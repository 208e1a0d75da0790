//! `M0006Holdings` run over data written in the old single-holder shape (`seniors`), on
//! both databases: what a gateway upgraded in place must still hold afterwards.

mod support;

use jiayang_store::{
    entity::{consent, person, record_holder, registration},
    migration::Migrator,
};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryOrder,
    sea_query::{Query, Value},
};
use sea_orm_migration::MigratorTrait;
use support::scratch::on_scratch_postgres;

/// The migrations before `M0006Holdings`: the schema the legacy rows were written under.
const BEFORE_HOLDINGS: u32 = 5;

/// Two seniors as the old schema held them, each with its single holder. The second has
/// no identity document, which the old schema allowed and the new must keep.
fn legacy_registrations() -> Vec<registration::Model> {
    vec![
        registration::Model {
            senior_id: "01jsenior0000000000000000a".into(),
            holder: "bj-elder-portal".into(),
            version: 3,
            status: "ACTIVE".into(),
            division_code: "110105".into(),
            identity_hash: Some("9f2c0a71e4".into()),
            document: r#"{"id":"01jsenior0000000000000000a","status":"ACTIVE"}"#.into(),
            // Not UTF-8, so a text round trip would show.
            sealed: vec![0x00, 0xff, 0x10, 0x80, 0x7f],
            // Sealed the old way until the gateway reseals it at start.
            sealing: 1,
            created_at: 1_700_000_000_000_001,
            updated_at: 1_700_000_500_000_002,
        },
        registration::Model {
            senior_id: "01jsenior0000000000000000b".into(),
            holder: "cy-station".into(),
            version: 1,
            status: "ACTIVE".into(),
            division_code: "110105".into(),
            identity_hash: None,
            document: r#"{"id":"01jsenior0000000000000000b","status":"ACTIVE"}"#.into(),
            sealed: vec![0xde, 0xad, 0xbe, 0xef],
            // Sealed the old way until the gateway reseals it at start.
            sealing: 1,
            created_at: 1_700_000_100_000_000,
            updated_at: 1_700_000_100_000_000,
        },
    ]
}

/// A grant on the second senior, captured by its holder; `holder` is what the migration
/// must fill in.
fn legacy_consent() -> consent::Model {
    consent::Model {
        id: "01jconsent000000000000000a".into(),
        senior_id: "01jsenior0000000000000000b".into(),
        grantee: "hd-provider".into(),
        status: "ACTIVE".into(),
        valid_from: "2024-01-01".into(),
        valid_until: Some("2025-12-31".into()),
        captured_by: "cy-station".into(),
        holder: "cy-station".into(),
        purposes: ",CARE_SERVICE,".into(),
        categories: ",BASIC,".into(),
        version: 1,
        document: r#"{"id":"01jconsent000000000000000a"}"#.into(),
        created_at: 1_700_000_200_000_000,
        updated_at: 1_700_000_200_000_000,
    }
}

/// One record about each senior, by a provider that holds neither.
fn legacy_records() -> [(&'static str, &'static str); 2] {
    [
        ("01jrecord00000000000000000a", "01jsenior0000000000000000a"),
        ("01jrecord00000000000000000b", "01jsenior0000000000000000b"),
    ]
}

/// The legacy tables have no entities any more; the values are bound, as no blob literal
/// reads the same on SQLite and PostgreSQL.
async fn insert(db: &DatabaseConnection, table: &'static str, row: Vec<(&'static str, Value)>) {
    let (columns, values): (Vec<_>, Vec<_>) = row.into_iter().unzip();
    let statement = Query::insert()
        .into_table(table)
        .columns(columns)
        .values_panic(values.into_iter().map(Into::into))
        .to_owned();
    db.execute(&statement).await.expect(table);
}

async fn insert_legacy(db: &DatabaseConnection) {
    for r in legacy_registrations() {
        let senior = vec![
            ("id", r.senior_id.into()),
            ("holder", r.holder.into()),
            ("version", r.version.into()),
            ("status", r.status.into()),
            ("division_code", r.division_code.into()),
            ("identity_hash", r.identity_hash.into()),
            ("document", r.document.into()),
            ("sealed", r.sealed.into()),
            ("created_at", r.created_at.into()),
            ("updated_at", r.updated_at.into()),
        ];
        insert(db, "seniors", senior).await;
    }
    let c = legacy_consent();
    let consent = vec![
        ("id", c.id.into()),
        ("senior_id", c.senior_id.into()),
        ("grantee", c.grantee.into()),
        ("status", c.status.into()),
        ("valid_from", c.valid_from.into()),
        ("valid_until", c.valid_until.into()),
        ("captured_by", c.captured_by.into()),
        ("purposes", c.purposes.into()),
        ("categories", c.categories.into()),
        ("version", c.version.into()),
        ("document", c.document.into()),
        ("created_at", c.created_at.into()),
        ("updated_at", c.updated_at.into()),
    ];
    insert(db, "consents", consent).await;
    let at = 1_700_000_300_000_000i64;
    for (id, senior) in legacy_records() {
        let record = vec![
            ("id", id.into()),
            ("submitted_by", "hd-provider".into()),
            ("version", 1.into()),
            ("senior_id", senior.into()),
            ("provider_id", "01jprovider00000000000000a".into()),
            ("status", "COMPLETED".into()),
            ("service_item", "MEAL_DELIVERY".into()),
            ("starts_at", at.into()),
            ("document", format!(r#"{{"id":"{id}"}}"#).into()),
            ("created_at", at.into()),
            ("updated_at", at.into()),
        ];
        insert(db, "service_records", record).await;
    }
}

type Snapshot = (
    Vec<person::Model>,
    Vec<registration::Model>,
    Vec<consent::Model>,
    Vec<record_holder::Model>,
);

async fn snapshot(db: &DatabaseConnection) -> Snapshot {
    (
        person::Entity::find()
            .order_by_asc(person::Column::Id)
            .all(db)
            .await
            .unwrap(),
        registration::Entity::find()
            .order_by_asc(registration::Column::SeniorId)
            .all(db)
            .await
            .unwrap(),
        consent::Entity::find().all(db).await.unwrap(),
        record_holder::Entity::find()
            .order_by_asc(record_holder::Column::RecordId)
            .all(db)
            .await
            .unwrap(),
    )
}

async fn migrate_and_check(db: &DatabaseConnection) {
    Migrator::up(db, Some(BEFORE_HOLDINGS))
        .await
        .expect("migrations before M0006");
    insert_legacy(db).await;
    Migrator::up(db, None).await.expect("M0006 migrates");

    let registrations = legacy_registrations();
    let persons: Vec<_> = registrations
        .iter()
        .map(|r| person::Model {
            id: r.senior_id.clone(),
            identity_hash: r.identity_hash.clone(),
            created_at: r.created_at,
        })
        .collect();
    // Each record's basis was its senior's only holder.
    let record_holders: Vec<_> = legacy_records()
        .into_iter()
        .map(|(record_id, senior)| record_holder::Model {
            record_id: record_id.into(),
            holder: registrations
                .iter()
                .find(|r| r.senior_id == senior)
                .map(|r| r.holder.clone())
                .unwrap(),
        })
        .collect();
    let migrated = snapshot(db).await;
    assert_eq!(
        migrated,
        (
            persons,
            registrations,
            vec![legacy_consent()],
            record_holders
        )
    );
    assert!(
        db.execute_unprepared("SELECT id FROM seniors")
            .await
            .is_err(),
        "seniors is dropped"
    );

    // Recorded, so the next start does not run it again (it would fail: its tables exist).
    let applied = Migrator::get_applied_migrations(db).await.unwrap();
    assert!(applied.iter().any(|m| m.name() == "m0006_holdings"));
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::up(db, None)
        .await
        .expect("a second run is a no-op");
    assert_eq!(snapshot(db).await, migrated);
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("gateway.db").display()
    );
    let db = Database::connect(&url).await.expect("open SQLite");
    migrate_and_check(&db).await;
    db.close().await.unwrap();
}

#[tokio::test]
async fn postgres() {
    on_scratch_postgres("jiayang_migration", |url| async move {
        let db = Database::connect(&url)
            .await
            .expect("connect test database");
        migrate_and_check(&db).await;
        db.close().await.unwrap();
    })
    .await;
}
