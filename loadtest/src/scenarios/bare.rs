//! The baselines for provider search, with no authentication, middleware, logs or
//! metrics: a bare axum handler running the gateway's query through sea-orm (same
//! statement, same pool settings, same database) and parsing and writing each stored
//! document again (the gateway's way before issue 13), served over the gateway's own
//! TLS setup (rustls, HTTP/2 by ALPN, hyper-util) and as plain h2c; and (`raw`, the
//! external mode's) the same SQL through sqlx with the stored documents spliced in.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use jiayang_schemas::reference::significant_prefix;
use jiayang_store::{
    Store,
    entity::{provider, provider_area},
    micros_to_rfc3339,
    pki::TlsFiles,
    starts_with,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::{net::TcpListener, task::JoinSet};
use tokio_rustls::{TlsAcceptor, rustls};

use super::search::{self, Target};
use crate::{
    BoxError,
    config::{Bare, Config},
    harness::{Harness, REQUEST_TIMEOUT, tls_client},
    report::{Measurement, Rate},
};

/// Both baselines: over TLS like the gateway, and over plain HTTP/2.
pub async fn measure(h: &Harness, config: &Config) -> Result<Vec<Measurement>, BoxError> {
    let store = Store::open(&h.database_url).await?;
    let mut measurements = Vec::new();

    let server = Server::start(search_router(store.db.clone()), Some(h.tls.clone())).await?;
    let clients = (0..config.clients)
        .map(|_| tls_client(&h.ca_pem, server.addr))
        .collect::<Result<Vec<_>, _>>()?;
    let target = Target {
        url: format!("https://localhost:{}/v1/providers", server.addr.port()),
        bearer: None,
    };
    let outcome = search::load(config, clients, target).await;
    server.stop();
    measurements.push(Measurement::new(
        search::label("bare-axum", "rest/h2/tls", h, config),
        &outcome,
        Rate::Requests,
    ));

    let server = Server::start(search_router(store.db.clone()), None).await?;
    let clients = (0..config.clients)
        .map(|_| {
            reqwest::Client::builder()
                .http2_prior_knowledge()
                .timeout(REQUEST_TIMEOUT)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let target = Target {
        url: format!("http://{}/v1/providers", server.addr),
        bearer: None,
    };
    let outcome = search::load(config, clients, target).await;
    server.stop();
    measurements.push(Measurement::new(
        search::label("bare-axum", "rest/h2c", h, config),
        &outcome,
        Rate::Requests,
    ));
    store.db.close().await?;
    Ok(measurements)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchQuery {
    district: String,
    page_size: Option<u64>,
}

async fn providers(
    State(db): State<DatabaseConnection>,
    Query(query): Query<SearchQuery>,
) -> Response {
    match search_providers(&db, &query).await {
        Ok(body) => Json(body).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// The gateway's provider query for a district filter: providers with a service area on
/// one line of the hierarchy with the code, by id, one row more than the page.
async fn search_providers(db: &DatabaseConnection, query: &SearchQuery) -> Result<Value, DbErr> {
    let limit = query.page_size.unwrap_or(20).clamp(1, 200);
    let own = significant_prefix(&query.district);
    let containing: Vec<&str> = [2, 4, 6, 9, 12]
        .into_iter()
        .filter(|n| *n < own.len())
        .map(|n| &own[..n])
        .collect();
    let areas = Condition::any()
        .add(provider_area::Column::Prefix.is_in(containing))
        .add(starts_with(provider_area::Column::Prefix, own));
    let rows = provider::Entity::find()
        .filter(
            provider::Column::Id.in_subquery(
                sea_query::Query::select()
                    .column(provider_area::Column::ProviderId)
                    .from(provider_area::Entity)
                    .cond_where(areas)
                    .to_owned(),
            ),
        )
        .order_by_asc(provider::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    let page: Vec<&provider::Model> = rows.iter().take(limit as usize).collect();
    let mut body = json!({ "providers": page.iter().map(|row| render(row)).collect::<Vec<_>>() });
    if more && let Some(last) = page.last() {
        body["nextPageToken"] = last.id.clone().into();
    }
    Ok(body)
}

/// The stored document with its metadata, parsed and written again.
fn render(row: &provider::Model) -> Value {
    let body: Map<String, Value> = serde_json::from_str(&row.document).unwrap_or_default();
    let mut object = Map::with_capacity(body.len() + 4);
    object.insert("id".into(), row.id.clone().into());
    object.insert("version".into(), row.version.into());
    object.insert("createdAt".into(), micros_to_rfc3339(row.created_at).into());
    object.insert("updatedAt".into(), micros_to_rfc3339(row.updated_at).into());
    object.extend(body);
    Value::Object(object)
}

fn search_router(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/v1/providers", get(providers))
        .with_state(db)
}

/// A bare server on 127.0.0.1:0, until stopped.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub(crate) async fn start(
        app: Router,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Result<Self, BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(serve(listener, app, tls.map(TlsAcceptor::from)));
        Ok(Self { addr, task })
    }

    /// Stops accepting and drops every open connection.
    pub(crate) fn stop(self) {
        self.task.abort();
    }
}

/// The gateway's accept loop without its time-outs and graceful shutdown: TCP_NODELAY,
/// TLS when given, then HTTP/1.1 or HTTP/2 as the client speaks.
async fn serve(listener: TcpListener, app: Router, tls: Option<TlsAcceptor>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((tcp, _peer)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (app, tls) = (app.clone(), tls.clone());
        connections.spawn(async move {
            let service = TowerToHyperService::new(app);
            let builder = auto::Builder::new(TokioExecutor::new());
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
                None => {
                    let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
}

/// Serves one bare baseline on `config.listen` until the process is killed, with the
/// TLS files of `config.data_dir` and its database (`--database-url`, or the SQLite
/// file there). Prints `listening on ADDR` once it accepts.
pub async fn serve_alone(kind: Bare, config: &Config) -> Result<(), BoxError> {
    let dir = config
        .data_dir
        .as_deref()
        .ok_or("--serve-bare needs --data-dir")?;
    let url = config
        .database_url
        .clone()
        .unwrap_or_else(|| jiayang_gateway::sqlite_url(dir));
    let app = match kind {
        Bare::SeaOrm => search_router(Store::open(&url).await?.db),
        Bare::Sqlx => raw::router(&url).await?,
    };
    // The gateway's own TLS settings, as the in-process baseline has them.
    let tls = jiayang_gateway::server_config(&TlsFiles::in_dir(dir))?;
    let listener = TcpListener::bind(config.listen).await?;
    println!("listening on {}", listener.local_addr()?);
    serve(listener, app, Some(TlsAcceptor::from(tls))).await;
    Ok(())
}

/// The bare handler without an ORM: the provider query in SQL through sqlx, and each
/// stored document spliced into the answer as it is stored (with the four fields the
/// gateway adds) instead of parsed and rendered again.
mod raw {
    use std::fmt::Write as _;

    use axum::{
        Router,
        extract::{Query, State},
        http::{StatusCode, header},
        response::{IntoResponse, Response},
        routing::get,
    };
    use jiayang_schemas::reference::significant_prefix;
    use jiayang_store::micros_to_rfc3339;
    use sqlx::{PgPool, SqlitePool, postgres::PgPoolOptions, sqlite::SqlitePoolOptions};

    use super::SearchQuery;
    use crate::BoxError;

    #[derive(Clone)]
    enum Pool {
        Postgres(PgPool),
        Sqlite(SqlitePool),
    }

    type Row = (String, i32, i64, i64, String);

    pub(super) async fn router(url: &str) -> Result<Router, BoxError> {
        // The gateway's pool sizes.
        let pool = if url.starts_with("postgres") {
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .connect(url)
                    .await?,
            )
        } else {
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect(url)
                    .await?,
            )
        };
        Ok(Router::new()
            .route("/v1/providers", get(providers))
            .with_state(pool))
    }

    async fn providers(State(pool): State<Pool>, Query(query): Query<SearchQuery>) -> Response {
        match search(&pool, &query).await {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
        }
    }

    /// The gateway's statement for a district filter (providers with a service area on
    /// one line of the hierarchy with the code, by id, one row more than the page).
    async fn search(pool: &Pool, query: &SearchQuery) -> Result<String, sqlx::Error> {
        let limit = query.page_size.unwrap_or(20).clamp(1, 200) as i64;
        let own = significant_prefix(&query.district);
        let mut prefixes: Vec<String> = [2, 4, 6, 9, 12]
            .into_iter()
            .filter(|n| *n < own.len())
            .map(|n| own[..n].to_owned())
            .collect();
        let n = prefixes.len();
        let sql = |placeholder: &dyn Fn(usize) -> String| {
            let listed: Vec<String> = (1..=n).map(placeholder).collect();
            let within = if listed.is_empty() {
                String::new()
            } else {
                format!("prefix IN ({}) OR ", listed.join(", "))
            };
            format!(
                "SELECT id, version, created_at, updated_at, document FROM providers \
                 WHERE id IN (SELECT provider_id FROM provider_areas WHERE {within}prefix LIKE {} || '%') \
                 ORDER BY id LIMIT {}",
                placeholder(n + 1),
                placeholder(n + 2)
            )
        };
        // The pattern is made in SQL: SQLite compiles a statement anew on every run whose
        // LIKE pattern is a bound parameter.
        prefixes.push(own.to_owned());
        let rows: Vec<Row> = match pool {
            Pool::Postgres(pool) => {
                // Placeholders only: the values are bound.
                let text = sqlx::AssertSqlSafe(sql(&|n| format!("${n}")));
                let mut statement = sqlx::query_as(text);
                for prefix in &prefixes {
                    statement = statement.bind(prefix);
                }
                statement.bind(limit + 1).fetch_all(pool).await?
            }
            Pool::Sqlite(pool) => {
                let text = sqlx::AssertSqlSafe(sql(&|_| "?".to_owned()));
                let mut statement = sqlx::query_as(text);
                for prefix in &prefixes {
                    statement = statement.bind(prefix);
                }
                statement.bind(limit + 1).fetch_all(pool).await?
            }
        };
        Ok(render(&rows, limit as usize))
    }

    fn render(rows: &[Row], limit: usize) -> String {
        let mut body = String::with_capacity(1024 * rows.len().min(limit) + 64);
        body.push_str("{\"providers\":[");
        for (n, (id, version, created, updated, document)) in rows.iter().take(limit).enumerate() {
            if n > 0 {
                body.push(',');
            }
            // Ids are the gateway's own (`prv_` and a ULID): nothing to escape.
            let _ = write!(
                body,
                "{{\"id\":\"{id}\",\"version\":{version},\"createdAt\":\"{}\",\"updatedAt\":\"{}\"",
                micros_to_rfc3339(*created),
                micros_to_rfc3339(*updated)
            );
            let inner = document.trim().trim_start_matches('{');
            if !inner.trim_start().starts_with('}') {
                body.push(',');
            }
            body.push_str(inner);
        }
        body.push(']');
        if rows.len() > limit
            && let Some((last, ..)) = rows.get(limit - 1)
        {
            let _ = write!(body, ",\"nextPageToken\":\"{last}\"");
        }
        body.push('}');
        body
    }
}
