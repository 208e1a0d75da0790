//! Schema migrations, run at start (`Migrator::up`). Each migration is append-only: a
//! released one is never edited, a change is a new one.

use sea_orm_migration::{prelude::*, schema::*};

use crate::delimited;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001Initial),
            Box::new(M0002Participants),
            Box::new(M0003Audit),
            Box::new(M0004Consents),
            Box::new(M0005Visibility),
            Box::new(M0006Holdings),
            Box::new(M0007Verification),
            Box::new(M0008Events),
            Box::new(M0009Webhooks),
            Box::new(M0010CoveringChecks),
            Box::new(M0011Certifications),
            Box::new(M0012Checkpoints),
            Box::new(M0013Sealing),
        ]
    }
}

struct M0001Initial;

impl MigrationName for M0001Initial {
    fn name(&self) -> &str {
        "m0001_initial"
    }
}

/// Timestamps are microseconds since the epoch (BIGINT): the same on both databases and
/// ordered without parsing.
fn micros(name: impl IntoIden) -> ColumnDef {
    big_integer(name)
}

#[async_trait::async_trait]
impl MigrationTrait for M0001Initial {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("participants")
                    .col(string("id").primary_key())
                    .col(string("kind"))
                    .col(string("name"))
                    .col(string("status"))
                    .col(micros("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_tokens")
                    .col(string("token_hash").primary_key())
                    .col(string("participant_id"))
                    .col(micros("created_at"))
                    .col(big_integer_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("external_ids")
                    .col(string("kind"))
                    .col(string("participant"))
                    .col(string("external_id"))
                    .col(string("resource_id"))
                    .primary_key(
                        Index::create()
                            .col("kind")
                            .col("participant")
                            .col("external_id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("external_ids_resource")
                    .table("external_ids")
                    .col("resource_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("seniors")
                    .col(string("id").primary_key())
                    .col(string("holder"))
                    .col(integer("version"))
                    .col(string("status"))
                    .col(string("division_code"))
                    .col(string_null("identity_hash").unique_key())
                    .col(text("document"))
                    .col(blob("sealed"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("seniors_division")
                    .table("seniors")
                    .col("division_code")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("providers")
                    .col(string("id").primary_key())
                    .col(string("owner"))
                    .col(integer("version"))
                    .col(string("uscc").unique_key())
                    .col(string("kind"))
                    .col(boolean("in_provider_library"))
                    .col(string("status"))
                    .col(text("document"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("provider_areas")
                    .col(string("provider_id"))
                    .col(string("prefix"))
                    .primary_key(Index::create().col("provider_id").col("prefix"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("provider_areas_prefix")
                    .table("provider_areas")
                    .col("prefix")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("provider_items")
                    .col(string("provider_id"))
                    .col(string("service_item"))
                    .primary_key(Index::create().col("provider_id").col("service_item"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("provider_items_item")
                    .table("provider_items")
                    .col("service_item")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("workers")
                    .col(string("id").primary_key())
                    .col(string("provider_id"))
                    .col(string("certificate_no"))
                    .col(integer("version"))
                    .col(string("status"))
                    .col(text("document"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("workers_certificate")
                    .table("workers")
                    .col("provider_id")
                    .col("certificate_no")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("service_records")
                    .col(string("id").primary_key())
                    .col(string("submitted_by"))
                    .col(integer("version"))
                    .col(string("senior_id"))
                    .col(string("provider_id"))
                    .col(string("status"))
                    .col(string("service_item"))
                    .col(big_integer_null("starts_at"))
                    .col(text("document"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("service_records_senior", "senior_id"),
            ("service_records_provider", "provider_id"),
            ("service_records_starts", "starts_at"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("service_records")
                        .col(column)
                        .col("id")
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(string("participant"))
                    .col(string("key"))
                    .col(string("request_hash"))
                    .col(string("resource_id"))
                    .col(micros("created_at"))
                    .primary_key(Index::create().col("participant").col("key"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("settings")
                    .col(string("name").primary_key())
                    .col(text("value"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

/// The participant registry: credit code and native format, and client certificates
/// (by fingerprint, revocable like tokens).
struct M0002Participants;

impl MigrationName for M0002Participants {
    fn name(&self) -> &str {
        "m0002_participants"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0002Participants {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [string_null("uscc"), string_null("native_format")] {
            manager
                .alter_table(
                    Table::alter()
                        .table("participants")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("client_certificates")
                    .col(string("fingerprint").primary_key())
                    .col(string("participant_id"))
                    .col(micros("created_at"))
                    .col(big_integer_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        for (name, table) in [
            ("client_certificates_participant", "client_certificates"),
            ("api_tokens_participant", "api_tokens"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col("participant_id")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

/// The audit log: append-only entries chained by hash, and the head of the chain (one
/// row, updated in every appending transaction, which also serialises appends).
struct M0003Audit;

impl MigrationName for M0003Audit {
    fn name(&self) -> &str {
        "m0003_audit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0003Audit {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_integer("seq").primary_key())
                    .col(micros("at"))
                    .col(string("participant"))
                    .col(string("action"))
                    .col(string_null("resource"))
                    .col(string_null("senior"))
                    .col(string_null("purpose"))
                    .col(string("decision"))
                    .col(string_null("reason"))
                    .col(string_null("categories"))
                    .col(string_null("request_id"))
                    .col(string("prev_hash"))
                    .col(string("hash"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_log_senior")
                    .table("audit_log")
                    .col("senior")
                    .col("seq")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_head")
                    .col(integer("id").primary_key())
                    .col(big_integer("seq"))
                    .col(string("hash"))
                    .to_owned(),
            )
            .await?;
        let genesis = Query::insert()
            .into_table("audit_head")
            .columns(["id", "seq", "hash"])
            .values_panic([1.into(), 0i64.into(), "0".repeat(64).into()])
            .to_owned();
        manager.exec_stmt(genesis).await
    }
}

/// Consents: the grant's terms as columns the enforcement query filters on, and the
/// canonical document.
struct M0004Consents;

impl MigrationName for M0004Consents {
    fn name(&self) -> &str {
        "m0004_consents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0004Consents {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("consents")
                    .col(string("id").primary_key())
                    .col(string("senior_id"))
                    .col(string("grantee"))
                    .col(string("status"))
                    .col(string("valid_from"))
                    .col(string_null("valid_until"))
                    .col(string("captured_by"))
                    .col(integer("version"))
                    .col(text("document"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("consents_senior_grantee")
                    .table("consents")
                    .col("senior_id")
                    .col("grantee")
                    .to_owned(),
            )
            .await
    }
}

/// What lists filter on when they show a participant only the seniors and records it may
/// see: a consent's purposes and categories as columns (`,A,B,`, matched with `LIKE
/// '%,A,%'`; the values are enum codes), and the indexes behind "the seniors I hold",
/// "the records I submitted" and "the seniors granted to me".
struct M0005Visibility;

impl MigrationName for M0005Visibility {
    fn name(&self) -> &str {
        "m0005_visibility"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0005Visibility {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in ["purposes", "categories"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("consents")
                        .add_column(text(column).default(""))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let rows = db
            .query_all(Query::select().columns(["id", "document"]).from("consents"))
            .await?;
        for row in rows {
            let id: String = row.try_get("", "id")?;
            let document: String = row.try_get("", "document")?;
            let document: serde_json::Value = serde_json::from_str(&document)
                .map_err(|e| DbErr::Custom(format!("consent {id}: {e}")))?;
            let list = |key: &str| {
                delimited(
                    document[key]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(serde_json::Value::as_str),
                )
            };
            manager
                .exec_stmt(
                    Query::update()
                        .table("consents")
                        .values([
                            ("purposes", list("purposes").into()),
                            ("categories", list("categories").into()),
                        ])
                        .and_where(Expr::col("id").eq(id))
                        .to_owned(),
                )
                .await?;
        }
        for (name, table, columns) in [
            ("consents_grantee", "consents", ["grantee", "senior_id"]),
            ("seniors_holder", "seniors", ["holder", "id"]),
            (
                "service_records_submitter",
                "service_records",
                ["submitted_by", "id"],
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(columns[0])
                        .col(columns[1])
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

/// Several holders per senior: the person (`persons`: id and identity hash) apart from
/// each holder's registration of them (`registrations`), consents per holder, and the
/// holders whose basis each service record was written under (`record_holders`). Every
/// existing senior becomes a person with one registration, its holder's; its consents
/// and records are that holder's.
struct M0006Holdings;

impl MigrationName for M0006Holdings {
    fn name(&self) -> &str {
        "m0006_holdings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0006Holdings {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("persons")
                    .col(string("id").primary_key())
                    .col(string_null("identity_hash").unique_key())
                    .col(micros("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("registrations")
                    .col(string("senior_id"))
                    .col(string("holder"))
                    .col(integer("version"))
                    .col(string("status"))
                    .col(string("division_code"))
                    .col(string_null("identity_hash"))
                    .col(text("document"))
                    .col(blob("sealed"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .primary_key(Index::create().col("senior_id").col("holder"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("record_holders")
                    .col(string("record_id"))
                    .col(string("holder"))
                    .primary_key(Index::create().col("record_id").col("holder"))
                    .to_owned(),
            )
            .await?;
        for (name, table, columns) in [
            (
                "registrations_holder",
                "registrations",
                ["holder", "senior_id"],
            ),
            (
                "registrations_division",
                "registrations",
                ["division_code", "senior_id"],
            ),
            (
                "record_holders_holder",
                "record_holders",
                ["holder", "record_id"],
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(columns[0])
                        .col(columns[1])
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("consents")
                    .add_column(string("holder").default(""))
                    .to_owned(),
            )
            .await?;
        // Plain SQL that both databases run alike.
        let db = manager.get_connection();
        for statement in [
            "INSERT INTO persons (id, identity_hash, created_at) \
             SELECT id, identity_hash, created_at FROM seniors",
            "INSERT INTO registrations (senior_id, holder, version, status, division_code, \
             identity_hash, document, sealed, created_at, updated_at) \
             SELECT id, holder, version, status, division_code, identity_hash, document, \
             sealed, created_at, updated_at FROM seniors",
            "UPDATE consents SET holder = \
             (SELECT holder FROM seniors WHERE seniors.id = consents.senior_id) \
             WHERE EXISTS (SELECT 1 FROM seniors WHERE seniors.id = consents.senior_id)",
            "INSERT INTO record_holders (record_id, holder) \
             SELECT service_records.id, seniors.holder FROM service_records \
             JOIN seniors ON seniors.id = service_records.senior_id",
            "DROP TABLE seniors",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}

/// Verification: what the checks across records look up on a service record (the
/// visit's times, the worker's certificate) with their indexes, the verification result,
/// and the alerts it raises.
struct M0007Verification;

impl MigrationName for M0007Verification {
    fn name(&self) -> &str {
        "m0007_verification"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0007Verification {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            big_integer_null("visit_from"),
            big_integer_null("visit_until"),
            string_null("worker_certificate"),
            text_null("verification"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("service_records")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("alerts")
                    .col(string("id").primary_key())
                    .col(string("record_id"))
                    .col(string("senior_id"))
                    .col(string("provider_id"))
                    .col(string("submitted_by"))
                    .col(string("rule"))
                    .col(string("severity"))
                    .col(string("status"))
                    .col(string("district"))
                    .col(integer("version"))
                    .col(text("document"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, &str, &[&str]); 6] = [
            (
                "service_records_worker_visit",
                "service_records",
                &["worker_certificate", "visit_from"],
            ),
            (
                "service_records_duplicate",
                "service_records",
                &["senior_id", "service_item", "provider_id", "starts_at"],
            ),
            ("alerts_record", "alerts", &["record_id", "rule"]),
            ("alerts_status", "alerts", &["status", "id"]),
            ("alerts_provider", "alerts", &["provider_id", "id"]),
            ("alerts_submitter", "alerts", &["submitted_by", "id"]),
        ];
        for (name, table, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}

struct M0008Events;

impl MigrationName for M0008Events {
    fn name(&self) -> &str {
        "m0008_events"
    }
}

/// The change feed's outbox. `seq` is taken at insert; `position` after commit (see
/// `crate::events`), unique, so the feed has one order on every node.
#[async_trait::async_trait]
impl MigrationTrait for M0008Events {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(big_pk_auto("seq"))
                    .col(big_integer_null("position").unique_key())
                    .col(string("id").unique_key())
                    .col(string("event_type"))
                    .col(string("resource_kind"))
                    .col(string("resource_id"))
                    .col(integer("version"))
                    .col(string_null("parent_id"))
                    .col(string_null("senior_id"))
                    .col(string_null("holder"))
                    .col(micros("occurred_at"))
                    .to_owned(),
            )
            .await?;
        // The sequencer looks only for what has no position yet; a partial index keeps
        // that look as cheap as the backlog is short, however long the feed.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX events_unsequenced ON events (seq) WHERE position IS NULL",
            )
            .await?;
        Ok(())
    }
}

struct M0009Webhooks;

impl MigrationName for M0009Webhooks {
    fn name(&self) -> &str {
        "m0009_webhooks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0009Webhooks {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("webhooks")
                    .col(string("participant").primary_key())
                    .col(text("url"))
                    .col(blob("secret"))
                    .col(blob_null("previous_secret"))
                    .col(big_integer_null("previous_until"))
                    .col(string("status"))
                    .col(text_null("disabled_reason"))
                    .col(big_integer("cursor"))
                    .col(micros("due_at"))
                    .col(string_null("lease_owner"))
                    .col(big_integer_null("lease_until"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(string("id").primary_key())
                    .col(string("participant"))
                    .col(string("event_id"))
                    .col(big_integer("position"))
                    .col(text("body"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(micros("next_attempt_at"))
                    .col(integer_null("last_status"))
                    .col(text_null("last_error"))
                    .col(micros("created_at"))
                    .col(micros("updated_at"))
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, &[&str], bool); 2] = [
            // An event is queued once per endpoint, whichever node queues it.
            (
                "webhook_deliveries_event",
                &["participant", "event_id"],
                true,
            ),
            (
                "webhook_deliveries_order",
                &["participant", "status", "position"],
                false,
            ),
        ];
        for (name, columns, unique) in indexes {
            let mut index = Index::create();
            index.name(name).table("webhook_deliveries");
            if unique {
                index.unique();
            }
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }
}

struct M0010CoveringChecks;

impl MigrationName for M0010CoveringChecks {
    fn name(&self) -> &str {
        "m0010_covering_checks"
    }
}

/// The checks across records read only their index: each also holds what the checks
/// compare after the range (the end of a visit, the status, the id), so a check never
/// reads a record's row, whose document is most of its size. Without it a check cost
/// grew with the records of each worker in the look-back.
#[async_trait::async_trait]
impl MigrationTrait for M0010CoveringChecks {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // New names, made before the old ones go: another pooled SQLite connection that
        // still holds the old schema would refuse a name it believes exists.
        let indexes: [(&str, &str, &[&str]); 2] = [
            (
                "service_records_worker_visit",
                "service_records_worker_span",
                &["worker_certificate", "visit_from", "visit_until", "id"],
            ),
            (
                "service_records_duplicate",
                "service_records_same_visit",
                &[
                    "senior_id",
                    "service_item",
                    "provider_id",
                    "starts_at",
                    "status",
                    "id",
                ],
            ),
        ];
        for (old, new, columns) in indexes {
            let mut index = Index::create();
            index.name(new).table("service_records");
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
            manager
                .drop_index(Index::drop().name(old).table("service_records").to_owned())
                .await?;
        }
        Ok(())
    }
}

struct M0011Certifications;

impl MigrationName for M0011Certifications {
    fn name(&self) -> &str {
        "m0011_certifications"
    }
}

/// Conformance reports the operator recorded, kept by their hash: a participant's
/// status per mode is its latest.
#[async_trait::async_trait]
impl MigrationTrait for M0011Certifications {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("certifications")
                    .col(string("id").primary_key())
                    .col(string("participant_id"))
                    .col(string("mode"))
                    .col(string("report_sha256"))
                    .col(string("suite_version"))
                    .col(micros("report_finished_at"))
                    .col(micros("certified_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("certifications_latest")
                    .table("certifications")
                    .col("participant_id")
                    .col("mode")
                    .col("certified_at")
                    .to_owned(),
            )
            .await
    }
}

struct M0012Checkpoints;

impl MigrationName for M0012Checkpoints {
    fn name(&self) -> &str {
        "m0012_checkpoints"
    }
}

/// The signed checkpoints of the audit chain, as published in the event feed: what a
/// participant may read back (the file beside the data stays the gateway's own anchor).
#[async_trait::async_trait]
impl MigrationTrait for M0012Checkpoints {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_checkpoints")
                    .col(big_integer("seq").primary_key())
                    .col(string("hash"))
                    .col(micros("signed_at"))
                    .col(string("signature"))
                    .to_owned(),
            )
            .await
    }
}

struct M0013Sealing;

impl MigrationName for M0013Sealing {
    fn name(&self) -> &str {
        "m0013_sealing"
    }
}

/// Which way a registration is sealed: 1, only the personal numbers, bound to the senior
/// (the rows written before); 2, everything but what lists filter on, bound to the
/// senior, holder and version. The gateway reseals the rows at 1 when it starts (the
/// key is not the database's to know).
#[async_trait::async_trait]
impl MigrationTrait for M0013Sealing {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("registrations")
                    .add_column(integer("sealing").default(1))
                    .to_owned(),
            )
            .await
    }
}
