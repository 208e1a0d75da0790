//! Service records. References are resolved on write and stored as ids: a record never
//! keeps the identity number it may have been sent with.

use std::collections::HashMap;

use jiayang_schemas::{Kind, Violation};
use jiayang_store::{
    entity::{record_holder, service_record},
    micros_to_rfc3339,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, sea_query::Query,
};
use serde_json::{Map, Value, json};

use crate::{
    Call, Error, Gateway, PageRequest,
    document::{json_text, str_at},
    grants,
    paging::{Cursor, time_bound},
    references::{self, SeniorRef, key_of, resolve_provider},
    resource::{Columns, Prepared, Resource, Target, rendered},
    rules::REFERENCE_UNRESOLVED,
    verification::{Lookups, Visit, verify},
};

pub struct ServiceRecords;

/// References already resolved in this batch: a bulk load names the same few seniors
/// and providers again and again. The caller's basis for each senior is decided
/// once per batch too: one request, one moment at which its grants are read.
#[derive(Default)]
pub struct ReferenceCache {
    /// Each senior reference resolved, with the holders whose basis the caller has for
    /// it (empty for none).
    seniors: HashMap<String, (SeniorRef, Vec<String>)>,
    providers: HashMap<String, Option<String>>,
    /// The registry's facts the records' checks read, kept as the references resolve.
    lookups: Lookups,
}

/// What a record names, resolved, and the holders whose basis it is written under.
pub struct Resolved {
    senior_id: String,
    provider_id: String,
    holders: Vec<String>,
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

/// A stored record with who submitted it, when, and what verification found.
pub(crate) fn render(row: &service_record::Model) -> Value {
    let mut rendered = rendered::<ServiceRecords>(row);
    rendered["submittedBy"] = row.submitted_by.clone().into();
    rendered["submittedAt"] = micros_to_rfc3339(row.created_at).into();
    if let Some(verification) = row
        .verification
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    {
        rendered["verification"] = verification;
    }
    rendered
}

impl ServiceRecords {
    /// Records `visible` to a reader that match `filter`, as rows of one page.
    pub(crate) async fn list(
        gateway: &Gateway,
        page: &PageRequest,
        filter: &RecordFilter,
        visible: Visible<'_>,
    ) -> Result<(Cursor, Vec<service_record::Model>), Error> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let cursor = Cursor::new(
            &gateway.keys,
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
            query = query.filter(service_record::Column::StartsAt.gte(time_bound("from", from)?));
        }
        if let Some(to) = &filter.to {
            query = query.filter(service_record::Column::StartsAt.lt(time_bound("to", to)?));
        }
        let rows = cursor.rows(query, &gateway.store.db).await?;
        Ok((cursor, rows))
    }
}

/// Which records a list shows (see `super::release`): all, or those a participant
/// submitted, and with `held` those written under its basis as a holder of the senior.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Visible<'a> {
    All,
    To { participant: &'a str, held: bool },
}

impl Visible<'_> {
    pub(crate) fn condition(self) -> Condition {
        match self {
            Visible::All => Condition::all(),
            Visible::To { participant, held } => {
                let own = Condition::any().add(service_record::Column::SubmittedBy.eq(participant));
                if !held {
                    return own;
                }
                own.add(
                    service_record::Column::Id.in_subquery(
                        Query::select()
                            .column(record_holder::Column::RecordId)
                            .from(record_holder::Entity)
                            .and_where(record_holder::Column::Holder.eq(participant))
                            .to_owned(),
                    ),
                )
            }
        }
    }
}

fn unresolved(path: &str, what_zh: &str, what_en: &str) -> Violation {
    Violation::new(
        path,
        REFERENCE_UNRESOLVED,
        format!("找不到所引用的{what_zh}"),
        format!("the referenced {what_en} is unknown to the gateway"),
    )
}

/// The seniors records name, as the caller may know each, and the holders whose basis for
/// SERVICE_DELIVERY the caller has: holding a registration of the senior, or an active
/// grant for that purpose from a holder (the operator, which holds no personal data,
/// records no services: the kind gate stops it before this); none when there is no
/// basis, and then whether the caller may know of the senior at all is asked too.
/// A query per way of naming a senior, one for their registrations, one for the
/// caller's grants and one for what it may know without a basis, whatever the number
/// of references (a batch's, or one). An unresolved reference runs the same queries on
/// no id, so the time an answer takes does not tell a hidden senior from an unknown one.
async fn seniors_and_bases(
    gateway: &Gateway,
    conn: &impl ConnectionTrait,
    call: &Call,
    references: &[(String, &Map<String, Value>)],
    lookups: &mut Lookups,
) -> Result<HashMap<String, (SeniorRef, Vec<String>)>, Error> {
    let found = references::resolve_seniors(
        gateway,
        conn,
        references.iter().map(|(key, r)| (key.as_str(), *r)),
    )
    .await?;
    let mut ids: Vec<&str> = found.values().flatten().map(String::as_str).collect();
    if found.values().any(Option::is_none) {
        ids.push("");
    }
    lookups.seniors(gateway, conn, &ids).await?;
    let (held, others): (Vec<&str>, Vec<&str>) = ids.iter().partition(|id| {
        lookups
            .senior(id)
            .is_some_and(|s| s.holders.iter().any(|h| h == call.me()))
    });
    let mut bases: HashMap<String, Vec<String>> = held
        .into_iter()
        .map(|id| (id.to_owned(), vec![call.me().to_owned()]))
        .collect();
    for (senior, holder) in grants::granted(gateway, call.me(), "SERVICE_DELIVERY", &others)
        .await?
        .into_keys()
    {
        bases.entry(senior).or_default().push(holder);
    }
    for holders in bases.values_mut() {
        holders.sort_unstable();
    }
    // Unresolved references ask about no id, as one senior's resolution does.
    let without_basis: Vec<&str> = found
        .values()
        .map(|id| id.as_deref().unwrap_or_default())
        .filter(|id| id.is_empty() || !bases.contains_key(*id))
        .collect();
    let known_anyway = if without_basis.is_empty() {
        Default::default()
    } else {
        references::known_without_holding(gateway, call, &without_basis).await?
    };
    Ok(found
        .iter()
        .map(|(key, id)| {
            let holders = id
                .as_deref()
                .and_then(|id| bases.get(id))
                .cloned()
                .unwrap_or_default();
            let known = (id.is_some() && !holders.is_empty())
                || known_anyway.contains(id.as_deref().unwrap_or_default());
            (
                (*key).to_owned(),
                (SeniorRef::of(id.clone(), known), holders),
            )
        })
        .collect())
}

impl Resource for ServiceRecords {
    type Table = service_record::Entity;
    const KIND: Kind = Kind::ServiceRecord;
    const PREFIX: &'static str = "rec";
    const LABEL: &'static str = "service record";
    type Extra = Resolved;
    type Cache = ReferenceCache;
    /// Only the submitter (and the operator) changes a record.
    const OWNER: Option<service_record::Column> = Some(service_record::Column::SubmittedBy);

    /// The seniors of a whole batch, and the caller's basis for each.
    async fn preload(
        gateway: &Gateway,
        call: &Call,
        conn: &impl ConnectionTrait,
        cache: &mut ReferenceCache,
        documents: &[Value],
    ) -> Result<(), Error> {
        let mut references: Vec<(String, &Map<String, Value>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for reference in documents
            .iter()
            .filter_map(|document| document.get("senior")?.as_object())
        {
            let key = json_text(reference);
            if seen.insert(key.clone()) {
                references.push((key, reference));
            }
        }
        if references.is_empty() {
            return Ok(());
        }
        let found = seniors_and_bases(gateway, conn, call, &references, &mut cache.lookups).await?;
        cache.seniors.extend(found);
        Ok(())
    }

    /// Resolves the senior and the provider, and checks the caller's basis for
    /// SERVICE_DELIVERY to the senior; the references are stored as ids. (The worker's
    /// certificate is verified once the record is written: an unknown one is an alert,
    /// DESIGN §5's `WORKER_UNCERTIFIED`, not a refusal.)
    async fn prepare(
        gateway: &Gateway,
        call: &Call,
        _parent: Option<&str>,
        body: &mut Map<String, Value>,
        conn: &impl ConnectionTrait,
        cache: &mut ReferenceCache,
    ) -> Result<Resolved, Error> {
        let empty = Map::new();
        let mut violations = Vec::new();
        let senior_ref = body
            .get("senior")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let key = json_text(senior_ref);
        let (resolved, holders) = match cache.seniors.get(&key) {
            Some(found) => found.clone(),
            None => {
                let found = seniors_and_bases(
                    gateway,
                    conn,
                    call,
                    &[(key.clone(), senior_ref)],
                    &mut cache.lookups,
                )
                .await?
                .remove(&key)
                .unwrap_or((SeniorRef::Unknown, Vec::new()));
                cache.seniors.insert(key, found.clone());
                found
            }
        };
        // Each item naming a hidden senior is its own denial in the audit log.
        let senior_id = resolved.usable(call);
        if senior_id.is_none() {
            let path = format!("/senior/{}", key_of(senior_ref));
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
                let row = resolve_provider(conn, provider_ref).await?;
                if let Some(row) = &row {
                    cache.lookups.know_provider(row);
                }
                let found = row.map(|row| row.id);
                cache.providers.insert(key, found.clone());
                found
            }
        };
        if provider_id.is_none() {
            let path = format!("/provider/{}", key_of(provider_ref));
            violations.push(unresolved(&path, "服务商", "provider"));
        }
        let (Some(senior_id), Some(provider_id)) = (senior_id, provider_id) else {
            return Err(Error::Invalid(violations));
        };
        if !violations.is_empty() {
            return Err(Error::Invalid(violations));
        }
        if holders.is_empty() {
            return Err(Error::denied(
                format!(
                    "没有有效的授权同意让 {} 为该老人提供服务（SERVICE_DELIVERY）",
                    call.me()
                ),
                format!(
                    "no active consent gives {} a basis for SERVICE_DELIVERY to this senior",
                    call.me()
                ),
            ));
        }
        body.insert("senior".into(), json!({ "seniorId": senior_id }));
        body.insert("provider".into(), json!({ "providerId": provider_id }));
        Ok(Resolved {
            senior_id,
            provider_id,
            holders,
        })
    }

    /// The columns the document gives; those the visit gives (its times, its worker,
    /// its verification) are set by [`Resource::beside`], which reads the visit anyway.
    fn columns(
        _gateway: &Gateway,
        _target: Target<'_>,
        prepared: &Prepared<Resolved>,
    ) -> Columns<Self> {
        let resolved = &prepared.extra;
        service_record::ActiveModel {
            senior_id: Set(resolved.senior_id.clone()),
            provider_id: Set(resolved.provider_id.clone()),
            status: Set(str_at(&prepared.body, "status").to_owned()),
            service_item: Set(str_at(&prepared.body, "serviceItem").to_owned()),
            document: Set(json_text(&prepared.body)),
            ..Default::default()
        }
    }

    /// A record is its submitter's.
    fn creator(
        row: &mut Columns<Self>,
        call: &Call,
        _parent: Option<&str>,
        _prepared: &Prepared<Self::Extra>,
    ) {
        row.submitted_by = Set(call.me().to_owned());
    }

    fn render(_gateway: &Gateway, row: &service_record::Model) -> Result<Value, Error> {
        Ok(render(row))
    }

    /// What the checks read of the registry and `prepare` did not: the workers.
    async fn gather(
        gateway: &Gateway,
        conn: &impl ConnectionTrait,
        cache: &mut ReferenceCache,
        items: &[&Prepared<Resolved>],
    ) -> Result<(), Error> {
        let visits: Vec<Visit> = items.iter().map(|prepared| visit("", prepared)).collect();
        cache.lookups.prefetch(gateway, conn, &visits).await
    }

    /// The holders each record is visible to, as of its latest write (one multi-row
    /// insert for a whole batch), and its visit's columns and verification, in its row.
    async fn beside(
        gateway: &Gateway,
        txn: &DatabaseTransaction,
        call: &Call,
        cache: &ReferenceCache,
        items: &[(&str, &Prepared<Resolved>)],
        rows: &mut [Columns<Self>],
        replacing: bool,
    ) -> Result<(), Error> {
        if replacing {
            record_holder::Entity::delete_many()
                .filter(record_holder::Column::RecordId.is_in(items.iter().map(|(id, _)| *id)))
                .exec(txn)
                .await?;
        }
        let holders: Vec<record_holder::ActiveModel> = items
            .iter()
            .flat_map(|(id, prepared)| {
                prepared
                    .extra
                    .holders
                    .iter()
                    .map(|holder| record_holder::ActiveModel {
                        record_id: Set((*id).to_owned()),
                        holder: Set(holder.clone()),
                    })
            })
            .collect();
        jiayang_store::rows::insert_all(txn, holders).await?;
        let visits: Vec<Visit> = items
            .iter()
            .map(|(id, prepared)| visit(id, prepared))
            .collect();
        let results = verify(gateway, txn, call, &cache.lookups, &visits, replacing).await?;
        for ((row, visit), verification) in rows.iter_mut().zip(&visits).zip(results) {
            let span = visit.span(&gateway.thresholds);
            row.starts_at = Set(visit.starts_at);
            row.visit_from = Set(span.map(|(from, _)| from));
            row.visit_until = Set(span.map(|(_, until)| until));
            row.worker_certificate = Set(visit.certificate.map(str::to_owned));
            row.verification = Set(Some(verification.to_string()));
        }
        Ok(())
    }
}

/// A record about to be written (`id`), as the checks see it.
fn visit<'a>(id: &'a str, prepared: &'a Prepared<Resolved>) -> Visit<'a> {
    let resolved = &prepared.extra;
    Visit::of(
        id,
        &resolved.senior_id,
        &resolved.provider_id,
        &prepared.body,
    )
}
