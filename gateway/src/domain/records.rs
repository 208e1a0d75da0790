//! Service records. References are resolved on write and stored as ids: a record never
//! keeps the identity number it may have been sent with.

use std::collections::HashMap;

use jiayang_schemas::{Kind, Violation};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Query,
};
use serde_json::{Map, Value, json};

use super::{
    Caller, Gateway, PageRequest,
    document::{self, Meta, external_ids, json_text, str_at, without_server_fields},
    paging::Cursor,
    providers::Providers,
    references,
    resource::{Resource, conflict, update_at_version},
    rules::REFERENCE_UNRESOLVED,
    seniors::identity_index,
    validated,
    workers::Workers,
};
use crate::{
    error::ApiError,
    store::{
        entity::{provider, senior, service_record},
        micros_to_rfc3339, now_micros,
    },
};

pub struct ServiceRecords;

/// References already resolved in this batch: a bulk load names the same few seniors,
/// providers and workers again and again.
#[derive(Default)]
pub struct ReferenceCache {
    seniors: HashMap<String, Option<String>>,
    providers: HashMap<String, Option<String>>,
    workers: HashMap<(String, String), bool>,
}

pub struct PreparedRecord {
    body: Map<String, Value>,
    external_ids: Vec<(String, String)>,
    senior_id: String,
    provider_id: String,
    starts_at: Option<i64>,
}

/// Filters of a service-record list.
#[derive(Clone, Debug, Default)]
pub struct RecordFilter {
    pub senior_id: Option<String>,
    pub provider_id: Option<String>,
    pub status: Option<String>,
    /// RFC 3339 bounds on the record's start: `from` ≤ start < `to`.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl ServiceRecords {
    pub(crate) fn render(row: &service_record::Model) -> Value {
        let mut rendered = document::render(
            &row.document,
            Meta {
                id: &row.id,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
        );
        rendered["submittedBy"] = row.submitted_by.clone().into();
        rendered["submittedAt"] = micros_to_rfc3339(row.created_at).into();
        rendered
    }

    /// Records `visible` to a reader that match `filter`, as rows of one page.
    pub(crate) async fn list(
        gateway: &Gateway,
        page: &PageRequest,
        filter: &RecordFilter,
        visible: Visible<'_>,
    ) -> Result<(Cursor, Vec<service_record::Model>), ApiError> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let cursor = Cursor::new(
            page,
            "service-records",
            &[
                &text(&filter.senior_id),
                &text(&filter.provider_id),
                &text(&filter.status),
                &text(&filter.from),
                &text(&filter.to),
            ],
        )?;
        let mut query = service_record::Entity::find().filter(visible.condition());
        if let Some(id) = &filter.senior_id {
            query = query.filter(service_record::Column::SeniorId.eq(id.as_str()));
        }
        if let Some(id) = &filter.provider_id {
            query = query.filter(service_record::Column::ProviderId.eq(id.as_str()));
        }
        if let Some(status) = &filter.status {
            query = query.filter(service_record::Column::Status.eq(status.as_str()));
        }
        if let Some(from) = &filter.from {
            query = query.filter(service_record::Column::StartsAt.gte(bound("from", from)?));
        }
        if let Some(to) = &filter.to {
            query = query.filter(service_record::Column::StartsAt.lt(bound("to", to)?));
        }
        if let Some(after) = &cursor.after {
            query = query.filter(service_record::Column::Id.gt(after.as_str()));
        }
        let rows = query
            .order_by_asc(service_record::Column::Id)
            .limit(cursor.fetch())
            .all(&gateway.store.db)
            .await?;
        Ok((cursor, rows))
    }
}

/// Which records a list shows (see `super::release`): all, or those a participant
/// submitted, and with `held` those about the seniors it holds.
#[derive(Clone, Copy, Debug)]
pub enum Visible<'a> {
    All,
    To { participant: &'a str, held: bool },
}

impl Visible<'_> {
    fn condition(self) -> Condition {
        match self {
            Visible::All => Condition::all(),
            Visible::To { participant, held } => {
                let own = Condition::any().add(service_record::Column::SubmittedBy.eq(participant));
                if !held {
                    return own;
                }
                own.add(
                    service_record::Column::SeniorId.in_subquery(
                        Query::select()
                            .column(senior::Column::Id)
                            .from(senior::Entity)
                            .and_where(senior::Column::Holder.eq(participant))
                            .to_owned(),
                    ),
                )
            }
        }
    }
}

fn new_row(
    caller: &Caller,
    id: &str,
    now: i64,
    prepared: &PreparedRecord,
) -> service_record::ActiveModel {
    service_record::ActiveModel {
        id: Set(id.to_owned()),
        submitted_by: Set(caller.participant.clone()),
        version: Set(1),
        senior_id: Set(prepared.senior_id.clone()),
        provider_id: Set(prepared.provider_id.clone()),
        status: Set(str_at(&prepared.body, "status").to_owned()),
        service_item: Set(str_at(&prepared.body, "serviceItem").to_owned()),
        starts_at: Set(prepared.starts_at),
        document: Set(json_text(&prepared.body)),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Recording a service for a senior needs a basis for SERVICE_DELIVERY: holding the
/// senior's profile or an active grant for that purpose (the operator, which holds no
/// personal data, records no services: the kind gate stops it before this).
async fn basis_for_delivery(
    gateway: &Gateway,
    conn: &impl ConnectionTrait,
    caller: &Caller,
    senior_id: &str,
) -> Result<(), ApiError> {
    let holder = senior::Entity::find_by_id(senior_id.to_owned())
        .one(conn)
        .await?
        .map(|row| row.holder);
    if holder.as_deref() == Some(caller.participant.as_str()) {
        return Ok(());
    }
    let granted = super::consents::granted(
        gateway,
        &caller.participant,
        "SERVICE_DELIVERY",
        &[senior_id],
    )
    .await?;
    if granted.is_empty() {
        return Err(ApiError::PermissionDenied(format!(
            "no active consent gives {} a basis for SERVICE_DELIVERY to this senior",
            caller.participant
        )));
    }
    Ok(())
}

fn bound(name: &str, text: &str) -> Result<i64, ApiError> {
    instant_micros(text).ok_or_else(|| {
        ApiError::Invalid(vec![Violation::new(
            format!("/{name}"),
            jiayang_schemas::rule::TIMESTAMP_FORMAT,
            format!("{name} 应为 RFC 3339 时间"),
            format!("{name} must be an RFC 3339 date-time"),
        )])
    })
}

fn instant_micros(text: &str) -> Option<i64> {
    let at = jiayang_proto::Timestamp::parse_rfc3339(text)?;
    Some(at.seconds * 1_000_000 + i64::from(at.nanos / 1_000))
}

fn unresolved(path: &str, what_zh: &str, what_en: &str) -> Violation {
    Violation::new(
        path,
        REFERENCE_UNRESOLVED,
        format!("找不到所引用的{what_zh}"),
        format!("the referenced {what_en} is unknown to the gateway"),
    )
}

/// The one key a validated reference carries.
fn ref_key(reference: &Map<String, Value>) -> &str {
    reference
        .keys()
        .next()
        .map(String::as_str)
        .unwrap_or_default()
}

/// The senior a validated reference names, if the gateway holds it.
pub(crate) async fn resolve_senior(
    gateway: &Gateway,
    conn: &impl ConnectionTrait,
    reference: &Map<String, Value>,
) -> Result<Option<String>, ApiError> {
    let only_id = |query: sea_orm::Select<senior::Entity>| {
        query
            .select_only()
            .column(senior::Column::Id)
            .into_tuple::<String>()
    };
    if let Some(id) = reference.get("seniorId").and_then(Value::as_str) {
        Ok(only_id(senior::Entity::find_by_id(id.to_owned()))
            .one(conn)
            .await?)
    } else if let Some(external) = reference.get("externalId") {
        let participant = external
            .get("participant")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let id = external
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(references::external(conn, Kind::Senior, participant, id).await?)
    } else {
        let number = reference
            .get("identityNumber")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let hash = identity_index(gateway, "RESIDENT_ID_CARD", number);
        Ok(
            only_id(senior::Entity::find().filter(senior::Column::IdentityHash.eq(hash)))
                .one(conn)
                .await?,
        )
    }
}

/// The provider a validated reference names, if the gateway holds it.
async fn resolve_provider(
    conn: &impl ConnectionTrait,
    reference: &Map<String, Value>,
) -> Result<Option<String>, ApiError> {
    if let Some(id) = reference.get("providerId").and_then(Value::as_str) {
        let found = provider::Entity::find_by_id(id.to_owned())
            .select_only()
            .column(provider::Column::Id)
            .into_tuple::<String>()
            .one(conn)
            .await?;
        Ok(found)
    } else if let Some(external) = reference.get("externalId") {
        let participant = external
            .get("participant")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let id = external
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(references::external(conn, Kind::Provider, participant, id).await?)
    } else {
        let uscc = reference
            .get("uscc")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(Providers::find_by_uscc(conn, uscc).await?.map(|row| row.id))
    }
}

impl Resource for ServiceRecords {
    const KIND: Kind = Kind::ServiceRecord;
    const PREFIX: &'static str = "rec";
    const LABEL: &'static str = "service record";
    type Cache = ReferenceCache;
    type Prepared = PreparedRecord;

    async fn prepare(
        gateway: &Gateway,
        caller: &Caller,
        _parent: Option<&str>,
        document: Value,
        conn: &impl ConnectionTrait,
        cache: &mut ReferenceCache,
    ) -> Result<PreparedRecord, ApiError> {
        validated(Kind::ServiceRecord, &document)?;
        let mut body = without_server_fields(document);
        let empty = Map::new();
        let mut violations = Vec::new();
        let senior_ref = body
            .get("senior")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let key = json_text(senior_ref);
        let senior_id = match cache.seniors.get(&key) {
            Some(found) => found.clone(),
            None => {
                let found = resolve_senior(gateway, conn, senior_ref).await?;
                cache.seniors.insert(key, found.clone());
                found
            }
        };
        if senior_id.is_none() {
            let path = format!("/senior/{}", ref_key(senior_ref));
            violations.push(unresolved(&path, "老年人", "senior"));
        }
        let provider_ref = body
            .get("provider")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let key = json_text(provider_ref);
        let provider_id = match cache.providers.get(&key) {
            Some(found) => found.clone(),
            None => {
                let found = resolve_provider(conn, provider_ref).await?;
                cache.providers.insert(key, found.clone());
                found
            }
        };
        if provider_id.is_none() {
            let path = format!("/provider/{}", ref_key(provider_ref));
            violations.push(unresolved(&path, "服务商", "provider"));
        }
        let certificate = body
            .get("worker")
            .and_then(|w| w.get("certificateNo"))
            .and_then(Value::as_str);
        if let (Some(provider_id), Some(certificate)) = (&provider_id, certificate) {
            let key = (provider_id.clone(), certificate.to_owned());
            let known = match cache.workers.get(&key) {
                Some(known) => *known,
                None => {
                    let known = Workers::find_by_certificate(conn, provider_id, certificate)
                        .await?
                        .is_some();
                    cache.workers.insert(key, known);
                    known
                }
            };
            if !known {
                violations.push(unresolved(
                    "/worker/certificateNo",
                    "服务人员上门服务证",
                    "worker certificate at this provider",
                ));
            }
        }
        let (Some(senior_id), Some(provider_id)) = (senior_id, provider_id) else {
            return Err(ApiError::Invalid(violations));
        };
        if !violations.is_empty() {
            return Err(ApiError::Invalid(violations));
        }
        basis_for_delivery(gateway, conn, caller, &senior_id).await?;
        body.insert("senior".into(), json!({ "seniorId": senior_id }));
        body.insert("provider".into(), json!({ "providerId": provider_id }));
        let starts_at = body
            .get("checkIn")
            .and_then(|c| c.get("at"))
            .or_else(|| body.get("scheduled").and_then(|s| s.get("start")))
            .and_then(Value::as_str)
            .and_then(instant_micros);
        Ok(PreparedRecord {
            external_ids: external_ids(&body),
            body,
            senior_id,
            provider_id,
            starts_at,
        })
    }

    async fn insert(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        caller: &Caller,
        _parent: Option<&str>,
        id: &str,
        prepared: &PreparedRecord,
    ) -> Result<Value, ApiError> {
        let row = new_row(caller, id, now_micros(), prepared)
            .insert(txn)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        references::insert_external(txn, Kind::ServiceRecord, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Ok(Self::render(&row))
    }

    /// Bulk loads write one multi-row insert per chunk for the records and one for their
    /// external ids.
    async fn insert_batch(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        caller: &Caller,
        _parent: Option<&str>,
        items: &[(String, &PreparedRecord)],
    ) -> Result<(), ApiError> {
        if items.is_empty() {
            return Ok(());
        }
        let now = now_micros();
        let rows = items
            .iter()
            .map(|(id, prepared)| new_row(caller, id, now, prepared));
        service_record::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        let external: Vec<(String, Vec<(String, String)>)> = items
            .iter()
            .map(|(id, prepared)| (id.clone(), prepared.external_ids.clone()))
            .collect();
        references::insert_external_many(txn, Kind::ServiceRecord, &external)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Ok(())
    }

    async fn replace(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        _parent: Option<&str>,
        id: &str,
        expected_version: i32,
        prepared: &PreparedRecord,
    ) -> Result<Value, ApiError> {
        // Only what changes is set; the version check is the UPDATE's own condition.
        let row = service_record::ActiveModel {
            version: Set(expected_version + 1),
            senior_id: Set(prepared.senior_id.clone()),
            provider_id: Set(prepared.provider_id.clone()),
            status: Set(str_at(&prepared.body, "status").to_owned()),
            service_item: Set(str_at(&prepared.body, "serviceItem").to_owned()),
            starts_at: Set(prepared.starts_at),
            document: Set(json_text(&prepared.body)),
            updated_at: Set(now_micros()),
            ..Default::default()
        };
        let row = update_at_version::<service_record::Entity>(
            txn,
            Self::LABEL,
            row,
            id,
            expected_version,
            service_record::Column::Id,
            service_record::Column::Version,
        )
        .await?;
        references::replace_external(txn, Kind::ServiceRecord, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Ok(Self::render(&row))
    }

    async fn get(
        _gateway: &Gateway,
        conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        id: &str,
    ) -> Result<Option<Value>, ApiError> {
        Ok(service_record::Entity::find_by_id(id.to_owned())
            .one(conn)
            .await?
            .map(|row| Self::render(&row)))
    }

    /// A record is its submitter's: only it (and the operator) changes it.
    async fn owner(
        conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        id: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let Some(id) = id else { return Ok(None) };
        Ok(service_record::Entity::find_by_id(id.to_owned())
            .one(conn)
            .await?
            .map(|row| row.submitted_by))
    }
}
