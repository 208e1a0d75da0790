//! Platform formats ⇄ the canonical Jiayang model (see ../ARCHITECTURE.md and README.md).
//!
//! Pure conversions: bytes or JSON in, JSON out, no files, no network and no clock but the
//! one in [`Context`]. Every canonical record a conversion produces goes through the one
//! validator (`jiayang_schemas::validate_at`); what breaks a rule, or cannot be read, is a
//! violation located in the document as the caller sent it, and the record is left out.
//!
//! ```
//! use jiayang_adapters::{Context, Format, RecordKind, import};
//! let order = br#"{"orderNo": "HK1", "elder": {"customerId": "C1"},
//!     "sku": {"skuCode": "CALL"}, "store": {"creditCode": "91110105MA01ABCD13"},
//!     "status": "PENDING"}"#;
//! let now = time::macros::datetime!(2026-11-04 00:00 UTC);
//! let ctx = Context { participant: Some("hk-daojia"), ..Context::new(now) };
//! let batch = import(Format::HousekeepingApp, RecordKind::ServiceRecord, order, &ctx).unwrap();
//! assert_eq!(batch.records[0].document["serviceItem"], "PHONE_CHECK");
//! ```

mod batch;
pub mod beijing_time;
mod canonical;
pub mod codes;
pub mod coords;
pub mod divisions;
pub mod elder_portal;
mod error;
pub mod housekeeping;
pub mod money;
mod native;
mod report;
pub mod rule;
pub mod station_csv;
mod trace;

use std::{fmt, str::FromStr};

use jiayang_schemas::Kind;
use serde_json::Value;
use time::{Date, OffsetDateTime};

pub use batch::{Batch, Converted};
pub use error::Unusable;
pub use jiayang_schemas::{Lang, Message};
pub use report::{Issue, Location, NotCarried, Note, Report};
pub use trace::Trace;

/// The formats the gateway speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Canonical,
    ElderPortal,
    HousekeepingApp,
    StationCsv,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Canonical,
        Format::ElderPortal,
        Format::HousekeepingApp,
        Format::StationCsv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
            Format::ElderPortal => "elder-portal",
            Format::HousekeepingApp => "housekeeping-app",
            Format::StationCsv => "station-csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown format `{text}` (expected canonical, elder-portal, housekeeping-app or station-csv)"
                )
            })
    }
}

/// What is being converted. `Customer` is a senior profile as a housekeeping app sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Senior,
    ServiceRecord,
    Provider,
    Consent,
    Customer,
}

impl RecordKind {
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Senior,
        RecordKind::ServiceRecord,
        RecordKind::Provider,
        RecordKind::Consent,
        RecordKind::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Senior => "senior",
            RecordKind::ServiceRecord => "service-record",
            RecordKind::Provider => "provider",
            RecordKind::Consent => "consent",
            RecordKind::Customer => "customer",
        }
    }

    /// The canonical resource the records are: customers are senior profiles.
    pub fn canonical(self) -> Kind {
        match self {
            RecordKind::Senior | RecordKind::Customer => Kind::Senior,
            RecordKind::ServiceRecord => Kind::ServiceRecord,
            RecordKind::Provider => Kind::Provider,
            RecordKind::Consent => Kind::Consent,
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RecordKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "unknown kind `{text}` (expected senior, service-record, provider, consent or customer)"
                )
            })
    }
}

/// Looks up the name on record for a resident ID number, for the station visit log's
/// cross-check. The gateway answers from its store; offline there is none.
pub trait SeniorDirectory {
    fn name_of(&self, identity_number: &str) -> Option<String>;
}

/// What a conversion needs from its caller.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The participant on the native side: its ids become `externalIds` inbound, its
    /// external ids are the native ids outbound, and it is written into envelopes.
    pub participant: Option<&'a str>,
    /// A station's own district (12-digit code); its file's street names resolve within it.
    pub district: Option<&'a str>,
    /// The station's unified social credit code: the provider of its visit log.
    pub provider_uscc: Option<&'a str>,
    /// The present moment: for the validator's not-in-the-future rules and envelope times.
    pub now: OffsetDateTime,
    /// The date of a station's file (assessments in it are dated so); default: today in
    /// Beijing as of `now`.
    pub file_date: Option<Date>,
    /// Names on record by ID number, for the station visit log's cross-check.
    pub seniors: Option<&'a dyn SeniorDirectory>,
    /// Data categories withheld from the reader (customers say so in `withheld`).
    pub withheld: &'a [&'a str],
}

impl fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("participant", &self.participant)
            .field("district", &self.district)
            .field("now", &self.now)
            .field("file_date", &self.file_date)
            .field("has_directory", &self.seniors.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Context<'a> {
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            participant: None,
            district: None,
            provider_uscc: None,
            now,
            file_date: None,
            seniors: None,
            withheld: &[],
        }
    }

    /// The participant, or the option's absence as an unusable input.
    pub(crate) fn require_participant(
        &self,
        format: Format,
        kind: RecordKind,
    ) -> Result<&'a str, Unusable> {
        self.participant.ok_or(Unusable::OptionRequired {
            option: "--participant",
            format,
            kind,
        })
    }
}

/// Whether `kind` can be read from `from` and written to `to`.
pub fn supported(from: Format, to: Format, kind: RecordKind) -> Result<(), Unusable> {
    use {Format::*, RecordKind::*};
    let readable = match from {
        Canonical | ElderPortal => true,
        HousekeepingApp => matches!(kind, ServiceRecord | Provider),
        StationCsv => matches!(kind, Senior | ServiceRecord | Customer),
    };
    let writable = match to {
        Canonical | ElderPortal => kind != Customer,
        HousekeepingApp => matches!(kind, Provider | Customer),
        StationCsv => false,
    };
    if readable && writable {
        Ok(())
    } else {
        Err(Unusable::Unsupported { from, to, kind })
    }
}

/// A native document → canonical records (validated) and the report on the rest.
pub fn import(
    format: Format,
    kind: RecordKind,
    input: &[u8],
    ctx: &Context<'_>,
) -> Result<Batch, Unusable> {
    match format {
        Format::Canonical => Err(Unusable::Unsupported {
            from: format,
            to: Format::Canonical,
            kind,
        }),
        Format::ElderPortal => elder_portal::import(kind, input, ctx),
        Format::HousekeepingApp => housekeeping::import(kind, input, ctx),
        Format::StationCsv => station_csv::import(kind, input, ctx),
    }
}

/// Canonical records as sent, each with its index in the input → the ones the validator
/// accepts, and violations for the others. Customers are senior profiles already
/// minimised for their reader, so fields missing from them are not violations.
pub fn accept(
    kind: RecordKind,
    records: impl IntoIterator<Item = (usize, Value)>,
    ctx: &Context<'_>,
) -> Batch {
    let mut batch = Batch::new(kind.canonical());
    batch.minimised = kind == RecordKind::Customer;
    for (index, document) in records {
        batch.admit(
            document,
            Trace::canonical(index),
            batch::Findings::default(),
            ctx.now,
        );
    }
    batch
}

/// What an outbound conversion produced.
#[derive(Debug, Clone, Default)]
pub struct Exported {
    /// The native documents: envelopes or batches of 1 to 5000 records each; none when
    /// no record could be written.
    pub documents: Vec<Value>,
    pub report: Report,
}

/// Canonical records → documents in a native format. Violations and values not carried
/// are located in the input the batch was read from.
pub fn export(
    format: Format,
    kind: RecordKind,
    batch: &Batch,
    ctx: &Context<'_>,
) -> Result<Exported, Unusable> {
    match format {
        Format::ElderPortal => elder_portal::export(kind, batch, ctx),
        Format::HousekeepingApp => housekeeping::export(kind, batch, ctx),
        Format::Canonical | Format::StationCsv => Err(Unusable::Unsupported {
            from: Format::Canonical,
            to: format,
            kind,
        }),
    }
}

/// Most records one native document may hold (portal `JLS`, housekeeping `items`).
pub const MAX_RECORDS_PER_DOCUMENT: usize = 5000;
