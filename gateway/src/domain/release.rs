//! Releasing seniors' data (DESIGN §4.4, §4.5): which seniors and service records a
//! reader sees, and how much of each.
//!
//! - The holder of a profile (the participant that registered it) sees it whole, and
//!   every service record about it; the observations in records others wrote only when
//!   it declares CARE_COORDINATION.
//! - Any other participant declares a purpose and gets the categories its active grants
//!   give it for that purpose; with none, one profile is refused (403 naming what is
//!   missing) and lists and searches leave the senior out, without a trace.
//! - A regulator's statutory duty gives it BASIC without the name for every senior (a
//!   grant recorded for a case gives more) and every service record.
//! - The operator sees ids, versions and times: no personal data.
//!
//! Every decision on a senior goes to the request's audit [`Trail`].

use std::collections::BTreeSet;

use jiayang_schemas::Kind;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef,
};
use serde_json::{Map, Value};

use super::{
    Caller, Gateway, PageRequest, consents,
    records::{self, RecordFilter, ServiceRecords},
    references,
    seniors::{self, Seniors},
};
use crate::{
    audit::{Access, Decision, Trail},
    error::ApiError,
    participants::ParticipantKind,
    store::entity::{consent, senior, service_record},
};

/// The purposes a request may declare.
pub const PURPOSES: [&str; 4] = [
    "SERVICE_DELIVERY",
    "CARE_COORDINATION",
    "SUBSIDY_ADMINISTRATION",
    "EMERGENCY",
];

/// Every data category, in DESIGN's order.
pub const CATEGORIES: [&str; 6] = [
    "BASIC",
    "CONTACT",
    "LOCATION",
    "IDENTITY",
    "HEALTH",
    "FINANCIAL",
];

/// Who is reading, for what declared purpose, and where its decisions are recorded.
#[derive(Clone, Debug)]
pub struct Reader {
    pub caller: Caller,
    /// `x-jiayang-purpose` as sent.
    pub purpose: Option<String>,
    pub trail: Trail,
}

impl Reader {
    /// The declared purpose, refused when it is not one.
    fn purpose(&self) -> Result<Option<&'static str>, ApiError> {
        match self.purpose.as_deref() {
            None => Ok(None),
            Some(declared) => PURPOSES
                .into_iter()
                .find(|p| *p == declared)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::PermissionDenied(format!(
                        "`{declared}` is not a purpose (x-jiayang-purpose: one of {})",
                        PURPOSES.join(", ")
                    ))
                }),
        }
    }

    fn required_purpose(&self) -> Result<&'static str, ApiError> {
        self.purpose()?.ok_or_else(|| {
            ApiError::PermissionDenied(
                "declare the purpose of the request in x-jiayang-purpose".into(),
            )
        })
    }

    /// The declared purpose, required when `required` (a kind that reads only others'
    /// data), refused when it is not one.
    fn purpose_if(&self, required: bool) -> Result<Option<&'static str>, ApiError> {
        if required {
            self.required_purpose().map(Some)
        } else {
            self.purpose()
        }
    }

    fn me(&self) -> &str {
        &self.caller.participant
    }

    fn kind(&self) -> ParticipantKind {
        self.caller.kind
    }

    /// Records a decision on `senior`'s data about `resource`.
    fn decided(&self, senior: &str, resource: &str, outcome: Result<&Released, &ApiError>) {
        self.trail.push(Access {
            senior: senior.to_owned(),
            resource: resource.to_owned(),
            decision: if outcome.is_ok() {
                Decision::Allow
            } else {
                Decision::Deny
            },
            reason: outcome.err().map(ToString::to_string),
            categories: outcome.ok().map(|r| r.released.join(",")),
        });
    }
}

/// A resource as released: the document, and the categories left out of it.
#[derive(Debug)]
pub struct Released {
    pub resource: Value,
    pub withheld: Vec<&'static str>,
    /// The categories released (for a service record: `SERVICE_RECORD`, and `HEALTH`
    /// with its observations).
    pub released: Vec<&'static str>,
}

/// One page of a list as released: each item's withheld categories by its id, for the
/// items that have any.
#[derive(Debug, Default)]
pub struct ReleasedPage {
    pub items: Vec<Value>,
    pub withheld: Vec<(String, Vec<&'static str>)>,
    pub next_page_token: Option<String>,
}

/// A page of resources that carry no personal data, released as they are.
impl From<super::Page> for ReleasedPage {
    fn from(page: super::Page) -> Self {
        Self {
            items: page.items,
            withheld: Vec::new(),
            next_page_token: page.next_page_token,
        }
    }
}

impl ReleasedPage {
    /// A page of released items, cut by `cursor` (`more`: another page follows; `last`:
    /// the page's last row, whose id the next token holds even if it was left out).
    fn of(
        cursor: &super::paging::Cursor,
        more: bool,
        last: Option<&str>,
        released: Vec<(String, Released)>,
    ) -> Self {
        let withheld = released
            .iter()
            .filter(|(_, r)| !r.withheld.is_empty())
            .map(|(id, r)| (id.clone(), r.withheld.clone()))
            .collect();
        Self {
            items: released.into_iter().map(|(_, r)| r.resource).collect(),
            withheld,
            next_page_token: last.filter(|_| more).map(|id| cursor.token_after(id)),
        }
    }
}

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
fn view(reader: &Reader, holder: &str, granted: BTreeSet<String>) -> Result<View, ApiError> {
    if reader.me() == holder {
        return Ok(View::Whole);
    }
    match reader.kind() {
        ParticipantKind::Operator => Ok(View::Identifiers),
        ParticipantKind::Regulator => {
            let name = granted.contains("BASIC");
            let mut granted = granted;
            granted.insert("BASIC".into());
            Ok(View::Categories { granted, name })
        }
        _ if granted.is_empty() => Err(ApiError::PermissionDenied(format!(
            "no active consent grants {} data of this senior for {}",
            reader.me(),
            reader.purpose.as_deref().unwrap_or_default()
        ))),
        _ => Ok(View::Categories {
            granted,
            name: true,
        }),
    }
}

/// Whether the reader needs grants to see seniors it does not hold (and so a purpose).
fn needs_grants(reader: &Reader) -> bool {
    reader.kind() != ParticipantKind::Operator
}

fn release(
    gateway: &Gateway,
    row: &senior::Model,
    view: View,
    reader: &Reader,
) -> Result<Released, ApiError> {
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
            minimise(&mut document, &granted, reader.me());
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

/// What every reader may see of any resource it sees at all.
const IDENTIFIERS: [&str; 4] = ["id", "version", "createdAt", "updatedAt"];

/// The view `granted` gives the reader of `row`, applied.
fn decide(
    gateway: &Gateway,
    reader: &Reader,
    row: &senior::Model,
    granted: BTreeSet<String>,
) -> Result<Released, ApiError> {
    if reader.me() != row.holder && needs_grants(reader) {
        reader.required_purpose()?;
    }
    release(gateway, row, view(reader, &row.holder, granted)?, reader)
}

/// The senior `which` selects (by id or identity hash: one at most) and, when the reader
/// declared a purpose and needs grants, its grants for that purpose — in one query (a
/// LEFT JOIN of the active grants), because this is the path every consented read takes.
async fn senior_with_grants(
    gateway: &Gateway,
    reader: &Reader,
    which: Condition,
) -> Result<Option<(senior::Model, BTreeSet<String>)>, ApiError> {
    let db = &gateway.store.db;
    let purpose = match reader.purpose()? {
        Some(purpose) if needs_grants(reader) => purpose,
        _ => {
            let row = senior::Entity::find().filter(which).one(db).await?;
            return Ok(row.map(|row| (row, BTreeSet::new())));
        }
    };
    let (me, today) = (reader.me().to_owned(), consents::beijing_today());
    let grants: RelationDef = consent::Entity::belongs_to(senior::Entity)
        .from(consent::Column::SeniorId)
        .to(senior::Column::Id)
        .on_condition(move |_, _| consents::active_grants(&me, purpose, &today))
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
        .flat_map(|grant| consents::categories_of(&grant.categories).collect::<Vec<_>>())
        .collect();
    Ok(Some((row, granted)))
}

/// The senior `id` as the reader may see it; refused (403) without a basis.
pub async fn senior(gateway: &Gateway, reader: &Reader, id: &str) -> Result<Released, ApiError> {
    let which = Condition::all().add(senior::Column::Id.eq(id));
    let (row, granted) = senior_with_grants(gateway, reader, which)
        .await?
        .ok_or(ApiError::NotFound("senior"))?;
    let outcome = decide(gateway, reader, &row, granted);
    reader.decided(id, id, outcome.as_ref());
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
    reader: &Reader,
    key: &SeniorKey,
) -> Result<Released, ApiError> {
    // Whether a purpose is missing is answered before the search, so the answer says
    // nothing about whether the senior exists.
    reader.purpose_if(matches!(
        reader.kind(),
        ParticipantKind::HousekeepingPlatform | ParticipantKind::Regulator
    ))?;
    let which = match key {
        SeniorKey::External { participant, id } => {
            let found = references::external(&gateway.store.db, Kind::Senior, participant, id)
                .await?
                .ok_or(ApiError::NotFound("senior"))?;
            senior::Column::Id.eq(found)
        }
        SeniorKey::IdentityNumber(number) => senior::Column::IdentityHash
            .eq(seniors::identity_index(gateway, "RESIDENT_ID_CARD", number)),
    };
    let (row, granted) = senior_with_grants(gateway, reader, Condition::all().add(which))
        .await?
        .ok_or(ApiError::NotFound("senior"))?;
    let outcome = decide(gateway, reader, &row, granted).and_then(|released| match key {
        // Finding a senior by ID number tells whose number it is: IDENTITY data.
        SeniorKey::IdentityNumber(_) if !released.released.contains(&"IDENTITY") => Err(
            ApiError::PermissionDenied("a search by identity number needs IDENTITY".into()),
        ),
        _ => Ok(released),
    });
    reader.decided(&row.id, &row.id, outcome.as_ref());
    outcome.map_err(hidden("senior"))
}

/// A refusal answered as "not found": whether the resource exists is not the reader's
/// to learn (the audit log has the refusal).
fn hidden(label: &'static str) -> impl Fn(ApiError) -> ApiError {
    move |refused| match refused {
        ApiError::PermissionDenied(_) => ApiError::NotFound(label),
        other => other,
    }
}

/// One page of the seniors the reader may see: those it holds, and (for its declared
/// purpose) those its grants cover; all of them to regulators and the operator.
pub async fn seniors(
    gateway: &Gateway,
    reader: &Reader,
    page: &PageRequest,
    division: Option<&str>,
    status: Option<&str>,
) -> Result<ReleasedPage, ApiError> {
    let me = reader.me();
    // A filter on division or status tells those of every senior it lets through.
    let basic = division.is_some() || status.is_some();
    let visible = match reader.kind() {
        ParticipantKind::Operator if basic => {
            return Err(ApiError::PermissionDenied(
                "the operator sees no senior's division or status: it cannot filter by them".into(),
            ));
        }
        ParticipantKind::Operator => seniors::Visible::All,
        ParticipantKind::Regulator => {
            reader.purpose_if(true)?;
            seniors::Visible::All
        }
        kind => seniors::Visible::To {
            participant: me,
            // A housekeeping platform holds no seniors: it sees only granted ones.
            granted_for: reader.purpose_if(kind == ParticipantKind::HousekeepingPlatform)?,
            basic,
        },
    };
    let (cursor, mut rows) = Seniors::list(gateway, page, division, status, visible).await?;
    let more = cursor.cut(&mut rows);
    let mut granted = match reader.purpose()? {
        Some(purpose) if needs_grants(reader) => {
            let others: Vec<&str> = rows
                .iter()
                .filter(|row| row.holder != me)
                .map(|row| row.id.as_str())
                .collect();
            consents::granted(gateway, me, purpose, &others).await?
        }
        _ => Default::default(),
    };
    let mut released = Vec::with_capacity(rows.len());
    for row in &rows {
        let granted = granted.remove(&row.id).unwrap_or_default();
        let outcome =
            view(reader, &row.holder, granted).and_then(|view| release(gateway, row, view, reader));
        reader.decided(&row.id, &row.id, outcome.as_ref());
        // A grant withdrawn between the two queries: the senior is left out.
        if let Ok(outcome) = outcome {
            released.push((row.id.clone(), outcome));
        }
    }
    let last = rows.last().map(|row| row.id.as_str());
    Ok(ReleasedPage::of(&cursor, more, last, released))
}

/// How much of a service record a reader gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RecordView {
    Whole,
    /// A record someone else wrote about a senior the reader holds, read for a purpose
    /// other than CARE_COORDINATION.
    WithoutObservations,
    Identifiers,
}

/// What the operator sees of a record: ids, references, status and times.
const RECORD_IDENTIFIERS: [&str; 10] = [
    "id",
    "version",
    "createdAt",
    "updatedAt",
    "senior",
    "provider",
    "status",
    "submittedBy",
    "submittedAt",
    "verification",
];

/// The view of a record the reader may see at all (`holds`: it holds the record's senior).
fn record_view(reader: &Reader, row: &service_record::Model, holds: bool) -> Option<RecordView> {
    match reader.kind() {
        ParticipantKind::Operator => Some(RecordView::Identifiers),
        _ if row.submitted_by == reader.me() => Some(RecordView::Whole),
        ParticipantKind::Regulator => Some(RecordView::Whole),
        ParticipantKind::HousekeepingPlatform => None,
        _ if !holds => None,
        _ if reader.purpose.as_deref() == Some("CARE_COORDINATION") => Some(RecordView::Whole),
        _ => Some(RecordView::WithoutObservations),
    }
}

fn release_record(row: &service_record::Model, view: RecordView) -> Released {
    let mut resource = ServiceRecords::render(row);
    let document = resource
        .as_object_mut()
        .expect("a record renders as an object");
    let had_observations = document.contains_key("observations");
    match view {
        RecordView::Whole => Released {
            resource,
            withheld: Vec::new(),
            released: if had_observations {
                vec!["SERVICE_RECORD", "HEALTH"]
            } else {
                vec!["SERVICE_RECORD"]
            },
        },
        RecordView::WithoutObservations => {
            document.remove("observations");
            Released {
                resource,
                withheld: if had_observations {
                    vec!["HEALTH"]
                } else {
                    Vec::new()
                },
                released: vec!["SERVICE_RECORD"],
            }
        }
        RecordView::Identifiers => {
            document.retain(|key, _| RECORD_IDENTIFIERS.contains(&key.as_str()));
            Released {
                resource,
                withheld: CATEGORIES.to_vec(),
                released: Vec::new(),
            }
        }
    }
}

/// The service record `id`, if the reader may see it (one it may not is not found).
pub async fn record(gateway: &Gateway, reader: &Reader, id: &str) -> Result<Released, ApiError> {
    // Regulators read others' records only; everyone else reads its own or its seniors'.
    reader.purpose_if(reader.kind() == ParticipantKind::Regulator)?;
    let db = &gateway.store.db;
    let row = service_record::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(ApiError::NotFound("service record"))?;
    // Whether the reader holds the senior matters only to an elder-care reader of a
    // record someone else wrote.
    let elder_care = !matches!(
        reader.kind(),
        ParticipantKind::Operator
            | ParticipantKind::Regulator
            | ParticipantKind::HousekeepingPlatform
    );
    let holds = elder_care
        && row.submitted_by != reader.me()
        && senior::Entity::find_by_id(row.senior_id.clone())
            .one(db)
            .await?
            .is_some_and(|senior| senior.holder == reader.me());
    let outcome = record_view(reader, &row, holds)
        .map(|view| release_record(&row, view))
        .ok_or_else(|| {
            ApiError::PermissionDenied(format!(
                "{} neither wrote this record nor holds its senior",
                reader.me()
            ))
        });
    reader.decided(&row.senior_id, &row.id, outcome.as_ref());
    outcome.map_err(hidden("service record"))
}

/// The service record stored under a participant's external id, if the reader may see it.
pub async fn lookup_record(
    gateway: &Gateway,
    reader: &Reader,
    participant: &str,
    external_id: &str,
) -> Result<Released, ApiError> {
    let id = references::external(
        &gateway.store.db,
        Kind::ServiceRecord,
        participant,
        external_id,
    )
    .await?
    .ok_or(ApiError::NotFound("service record"))?;
    record(gateway, reader, &id).await
}

/// One page of the service records the reader may see: its own, those about the
/// seniors it holds (elder-care kinds), all (regulators; the operator as identifiers).
pub async fn service_records(
    gateway: &Gateway,
    reader: &Reader,
    page: &PageRequest,
    filter: &RecordFilter,
) -> Result<ReleasedPage, ApiError> {
    reader.purpose_if(reader.kind() == ParticipantKind::Regulator)?;
    if reader.kind() == ParticipantKind::Operator && (filter.from.is_some() || filter.to.is_some())
    {
        return Err(ApiError::PermissionDenied(
            "the operator sees no record's times: it cannot filter by them".into(),
        ));
    }
    let me = reader.me();
    let visible = match reader.kind() {
        ParticipantKind::Operator | ParticipantKind::Regulator => records::Visible::All,
        ParticipantKind::HousekeepingPlatform => records::Visible::To {
            participant: me,
            held: false,
        },
        _ => records::Visible::To {
            participant: me,
            held: true,
        },
    };
    let (cursor, mut rows) = ServiceRecords::list(gateway, page, filter, visible).await?;
    let more = cursor.cut(&mut rows);
    let released = rows
        .iter()
        .map(|row| {
            // The list's condition admitted only records the reader wrote or whose
            // senior it holds.
            let view = record_view(reader, row, true).unwrap_or(RecordView::Identifiers);
            let released = release_record(row, view);
            reader.decided(&row.senior_id, &row.id, Ok(&released));
            (row.id.clone(), released)
        })
        .collect();
    let last = rows.last().map(|row| row.id.as_str());
    Ok(ReleasedPage::of(&cursor, more, last, released))
}

/// `livingSituation` values by the category they reveal.
fn situation_category(value: &str) -> &'static str {
    match value {
        "DISABLED" | "SEVERE_DISABILITY" => "HEALTH",
        "LOW_INCOME" => "FINANCIAL",
        _ => "BASIC",
    }
}

/// Keeps the fields of the granted categories (DESIGN §4.1's table) and what every
/// reader sees: ids, version, times, and the reader's own external ids.
pub fn minimise(document: &mut Map<String, Value>, granted: &BTreeSet<String>, reader: &str) {
    let has = |category: &str| granted.contains(category);
    let keep_field = |key: &str| match key {
        "id" | "version" | "createdAt" | "updatedAt" | "externalIds" | "address"
        | "livingSituation" => true,
        "name" | "gender" | "birthDate" | "status" => has("BASIC"),
        "phone" | "guardians" => has("CONTACT"),
        "identityDocument" => has("IDENTITY"),
        "capabilityAssessment" | "careNeeds" => has("HEALTH"),
        "eligibility" => has("FINANCIAL"),
        // A field DESIGN does not place in a category is not released.
        _ => false,
    };
    document.retain(|key, _| keep_field(key));
    if let Some(Value::Array(ids)) = document.get_mut("externalIds") {
        ids.retain(|id| id["participant"] == reader);
        if ids.is_empty() {
            document.remove("externalIds");
        }
    }
    if let Some(Value::Object(address)) = document.get_mut("address") {
        address.retain(|key, _| match key.as_str() {
            "divisionCode" => has("BASIC"),
            "detail" => has("CONTACT"),
            "geo" => has("LOCATION"),
            _ => false,
        });
        if address.is_empty() {
            document.remove("address");
        }
    }
    if let Some(Value::Array(values)) = document.get_mut("livingSituation") {
        values.retain(|v| v.as_str().is_some_and(|v| has(situation_category(v))));
        if values.is_empty() {
            document.remove("livingSituation");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn granted(categories: &[&str]) -> BTreeSet<String> {
        categories.iter().map(|c| c.to_string()).collect()
    }

    fn profile() -> Map<String, Value> {
        let value = json!({
            "id": "sen_1", "version": 2, "createdAt": "t", "updatedAt": "t",
            "externalIds": [{"participant": "bj-elder-portal", "id": "L1"}, {"participant": "hk-daojia", "id": "C1"}],
            "name": "王秀英", "gender": "FEMALE", "birthDate": "1944-03-08", "status": "ACTIVE",
            "identityDocument": {"type": "RESIDENT_ID_CARD", "number": "110105194403080027"},
            "phone": "13800138000",
            "address": {"divisionCode": "110105013000", "detail": "团结湖北里", "geo": {"lat": 39.9, "lng": 116.4}},
            "livingSituation": ["LIVING_ALONE", "DISABLED", "LOW_INCOME"],
            "capabilityAssessment": {"level": 2}, "careNeeds": ["CLEANING_DAILY"],
            "guardians": [{"name": "张伟"}], "eligibility": ["LOW_INCOME_SUBSIDY"]
        });
        value.as_object().unwrap().clone()
    }

    fn keys(document: &Map<String, Value>) -> Vec<&str> {
        document.keys().map(String::as_str).collect()
    }

    #[test]
    fn each_category_releases_exactly_its_fields() {
        let always = ["createdAt", "externalIds", "id", "updatedAt", "version"];
        let cases: [(&str, &[&str]); 6] = [
            (
                "BASIC",
                &[
                    "address",
                    "birthDate",
                    "gender",
                    "livingSituation",
                    "name",
                    "status",
                ],
            ),
            ("CONTACT", &["address", "guardians", "phone"]),
            ("LOCATION", &["address"]),
            ("IDENTITY", &["identityDocument"]),
            (
                "HEALTH",
                &["capabilityAssessment", "careNeeds", "livingSituation"],
            ),
            ("FINANCIAL", &["eligibility", "livingSituation"]),
        ];
        for (category, fields) in cases {
            let mut document = profile();
            minimise(&mut document, &granted(&[category]), "hk-daojia");
            let mut expected: Vec<&str> = always.iter().chain(fields).copied().collect();
            expected.sort_unstable();
            assert_eq!(keys(&document), expected, "{category}");
            assert_eq!(
                document["externalIds"],
                json!([{"participant": "hk-daojia", "id": "C1"}])
            );
        }
        let mut document = profile();
        minimise(&mut document, &granted(&["CONTACT"]), "hk-daojia");
        assert_eq!(document["address"], json!({"detail": "团结湖北里"}));
        let mut document = profile();
        minimise(&mut document, &granted(&["HEALTH"]), "hk-daojia");
        assert_eq!(document["livingSituation"], json!(["DISABLED"]));
    }

    #[test]
    fn every_category_releases_the_whole_profile_but_others_external_ids() {
        let mut document = profile();
        minimise(&mut document, &granted(&CATEGORIES), "nobody");
        let mut whole = profile();
        whole.remove("externalIds");
        assert_eq!(document, whole);
    }
}
