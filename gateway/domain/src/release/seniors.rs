//! What a call sees of senior profiles: one by id, one searched for, a page.
//!
//! A senior may have several holders, each with its own registration. A reader gets one
//! registration of a senior, named in its `holder`: its own when it holds one; otherwise
//! the one whose holder's grants give it the most categories (then the most recently
//! updated). So an answer is always one holder's data, cut to what that holder's grants
//! give: fields of two registrations are never mixed, and a grant from one holder
//! releases nothing of another's.

use std::collections::BTreeSet;

use jiayang_schemas::Kind;
use jiayang_store::entity::{consent, person, registration};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryResult, QuerySelect, RelationDef,
    sea_query::{Expr, Query},
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

/// The view of a registration held by `holder` that `granted` (the categories its holder's
/// grants give the reader for its purpose) gives.
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
        _ if granted.is_empty() => {
            let (me, purpose) = (call.me(), call.purpose.as_deref().unwrap_or_default());
            Err(Error::denied(
                format!("没有有效的授权同意允许 {me} 为 {purpose} 读取该老人的数据"),
                format!("no active consent grants {me} data of this senior for {purpose}"),
            ))
        }
        _ => Ok(View::Categories {
            granted,
            name: true,
        }),
    }
}

fn release(
    gateway: &Gateway,
    row: &registration::Model,
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

/// One registration a reader may be given, with the categories its holder's grants give
/// the reader.
type Candidate = (registration::Model, BTreeSet<String>);

/// The registration a reader gets of a senior (see the module's rule).
fn chosen(call: &Call, candidates: Vec<Candidate>) -> Option<Candidate> {
    candidates
        .into_iter()
        .max_by(|(a, granted_a), (b, granted_b)| {
            (a.holder == call.me())
                .cmp(&(b.holder == call.me()))
                .then(granted_a.len().cmp(&granted_b.len()))
                .then(a.updated_at.cmp(&b.updated_at))
                .then(b.holder.cmp(&a.holder))
        })
}

/// The view `granted` gives the reader of `row`, applied.
fn decide(gateway: &Gateway, call: &Call, (row, granted): Candidate) -> Result<Released, Error> {
    if call.me() != row.holder && call.needs_grants() {
        call.required_purpose()?;
    }
    let view = view(call, &row.holder, granted)?;
    release(gateway, &row, view, call)
}

/// The column the categories of a grant are read into.
const GRANTED: &str = "granted_categories";

/// A registration, with the categories of one active grant of its holder's (none when
/// it has none).
struct WithGrant {
    row: registration::Model,
    categories: Option<String>,
}

impl FromQueryResult for WithGrant {
    fn from_query_result(result: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            row: registration::Model::from_query_result(result, pre)?,
            categories: result.try_get(pre, GRANTED)?,
        })
    }
}

/// The registrations `which` selects (of one senior) and, when the reader declared a
/// purpose and needs grants, the categories its grants from each registration's holder
/// give — in one query (a LEFT JOIN of the active grants), because this is the path
/// every consented read takes.
async fn registrations_with_grants(
    gateway: &Gateway,
    call: &Call,
    which: Condition,
) -> Result<Vec<Candidate>, Error> {
    let db = &gateway.store.db;
    let purpose = match call.purpose()? {
        Some(purpose) if call.needs_grants() => purpose,
        _ => {
            let rows = registration::Entity::find().filter(which).all(db).await?;
            return Ok(rows.into_iter().map(|row| (row, BTreeSet::new())).collect());
        }
    };
    let (me, today) = (call.me().to_owned(), grants::beijing_today());
    let grants: RelationDef = consent::Entity::belongs_to(registration::Entity)
        .from((consent::Column::SeniorId, consent::Column::Holder))
        .to((registration::Column::SeniorId, registration::Column::Holder))
        .on_condition(move |_, _| grants::active_grants(&me, purpose, &today))
        .into();
    // Of each grant only its categories: the rest of the consent is not the decision's.
    let rows = registration::Entity::find()
        .filter(which)
        .column_as(
            Expr::col((consent::Entity, consent::Column::Categories)),
            GRANTED,
        )
        .join(JoinType::LeftJoin, grants.rev())
        .into_model::<WithGrant>()
        .all(db)
        .await?;
    let mut candidates: Vec<Candidate> = Vec::new();
    for WithGrant { row, categories } in rows {
        let categories = categories
            .iter()
            .flat_map(|granted| grants::categories_of(granted).collect::<Vec<_>>());
        match candidates.iter_mut().find(|(r, _)| r.holder == row.holder) {
            Some((_, granted)) => granted.extend(categories),
            None => {
                let granted = categories.collect();
                candidates.push((row, granted));
            }
        }
    }
    Ok(candidates)
}

/// The senior `id` as the reader may see it; refused (403) without a basis.
pub async fn senior(gateway: &Gateway, call: &Call, id: &str) -> Result<Released, Error> {
    let which = Condition::all().add(registration::Column::SeniorId.eq(id));
    let candidates = registrations_with_grants(gateway, call, which).await?;
    let candidate = chosen(call, candidates).ok_or(Error::NotFound("senior"))?;
    let outcome = decide(gateway, call, candidate);
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
            registration::Column::SeniorId.eq(found)
        }
        SeniorKey::IdentityNumber(number) => registration::Column::SeniorId.in_subquery(
            Query::select()
                .column(person::Column::Id)
                .from(person::Entity)
                .and_where(person::Column::IdentityHash.eq(seniors::identity_index(
                    gateway,
                    "RESIDENT_ID_CARD",
                    number,
                )))
                .to_owned(),
        ),
    };
    let candidates = registrations_with_grants(gateway, call, Condition::all().add(which)).await?;
    let (row, granted) = chosen(call, candidates).ok_or(Error::NotFound("senior"))?;
    let id = row.senior_id.clone();
    let outcome = decide(gateway, call, (row, granted)).and_then(|released| match key {
        // Finding a senior by ID number tells whose number it is: IDENTITY data.
        SeniorKey::IdentityNumber(_) if !released.released.contains(&"IDENTITY") => {
            Err(Error::denied(
                "按身份证号查找需要 IDENTITY 类别的授权",
                "a search by identity number needs IDENTITY",
            ))
        }
        _ => Ok(released),
    });
    call.decided(&id, &id, outcome.as_ref());
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
            return Err(Error::denied(
                "运营方看不到老人的行政区划和状态，不能按其筛选",
                "the operator sees no senior's division or status: it cannot filter by them",
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
    let (cursor, more, rows) = Seniors::list(gateway, page, division, status, visible).await?;
    let mut granted = match call.purpose()? {
        Some(purpose) if call.needs_grants() => {
            let others: Vec<&str> = rows
                .iter()
                .filter(|(_, registrations)| registrations.iter().any(|r| r.holder != me))
                .map(|(id, _)| id.as_str())
                .collect();
            grants::granted(gateway, me, purpose, &others).await?
        }
        _ => Default::default(),
    };
    let last = rows.last().map(|(id, _)| id.clone());
    let mut released = Vec::with_capacity(rows.len());
    for (id, registrations) in rows {
        let candidates = registrations
            .into_iter()
            .map(|row| {
                let key = (row.senior_id.clone(), row.holder.clone());
                (row, granted.remove(&key).unwrap_or_default())
            })
            .collect();
        // A registration whose grant was withdrawn between the two queries: left out.
        let Some((row, granted)) = chosen(call, candidates) else {
            continue;
        };
        let outcome =
            view(call, &row.holder, granted).and_then(|view| release(gateway, &row, view, call));
        call.decided(&id, &id, outcome.as_ref());
        if let Ok(outcome) = outcome {
            released.push((id, outcome));
        }
    }
    Ok(ReleasedPage::of(&cursor, more, last.as_deref(), released))
}
