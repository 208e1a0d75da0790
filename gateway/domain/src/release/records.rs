//! What a call sees of service records: its own, those written about a senior it holds
//! under its basis — by itself, or by a participant its grant served (observations others
//! wrote only under CARE_COORDINATION) — all of them to regulators, ids and references to
//! the operator. Another holder's grantee's records are not its to see.

use jiayang_schemas::Kind;
use jiayang_store::entity::{record_holder, service_record};
use sea_orm::EntityTrait;

use super::{CATEGORIES, Released, ReleasedPage, hidden};
use crate::{
    Call, Error, Gateway, PageRequest, ParticipantKind,
    records::{self, RecordFilter, ServiceRecords},
    references,
};

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

/// The view of a record the reader may see at all (`holds`: it holds the record's senior
/// and the record was written under its basis).
fn record_view(call: &Call, row: &service_record::Model, holds: bool) -> Option<RecordView> {
    match call.kind() {
        ParticipantKind::Operator => Some(RecordView::Identifiers),
        _ if row.submitted_by == call.me() => Some(RecordView::Whole),
        ParticipantKind::Regulator => Some(RecordView::Whole),
        ParticipantKind::HousekeepingPlatform => None,
        _ if !holds => None,
        _ if call.purpose.as_deref() == Some("CARE_COORDINATION") => Some(RecordView::Whole),
        _ => Some(RecordView::WithoutObservations),
    }
}

fn release_record(row: &service_record::Model, view: RecordView) -> Released {
    let mut resource = records::render(row);
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
pub async fn record(gateway: &Gateway, call: &Call, id: &str) -> Result<Released, Error> {
    // Regulators read others' records only; everyone else reads its own or its seniors'.
    call.purpose_if(call.kind() == ParticipantKind::Regulator)?;
    let db = &gateway.store.db;
    let row = service_record::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(Error::NotFound("service record"))?;
    // Whether the record was written under the reader's basis as a holder matters only
    // to an elder-care reader of a record someone else wrote.
    let elder_care = !matches!(
        call.kind(),
        ParticipantKind::Operator
            | ParticipantKind::Regulator
            | ParticipantKind::HousekeepingPlatform
    );
    let holds = elder_care
        && row.submitted_by != call.me()
        && record_holder::Entity::find_by_id((row.id.clone(), call.me().to_owned()))
            .one(db)
            .await?
            .is_some();
    let outcome = record_view(call, &row, holds)
        .map(|view| release_record(&row, view))
        .ok_or_else(|| {
            Error::denied(
                format!("{} 既未提交此服务记录，也不持有其老人的档案", call.me()),
                format!(
                    "{} neither wrote this record nor holds its senior",
                    call.me()
                ),
            )
        });
    call.decided(&row.senior_id, &row.id, outcome.as_ref());
    outcome.map_err(hidden("service record"))
}

/// The service record stored under a participant's external id, if the reader may see it.
pub async fn lookup_record(
    gateway: &Gateway,
    call: &Call,
    participant: &str,
    external_id: &str,
) -> Result<Released, Error> {
    let id = references::external(
        &gateway.store.db,
        Kind::ServiceRecord,
        participant,
        external_id,
    )
    .await?
    .ok_or(Error::NotFound("service record"))?;
    record(gateway, call, &id).await
}

/// One page of the service records the reader may see: its own, those about the
/// seniors it holds (elder-care kinds), all (regulators; the operator as identifiers).
pub async fn service_records(
    gateway: &Gateway,
    call: &Call,
    page: &PageRequest,
    filter: &RecordFilter,
) -> Result<ReleasedPage, Error> {
    call.purpose_if(call.kind() == ParticipantKind::Regulator)?;
    if call.kind() == ParticipantKind::Operator && (filter.from.is_some() || filter.to.is_some()) {
        return Err(Error::denied(
            "运营方看不到服务记录的时间，不能按时间筛选",
            "the operator sees no record's times: it cannot filter by them",
        ));
    }
    let me = call.me();
    let visible = match call.kind() {
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
            // The list's condition admitted only records the reader wrote or that were
            // written under its basis as a holder.
            let view = record_view(call, row, true).unwrap_or(RecordView::Identifiers);
            let released = release_record(row, view);
            call.decided(&row.senior_id, &row.id, Ok(&released));
            (row.id.clone(), released)
        })
        .collect();
    let last = rows.last().map(|row| row.id.as_str());
    Ok(ReleasedPage::of(&cursor, more, last, released))
}
