//! What a call sees of senior profiles: one by id, one searched for, a page.

use std::collections::BTreeSet;

use jiayang_schemas::Kind;
use jiayang_store::entity::{consent, senior};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef,
};
use serde_json::{Map, Value};

use super::{CATEGORIES, IDENTIFIERS, Released, ReleasedPage, hidden, minimise};
use crate::{
    Call, Error, Gateway, PageRequest, ParticipantKind, grants, references,
    resource::Resource,
    seniors::{self, Seniors},
};

/// How much of a profile a reader gets.
#[derive(Debug)]
enum View {
    /// The holder.
    Whole,
    /// Anyone else with a basis: the categories granted, and whether BASIC includes the
    /// name (a regulator's statutory basis does not).
    Categories {
        granted: BTreeSet<String>,
        name: bool,
    },
    /// The operator.
    Identifiers,
}

/// The view of a senior held by `holder` that `granted` (the reader's grants for its
/// purpose, already required for anyone but the holder and the operator) gives.
fn view(call: &Call, holder: &str, granted: BTreeSet<String>) -> Result<View, Error> {
    if call.me() == holder {
        return Ok(View::Whole);
    }
    match call.kind() {
        ParticipantKind::Operator => Ok(View::Identifiers),
        ParticipantKind::Regulator => {
            let name = granted.contains("BASIC");
            let mut granted = granted;
            granted.insert("BASIC".into());
            Ok(View::Categories { granted, name })
        }
        _ if granted.is_empty() => Err(Error::PermissionDenied(format!(
            "no active consent grants {} data of this senior for {}",
            call.me(),
            call.purpose.as_deref().unwrap_or_default()
        ))),
        _ => Ok(View::Categories {
            granted,
            name: true,
        }),
    }
}

fn release(
    gateway: &Gateway,
    row: &senior::Model,
    view: View,
    call: &Call,
) -> Result<Released, Error> {
    let resource = Seniors::render(gateway, row)?;
    let mut document = match resource {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    let granted = match view {
        View::Whole => {
            return Ok(Released {
                resource: Value::Object(document),
                withheld: Vec::new(),
                released: CATEGORIES.to_vec(),
            });
        }
        View::Identifiers => {
            document.retain(|key, _| IDENTIFIERS.contains(&key.as_str()));
            BTreeSet::new()
        }
        View::Categories { granted, name } => {
            minimise(&mut document, &granted, call.me());
            if !name {
                document.remove("name");
            }
            granted
        }
    };
    let (released, withheld) = CATEGORIES.into_iter().partition(|c| granted.contains(*c));
    Ok(Released {
        resource: Value::Object(document),
        withheld,
        released,
    })
}

/// The view `granted` gives the reader of `row`, applied.
fn decide(
    gateway: &Gateway,
    call: &Call,
    row: &senior::Model,
    granted: BTreeSet<String>,
) -> Result<Released, Error> {
    if call.me() != row.holder && call.needs_grants() {
        call.required_purpose()?;
    }
    release(gateway, row, view(call, &row.holder, granted)?, call)
}

/// The senior `which` selects (by id or identity hash: one at most) and, when the reader
/// declared a purpose and needs grants, its grants for that purpose — in one query (a
/// LEFT JOIN of the active grants), because this is the path every consented read takes.
async fn senior_with_grants(
    gateway: &Gateway,
    call: &Call,
    which: Condition,
) -> Result<Option<(senior::Model, BTreeSet<String>)>, Error> {
    let db = &gateway.store.db;
    let purpose = match call.purpose()? {
        Some(purpose) if call.needs_grants() => purpose,
        _ => {
            let row = senior::Entity::find().filter(which).one(db).await?;
            return Ok(row.map(|row| (row, BTreeSet::new())));
        }
    };
    let (me, today) = (call.me().to_owned(), grants::beijing_today());
    let grants: RelationDef = consent::Entity::belongs_to(senior::Entity)
        .from(consent::Column::SeniorId)
        .to(senior::Column::Id)
        .on_condition(move |_, _| grants::active_grants(&me, purpose, &today))
        .into();
    let mut rows = senior::Entity::find()
        .filter(which)
        .select_also(consent::Entity)
        .join(JoinType::LeftJoin, grants.rev())
        .all(db)
        .await?
        .into_iter();
    let Some((row, first)) = rows.next() else {
        return Ok(None);
    };
    let granted = first
        .into_iter()
        .chain(rows.filter_map(|(_, grant)| grant))
        .flat_map(|grant| grants::categories_of(&grant.categories).collect::<Vec<_>>())
        .collect();
    Ok(Some((row, granted)))
}

/// The senior `id` as the reader may see it; refused (403) without a basis.
pub async fn senior(gateway: &Gateway, call: &Call, id: &str) -> Result<Released, Error> {
    let which = Condition::all().add(senior::Column::Id.eq(id));
    let (row, granted) = senior_with_grants(gateway, call, which)
        .await?
        .ok_or(Error::NotFound("senior"))?;
    let outcome = decide(gateway, call, &row, granted);
    call.decided(id, id, outcome.as_ref());
    outcome
}

/// How a senior is looked up.
#[derive(Debug)]
pub enum SeniorKey {
    External { participant: String, id: String },
    IdentityNumber(String),
}

/// The senior found by `key`, if the reader may see it: one it may not see is not found
/// (the refusal is in the audit log, not in the answer).
pub async fn lookup_senior(
    gateway: &Gateway,
    call: &Call,
    key: &SeniorKey,
) -> Result<Released, Error> {
    // Whether a purpose is missing is answered before the search, so the answer says
    // nothing about whether the senior exists.
    call.purpose_if(matches!(
        call.kind(),
        ParticipantKind::HousekeepingPlatform | ParticipantKind::Regulator
    ))?;
    let which = match key {
        SeniorKey::External { participant, id } => {
            let found = references::external(&gateway.store.db, Kind::Senior, participant, id)
                .await?
                .ok_or(Error::NotFound("senior"))?;
            senior::Column::Id.eq(found)
        }
        SeniorKey::IdentityNumber(number) => senior::Column::IdentityHash
            .eq(seniors::identity_index(gateway, "RESIDENT_ID_CARD", number)),
    };
    let (row, granted) = senior_with_grants(gateway, call, Condition::all().add(which))
        .await?
        .ok_or(Error::NotFound("senior"))?;
    let outcome = decide(gateway, call, &row, granted).and_then(|released| match key {
        // Finding a senior by ID number tells whose number it is: IDENTITY data.
        SeniorKey::IdentityNumber(_) if !released.released.contains(&"IDENTITY") => Err(
            Error::PermissionDenied("a search by identity number needs IDENTITY".into()),
        ),
        _ => Ok(released),
    });
    call.decided(&row.id, &row.id, outcome.as_ref());
    outcome.map_err(hidden("senior"))
}

/// One page of the seniors the reader may see: those it holds, and (for its declared
/// purpose) those its grants cover; all of them to regulators and the operator.
pub async fn seniors(
    gateway: &Gateway,
    call: &Call,
    page: &PageRequest,
    division: Option<&str>,
    status: Option<&str>,
) -> Result<ReleasedPage, Error> {
    let me = call.me();
    // A filter on division or status tells those of every senior it lets through.
    let basic = division.is_some() || status.is_some();
    let visible = match call.kind() {
        ParticipantKind::Operator if basic => {
            return Err(Error::PermissionDenied(
                "the operator sees no senior's division or status: it cannot filter by them".into(),
            ));
        }
        ParticipantKind::Operator => seniors::Visible::All,
        ParticipantKind::Regulator => {
            call.purpose_if(true)?;
            seniors::Visible::All
        }
        kind => seniors::Visible::To {
            participant: me,
            // A housekeeping platform holds no seniors: it sees only granted ones.
            granted_for: call.purpose_if(kind == ParticipantKind::HousekeepingPlatform)?,
            basic,
        },
    };
    let (cursor, mut rows) = Seniors::list(gateway, page, division, status, visible).await?;
    let more = cursor.cut(&mut rows);
    let mut granted = match call.purpose()? {
        Some(purpose) if call.needs_grants() => {
            let others: Vec<&str> = rows
                .iter()
                .filter(|row| row.holder != me)
                .map(|row| row.id.as_str())
                .collect();
            grants::granted(gateway, me, purpose, &others).await?
        }
        _ => Default::default(),
    };
    let mut released = Vec::with_capacity(rows.len());
    for row in &rows {
        let granted = granted.remove(&row.id).unwrap_or_default();
        let outcome =
            view(call, &row.holder, granted).and_then(|view| release(gateway, row, view, call));
        call.decided(&row.id, &row.id, outcome.as_ref());
        // A grant withdrawn between the two queries: the senior is left out.
        if let Ok(outcome) = outcome {
            released.push((row.id.clone(), outcome));
        }
    }
    let last = rows.last().map(|row| row.id.as_str());
    Ok(ReleasedPage::of(&cursor, more, last, released))
}
