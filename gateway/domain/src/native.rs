//! Participants' own formats at the gateway. A native document is converted by the
//! adapters (which run the one validator), written through the same batch path as
//! canonical records, and answered in the sender's terms: its record indexes or
//! spreadsheet rows, its field names. Lists go out through the same adapters.

use std::collections::{HashMap, HashSet};

use jiayang_adapters::{
    Batch, Context, Format, Issue, Location, Message, RecordKind, Report, SeniorDirectory,
    Unusable, accept,
};
use jiayang_schemas::{Lang, Violation};
use jiayang_store::entity::registration;
use sea_orm::EntityTrait;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::{
    Call, Error, Gateway, ItemResult, Operation, PageRequest, access, grants,
    providers::{ProviderFilter, Providers},
    records::{RecordFilter, ServiceRecords},
    release,
    resource::{self, MAX_BATCH, Resource},
    seniors::{self, Seniors},
};

/// What a native document needs besides its bytes (the `convert` command's options).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// A station's district, 12 digits: its file's street names resolve within it.
    pub district: Option<String>,
    /// A station's unified social credit code: the provider of its visit log.
    pub provider_uscc: Option<String>,
}

/// The outcome of a native import: where each created record was in the input, and
/// everything that kept the others out or was not carried, located the same way.
#[derive(Debug, Default)]
pub struct Imported {
    pub created: Vec<(Location, String)>,
    pub report: Report,
}

impl Imported {
    /// `{"created": [{record | row, id}], "violations": [...], "notCarried": [...]}`.
    pub fn to_json(&self, lang: Lang) -> Value {
        let mut body = self.report.to_json(lang);
        body["created"] = self
            .created
            .iter()
            .map(|(location, id)| {
                let mut item = located(location);
                item.insert("id".into(), id.clone().into());
                Value::Object(item)
            })
            .collect();
        body
    }
}

/// A record's own location as `{record}` or `{row}`.
fn located(location: &Location) -> Map<String, Value> {
    let mut out = Map::new();
    match location {
        Location::Record { record, .. } => {
            out.insert("record".into(), json!(record));
        }
        Location::Cell { row, .. } => {
            out.insert("row".into(), json!(row));
        }
        Location::Document { .. } => {}
    }
    out
}

fn context<'a>(call: &'a Call, options: &'a Options) -> Context<'a> {
    Context {
        participant: Some(call.me()),
        district: options.district.as_deref(),
        provider_uscc: options.provider_uscc.as_deref(),
        ..Context::new(OffsetDateTime::now_utc())
    }
}

/// A whole input the adapters refused, as the problem every other bad request is.
fn unusable(error: Unusable) -> Error {
    let path = match error.location() {
        Location::Record { path, .. } => path,
        Location::Document { path } => path.unwrap_or_default(),
        Location::Cell { .. } => String::new(),
    };
    let message = error.message();
    Error::invalid(Violation::new(
        path,
        error.rule(),
        message.get(Lang::Zh).to_owned(),
        message.get(Lang::En).to_owned(),
    ))
}

/// The kinds the gateway stores from native documents, and the operation each import is
/// decided as (whoever may batch-create the kind may import it).
fn stored(kind: RecordKind) -> Result<Operation, Error> {
    match kind {
        RecordKind::Senior => Ok(Operation::BatchCreateSeniors),
        RecordKind::ServiceRecord => Ok(Operation::BatchCreateServiceRecords),
        RecordKind::Provider => Ok(Operation::BatchCreateProviders),
        RecordKind::Consent | RecordKind::Customer => Err(unsupported(kind)),
    }
}

fn unsupported(kind: RecordKind) -> Error {
    Error::invalid(Violation::new(
        "",
        jiayang_adapters::rule::CONVERSION_UNSUPPORTED,
        format!("网关尚不接收原生格式的 {kind} 记录"),
        format!("the gateway does not take {kind} records in a native format"),
    ))
}

/// Parses the `{format}` and `{kind}` of a native route, each refusal naming its part.
pub fn format_and_kind(format: &str, kind: &str) -> Result<(Format, RecordKind), Error> {
    fn parse<T: std::str::FromStr<Err = String>>(text: &str, path: &str) -> Result<T, Error> {
        text.parse().map_err(|message: String| {
            Error::invalid(Violation::new(
                path,
                jiayang_adapters::rule::CONVERSION_UNSUPPORTED,
                message.clone(),
                message,
            ))
        })
    }
    Ok((parse(format, "/format")?, parse(kind, "/kind")?))
}

/// Converts a native document and creates every record that passes; one bad record
/// loses no good one. Batches above [`MAX_BATCH`] records are written a batch at a time.
pub async fn import(
    gateway: &Gateway,
    call: &Call,
    (format, kind): (Format, RecordKind),
    options: &Options,
    input: &[u8],
) -> Result<Imported, Error> {
    // A housekeeping app's customer is a senior profile: registered by the same kinds.
    let operation = match kind {
        RecordKind::Customer => Operation::BatchCreateSeniors,
        other => stored(other)?,
    };
    access::check(call.kind(), operation)?;
    jiayang_adapters::supported(format, Format::Canonical, kind).map_err(unusable)?;
    stored(kind)?;
    // A `Context` is not `Send` (it may hold a directory): each lives in a block that
    // ends before the next await.
    let mut batch = {
        let ctx = context(call, options);
        jiayang_adapters::import(format, kind, input, &ctx).map_err(unusable)?
    };
    if format == Format::StationCsv && kind == RecordKind::ServiceRecord {
        // A visit log names its senior twice, by ID number and by name: the second pass
        // checks the names against the seniors the numbers found.
        let names = Names::of(gateway, call, &batch).await?;
        batch = {
            let ctx = Context {
                seniors: Some(&names),
                ..context(call, options)
            };
            jiayang_adapters::import(format, kind, input, &ctx).map_err(unusable)?
        };
    }
    let Batch {
        records, report, ..
    } = batch;
    let mut imported = Imported {
        created: Vec::with_capacity(records.len()),
        report,
    };
    let mut records = records.into_iter().peekable();
    while records.peek().is_some() {
        let chunk: Vec<_> = records.by_ref().take(MAX_BATCH).collect();
        let (traces, documents): (Vec<_>, Vec<_>) =
            chunk.into_iter().map(|c| (c.trace, c.document)).unzip();
        let results = match kind {
            RecordKind::Senior => {
                resource::batch_create::<Seniors>(gateway, call, None, documents).await?
            }
            RecordKind::ServiceRecord => {
                resource::batch_create::<ServiceRecords>(gateway, call, None, documents).await?
            }
            _ => resource::batch_create::<Providers>(gateway, call, None, documents).await?,
        };
        for (trace, result) in traces.iter().zip(results) {
            match result {
                ItemResult::Created { id } => imported.created.push((trace.locate(""), id)),
                ItemResult::Invalid(violations) => {
                    imported
                        .report
                        .violations
                        .extend(violations.into_iter().map(|v| Issue {
                            location: trace.locate(&v.path),
                            rule: v.rule,
                            message: v.message,
                        }))
                }
                ItemResult::Failed(error) => {
                    let message = error.message();
                    imported.report.violations.push(Issue {
                        location: trace.locate(""),
                        rule: error.slug(),
                        message: Message::new(message.zh, message.en),
                    })
                }
            }
        }
    }
    // Unconverted and refused records are reported in input order, as `convert` does.
    imported.report.sort_in_input_order();
    Ok(imported)
}

/// Names on record for the ID numbers a batch refers to, of the seniors the sender may
/// record services for (it holds them, or has a SERVICE_DELIVERY grant): for any other
/// the record is refused anyway, and the check must not tell whose number it is.
struct Names(HashMap<String, String>);

impl Names {
    async fn of(gateway: &Gateway, call: &Call, batch: &Batch) -> Result<Self, Error> {
        let mut names = HashMap::new();
        for number in batch
            .documents()
            .filter_map(|d| d.pointer("/senior/identityNumber").and_then(Value::as_str))
        {
            if names.contains_key(number) {
                continue;
            }
            let db = &gateway.store.db;
            let Some(id) = seniors::by_identity(gateway, db, number).await? else {
                continue;
            };
            // The name in the registration that gives the sender its basis: its own, or
            // that of a holder whose grant it has.
            let holder = if seniors::holds(db, call.me(), &id).await? {
                Some(call.me().to_owned())
            } else {
                grants::granted(gateway, call.me(), "SERVICE_DELIVERY", &[id.as_str()])
                    .await?
                    .into_keys()
                    .map(|(_, holder)| holder)
                    .min()
            };
            let Some(holder) = holder else {
                continue;
            };
            let Some(row) = registration::Entity::find_by_id((id, holder))
                .one(db)
                .await?
            else {
                continue;
            };
            if let Some(name) = Seniors::render(gateway, &row)?["name"].as_str() {
                names.insert(number.to_owned(), name.to_owned());
            }
        }
        Ok(Self(names))
    }
}

impl SeniorDirectory for Names {
    fn name_of(&self, identity_number: &str) -> Option<String> {
        self.0.get(identity_number).cloned()
    }
}

/// One page of stored records as the format's own document.
#[derive(Debug)]
pub struct Exported {
    /// `None` when the page holds no record the format can represent: the formats' own
    /// documents hold one record at least.
    pub document: Option<Value>,
    pub next_page_token: Option<String>,
    /// Records of the page the format cannot represent (left out of the document).
    pub omitted: usize,
}

/// Lists one page of `kind` as the reader may see it and writes it in `format` (an
/// envelope or a batch). The formats carry whole profiles: a profile minimised for the
/// reader is left out and counted as omitted; so is what the operator sees (ids).
pub async fn export(
    gateway: &Gateway,
    call: &Call,
    (format, kind): (Format, RecordKind),
    page: &PageRequest,
) -> Result<Exported, Error> {
    jiayang_adapters::supported(Format::Canonical, format, kind).map_err(unusable)?;
    // The formats carry whole profiles: minimised ones are left out (and counted).
    let (mut listed, whole_only) = match kind {
        RecordKind::Senior | RecordKind::Customer => (
            release::seniors(gateway, call, page, None, None).await?,
            true,
        ),
        RecordKind::ServiceRecord => (
            release::service_records(gateway, call, page, &RecordFilter::default()).await?,
            false,
        ),
        RecordKind::Provider => (
            Providers::list(gateway, page, &ProviderFilter::default())
                .await?
                .parsed()?
                .into(),
            false,
        ),
        RecordKind::Consent => return Err(unsupported(kind)),
    };
    let mut omitted = 0;
    if whole_only {
        let minimised: HashSet<&str> = listed.withheld.iter().map(|(id, _)| id.as_str()).collect();
        listed
            .items
            .retain(|item| !item["id"].as_str().is_some_and(|id| minimised.contains(id)));
        omitted = minimised.len();
    }
    let options = Options::default();
    let ctx = context(call, &options);
    let batch = accept(kind, listed.items.into_iter().enumerate(), &ctx);
    let exported = jiayang_adapters::export(format, kind, &batch, &ctx).map_err(unusable)?;
    let mut left_out: Vec<usize> = batch
        .report
        .violations
        .iter()
        .chain(&exported.report.violations)
        .filter_map(|issue| match issue.location {
            Location::Record { record, .. } => Some(record),
            _ => None,
        })
        .collect();
    left_out.sort_unstable();
    left_out.dedup();
    // A page holds at most 200 records, so at most one document.
    Ok(Exported {
        document: exported.documents.into_iter().next(),
        next_page_token: listed.next_page_token,
        omitted: omitted + left_out.len(),
    })
}
