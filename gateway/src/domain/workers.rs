//! Workers (服务人员), a sub-resource of a provider: every operation names the provider,
//! and a certificate number is unique within its provider.

use jiayang_schemas::Kind;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};

use super::{
    Caller, Gateway, Page, PageRequest,
    document::{self, Meta, external_ids, json_text, str_at, without_server_fields},
    paging::Cursor,
    references,
    resource::{Resource, conflict, update_at_version},
    validated,
};
use crate::{
    error::ApiError,
    store::{
        entity::{provider, worker},
        now_micros,
    },
};

pub struct Workers;

pub struct PreparedWorker {
    body: Map<String, Value>,
    external_ids: Vec<(String, String)>,
}

impl Workers {
    fn render(row: &worker::Model) -> Value {
        let mut rendered = document::render(
            &row.document,
            Meta {
                id: &row.id,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
        );
        rendered["providerId"] = row.provider_id.clone().into();
        rendered
    }

    pub async fn list(
        gateway: &Gateway,
        provider_id: &str,
        page: &PageRequest,
    ) -> Result<Page, ApiError> {
        let cursor = Cursor::new(page, "workers", &[provider_id])?;
        provider_exists(&gateway.store.db, provider_id).await?;
        let mut query = worker::Entity::find().filter(worker::Column::ProviderId.eq(provider_id));
        if let Some(after) = &cursor.after {
            query = query.filter(worker::Column::Id.gt(after.as_str()));
        }
        let rows = query
            .order_by_asc(worker::Column::Id)
            .limit(cursor.fetch())
            .all(&gateway.store.db)
            .await?;
        Ok(cursor.page(
            rows.iter()
                .map(|row| (row.id.clone(), Self::render(row)))
                .collect(),
        ))
    }

    /// The worker holding a certificate at a provider.
    pub async fn find_by_certificate(
        conn: &impl ConnectionTrait,
        provider_id: &str,
        certificate_no: &str,
    ) -> Result<Option<worker::Model>, ApiError> {
        Ok(worker::Entity::find()
            .filter(worker::Column::ProviderId.eq(provider_id))
            .filter(worker::Column::CertificateNo.eq(certificate_no))
            .one(conn)
            .await?)
    }
}

async fn provider_exists(conn: &impl ConnectionTrait, provider_id: &str) -> Result<(), ApiError> {
    let found = provider::Entity::find_by_id(provider_id.to_owned())
        .select_only()
        .column(provider::Column::Id)
        .into_tuple::<String>()
        .one(conn)
        .await?;
    found.map(|_| ()).ok_or(ApiError::NotFound("provider"))
}

fn parent_of(parent: Option<&str>) -> Result<&str, ApiError> {
    parent.ok_or(ApiError::NotFound("provider"))
}

impl Resource for Workers {
    const KIND: Kind = Kind::Worker;
    const PREFIX: &'static str = "wkr";
    const LABEL: &'static str = "worker";
    type Cache = ();
    type Prepared = PreparedWorker;

    async fn prepare(
        _gateway: &Gateway,
        _caller: &Caller,
        parent: Option<&str>,
        document: Value,
        conn: &impl ConnectionTrait,
        _cache: &mut (),
    ) -> Result<PreparedWorker, ApiError> {
        provider_exists(conn, parent_of(parent)?).await?;
        validated(Kind::Worker, &document)?;
        let body = without_server_fields(document);
        Ok(PreparedWorker {
            external_ids: external_ids(&body),
            body,
        })
    }

    async fn insert(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        _caller: &Caller,
        parent: Option<&str>,
        id: &str,
        prepared: &PreparedWorker,
    ) -> Result<Value, ApiError> {
        let now = now_micros();
        let row = worker::ActiveModel {
            id: Set(id.to_owned()),
            provider_id: Set(parent_of(parent)?.to_owned()),
            certificate_no: Set(str_at(&prepared.body, "certificateNo").to_owned()),
            version: Set(1),
            status: Set(str_at(&prepared.body, "status").to_owned()),
            document: Set(json_text(&prepared.body)),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(|e| conflict(Self::LABEL, e))?;
        references::insert_external(txn, Kind::Worker, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Ok(Self::render(&row))
    }

    async fn replace(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        parent: Option<&str>,
        id: &str,
        expected_version: i32,
        prepared: &PreparedWorker,
    ) -> Result<Value, ApiError> {
        // A worker is replaced only under its own provider.
        worker::Entity::find_by_id(id.to_owned())
            .filter(worker::Column::ProviderId.eq(parent_of(parent)?))
            .one(txn)
            .await?
            .ok_or(ApiError::NotFound(Self::LABEL))?;
        // Only what changes is set; the version check is the UPDATE's own condition.
        let row = worker::ActiveModel {
            version: Set(expected_version + 1),
            certificate_no: Set(str_at(&prepared.body, "certificateNo").to_owned()),
            status: Set(str_at(&prepared.body, "status").to_owned()),
            document: Set(json_text(&prepared.body)),
            updated_at: Set(now_micros()),
            ..Default::default()
        };
        let row = update_at_version::<worker::Entity>(
            txn,
            Self::LABEL,
            row,
            id,
            expected_version,
            worker::Column::Id,
            worker::Column::Version,
        )
        .await?;
        references::replace_external(txn, Kind::Worker, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Ok(Self::render(&row))
    }

    async fn get(
        _gateway: &Gateway,
        conn: &impl ConnectionTrait,
        parent: Option<&str>,
        id: &str,
    ) -> Result<Option<Value>, ApiError> {
        let mut query = worker::Entity::find_by_id(id.to_owned());
        if let Some(provider_id) = parent {
            query = query.filter(worker::Column::ProviderId.eq(provider_id));
        }
        Ok(query.one(conn).await?.map(|row| Self::render(&row)))
    }

    /// Workers are their provider's: its owner registers and changes them.
    async fn owner(
        conn: &impl ConnectionTrait,
        parent: Option<&str>,
        _id: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        match parent {
            Some(provider_id) => super::providers::owner_of(conn, provider_id).await,
            None => Ok(None),
        }
    }
}
