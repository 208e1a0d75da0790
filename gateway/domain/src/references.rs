//! External ids, and the references documents carry (`senior`, `provider`), resolved
//! against the store.

use std::collections::{HashMap, HashSet};

use jiayang_schemas::Kind;
use jiayang_store::{
    audit::Decision,
    entity::{consent, external_id, person, provider},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use serde_json::{Map, Value};

use crate::{
    Call, Error, Gateway, ParticipantKind, grants, seniors::identity_index, trail::Access,
};

/// The resource stored under `(kind, participant, external id)`.
pub(crate) async fn external(
    conn: &impl ConnectionTrait,
    kind: Kind,
    participant: &str,
    id: &str,
) -> Result<Option<String>, DbErr> {
    let found = external_id::Entity::find_by_id((
        kind.as_str().to_owned(),
        participant.to_owned(),
        id.to_owned(),
    ))
    .one(conn)
    .await?;
    Ok(found.map(|row| row.resource_id))
}

/// Records a resource's external ids; the primary key makes each unique per participant.
pub(crate) async fn insert_external(
    conn: &impl ConnectionTrait,
    kind: Kind,
    resource_id: &str,
    ids: &[(String, String)],
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids
        .iter()
        .map(|(participant, id)| external_id::ActiveModel {
            kind: Set(kind.as_str().to_owned()),
            participant: Set(participant.clone()),
            external_id: Set(id.clone()),
            resource_id: Set(resource_id.to_owned()),
        });
    external_id::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// Records the external ids of several resources in one multi-row insert.
pub(crate) async fn insert_external_many(
    conn: &impl ConnectionTrait,
    kind: Kind,
    resources: &[(String, Vec<(String, String)>)],
) -> Result<(), DbErr> {
    let rows: Vec<external_id::ActiveModel> = resources
        .iter()
        .flat_map(|(resource_id, ids)| {
            ids.iter()
                .map(move |(participant, id)| external_id::ActiveModel {
                    kind: Set(kind.as_str().to_owned()),
                    participant: Set(participant.clone()),
                    external_id: Set(id.clone()),
                    resource_id: Set(resource_id.clone()),
                })
        })
        .collect();
    jiayang_store::rows::insert_all(conn, rows).await
}

/// Replaces a resource's external ids (on update); `only` those of one participant,
/// where each participant keeps its own row under the resource's id.
pub(crate) async fn replace_external(
    conn: &impl ConnectionTrait,
    kind: Kind,
    resource_id: &str,
    ids: &[(String, String)],
    only: Option<&str>,
) -> Result<(), DbErr> {
    let mut old = external_id::Entity::delete_many()
        .filter(external_id::Column::Kind.eq(kind.as_str()))
        .filter(external_id::Column::ResourceId.eq(resource_id));
    if let Some(participant) = only {
        old = old.filter(external_id::Column::Participant.eq(participant));
    }
    old.exec(conn).await?;
    insert_external(conn, kind, resource_id, ids).await
}

/// The one key a validated reference carries (`seniorId`, `externalId`, …).
pub(crate) fn key_of(reference: &Map<String, Value>) -> &str {
    reference
        .keys()
        .next()
        .map(String::as_str)
        .unwrap_or_default()
}

fn external_of(reference: &Map<String, Value>) -> Option<(&str, &str)> {
    let external = reference.get("externalId")?;
    Some((
        external
            .get("participant")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        external
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    ))
}

/// The senior a validated reference names, if the gateway holds it.
pub(crate) async fn resolve_senior(
    gateway: &Gateway,
    conn: &impl ConnectionTrait,
    reference: &Map<String, Value>,
) -> Result<Option<String>, Error> {
    Ok(resolve_seniors(gateway, conn, [("", reference)])
        .await?
        .remove("")
        .flatten())
}

/// The seniors many validated references name, by reference (`json_text` of it): a
/// query for each way of naming one (id, external id, identity number) rather than one
/// per reference.
pub(crate) async fn resolve_seniors<'a>(
    gateway: &Gateway,
    conn: &impl ConnectionTrait,
    references: impl IntoIterator<Item = (&'a str, &'a Map<String, Value>)>,
) -> Result<HashMap<&'a str, Option<String>>, Error> {
    let (mut by_id, mut by_external, mut by_identity) = (Vec::new(), Vec::new(), Vec::new());
    for (key, reference) in references {
        if let Some(id) = reference.get("seniorId").and_then(Value::as_str) {
            by_id.push((key, id));
        } else if let Some(external) = external_of(reference) {
            by_external.push((key, external));
        } else {
            let number = reference
                .get("identityNumber")
                .and_then(Value::as_str)
                .unwrap_or_default();
            by_identity.push((key, identity_index(gateway, "RESIDENT_ID_CARD", number)));
        }
    }
    let mut resolved = HashMap::new();
    if !by_id.is_empty() {
        let known: HashSet<String> = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .filter(person::Column::Id.is_in(by_id.iter().map(|(_, id)| *id)))
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        for (key, id) in by_id {
            resolved.insert(key, known.contains(id).then(|| id.to_owned()));
        }
    }
    if !by_external.is_empty() {
        // Participants and ids each as a list: a pair of one with the other's may match
        // rows no reference names, which the map below leaves aside.
        let rows: HashMap<(String, String), String> = external_id::Entity::find()
            .filter(external_id::Column::Kind.eq(Kind::Senior.as_str()))
            .filter(
                external_id::Column::Participant
                    .is_in(by_external.iter().map(|(_, (participant, _))| *participant)),
            )
            .filter(
                external_id::Column::ExternalId.is_in(by_external.iter().map(|(_, (_, id))| *id)),
            )
            .all(conn)
            .await?
            .into_iter()
            .map(|row| ((row.participant, row.external_id), row.resource_id))
            .collect();
        for (key, (participant, id)) in by_external {
            resolved.insert(
                key,
                rows.get(&(participant.to_owned(), id.to_owned())).cloned(),
            );
        }
    }
    if !by_identity.is_empty() {
        let rows: HashMap<String, String> = person::Entity::find()
            .select_only()
            .columns([person::Column::IdentityHash, person::Column::Id])
            .filter(
                person::Column::IdentityHash
                    .is_in(by_identity.iter().map(|(_, hash)| hash.clone())),
            )
            .into_tuple::<(String, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        for (key, hash) in by_identity {
            resolved.insert(key, rows.get(&hash).cloned());
        }
    }
    Ok(resolved)
}

/// A senior reference as the caller may know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SeniorRef {
    /// Registered, and the caller holds it, has a current grant for it, or supervises.
    Known(String),
    /// Registered, but not the caller's to learn: it is answered as unknown.
    Hidden(String),
    Unknown,
}

impl SeniorRef {
    /// The senior's id when the caller may use it; a hidden one is recorded in the
    /// request's trail as a denial against that senior (its access history shows it).
    pub(crate) fn usable(self, call: &Call) -> Option<String> {
        match self {
            SeniorRef::Known(id) => Some(id),
            SeniorRef::Hidden(id) => {
                call.trail.push(Access {
                    senior: id.clone(),
                    resource: id,
                    decision: Decision::Deny,
                    reason: Some(
                        "a reference to a senior the caller neither holds nor has a grant for, \
                         answered as unknown"
                            .into(),
                    ),
                    categories: None,
                });
                None
            }
            SeniorRef::Unknown => None,
        }
    }
}

impl SeniorRef {
    /// What `found` (a reference's resolution) is to a caller that may, or may not,
    /// `know` of that senior.
    pub(crate) fn of(found: Option<String>, known: bool) -> Self {
        match found {
            Some(id) if known => SeniorRef::Known(id),
            Some(id) => SeniorRef::Hidden(id),
            None => SeniorRef::Unknown,
        }
    }
}

/// Whether a caller that holds no registration of the senior `id` may still learn that
/// it is registered: it has a current grant for it from a holder (any purpose), or it is
/// a regulator or the operator, which see every senior (DESIGN §4.5).
pub(crate) async fn may_know_without_holding(
    gateway: &Gateway,
    call: &Call,
    id: &str,
) -> Result<bool, Error> {
    Ok(known_without_holding(gateway, call, &[id])
        .await?
        .contains(id))
}

/// Of `ids`, those the caller may know of without holding them: those it has a current
/// grant for (whatever its purpose), or all when it supervises. One query, whatever
/// `ids` hold — so, as for one senior, an unknown id costs what a hidden one does.
pub(crate) async fn known_without_holding(
    gateway: &Gateway,
    call: &Call,
    ids: &[&str],
) -> Result<HashSet<String>, Error> {
    let granted: HashSet<String> = consent::Entity::find()
        .select_only()
        .column(consent::Column::SeniorId)
        .filter(grants::current_grants(call.me(), &grants::beijing_today()))
        .filter(consent::Column::SeniorId.is_in(ids.iter().copied()))
        .into_tuple::<String>()
        .all(&gateway.store.db)
        .await?
        .into_iter()
        .collect();
    if matches!(
        call.kind(),
        ParticipantKind::Regulator | ParticipantKind::Operator
    ) {
        return Ok(ids.iter().map(|id| (*id).to_owned()).collect());
    }
    Ok(granted)
}

/// The provider a validated reference names, if the gateway holds it: its row, which
/// a record's checks read too.
pub(crate) async fn resolve_provider(
    conn: &impl ConnectionTrait,
    reference: &Map<String, Value>,
) -> Result<Option<provider::Model>, Error> {
    let id = if let Some(id) = reference.get("providerId").and_then(Value::as_str) {
        id.to_owned()
    } else if let Some((participant, id)) = external_of(reference) {
        match external(conn, Kind::Provider, participant, id).await? {
            Some(id) => id,
            None => return Ok(None),
        }
    } else {
        let uscc = reference
            .get("uscc")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Ok(provider::Entity::find()
            .filter(provider::Column::Uscc.eq(uscc))
            .one(conn)
            .await?);
    };
    Ok(provider::Entity::find_by_id(id).one(conn).await?)
}
