//! The database's own rate for the rows a gateway import writes: per record one
//! `service_records` row (the stored document as the gateway keeps it) and one
//! `external_ids` row, in one transaction, on a pool opened with the gateway's settings.
//! No validation, no reference lookups, no savepoints. Multi-row inserts go the way the
//! gateway's do (`jiayang_store::rows::insert_all`: one JSON text per statement on
//! PostgreSQL), so the import's ratio to them is the cost of everything else.

use std::time::Instant;

use jiayang_schemas::Kind;
use jiayang_store::{
    Store,
    entity::{external_id, service_record},
    now_micros,
};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait, TransactionTrait};
use serde_json::Value;

use crate::harness::PORTAL;

use crate::{
    BoxError,
    config::Config,
    driver::Outcome,
    fixtures,
    harness::Harness,
    report::{Label, Measurement, Rate},
    seed::World,
};

/// The columns the gateway derives from a record, computed once (they are the same for
/// every row of the load).
struct Rows {
    template: String,
    senior_id: String,
    provider_id: String,
    status: String,
    service_item: String,
    starts_at: Option<i64>,
}

impl Rows {
    fn new(world: &World) -> Result<Self, BoxError> {
        let template = fixtures::record_template(&world.senior_id, &world.provider_id);
        let record: Value = serde_json::from_str(&fixtures::record(&template, "x"))?;
        let text = |pointer: &str| fixtures::text_at(&record, pointer);
        let starts_at = fixtures::micros_at(&record, "/checkIn/at");
        Ok(Self {
            status: text("/status"),
            service_item: text("/serviceItem"),
            senior_id: world.senior_id.clone(),
            provider_id: world.provider_id.clone(),
            starts_at,
            template,
        })
    }

    /// Row `i`: its id, its `service_records` row and its `external_ids` row.
    fn row(&self, tag: &str, i: usize) -> (service_record::ActiveModel, external_id::ActiveModel) {
        let id = format!("rec_{tag}{i:022}");
        let external = format!("RAW-{tag}{i}");
        let now = now_micros();
        (
            service_record::ActiveModel {
                id: Set(id.clone()),
                submitted_by: Set("operator".into()),
                version: Set(1),
                senior_id: Set(self.senior_id.clone()),
                provider_id: Set(self.provider_id.clone()),
                status: Set(self.status.clone()),
                service_item: Set(self.service_item.clone()),
                starts_at: Set(self.starts_at),
                // The floor: no verification, so none of what it looks up.
                visit_from: Set(None),
                visit_until: Set(None),
                worker_certificate: Set(None),
                verification: Set(None),
                document: Set(fixtures::record(&self.template, &external)),
                created_at: Set(now),
                updated_at: Set(now),
            },
            external_id::ActiveModel {
                kind: Set(Kind::ServiceRecord.as_str().into()),
                participant: Set(PORTAL.into()),
                external_id: Set(external),
                resource_id: Set(id),
            },
        )
    }
}

fn label(transport: &'static str, h: &Harness, latency_of: String) -> Label {
    Label {
        scenario: "raw-insert",
        target: "database",
        transport,
        database: h.database,
        clients: 1,
        latency_of,
    }
}

/// Multi-row INSERTs of `rows_per_insert` rows into each table.
pub async fn multi_row(
    h: &Harness,
    config: &Config,
    world: &World,
) -> Result<Measurement, BoxError> {
    let per = config.rows_per_insert.max(1);
    let outcome = insert_all(h, config, world, "M", per).await?;
    Ok(Measurement::new(
        label("sql multi-row", h, format!("{per}-row INSERT pair")),
        &outcome,
        Rate::Records,
    ))
}

/// One INSERT per row and table.
pub async fn row_at_a_time(
    h: &Harness,
    config: &Config,
    world: &World,
) -> Result<Measurement, BoxError> {
    let outcome = insert_all(h, config, world, "S", 1).await?;
    Ok(Measurement::new(
        label("sql row-at-a-time", h, "1-row INSERT pair".into()),
        &outcome,
        Rate::Records,
    ))
}

async fn insert_all(
    h: &Harness,
    config: &Config,
    world: &World,
    tag: &str,
    per: usize,
) -> Result<Outcome, BoxError> {
    let rows = Rows::new(world)?;
    let store = Store::open(&h.database_url).await?;
    let n = config.import_records;
    let mut outcome = Outcome::default();
    let started = Instant::now();
    let txn = store.db.begin().await?;
    for start in (0..n).step_by(per) {
        let end = (start + per).min(n);
        let sent = Instant::now();
        match insert_chunk(&txn, &rows, tag, start..end).await {
            Ok(()) => {
                outcome.latencies_us.push(sent.elapsed().as_micros() as u64);
                outcome.records += (end - start) as u64;
            }
            Err(error) => {
                outcome.errors += 1;
                outcome.first_error.get_or_insert(error.to_string());
            }
        }
    }
    txn.commit().await?;
    outcome.elapsed = started.elapsed();
    store.db.close().await?;
    Ok(outcome)
}

async fn insert_chunk(
    txn: &DatabaseTransaction,
    rows: &Rows,
    tag: &str,
    range: std::ops::Range<usize>,
) -> Result<(), sea_orm::DbErr> {
    let (records, externals): (Vec<_>, Vec<_>) = range.map(|i| rows.row(tag, i)).unzip();
    if records.len() == 1 {
        service_record::Entity::insert_many(records)
            .exec_without_returning(txn)
            .await?;
        external_id::Entity::insert_many(externals)
            .exec_without_returning(txn)
            .await?;
    } else {
        jiayang_store::rows::insert_all(txn, records).await?;
        jiayang_store::rows::insert_all(txn, externals).await?;
    }
    Ok(())
}
