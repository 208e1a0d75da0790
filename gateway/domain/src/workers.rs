//! Workers (服务人员), a sub-resource of a provider: every operation names the provider,
//! and a certificate number is unique within its provider.

use jiayang_schemas::Kind;
use jiayang_store::entity::{provider, worker};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::{Map, Value};

use crate::{
    Call, Error, Gateway, Page, PageRequest, Providers,
    document::{json_text, str_at},
    paging::Cursor,
    resource::{Columns, Prepared, Resource, Target, owner_of, rendered},
};

pub struct Workers;

impl Workers {
    /// One page of a provider's workers.
    pub async fn list(
        gateway: &Gateway,
        provider_id: &str,
        page: &PageRequest,
    ) -> Result<Page, Error> {
        let cursor = Cursor::new(&gateway.keys, page, "workers", &[provider_id])?;
        provider_exists(&gateway.store.db, provider_id).await?;
        let query = worker::Entity::find().filter(worker::Column::ProviderId.eq(provider_id));
        let rows = cursor.rows(query, &gateway.store.db).await?;
        Ok(cursor.page(
            rows.iter()
                .map(|row| (row.id.clone(), render(row)))
                .collect(),
        ))
    }
}

fn render(row: &worker::Model) -> Value {
    let mut rendered = rendered::<Workers>(row);
    rendered["providerId"] = row.provider_id.clone().into();
    rendered
}

async fn provider_exists(conn: &impl ConnectionTrait, provider_id: &str) -> Result<(), Error> {
    let found = provider::Entity::find_by_id(provider_id.to_owned())
        .select_only()
        .column(provider::Column::Id)
        .into_tuple::<String>()
        .one(conn)
        .await?;
    found.map(|_| ()).ok_or(Error::NotFound("provider"))
}

impl Resource for Workers {
    type Table = worker::Entity;
    const KIND: Kind = Kind::Worker;
    const PREFIX: &'static str = "wkr";
    const LABEL: &'static str = "worker";
    type Extra = ();
    type Cache = ();

    async fn prepare(
        _gateway: &Gateway,
        _call: &Call,
        _parent: Option<&str>,
        _body: &mut Map<String, Value>,
        _conn: &impl ConnectionTrait,
        _cache: &mut (),
    ) -> Result<(), Error> {
        Ok(())
    }

    fn columns(_gateway: &Gateway, _target: Target<'_>, prepared: &Prepared<()>) -> Columns<Self> {
        worker::ActiveModel {
            certificate_no: Set(str_at(&prepared.body, "certificateNo").to_owned()),
            status: Set(str_at(&prepared.body, "status").to_owned()),
            document: Set(json_text(&prepared.body)),
            ..Default::default()
        }
    }

    /// A worker is registered under its provider.
    fn creator(
        row: &mut Columns<Self>,
        _call: &Call,
        parent: Option<&str>,
        _prepared: &Prepared<Self::Extra>,
    ) {
        row.provider_id = Set(parent.unwrap_or_default().to_owned());
    }

    fn render(_gateway: &Gateway, row: &worker::Model) -> Result<Value, Error> {
        Ok(render(row))
    }

    fn within(parent: Option<&str>) -> Condition {
        match parent {
            Some(provider_id) => Condition::all().add(worker::Column::ProviderId.eq(provider_id)),
            None => Condition::all(),
        }
    }

    /// Workers are their provider's: its owner registers and changes them. A provider
    /// that does not exist has no workers to register or change.
    async fn owner(
        conn: &impl ConnectionTrait,
        parent: Option<&str>,
        _id: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let provider_id = parent.ok_or(Error::NotFound("provider"))?;
        owner_of::<Providers>(conn, provider::Column::Owner, provider_id)
            .await?
            .map(Some)
            .ok_or(Error::NotFound("provider"))
    }
}
