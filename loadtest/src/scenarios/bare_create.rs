//! The baseline for single creates: a bare axum handler, on the gateway's TLS set-up
//! and database, that writes the rows a gateway create of a service record writes — the
//! record, its external id, its holder, the idempotency key, the outbox event and the
//! audit entry (the chain's head updated) — in one transaction, and answers 201 with the
//! record. No authentication, validation, reference lookups, consent basis,
//! verification, middleware, logs or metrics: the floor a create stands on.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use jiayang_schemas::Kind;
use jiayang_store::{
    Store,
    audit::{self, Entry},
    crypto::token_hash,
    entity::{event, external_id, idempotency_key, record_holder, service_record},
    now_micros,
};
use sea_orm::{ActiveValue::Set, DbErr, EntityTrait, NotSet};
use serde_json::Value;

use super::{bare::Server, create, window};
use crate::{
    BoxError,
    config::Config,
    fixtures,
    harness::{Harness, PORTAL, tls_client},
    report::Measurement,
    seed::World,
};

struct Bare {
    store: Store,
    next: AtomicU64,
}

/// `POST /v1/service-records` through the bare handler, with the gateway scenario's
/// client, bodies and idempotency keys.
pub async fn measure(h: &Harness, config: &Config, world: &World) -> Result<Measurement, BoxError> {
    let bare = Arc::new(Bare {
        store: Store::open(&h.database_url).await?,
        next: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/v1/service-records", post(create_record))
        .with_state(bare.clone());
    let server = Server::start(app, Some(h.tls.clone())).await?;
    let clients = (0..config.clients)
        .map(|_| tls_client(&h.ca_pem, server.addr))
        .collect::<Result<Vec<_>, _>>()?;
    let url = format!(
        "https://localhost:{}/v1/service-records",
        server.addr.port()
    );
    let measurement = create::rest_to(
        config,
        world,
        clients,
        url,
        None,
        window::CREATE_BARE,
        create::label("bare-axum", "rest/h2/tls", h, config),
    )
    .await;
    server.stop();
    bare.store.db.clone().close().await?;
    Ok(measurement)
}

async fn create_record(State(bare): State<Arc<Bare>>, headers: HeaderMap, body: Bytes) -> Response {
    match write(&bare, &headers, &body).await {
        Ok(answer) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            answer,
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error).into_response(),
    }
}

async fn write(bare: &Bare, headers: &HeaderMap, body: &[u8]) -> Result<String, String> {
    let mut record: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let text = |pointer: &str| fixtures::text_at(&record, pointer);
    let n = bare.next.fetch_add(1, Ordering::Relaxed);
    let id = format!("rec_BARE{n:018}");
    let senior = text("/senior/seniorId");
    let external = text("/externalIds/0/id");
    let starts_at = fixtures::micros_at(&record, "/checkIn/at");
    let now = now_micros();
    let row = service_record::ActiveModel {
        id: Set(id.clone()),
        submitted_by: Set(PORTAL.into()),
        version: Set(1),
        senior_id: Set(senior.clone()),
        provider_id: Set(text("/provider/providerId")),
        status: Set(text("/status")),
        service_item: Set(text("/serviceItem")),
        starts_at: Set(starts_at),
        visit_from: Set(None),
        visit_until: Set(None),
        worker_certificate: Set(None),
        verification: Set(None),
        document: Set(String::from_utf8_lossy(body).into_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|key| idempotency_key::ActiveModel {
            participant: Set(PORTAL.into()),
            key: Set(key.to_owned()),
            request_hash: Set(token_hash(&String::from_utf8_lossy(body))),
            resource_id: Set(id.clone()),
            created_at: Set(now),
        });
    let stored = async {
        // The store's write gate, as every SQLite writer of the gateway takes it.
        let write = bare.store.write().await?;
        let txn = &write.txn;
        service_record::Entity::insert(row)
            .exec_without_returning(txn)
            .await?;
        external_id::Entity::insert(external_id::ActiveModel {
            kind: Set(Kind::ServiceRecord.as_str().into()),
            participant: Set(PORTAL.into()),
            external_id: Set(external),
            resource_id: Set(id.clone()),
        })
        .exec_without_returning(txn)
        .await?;
        record_holder::Entity::insert(record_holder::ActiveModel {
            record_id: Set(id.clone()),
            holder: Set(PORTAL.into()),
        })
        .exec_without_returning(txn)
        .await?;
        if let Some(key) = key {
            idempotency_key::Entity::insert(key)
                .exec_without_returning(txn)
                .await?;
        }
        event::Entity::insert(event::ActiveModel {
            seq: NotSet,
            position: Set(None),
            id: Set(format!("evt_BARE{n:018}")),
            event_type: Set("service_record.created".into()),
            resource_kind: Set("service_record".into()),
            resource_id: Set(id.clone()),
            version: Set(1),
            parent_id: Set(None),
            senior_id: Set(Some(senior.clone())),
            holder: Set(None),
            occurred_at: Set(now),
        })
        .exec_without_returning(txn)
        .await?;
        audit::append(
            txn,
            vec![Entry::change(
                PORTAL,
                "POST /v1/service-records",
                &id,
                Some(&senior),
            )],
        )
        .await?;
        write.commit().await?;
        Ok::<_, DbErr>(())
    };
    stored.await.map_err(|e| e.to_string())?;
    if let Some(object) = record.as_object_mut() {
        object.insert("id".into(), id.into());
        object.insert("version".into(), 1.into());
    }
    Ok(record.to_string())
}
