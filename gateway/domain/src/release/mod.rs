//! Releasing seniors' data (DESIGN §4.4, §4.5): which seniors and service records a call
//! sees, and how much of each.
//!
//! - A senior may have several holders (each participant that registered the person),
//!   each with its own registration. A holder sees its registration whole, and the
//!   service records written under its basis; the observations in records others wrote
//!   only when it declares CARE_COORDINATION.
//! - Any other participant declares a purpose and gets, of one registration, the
//!   categories its active grants from that registration's holder give it for that
//!   purpose; with none, one profile is refused (403 naming what is missing) and lists
//!   and searches leave the senior out, without a trace.
//! - A regulator's statutory duty gives it BASIC without the name for every senior (a
//!   grant recorded for a case gives more) and every service record.
//! - The operator sees ids, versions and times: no personal data.
//!
//! `reader.rs` holds what a call declares (its purpose) and how decisions reach its audit
//! trail; `seniors.rs` and `records.rs` decide per senior and per record, for one, a
//! search and a page; `minimise.rs` cuts a profile to the categories granted.

mod minimise;
mod reader;
mod records;
mod seniors;

use serde_json::Value;

use crate::{Error, Page, paging::Cursor};

use minimise::minimise;
pub use reader::PURPOSES;
pub use records::{lookup_record, record, service_records};
pub use seniors::{SeniorKey, lookup_senior, senior, seniors};

/// Every data category, in DESIGN's order.
pub const CATEGORIES: [&str; 6] = [
    "BASIC",
    "CONTACT",
    "LOCATION",
    "IDENTITY",
    "HEALTH",
    "FINANCIAL",
];

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
impl From<Page> for ReleasedPage {
    fn from(page: Page) -> Self {
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
        cursor: &Cursor,
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

/// What every reader may see of any resource it sees at all (`holder`: whose registration
/// of a senior it is).
const IDENTIFIERS: [&str; 5] = ["id", "version", "createdAt", "updatedAt", "holder"];

/// A refusal answered as "not found": whether the resource exists is not the reader's
/// to learn (the audit log has the refusal).
fn hidden(label: &'static str) -> impl Fn(Error) -> Error {
    move |refused| match refused {
        Error::PermissionDenied(_) => Error::NotFound(label),
        other => other,
    }
}
