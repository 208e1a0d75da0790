//! Senior profiles. Identity and phone numbers are sealed (AES-256-GCM) and stored apart
//! from the rest of the document; a keyed hash of the identity document makes exact
//! search possible and one profile per document enforceable.

use jiayang_schemas::{Kind, reference::significant_prefix};
use jiayang_store::entity::{consent, senior};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Query,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    Call, Error, Gateway, PageRequest,
    document::{json_text, str_at},
    grants::{active_grants, beijing_today},
    paging::{Cursor, check_division_filter},
    resource::{Columns, Prepared, Resource, rendered},
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

/// What a profile's write adds to its body: the personal numbers taken out of it, and
/// the keyed hash of its identity document.
pub struct SealedParts {
    sealed: Sealed,
    identity_hash: Option<String>,
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
    /// The stored senior with this resident ID card number.
    pub(crate) async fn row_by_identity(
        gateway: &Gateway,
        number: &str,
    ) -> Result<Option<senior::Model>, Error> {
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
    ) -> Result<(Cursor, Vec<senior::Model>), Error> {
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
        let rows = cursor.rows(query, &gateway.store.db).await?;
        Ok((cursor, rows))
    }
}

/// Which seniors a list shows: the SQL side of `super::release`'s rules, so that a page
/// holds only seniors the reader may see and says nothing of the others.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Visible<'a> {
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
    type Table = senior::Entity;
    const KIND: Kind = Kind::Senior;
    const PREFIX: &'static str = "sen";
    const LABEL: &'static str = "senior";
    type Extra = SealedParts;
    type Cache = ();
    /// Only the holder (and the operator) changes a profile.
    const OWNER: Option<senior::Column> = Some(senior::Column::Holder);

    async fn prepare(
        gateway: &Gateway,
        _call: &Call,
        _parent: Option<&str>,
        body: &mut Map<String, Value>,
        _conn: &impl ConnectionTrait,
        _cache: &mut (),
    ) -> Result<SealedParts, Error> {
        let document_type = body
            .get("identityDocument")
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let sealed = seal(body);
        let identity_hash = sealed
            .identity_number
            .as_deref()
            .map(|n| identity_index(gateway, &document_type, n));
        Ok(SealedParts {
            sealed,
            identity_hash,
        })
    }

    fn columns(gateway: &Gateway, id: &str, prepared: &Prepared<SealedParts>) -> Columns<Self> {
        let sealed = serde_json::to_vec(&prepared.extra.sealed).expect("sealed parts serialise");
        senior::ActiveModel {
            status: Set(str_at(&prepared.body, "status").to_owned()),
            division_code: Set(division_of(&prepared.body)),
            identity_hash: Set(prepared.extra.identity_hash.clone()),
            document: Set(json_text(&prepared.body)),
            sealed: Set(gateway.keys.seal(id.as_bytes(), &sealed)),
            ..Default::default()
        }
    }

    /// A profile is its holder's: the participant that registered it.
    fn creator(row: &mut Columns<Self>, call: &Call, _parent: Option<&str>) {
        row.holder = Set(call.me().to_owned());
    }

    /// A profile's changes concern the senior it is.
    fn senior_of<'a>(id: &'a str, _prepared: &'a Prepared<SealedParts>) -> Option<&'a str> {
        Some(id)
    }

    /// The stored profile with its sealed numbers put back.
    fn render(gateway: &Gateway, row: &senior::Model) -> Result<Value, Error> {
        let mut rendered = rendered::<Self>(row);
        let opened = gateway
            .keys
            .open(row.id.as_bytes(), &row.sealed)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let sealed: Sealed = serde_json::from_slice(&opened)
            .map_err(|_| Error::Internal("a profile's sealed numbers do not parse".into()))?;
        if let Some(object) = rendered.as_object_mut() {
            unseal(object, sealed);
        }
        Ok(rendered)
    }
}

fn division_of(body: &Map<String, Value>) -> String {
    body.get("address")
        .and_then(|a| a.get("divisionCode"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
