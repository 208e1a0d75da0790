//! Senior profiles. Identity and phone numbers are sealed (AES-256-GCM) and stored apart
//! from the rest of the document; a keyed hash of the identity document makes exact
//! search possible and one profile per document enforceable.

use jiayang_schemas::{Kind, reference::significant_prefix};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Query,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{
    Caller, Gateway, PageRequest,
    consents::{active_grants, beijing_today},
    document::{self, Meta, external_ids, json_text, str_at, without_server_fields},
    paging::{Cursor, check_division_filter},
    references,
    resource::{Resource, conflict, update_at_version},
    validated,
};
use crate::{
    error::ApiError,
    store::{
        entity::{consent, senior},
        now_micros,
    },
};

pub struct Seniors;

/// The personal numbers taken out of a profile before it is stored.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Sealed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    phone: Option<String>,
    /// One entry per guardian, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    guardian_phones: Vec<Option<String>>,
}

pub struct PreparedSenior {
    body: Map<String, Value>,
    sealed: Sealed,
    identity_hash: Option<String>,
    external_ids: Vec<(String, String)>,
}

fn take_string(object: &mut Map<String, Value>, key: &str) -> Option<String> {
    match object.remove(key) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    }
}

/// Splits the personal numbers off the body.
fn seal(body: &mut Map<String, Value>) -> Sealed {
    let identity_number = body
        .get_mut("identityDocument")
        .and_then(Value::as_object_mut)
        .and_then(|d| take_string(d, "number"));
    let phone = take_string(body, "phone");
    let guardian_phones = body
        .get_mut("guardians")
        .and_then(Value::as_array_mut)
        .map(|guardians| {
            guardians
                .iter_mut()
                .map(|g| g.as_object_mut().and_then(|g| take_string(g, "phone")))
                .collect()
        })
        .unwrap_or_default();
    Sealed {
        identity_number,
        phone,
        guardian_phones,
    }
}

/// Puts the personal numbers back.
fn unseal(body: &mut Map<String, Value>, sealed: Sealed) {
    if let (Some(number), Some(document)) = (
        sealed.identity_number,
        body.get_mut("identityDocument")
            .and_then(Value::as_object_mut),
    ) {
        document.insert("number".into(), number.into());
    }
    if let Some(phone) = sealed.phone {
        body.insert("phone".into(), phone.into());
    }
    if let Some(guardians) = body.get_mut("guardians").and_then(Value::as_array_mut) {
        for (guardian, phone) in guardians.iter_mut().zip(sealed.guardian_phones) {
            if let (Some(guardian), Some(phone)) = (guardian.as_object_mut(), phone) {
                guardian.insert("phone".into(), phone.into());
            }
        }
    }
}

/// The index value of an identity document: type and number, so that a passport and an
/// ID card with equal numbers stay apart.
pub(crate) fn identity_index(gateway: &Gateway, document_type: &str, number: &str) -> String {
    gateway.keys.index_hash(
        "identity-document",
        &format!("{document_type}:{}", number.to_ascii_uppercase()),
    )
}

impl Seniors {
    pub(crate) fn render(gateway: &Gateway, row: &senior::Model) -> Result<Value, ApiError> {
        let mut rendered = document::render(
            &row.document,
            Meta {
                id: &row.id,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
        );
        let opened = gateway
            .keys
            .open(row.id.as_bytes(), &row.sealed)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let sealed: Sealed =
            serde_json::from_slice(&opened).map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Some(object) = rendered.as_object_mut() {
            unseal(object, sealed);
        }
        Ok(rendered)
    }

    /// The stored senior with this resident ID card number.
    pub(crate) async fn row_by_identity(
        gateway: &Gateway,
        number: &str,
    ) -> Result<Option<senior::Model>, ApiError> {
        let hash = identity_index(gateway, "RESIDENT_ID_CARD", number);
        Ok(senior::Entity::find()
            .filter(senior::Column::IdentityHash.eq(hash))
            .one(&gateway.store.db)
            .await?)
    }

    /// Seniors `visible` to a reader, optionally within a division (the code and
    /// everything under it) and of a status, as rows of one page.
    pub(crate) async fn list(
        gateway: &Gateway,
        page: &PageRequest,
        division: Option<&str>,
        status: Option<&str>,
        visible: Visible<'_>,
    ) -> Result<(Cursor, Vec<senior::Model>), ApiError> {
        let cursor = Cursor::new(
            page,
            "seniors",
            &[division.unwrap_or(""), status.unwrap_or("")],
        )?;
        if let Some(code) = division {
            check_division_filter("division", code)?;
        }
        let mut query = senior::Entity::find().filter(visible.condition());
        if let Some(code) = division {
            query = query.filter(
                senior::Column::DivisionCode.like(format!("{}%", significant_prefix(code))),
            );
        }
        if let Some(status) = status {
            query = query.filter(senior::Column::Status.eq(status));
        }
        if let Some(after) = &cursor.after {
            query = query.filter(senior::Column::Id.gt(after.as_str()));
        }
        let rows = query
            .order_by_asc(senior::Column::Id)
            .limit(cursor.fetch())
            .all(&gateway.store.db)
            .await?;
        Ok((cursor, rows))
    }
}

/// Which seniors a list shows: the SQL side of `super::release`'s rules, so that a page
/// holds only seniors the reader may see and says nothing of the others.
#[derive(Clone, Copy, Debug)]
pub enum Visible<'a> {
    All,
    /// The seniors `participant` holds, and with `granted_for` those its grants cover
    /// for that purpose today — only those granting BASIC when `basic` (a list filtered
    /// by division or status must not tell those of seniors whose BASIC it may not see).
    To {
        participant: &'a str,
        granted_for: Option<&'a str>,
        basic: bool,
    },
}

impl Visible<'_> {
    fn condition(self) -> Condition {
        match self {
            Visible::All => Condition::all(),
            Visible::To {
                participant,
                granted_for,
                basic,
            } => {
                let held = Condition::any().add(senior::Column::Holder.eq(participant));
                match granted_for {
                    None => held,
                    Some(purpose) => {
                        let mut grants = active_grants(participant, purpose, &beijing_today());
                        if basic {
                            grants = grants.add(consent::Column::Categories.like("%,BASIC,%"));
                        }
                        held.add(
                            senior::Column::Id.in_subquery(
                                Query::select()
                                    .column(consent::Column::SeniorId)
                                    .from(consent::Entity)
                                    .cond_where(grants)
                                    .to_owned(),
                            ),
                        )
                    }
                }
            }
        }
    }
}

impl Resource for Seniors {
    /// A profile is its holder's: only the holder (and the operator) changes it.
    async fn owner(
        conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        id: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let Some(id) = id else { return Ok(None) };
        Ok(senior::Entity::find_by_id(id.to_owned())
            .one(conn)
            .await?
            .map(|row| row.holder))
    }

    const KIND: Kind = Kind::Senior;
    const PREFIX: &'static str = "sen";
    const LABEL: &'static str = "senior";
    type Cache = ();
    type Prepared = PreparedSenior;

    async fn prepare(
        gateway: &Gateway,
        _caller: &Caller,
        _parent: Option<&str>,
        document: Value,
        _conn: &impl ConnectionTrait,
        _cache: &mut (),
    ) -> Result<PreparedSenior, ApiError> {
        validated(Kind::Senior, &document)?;
        let mut body = without_server_fields(document);
        let external_ids = external_ids(&body);
        let document_type = body
            .get("identityDocument")
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let sealed = seal(&mut body);
        let identity_hash = sealed
            .identity_number
            .as_deref()
            .map(|n| identity_index(gateway, &document_type, n));
        Ok(PreparedSenior {
            body,
            sealed,
            identity_hash,
            external_ids,
        })
    }

    async fn insert(
        gateway: &Gateway,
        txn: &DatabaseTransaction,
        caller: &Caller,
        _parent: Option<&str>,
        id: &str,
        prepared: &PreparedSenior,
    ) -> Result<Value, ApiError> {
        let now = now_micros();
        let row = senior::ActiveModel {
            id: Set(id.to_owned()),
            holder: Set(caller.participant.clone()),
            version: Set(1),
            status: Set(str_at(&prepared.body, "status").to_owned()),
            division_code: Set(division_of(&prepared.body)),
            identity_hash: Set(prepared.identity_hash.clone()),
            document: Set(json_text(&prepared.body)),
            sealed: Set(gateway.keys.seal(
                id.as_bytes(),
                &serde_json::to_vec(&prepared.sealed).expect("serialises"),
            )),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let row = row
            .insert(txn)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        references::insert_external(txn, Kind::Senior, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Self::render(gateway, &row)
    }

    async fn replace(
        gateway: &Gateway,
        txn: &DatabaseTransaction,
        _parent: Option<&str>,
        id: &str,
        expected_version: i32,
        prepared: &PreparedSenior,
    ) -> Result<Value, ApiError> {
        // Only what changes is set; the version check is the UPDATE's own condition.
        let row = senior::ActiveModel {
            version: Set(expected_version + 1),
            status: Set(str_at(&prepared.body, "status").to_owned()),
            division_code: Set(division_of(&prepared.body)),
            identity_hash: Set(prepared.identity_hash.clone()),
            document: Set(json_text(&prepared.body)),
            sealed: Set(gateway.keys.seal(
                id.as_bytes(),
                &serde_json::to_vec(&prepared.sealed).expect("serialises"),
            )),
            updated_at: Set(now_micros()),
            ..Default::default()
        };
        let row = update_at_version::<senior::Entity>(
            txn,
            Self::LABEL,
            row,
            id,
            expected_version,
            senior::Column::Id,
            senior::Column::Version,
        )
        .await?;
        references::replace_external(txn, Kind::Senior, id, &prepared.external_ids)
            .await
            .map_err(|e| conflict(Self::LABEL, e))?;
        Self::render(gateway, &row)
    }

    async fn get(
        gateway: &Gateway,
        conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        id: &str,
    ) -> Result<Option<Value>, ApiError> {
        let row = senior::Entity::find_by_id(id.to_owned()).one(conn).await?;
        row.map(|row| Self::render(gateway, &row)).transpose()
    }
}

fn division_of(body: &Map<String, Value>) -> String {
    body.get("address")
        .and_then(|a| a.get("divisionCode"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
