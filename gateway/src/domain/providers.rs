//! Provider listings. Their service areas and items are indexed in side tables so that
//! the portal's "housekeeping companies serving this street" is one indexed query.

use jiayang_schemas::{Kind, reference::significant_prefix};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Query,
};
use serde_json::{Map, Value};

use super::{
    Caller, Gateway, Page, PageRequest,
    document::{self, Meta, external_ids, json_text, str_at, without_server_fields},
    paging::{Cursor, check_division_filter},
    references,
    resource::{Resource, conflict, update_at_version},
    validated,
};
use crate::{
    error::ApiError,
    store::{
        entity::{provider, provider_area, provider_item},
        now_micros,
    },
};

pub struct Providers;

pub struct PreparedProvider {
    body: Map<String, Value>,
    external_ids: Vec<(String, String)>,
    areas: Vec<String>,
    items: Vec<String>,
}

/// Filters of a provider list.
#[derive(Clone, Debug, Default)]
pub struct ProviderFilter {
    pub district: Option<String>,
    pub service_item: Option<String>,
    pub kind: Option<String>,
    pub in_provider_library: Option<bool>,
}

impl Providers {
    pub(crate) fn render(row: &provider::Model) -> Value {
        document::render(
            &row.document,
            Meta {
                id: &row.id,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
        )
    }

    pub async fn find_by_uscc(
        conn: &impl ConnectionTrait,
        uscc: &str,
    ) -> Result<Option<provider::Model>, ApiError> {
        Ok(provider::Entity::find()
            .filter(provider::Column::Uscc.eq(uscc))
            .one(conn)
            .await?)
    }

    pub async fn list(
        gateway: &Gateway,
        page: &PageRequest,
        filter: &ProviderFilter,
    ) -> Result<Page, ApiError> {
        let library = filter
            .in_provider_library
            .map(|b| b.to_string())
            .unwrap_or_default();
        let cursor = Cursor::new(
            page,
            "providers",
            &[
                filter.district.as_deref().unwrap_or(""),
                filter.service_item.as_deref().unwrap_or(""),
                filter.kind.as_deref().unwrap_or(""),
                &library,
            ],
        )?;
        let mut query = provider::Entity::find();
        if let Some(code) = &filter.district {
            check_division_filter("district", code)?;
            query = query.filter(
                provider::Column::Id.in_subquery(
                    Query::select()
                        .column(provider_area::Column::ProviderId)
                        .from(provider_area::Entity)
                        .cond_where(on_one_line_with(code))
                        .to_owned(),
                ),
            );
        }
        if let Some(item) = &filter.service_item {
            query = query.filter(
                provider::Column::Id.in_subquery(
                    Query::select()
                        .column(provider_item::Column::ProviderId)
                        .from(provider_item::Entity)
                        .and_where(provider_item::Column::ServiceItem.eq(item.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(kind) = &filter.kind {
            query = query.filter(provider::Column::Kind.eq(kind.as_str()));
        }
        if let Some(library) = filter.in_provider_library {
            query = query.filter(provider::Column::InProviderLibrary.eq(library));
        }
        if let Some(after) = &cursor.after {
            query = query.filter(provider::Column::Id.gt(after.as_str()));
        }
        let rows = query
            .order_by_asc(provider::Column::Id)
            .limit(cursor.fetch())
            .all(&gateway.store.db)
            .await?;
        Ok(cursor.page(
            rows.iter()
                .map(|row| (row.id.clone(), Self::render(row)))
                .collect(),
        ))
    }

    async fn index(
        txn: &DatabaseTransaction,
        id: &str,
        prepared: &PreparedProvider,
    ) -> Result<(), ApiError> {
        provider_area::Entity::delete_many()
            .filter(provider_area::Column::ProviderId.eq(id))
            .exec(txn)
            .await?;
        provider_item::Entity::delete_many()
            .filter(provider_item::Column::ProviderId.eq(id))
            .exec(txn)
            .await?;
        if !prepared.areas.is_empty() {
            let rows = prepared
                .areas
                .iter()
                .map(|prefix| provider_area::ActiveModel {
                    provider_id: Set(id.to_owned()),
                    prefix: Set(prefix.clone()),
                });
            provider_area::Entity::insert_many(rows)
                .exec_without_returning(txn)
                .await?;
        }
        if !prepared.items.is_empty() {
            let rows = prepared
                .items
                .iter()
                .map(|item| provider_item::ActiveModel {
                    provider_id: Set(id.to_owned()),
                    service_item: Set(item.clone()),
                });
            provider_item::Entity::insert_many(rows)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(())
    }
}

/// Areas on one line of the hierarchy with `code`: those containing it (its prefixes)
/// and those within it (extending its significant digits).
fn on_one_line_with(code: &str) -> Condition {
    let own = significant_prefix(code);
    let containing: Vec<&str> = [2, 4, 6, 9, 12]
        .into_iter()
        .filter(|n| *n < own.len())
        .map(|n| &own[..n])
        .collect();
    Condition::any()
        .add(provider_area::Column::Prefix.is_in(containing))
        .add(provider_area::Column::Prefix.like(format!("{own}%")))
}

impl Resource for Providers {
    const KIND: Kind = Kind::Provider;
    const PREFIX: &'static str = "prv";
    const LABEL: &'static str = "provider";
    type Cache = ();
    type Prepared = PreparedProvider;

    async fn prepare(
        _gateway: &Gateway,
        _caller: &Caller,
        _parent: Option<&str>,
        document: Value,
        _conn: &impl ConnectionTrait,
        _cache: &mut (),
    ) -> Result<PreparedProvider, ApiError> {
        validated(Kind::Provider, &document)?;
        let body = without_server_fields(document);
        let strings = |key: &str| -> Vec<String> {
            body.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let mut areas: Vec<String> = strings("serviceArea")
            .iter()
            .map(|code| significant_prefix(code).to_owned())
            .collect();
        areas.sort();
        areas.dedup();
        let mut items: Vec<String> = body
            .get("offerings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| o.get("serviceItem").and_then(Value::as_str))
            .map(str::to_owned)
            .chain(
                body.get("packages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("serviceItems").and_then(Value::as_array))
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned),
            )
            .collect();
        items.sort();
        items.dedup();
        Ok(PreparedProvider {
            external_ids: external_ids(&body),
            body,
            areas,
            items,
        })
    }

    async fn insert(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        caller: &Caller,
        _parent: Option<&str>,
        id: &str,
        prepared: &PreparedProvider,
    ) -> Result<Value, ApiError> {
        let now = now_micros();
        let body = &prepared.body;
        let row = provider::ActiveModel {
            id: Set(id.to_owned()),
            owner: Set(caller.participant.clone()),
            version: Set(1),
            uscc: Set(str_at(body, "uscc").to_owned()),
            kind: Set(str_at(body, "kind").to_owned()),
            in_provider_library: Set(body
                .get("inProviderLibrary")
                .and_then(Value::as_bool)
                .unwrap_or(false)),
            status: Set(str_at(body, "status").to_owned()),
            document: Set(json_text(body)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|e| conflict(Self::LABEL, e))?;
        references::insert_external(txn, Kind::Provider, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Self::index(txn, id, prepared).await?;
        Ok(Self::render(&row))
    }

    async fn replace(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        _parent: Option<&str>,
        id: &str,
        expected_version: i32,
        prepared: &PreparedProvider,
    ) -> Result<Value, ApiError> {
        let body = &prepared.body;
        // Only what changes is set; the version check is the UPDATE's own condition.
        let row = provider::ActiveModel {
            version: Set(expected_version + 1),
            uscc: Set(str_at(body, "uscc").to_owned()),
            kind: Set(str_at(body, "kind").to_owned()),
            in_provider_library: Set(body
                .get("inProviderLibrary")
                .and_then(Value::as_bool)
                .unwrap_or(false)),
            status: Set(str_at(body, "status").to_owned()),
            document: Set(json_text(body)),
            updated_at: Set(now_micros()),
            ..Default::default()
        };
        let row = update_at_version::<provider::Entity>(
            txn,
            Self::LABEL,
            row,
            id,
            expected_version,
            provider::Column::Id,
            provider::Column::Version,
        )
        .await?;
        references::replace_external(txn, Kind::Provider, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Self::index(txn, id, prepared).await?;
        Ok(Self::render(&row))
    }

    async fn get(
        _gateway: &Gateway,
        conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        id: &str,
    ) -> Result<Option<Value>, ApiError> {
        Ok(provider::Entity::find_by_id(id.to_owned())
            .one(conn)
            .await?
            .map(|row| Self::render(&row)))
    }

    /// A listing is its creator's.
    async fn owner(
        conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        id: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let Some(id) = id else { return Ok(None) };
        owner_of(conn, id).await
    }
}

/// The participant that created a listing.
pub(crate) async fn owner_of(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<String>, ApiError> {
    Ok(provider::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .map(|row| row.owner))
}
