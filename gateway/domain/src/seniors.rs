//! Senior profiles. A senior is one person (`persons`: an id and the keyed hash of the
//! identity document) with one registration per holder (`registrations`): each
//! collecting participant that registers the document holds its own registration of that
//! person — its document, version and external ids — and registering answers alike
//! whether or not anyone else holds the person. Identity and phone numbers are sealed
//! (AES-256-GCM) and stored apart from the rest of each registration.

use std::collections::{BTreeMap, BTreeSet};

use jiayang_schemas::{Kind, Violation, reference::significant_prefix};
use jiayang_store::{
    entity::{consent, person, registration},
    now_micros,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    Call, Error, Gateway, PageRequest,
    document::{json_text, str_at},
    grants::{active_grants, beijing_today},
    paging::{Cursor, check_division_filter},
    resource::{Columns, Prepared, Resource, rendered},
    rules,
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

/// A senior's id: random, not a ULID's time, because every holder's registration answers
/// under it and a creation time older than the registration would tell its holder that
/// someone registered the person first.
fn new_senior_id() -> String {
    let bits: u128 = rand::random();
    format!("sen_{}", ulid::Ulid(bits))
}

/// Whether `participant` holds a registration of the senior `id`.
pub(crate) async fn holds(
    conn: &impl ConnectionTrait,
    participant: &str,
    id: &str,
) -> Result<bool, Error> {
    Ok(registration::Entity::find()
        .filter(registration::Column::SeniorId.eq(id))
        .filter(registration::Column::Holder.eq(participant))
        .select_only()
        .column(registration::Column::Holder)
        .into_tuple::<String>()
        .one(conn)
        .await?
        .is_some())
}

/// Whether the senior `id` exists (some participant holds it).
pub(crate) async fn exists(conn: &impl ConnectionTrait, id: &str) -> Result<bool, Error> {
    Ok(person::Entity::find_by_id(id.to_owned())
        .select_only()
        .column(person::Column::Id)
        .into_tuple::<String>()
        .one(conn)
        .await?
        .is_some())
}

/// The senior whose resident ID card number this is, if any holds it.
pub(crate) async fn by_identity(
    gateway: &Gateway,
    conn: &impl ConnectionTrait,
    number: &str,
) -> Result<Option<String>, Error> {
    let hash = identity_index(gateway, "RESIDENT_ID_CARD", number);
    Ok(person::Entity::find()
        .filter(person::Column::IdentityHash.eq(hash))
        .select_only()
        .column(person::Column::Id)
        .into_tuple::<String>()
        .one(conn)
        .await?)
}

/// A page of seniors: each senior's id with the registrations of it the reader may see.
pub(crate) type SeniorRows = Vec<(String, Vec<registration::Model>)>;

impl Seniors {
    /// The seniors `visible` to a reader, optionally those with a visible registration
    /// within a division (the code and everything under it) and of a status, one page
    /// of persons (not of registrations); whether another page follows.
    pub(crate) async fn list(
        gateway: &Gateway,
        page: &PageRequest,
        division: Option<&str>,
        status: Option<&str>,
        visible: Visible<'_>,
    ) -> Result<(Cursor, bool, SeniorRows), Error> {
        let cursor = Cursor::new(
            &gateway.keys,
            page,
            "seniors",
            &[division.unwrap_or(""), status.unwrap_or("")],
        )?;
        if let Some(code) = division {
            check_division_filter("division", code)?;
        }
        let mut matching = Condition::all().add(visible.condition());
        if let Some(code) = division {
            matching = matching.add(
                registration::Column::DivisionCode.like(format!("{}%", significant_prefix(code))),
            );
        }
        if let Some(status) = status {
            matching = matching.add(registration::Column::Status.eq(status));
        }
        let db = &gateway.store.db;
        let mut ids = cursor
            .ids(registration::Entity::find().filter(matching.clone()), db)
            .await?;
        let more = cursor.cut(&mut ids);
        let mut found: BTreeMap<String, Vec<registration::Model>> = BTreeMap::new();
        if !ids.is_empty() {
            for row in registration::Entity::find()
                .filter(matching)
                .filter(registration::Column::SeniorId.is_in(ids.iter().map(String::as_str)))
                .all(db)
                .await?
            {
                found.entry(row.senior_id.clone()).or_default().push(row);
            }
        }
        let rows = ids
            .into_iter()
            .map(|id| {
                let rows = found.remove(&id).unwrap_or_default();
                (id, rows)
            })
            .collect();
        Ok((cursor, more, rows))
    }
}

/// Which registrations a list shows: the SQL side of `super::release`'s rules, so that a
/// page holds only what the reader may see and says nothing of the rest.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Visible<'a> {
    All,
    /// The registrations `participant` holds, and with `granted_for` those whose holders'
    /// grants cover it for that purpose today — only grants of BASIC when `basic` (a list
    /// filtered by division or status must not tell those of registrations whose BASIC it
    /// may not see).
    To {
        participant: &'a str,
        granted_for: Option<&'a str>,
        basic: bool,
    },
}

impl Visible<'_> {
    pub(crate) fn condition(self) -> Condition {
        match self {
            Visible::All => Condition::all(),
            Visible::To {
                participant,
                granted_for,
                basic,
            } => {
                let held = Condition::any().add(registration::Column::Holder.eq(participant));
                match granted_for {
                    None => held,
                    Some(purpose) => {
                        let mut grants = active_grants(participant, purpose, &beijing_today());
                        if basic {
                            grants = grants.add(consent::Column::Categories.like("%,BASIC,%"));
                        }
                        let of_this_registration =
                            Expr::col((consent::Entity, consent::Column::SeniorId))
                                .equals((registration::Entity, registration::Column::SeniorId))
                                .and(
                                    Expr::col((consent::Entity, consent::Column::Holder)).equals((
                                        registration::Entity,
                                        registration::Column::Holder,
                                    )),
                                );
                        held.add(Expr::exists(
                            Query::select()
                                .expr(Expr::val(1))
                                .from(consent::Entity)
                                .cond_where(grants.add(of_this_registration))
                                .to_owned(),
                        ))
                    }
                }
            }
        }
    }
}

impl Resource for Seniors {
    type Table = registration::Entity;
    const KIND: Kind = Kind::Senior;
    const PREFIX: &'static str = "sen";
    const LABEL: &'static str = "senior";
    type Extra = SealedParts;
    type Cache = ();
    /// Each holder writes its own registration only: another's is as if not there.
    const OWN: Option<registration::Column> = Some(registration::Column::Holder);

    /// Seals the personal numbers and hashes the identity document.
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

    /// The person each registration is of: found by its identity document, or made.
    /// Both are the same two statements (an insert that does nothing when the person
    /// exists, then a select), so a first and a later registration take the same path.
    async fn ids(
        _gateway: &Gateway,
        txn: &DatabaseTransaction,
        items: &[&Prepared<SealedParts>],
    ) -> Result<Vec<String>, Error> {
        let hashes: BTreeSet<&str> = items
            .iter()
            .filter_map(|p| p.extra.identity_hash.as_deref())
            .collect();
        let now = now_micros();
        let candidates = hashes.iter().map(|hash| person::ActiveModel {
            id: Set(new_senior_id()),
            identity_hash: Set(Some((*hash).to_owned())),
            created_at: Set(now),
        });
        person::Entity::insert_many(candidates)
            .on_conflict_do_nothing_on([person::Column::IdentityHash])
            .exec_without_returning(txn)
            .await?;
        let found: BTreeMap<String, String> = person::Entity::find()
            .filter(person::Column::IdentityHash.is_in(hashes.iter().copied()))
            .select_only()
            .columns([person::Column::IdentityHash, person::Column::Id])
            .into_tuple::<(String, String)>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        items
            .iter()
            .map(|p| match p.extra.identity_hash.as_deref() {
                Some(hash) => found
                    .get(hash)
                    .cloned()
                    .ok_or_else(|| Error::Internal("a person just written is not found".into())),
                // The schema requires an identity document; without one there is no one
                // to be the same person as.
                None => Ok(new_senior_id()),
            })
            .collect()
    }

    fn columns(gateway: &Gateway, id: &str, prepared: &Prepared<SealedParts>) -> Columns<Self> {
        let sealed = serde_json::to_vec(&prepared.extra.sealed).expect("sealed parts serialise");
        registration::ActiveModel {
            status: Set(str_at(&prepared.body, "status").to_owned()),
            division_code: Set(division_of(&prepared.body)),
            document: Set(json_text(&prepared.body)),
            sealed: Set(gateway.keys.seal(id.as_bytes(), &sealed)),
            ..Default::default()
        }
    }

    /// A registration is its holder's, and of the person its identity document names.
    fn creator(
        row: &mut Columns<Self>,
        call: &Call,
        _parent: Option<&str>,
        prepared: &Prepared<SealedParts>,
    ) {
        row.holder = Set(call.me().to_owned());
        row.identity_hash = Set(prepared.extra.identity_hash.clone());
    }

    /// The identity document names the person registered: changing it would make the
    /// registration another person's, with that person's records and consents.
    fn check_update(
        updated: &registration::Model,
        prepared: &Prepared<SealedParts>,
    ) -> Result<(), Error> {
        if updated.identity_hash == prepared.extra.identity_hash {
            return Ok(());
        }
        Err(Error::invalid(Violation::new(
            "/identityDocument",
            rules::IDENTITY_FIXED,
            "登记的身份证件不可更改；如登记有误，请以正确证件重新登记",
            "a registration's identity document cannot change; register the right one anew",
        )))
    }

    /// A profile's changes concern the senior it is.
    fn senior_of<'a>(id: &'a str, _prepared: &'a Prepared<SealedParts>) -> Option<&'a str> {
        Some(id)
    }

    /// The stored registration, naming its holder, with its sealed numbers put back.
    fn render(gateway: &Gateway, row: &registration::Model) -> Result<Value, Error> {
        let mut rendered = rendered::<Self>(row);
        let opened = gateway
            .keys
            .open(row.senior_id.as_bytes(), &row.sealed)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let sealed: Sealed = serde_json::from_slice(&opened)
            .map_err(|_| Error::Internal("a profile's sealed numbers do not parse".into()))?;
        if let Some(object) = rendered.as_object_mut() {
            object.insert("holder".into(), row.holder.clone().into());
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
