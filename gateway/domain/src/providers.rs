//! Provider listings. Their service areas and items are indexed in side tables so that
//! the portal's "housekeeping companies serving this street" is one indexed query.

use jiayang_schemas::{Kind, reference::significant_prefix};
use jiayang_store::{
    entity::{provider, provider_area, provider_item},
    starts_with,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, sea_query::Query,
};
use serde_json::{Map, Value, value::RawValue};

use crate::{
    Call, Error, Gateway, Page, PageRequest,
    document::{self, json_text, str_at},
    paging::{Cursor, check_division_filter},
    resource::{Columns, Prepared, Resource, Target, rendered},
};

pub struct Providers;

/// Where a provider serves and what it offers, kept in side tables for the search.
pub struct Offer {
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
    /// One page of the listings that match `filter`, rendered without parsing them
    /// (listings hold no personal data: nothing in them is released or withheld).
    pub async fn list(
        gateway: &Gateway,
        page: &PageRequest,
        filter: &ProviderFilter,
    ) -> Result<Page<Box<RawValue>>, Error> {
        let library = filter
            .in_provider_library
            .map(|b| b.to_string())
            .unwrap_or_default();
        let cursor = Cursor::new(
            &gateway.keys,
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
        let rows = cursor.stored_rows(query, &gateway.store.db).await?;
        let rendered = rows
            .iter()
            .map(|row| Ok((row.id.clone(), document::render_raw(row.stored())?)))
            .collect::<Result<_, Error>>()?;
        Ok(cursor.page(rendered))
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
        .add(starts_with(provider_area::Column::Prefix, own))
}

impl Resource for Providers {
    type Table = provider::Entity;
    const KIND: Kind = Kind::Provider;
    const PREFIX: &'static str = "prv";
    const LABEL: &'static str = "provider";
    type Extra = Offer;
    type Cache = ();
    /// Only the listing's creator (and the operator) changes it and its workers.
    const OWNER: Option<provider::Column> = Some(provider::Column::Owner);

    async fn prepare(
        _gateway: &Gateway,
        _call: &Call,
        _parent: Option<&str>,
        body: &mut Map<String, Value>,
        _conn: &impl ConnectionTrait,
        _cache: &mut (),
    ) -> Result<Offer, Error> {
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
        Ok(Offer { areas, items })
    }

    fn columns(
        _gateway: &Gateway,
        _target: Target<'_>,
        prepared: &Prepared<Offer>,
    ) -> Columns<Self> {
        let body = &prepared.body;
        provider::ActiveModel {
            uscc: Set(str_at(body, "uscc").to_owned()),
            kind: Set(str_at(body, "kind").to_owned()),
            in_provider_library: Set(body
                .get("inProviderLibrary")
                .and_then(Value::as_bool)
                .unwrap_or(false)),
            status: Set(str_at(body, "status").to_owned()),
            document: Set(json_text(body)),
            ..Default::default()
        }
    }

    /// A listing is its creator's.
    fn creator(
        row: &mut Columns<Self>,
        call: &Call,
        _parent: Option<&str>,
        _prepared: &Prepared<Self::Extra>,
    ) {
        row.owner = Set(call.me().to_owned());
    }

    fn render(_gateway: &Gateway, row: &provider::Model) -> Result<Value, Error> {
        Ok(rendered::<Self>(row))
    }

    /// The service areas and items the search filters on.
    async fn beside(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        _call: &Call,
        _cache: &(),
        items: &[(&str, &Prepared<Offer>)],
        _rows: &mut [Columns<Self>],
        replacing: bool,
    ) -> Result<(), Error> {
        for (id, prepared) in items {
            index_offer(txn, id, prepared, replacing).await?;
        }
        Ok(())
    }
}

/// A provider's areas and items, rewritten with every write of it (a new provider has
/// none to remove).
async fn index_offer(
    txn: &DatabaseTransaction,
    id: &str,
    prepared: &Prepared<Offer>,
    replacing: bool,
) -> Result<(), Error> {
    if replacing {
        provider_area::Entity::delete_many()
            .filter(provider_area::Column::ProviderId.eq(id))
            .exec(txn)
            .await?;
        provider_item::Entity::delete_many()
            .filter(provider_item::Column::ProviderId.eq(id))
            .exec(txn)
            .await?;
    }
    let offer = &prepared.extra;
    if !offer.areas.is_empty() {
        let rows = offer.areas.iter().map(|prefix| provider_area::ActiveModel {
            provider_id: Set(id.to_owned()),
            prefix: Set(prefix.clone()),
        });
        provider_area::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    if !offer.items.is_empty() {
        let rows = offer.items.iter().map(|item| provider_item::ActiveModel {
            provider_id: Set(id.to_owned()),
            service_item: Set(item.clone()),
        });
        provider_item::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
