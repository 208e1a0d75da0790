//! The participant registry: add, suspend, resume, rotate and list participants, and the
//! operator's first credential. Every change is audited as the operator's.

use jiayang_schemas::Violation;
use jiayang_store::{
    Store, audit, crypto,
    entity::{api_token, client_certificate, participant},
    is_unique_violation, now_micros,
    pki::{self, TlsFiles},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::Deserialize;
use serde_json::Value;

use super::{OPERATOR, Participant, ParticipantKind, Status};
use crate::{Error, Gateway, rules};

/// A new participant as the operator describes it.
#[derive(Clone, Debug)]
pub struct NewParticipant {
    pub id: String,
    pub kind: ParticipantKind,
    pub name: String,
    pub uscc: Option<String>,
    pub native_format: Option<String>,
}

/// What a participant connects with; the secrets exist only here and in what they are
/// handed over in (the command line's files, the API's answer): the database keeps a
/// hash and a fingerprint.
#[derive(Debug)]
pub struct Credentials {
    pub token: String,
    pub certificate_pem: String,
    pub key_pem: String,
}

fn invalid_id(message: String) -> Error {
    Error::invalid(Violation::new(
        "/id",
        rules::PARTICIPANT_ID,
        message.clone(),
        message,
    ))
}

fn valid_id(id: &str) -> bool {
    (2..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

fn pki_failed(error: pki::PkiError) -> Error {
    Error::Internal(error.to_string())
}

/// Registers a participant and issues its first credentials.
pub async fn add(store: &Store, ca: &TlsFiles, new: &NewParticipant) -> Result<Credentials, Error> {
    if !valid_id(&new.id) {
        return Err(invalid_id(format!(
            "`{}` is not a participant id: 2 to 63 lower-case letters, digits and '-', starting with a letter or digit",
            new.id
        )));
    }
    if new.kind == ParticipantKind::Operator {
        return Err(invalid_id(
            "there is one operator, made by `jiayang serve`; add other kinds".into(),
        ));
    }
    // Through the SQLite write gate: a read that turns into a write would otherwise meet
    // another writer as "database is locked".
    let write = store.write().await?;
    let txn = &write.txn;
    participant::ActiveModel {
        id: Set(new.id.clone()),
        kind: Set(new.kind.as_str().into()),
        name: Set(new.name.clone()),
        status: Set(Status::Active.as_str().into()),
        created_at: Set(now_micros()),
        uscc: Set(new.uscc.clone()),
        native_format: Set(new.native_format.clone()),
    }
    .insert(txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::AlreadyExists(format!("participant {}", new.id))
        } else {
            e.into()
        }
    })?;
    let credentials = issue(txn, ca, &new.id).await?;
    audit::append(txn, vec![registry_change("participant.added", &new.id)]).await?;
    write.commit().await?;
    Ok(credentials)
}

/// A participant as the operator sends it over the API (`POST /v1/participants`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewParticipantDocument {
    id: String,
    kind: String,
    name: String,
    uscc: Option<String>,
    native_format: Option<String>,
}

/// A participant registered over the API: its credentials are in this answer only.
#[derive(Debug)]
pub struct Registered {
    pub id: String,
    pub kind: ParticipantKind,
    pub credentials: Credentials,
}

/// Registers the participant `document` describes (`{id, kind, name, uscc?,
/// nativeFormat?}`), each mistake a violation naming its field.
pub async fn register(gateway: &Gateway, document: Value) -> Result<Registered, Error> {
    let document: NewParticipantDocument = serde_json::from_value(document).map_err(|e| {
        Error::invalid(Violation::new(
            "",
            rules::PARTICIPANT_FORMAT,
            format!("接入方格式错误：{e}"),
            format!("not a participant: {e}"),
        ))
    })?;
    let kind: ParticipantKind = document.kind.parse().map_err(|message: String| {
        Error::invalid(Violation::new(
            "/kind",
            rules::PARTICIPANT_KIND,
            message.clone(),
            message,
        ))
    })?;
    if document.name.trim().is_empty() {
        return Err(Error::invalid(Violation::new(
            "/name",
            jiayang_schemas::rule::EMPTY,
            "接入方名称不能为空",
            "a participant's name must not be empty",
        )));
    }
    if let Some(violation) = jiayang_schemas::control_character("/name", &document.name) {
        return Err(Error::invalid(violation));
    }
    let new = NewParticipant {
        id: document.id,
        kind,
        name: document.name,
        uscc: document.uscc,
        native_format: document.native_format,
    };
    let credentials = add(&gateway.store, &gateway.tls, &new).await?;
    Ok(Registered {
        id: new.id,
        kind,
        credentials,
    })
}

/// Registry changes are the operator's, and audited like every other change.
fn registry_change(action: &str, id: &str) -> audit::Entry {
    audit::Entry::change(OPERATOR, action, id, None)
}

async fn issue(txn: &DatabaseTransaction, ca: &TlsFiles, id: &str) -> Result<Credentials, Error> {
    let token = crypto::new_token();
    let issued = pki::issue_client_certificate(ca, id).map_err(pki_failed)?;
    let now = now_micros();
    api_token::ActiveModel {
        token_hash: Set(crypto::token_hash(&token)),
        participant_id: Set(id.to_owned()),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    client_certificate::ActiveModel {
        fingerprint: Set(issued.fingerprint),
        participant_id: Set(id.to_owned()),
        created_at: Set(now),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(Credentials {
        token,
        certificate_pem: issued.certificate_pem,
        key_pem: issued.key_pem,
    })
}

pub(super) async fn existing(
    conn: &impl ConnectionTrait,
    id: &str,
) -> Result<participant::Model, Error> {
    participant::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or(Error::NotFound("participant"))
}

/// Sets a participant's status; every credential it holds stops (or starts again)
/// working on its next request.
pub async fn set_status(store: &Store, id: &str, status: Status) -> Result<(), Error> {
    if id == OPERATOR && status == Status::Suspended {
        // Its credentials would stop working, and only the command line could resume it.
        return Err(Error::denied(
            "运营方不能暂停自己",
            "the operator cannot suspend itself",
        ));
    }
    // Through the SQLite write gate: a read that turns into a write would otherwise meet
    // another writer as "database is locked".
    let mut write = store.write().await?;
    write.changes_credentials(store).await?;
    let txn = &write.txn;
    let mut row: participant::ActiveModel = existing(txn, id).await?.into();
    row.status = Set(status.as_str().into());
    row.update(txn).await?;
    let action = match status {
        Status::Active => "participant.resumed",
        Status::Suspended => "participant.suspended",
    };
    audit::append(txn, vec![registry_change(action, id)]).await?;
    write.commit().await?;
    Ok(())
}

/// Revokes every token and certificate of a participant and issues new ones.
pub async fn rotate(store: &Store, ca: &TlsFiles, id: &str) -> Result<Credentials, Error> {
    // Through the SQLite write gate: a read that turns into a write would otherwise meet
    // another writer as "database is locked".
    let mut write = store.write().await?;
    write.changes_credentials(store).await?;
    let txn = &write.txn;
    existing(txn, id).await?;
    let now = now_micros();
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::ParticipantId.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    client_certificate::Entity::update_many()
        .col_expr(client_certificate::Column::RevokedAt, Expr::value(now))
        .filter(client_certificate::Column::ParticipantId.eq(id))
        .filter(client_certificate::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    let credentials = issue(txn, ca, id).await?;
    audit::append(txn, vec![registry_change("participant.rotated", id)]).await?;
    write.commit().await?;
    Ok(credentials)
}

/// Every participant, by id, with its certifications.
pub async fn list(store: &Store) -> Result<Vec<Participant>, Error> {
    let mut certified = super::certification::latest(store).await?;
    Ok(participant::Entity::find()
        .order_by_asc(participant::Column::Id)
        .all(&store.db)
        .await?
        .into_iter()
        .map(|row| {
            let mut participant = Participant::from(row);
            participant.conformance = certified.remove(&participant.id).unwrap_or_default();
            participant
        })
        .collect())
}

/// The advisory lock under which a PostgreSQL node makes the operator (`jyop`): nodes
/// starting together on one database make one operator and one first token.
const OPERATOR_LOCK: i64 = 0x6a79_6f70;

/// The operator participant, and its first token when it has none and `save` has not
/// been given one before. `save` hands the token over (`jiayang serve` writes it to a
/// file); the token's hash commits only once it has, so a crash in between leaves
/// neither and the next start issues a token again. Once per database: nodes starting at
/// the same time take turns (the SQLite write gate, or an advisory lock), and only the
/// first finds no token.
pub async fn ensure_operator<E: From<Error>>(
    store: &Store,
    already_saved: bool,
    save: impl FnOnce(&str) -> Result<(), E>,
) -> Result<Option<String>, E> {
    let write = store.write().await.map_err(Error::from)?;
    let txn = &write.txn;
    if store.backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({OPERATOR_LOCK})"))
            .await
            .map_err(Error::from)?;
    }
    let found = participant::Entity::find_by_id(OPERATOR.to_owned())
        .one(txn)
        .await
        .map_err(Error::from)?;
    if found.is_none() {
        participant::ActiveModel {
            id: Set(OPERATOR.into()),
            kind: Set(ParticipantKind::Operator.as_str().into()),
            name: Set("Gateway operator".into()),
            status: Set(Status::Active.as_str().into()),
            created_at: Set(now_micros()),
            uscc: Set(None),
            native_format: Set(None),
        }
        .insert(txn)
        .await
        .map_err(Error::from)?;
    }
    let has_token = api_token::Entity::find()
        .filter(api_token::Column::ParticipantId.eq(OPERATOR))
        .one(txn)
        .await
        .map_err(Error::from)?
        .is_some();
    if has_token || already_saved {
        write.commit().await.map_err(Error::from)?;
        return Ok(None);
    }
    let token = crypto::new_token();
    api_token::ActiveModel {
        token_hash: Set(crypto::token_hash(&token)),
        participant_id: Set(OPERATOR.into()),
        created_at: Set(now_micros()),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await
    .map_err(Error::from)?;
    save(&token)?;
    write.commit().await.map_err(Error::from)?;
    Ok(Some(token))
}
