//! External ids and the references service records carry, resolved against the store.

use jiayang_schemas::Kind;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::{error::ApiError, store::entity::external_id};

/// A lookup that does not say what to look up. The message is fixed: a parser's would
/// echo the value sent, which may be an identity number.
pub fn invalid_lookup() -> ApiError {
    ApiError::Invalid(vec![jiayang_schemas::Violation::new(
        "",
        "lookup-format",
        "查找须恰好给出 externalId {participant, id} 或（仅老年人）identityNumber 之一",
        "a lookup carries exactly one of externalId {participant, id} or (seniors only) identityNumber",
    )])
}

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
    if rows.is_empty() {
        return Ok(());
    }
    external_id::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}

/// Replaces a resource's external ids (on update).
pub(crate) async fn replace_external(
    conn: &impl ConnectionTrait,
    kind: Kind,
    resource_id: &str,
    ids: &[(String, String)],
) -> Result<(), DbErr> {
    external_id::Entity::delete_many()
        .filter(external_id::Column::Kind.eq(kind.as_str()))
        .filter(external_id::Column::ResourceId.eq(resource_id))
        .exec(conn)
        .await?;
    insert_external(conn, kind, resource_id, ids).await
}
