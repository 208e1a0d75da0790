//! The participant registry: who may connect, as what kind, with which credentials.
//! The operator manages it (`jiayang participant …`); authentication reads it on every
//! request, so a change takes effect at once, on open connections too.

use std::{fmt, str::FromStr};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait, sea_query::Expr,
};

use crate::{
    audit, crypto,
    store::{
        Store,
        entity::{api_token, client_certificate, participant},
        is_unique_violation, now_micros,
    },
    tls::{self, TlsError, TlsFiles},
};

/// What a participant is (DESIGN §4.5); its kind decides what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParticipantKind {
    ElderCarePortal,
    HousekeepingPlatform,
    ElderCareInstitution,
    CommunityStation,
    Regulator,
    Operator,
}

impl ParticipantKind {
    pub const ALL: [ParticipantKind; 6] = [
        ParticipantKind::ElderCarePortal,
        ParticipantKind::HousekeepingPlatform,
        ParticipantKind::ElderCareInstitution,
        ParticipantKind::CommunityStation,
        ParticipantKind::Regulator,
        ParticipantKind::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantKind::ElderCarePortal => "ELDER_CARE_PORTAL",
            ParticipantKind::HousekeepingPlatform => "HOUSEKEEPING_PLATFORM",
            ParticipantKind::ElderCareInstitution => "ELDER_CARE_INSTITUTION",
            ParticipantKind::CommunityStation => "COMMUNITY_STATION",
            ParticipantKind::Regulator => "REGULATOR",
            ParticipantKind::Operator => "OPERATOR",
        }
    }
}

impl fmt::Display for ParticipantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ParticipantKind {
    type Err = String;

    /// `HOUSEKEEPING_PLATFORM` or `housekeeping-platform`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normal = text.trim().to_ascii_uppercase().replace('-', "_");
        ParticipantKind::ALL
            .into_iter()
            .find(|k| k.as_str() == normal)
            .ok_or_else(|| {
                format!(
                    "unknown participant kind `{text}` (expected one of {})",
                    ParticipantKind::ALL.map(ParticipantKind::as_str).join(", ")
                )
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "`{0}` is not a participant id: 2 to 63 lower-case letters, digits and '-', starting with a letter or digit"
    )]
    InvalidId(String),
    #[error("participant `{0}` already exists")]
    Exists(String),
    #[error("no participant `{0}`")]
    NotFound(String),
    #[error("there is one operator, made by `jiayang serve`; add other kinds")]
    SecondOperator,
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// A new participant as the operator describes it.
#[derive(Clone, Debug)]
pub struct NewParticipant {
    pub id: String,
    pub kind: ParticipantKind,
    pub name: String,
    pub uscc: Option<String>,
    pub native_format: Option<String>,
}

/// What a participant connects with; the secrets exist only here and in the files the
/// command line writes, the database keeps hashes and fingerprints.
#[derive(Debug)]
pub struct Credentials {
    pub token: String,
    pub certificate_pem: String,
    pub key_pem: String,
}

fn valid_id(id: &str) -> bool {
    (2..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// Registers a participant and issues its first credentials.
pub async fn add(
    store: &Store,
    ca: &TlsFiles,
    new: &NewParticipant,
) -> Result<Credentials, RegistryError> {
    if !valid_id(&new.id) {
        return Err(RegistryError::InvalidId(new.id.clone()));
    }
    if new.kind == ParticipantKind::Operator {
        return Err(RegistryError::SecondOperator);
    }
    let txn = store.db.begin().await?;
    participant::ActiveModel {
        id: Set(new.id.clone()),
        kind: Set(new.kind.as_str().into()),
        name: Set(new.name.clone()),
        status: Set("ACTIVE".into()),
        created_at: Set(now_micros()),
        uscc: Set(new.uscc.clone()),
        native_format: Set(new.native_format.clone()),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            RegistryError::Exists(new.id.clone())
        } else {
            e.into()
        }
    })?;
    let credentials = issue(&txn, ca, &new.id).await?;
    audit::append(&txn, vec![registry_change("participant.added", &new.id)]).await?;
    txn.commit().await?;
    Ok(credentials)
}

/// Registry changes are the operator's, and audited like every other change.
fn registry_change(action: &str, id: &str) -> audit::Entry {
    audit::Entry::change(crate::server::OPERATOR, action, id, None)
}

async fn issue(
    txn: &sea_orm::DatabaseTransaction,
    ca: &TlsFiles,
    id: &str,
) -> Result<Credentials, RegistryError> {
    let token = crypto::new_token();
    let issued = tls::issue_client_certificate(ca, id)?;
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

async fn existing(
    conn: &impl sea_orm::ConnectionTrait,
    id: &str,
) -> Result<participant::Model, RegistryError> {
    participant::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| RegistryError::NotFound(id.to_owned()))
}

/// Sets a participant's status; every credential it holds stops (or starts again)
/// working on its next request.
pub async fn set_status(store: &Store, id: &str, status: Status) -> Result<(), RegistryError> {
    let txn = store.db.begin().await?;
    let mut row: participant::ActiveModel = existing(&txn, id).await?.into();
    row.status = Set(status.as_str().into());
    row.update(&txn).await?;
    let action = match status {
        Status::Active => "participant.resumed",
        Status::Suspended => "participant.suspended",
    };
    audit::append(&txn, vec![registry_change(action, id)]).await?;
    txn.commit().await?;
    Ok(())
}

/// A participant's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    Suspended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "ACTIVE",
            Status::Suspended => "SUSPENDED",
        }
    }
}

/// Revokes every token and certificate of a participant and issues new ones.
pub async fn rotate(store: &Store, ca: &TlsFiles, id: &str) -> Result<Credentials, RegistryError> {
    let txn = store.db.begin().await?;
    existing(&txn, id).await?;
    let now = now_micros();
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::ParticipantId.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    client_certificate::Entity::update_many()
        .col_expr(client_certificate::Column::RevokedAt, Expr::value(now))
        .filter(client_certificate::Column::ParticipantId.eq(id))
        .filter(client_certificate::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let credentials = issue(&txn, ca, id).await?;
    audit::append(&txn, vec![registry_change("participant.rotated", id)]).await?;
    txn.commit().await?;
    Ok(credentials)
}

/// Every participant, by id.
pub async fn list(store: &Store) -> Result<Vec<participant::Model>, RegistryError> {
    Ok(participant::Entity::find()
        .order_by_asc(participant::Column::Id)
        .all(&store.db)
        .await?)
}
