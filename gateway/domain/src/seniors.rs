//! Senior profiles. A senior is one person (`persons`: an id and the keyed hash of the
//! identity document) with one registration per holder (`registrations`): each
//! collecting participant that registers the document holds its own registration of that
//! person — its document, version and external ids — and registering answers alike
//! whether or not anyone else holds the person. All of a registration but what lists
//! filter on (status, district, document type) is sealed (AES-256-GCM), bound to its
//! senior, holder and version.

use std::collections::{BTreeMap, BTreeSet};

use jiayang_schemas::{Kind, Violation, reference::significant_prefix};
use jiayang_store::{
    entity::{consent, person, registration, setting},
    lists, now_micros, starts_with,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{
    Call, Error, Gateway, PageRequest,
    document::{json_text, str_at},
    grants::{active_grants, beijing_today},
    paging::{Cursor, check_division_filter},
    resource::{Columns, Prepared, Resource, Target, rendered},
    rules,
};

pub struct Seniors;

/// How registrations are sealed now (the `sealing` column): everything but [`CLEAR`]
/// and [`CLEAR_WITHIN`], bound to the senior, the holder and the version.
const SEALING: i32 = 2;
/// How registrations were sealed before (M0013): the personal numbers alone, bound to
/// the senior alone. Such rows are resealed at start ([`reseal_legacy`]).
const LEGACY_SEALING: i32 = 1;
/// The setting recorded once no registration is left at [`LEGACY_SEALING`].
const RESEALED: &str = "registrations_resealed";

/// What a registration keeps in clear: what lists filter on. The district and the kind
/// of identity document (inside their objects) too; everything else about the person —
/// name, birth date, numbers, address detail and location, assessments, needs, living
/// situation, guardians — is sealed.
const CLEAR: [&str; 1] = ["status"];
const CLEAR_WITHIN: [(&str, &str); 2] = [("address", "divisionCode"), ("identityDocument", "type")];

/// What a profile's write adds to its body: the members taken out of it to be sealed, and
/// the keyed hash of its identity document.
pub struct SealedParts {
    sealed: Map<String, Value>,
    identity_hash: Option<String>,
}

/// Takes out of `body` all it does not keep in clear; returns what was taken, to seal.
fn seal(body: &mut Map<String, Value>) -> Map<String, Value> {
    let mut sealed = Map::new();
    let keys: Vec<String> = body
        .keys()
        .filter(|k| !CLEAR.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in keys {
        let kept = CLEAR_WITHIN.iter().find(|(object, _)| *object == key);
        match (kept, body.get_mut(&key)) {
            (Some((_, member)), Some(Value::Object(object))) => {
                let clear = object.remove(*member);
                let rest = std::mem::take(object);
                if let Some(clear) = clear {
                    object.insert((*member).to_owned(), clear);
                }
                sealed.insert(key, Value::Object(rest));
            }
            _ => {
                if let Some(value) = body.remove(&key) {
                    sealed.insert(key, value);
                }
            }
        }
    }
    sealed
}

/// Puts back what [`seal`] took.
fn unseal(body: &mut Map<String, Value>, sealed: Map<String, Value>) {
    for (key, value) in sealed {
        match (body.get_mut(&key), value) {
            (Some(Value::Object(clear)), Value::Object(rest)) => clear.extend(rest),
            (_, value) => {
                body.insert(key, value);
            }
        }
    }
}

/// What a registration's sealed value is bound to: a value moved to another row, or an
/// older one of the same row put back, does not open.
fn sealing_context(senior: &str, holder: &str, version: i32) -> String {
    format!("registration\n{senior}\n{holder}\n{version}")
}

/// The personal numbers as [`LEGACY_SEALING`] sealed them.
#[derive(Debug, Default, Deserialize)]
struct LegacyNumbers {
    #[serde(default)]
    identity_number: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    /// One entry per guardian, in order.
    #[serde(default)]
    guardian_phones: Vec<Option<String>>,
}

impl LegacyNumbers {
    /// Puts the numbers back into the body they were taken from.
    fn restore(self, body: &mut Map<String, Value>) {
        if let (Some(number), Some(Value::Object(document))) =
            (self.identity_number, body.get_mut("identityDocument"))
        {
            document.insert("number".into(), number.into());
        }
        if let Some(phone) = self.phone {
            body.insert("phone".into(), phone.into());
        }
        if let Some(Value::Array(guardians)) = body.get_mut("guardians") {
            for (guardian, phone) in guardians.iter_mut().zip(self.guardian_phones) {
                if let (Value::Object(guardian), Some(phone)) = (guardian, phone) {
                    guardian.insert("phone".into(), phone.into());
                }
            }
        }
    }
}

impl Seniors {
    /// Reseals the registrations still sealed the [`LEGACY_SEALING`] way, a chunk per
    /// transaction, at their own version; returns how many. The gateway runs it at start: a
    /// row's sealing is in the database, but the key is not, so no migration can. Two nodes
    /// starting at once reseal each row once (the update names the old sealing).
    ///
    /// Once every row is resealed the database says so ([`RESEALED`]); a row at the old
    /// sealing after that was written by hand (or by an older node still running) and is
    /// left unreadable, not made valid: resealing it would authenticate whatever its
    /// writer put in it.
    pub async fn reseal_legacy(gateway: &Gateway) -> Result<u64, Error> {
        const CHUNK: u64 = 500;
        let db = &gateway.store.db;
        let legacy = || {
            registration::Entity::find().filter(registration::Column::Sealing.eq(LEGACY_SEALING))
        };
        if setting::Entity::find_by_id(RESEALED.to_owned())
            .one(db)
            .await?
            .is_some()
        {
            let stray = legacy().count(db).await?;
            if stray > 0 {
                tracing::error!(
                    stray,
                    "registrations sealed the old way after all were resealed: left unreadable"
                );
            }
            return Ok(0);
        }
        let mut resealed = 0;
        loop {
            let rows = legacy()
                .order_by_asc(registration::Column::SeniorId)
                .order_by_asc(registration::Column::Holder)
                .limit(CHUNK)
                .all(db)
                .await?;
            if rows.is_empty() {
                setting::Entity::insert(setting::ActiveModel {
                    name: Set(RESEALED.into()),
                    value: Set(SEALING.to_string()),
                })
                .on_conflict_do_nothing()
                .exec_without_returning(db)
                .await?;
                return Ok(resealed);
            }
            let write = gateway.store.write().await?;
            for row in rows {
                let numbers = gateway
                    .keys
                    .open(row.senior_id.as_bytes(), &row.sealed)
                    .map_err(|e| Error::Internal(e.to_string()))?;
                let numbers: LegacyNumbers = serde_json::from_slice(&numbers).map_err(|_| {
                    Error::Internal("a profile's sealed numbers do not parse".into())
                })?;
                let mut body: Map<String, Value> = serde_json::from_str(&row.document)
                    .map_err(|_| Error::Internal("a stored profile does not parse".into()))?;
                numbers.restore(&mut body);
                let sealed = seal(&mut body);
                let context = sealing_context(&row.senior_id, &row.holder, row.version);
                registration::Entity::update_many()
                    .col_expr(
                        registration::Column::Document,
                        Expr::value(json_text(&body)),
                    )
                    .col_expr(
                        registration::Column::Sealed,
                        Expr::value(
                            gateway
                                .keys
                                .seal(context.as_bytes(), &sealed_bytes(&sealed)),
                        ),
                    )
                    .col_expr(registration::Column::Sealing, Expr::value(SEALING))
                    .filter(registration::Column::SeniorId.eq(&row.senior_id))
                    .filter(registration::Column::Holder.eq(&row.holder))
                    .filter(registration::Column::Version.eq(row.version))
                    .filter(registration::Column::Sealing.eq(LEGACY_SEALING))
                    .exec(&write.txn)
                    .await?;
                resealed += 1;
            }
            write.commit().await?;
        }
    }
}

fn sealed_bytes(sealed: &Map<String, Value>) -> Vec<u8> {
    serde_json::to_vec(sealed).expect("a JSON map serialises")
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
            matching = matching.add(starts_with(
                registration::Column::DivisionCode,
                significant_prefix(code),
            ));
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
                            grants = grants.add(lists(consent::Column::Categories, "BASIC"));
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
        let identity_hash = body
            .get("identityDocument")
            .and_then(|d| d.get("number"))
            .and_then(Value::as_str)
            .map(|n| identity_index(gateway, &document_type, n));
        let sealed = seal(body);
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

    /// Seals for the row written: the holder is the writer (each writes its own).
    fn columns(
        gateway: &Gateway,
        target: Target<'_>,
        prepared: &Prepared<SealedParts>,
    ) -> Columns<Self> {
        let context = sealing_context(target.id, target.writer, target.version);
        registration::ActiveModel {
            status: Set(str_at(&prepared.body, "status").to_owned()),
            division_code: Set(division_of(&prepared.body)),
            document: Set(json_text(&prepared.body)),
            sealed: Set(gateway
                .keys
                .seal(context.as_bytes(), &sealed_bytes(&prepared.extra.sealed))),
            sealing: Set(SEALING),
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

    /// The stored registration, naming its holder, with its sealed part put back.
    fn render(gateway: &Gateway, row: &registration::Model) -> Result<Value, Error> {
        let mut rendered = rendered::<Self>(row);
        let sealed = opened(gateway, row)?;
        if let Some(object) = rendered.as_object_mut() {
            object.insert("holder".into(), row.holder.clone().into());
            unseal(object, sealed);
        }
        Ok(rendered)
    }
}

/// A registration's sealed part. Only the current sealing opens: a row resealed at start
/// and then set back to the old way by someone with the database does not.
pub(crate) fn opened(
    gateway: &Gateway,
    row: &registration::Model,
) -> Result<Map<String, Value>, Error> {
    if row.sealing != SEALING {
        return Err(Error::Internal(format!(
            "a registration is sealed the way {} (not resealed at start)",
            row.sealing
        )));
    }
    let context = sealing_context(&row.senior_id, &row.holder, row.version);
    let opened = gateway
        .keys
        .open(context.as_bytes(), &row.sealed)
        .map_err(|e| Error::Internal(e.to_string()))?;
    serde_json::from_slice(&opened)
        .map_err(|_| Error::Internal("a profile's sealed part does not parse".into()))
}

fn division_of(body: &Map<String, Value>) -> String {
    body.get("address")
        .and_then(|a| a.get("divisionCode"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
