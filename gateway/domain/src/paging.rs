//! Keyset pagination with opaque page tokens. A token carries the last id seen and a
//! fingerprint of the query's filters, so it cannot be replayed against another query.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jiayang_store::entity::Documents;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Error;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 200;

/// What a list request asks for, before resource-specific filters.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    pub page_size: Option<i64>,
    pub page_token: Option<String>,
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    pub next_page_token: Option<String>,
}

/// A decoded page request: how many, and after which id.
#[derive(Clone, Debug)]
pub(crate) struct Cursor {
    pub limit: u64,
    pub after: Option<String>,
    fingerprint: String,
}

impl Cursor {
    /// `filters` is every filter value of the query, in a fixed order.
    pub fn new(request: &PageRequest, scope: &str, filters: &[&str]) -> Result<Self, Error> {
        let limit = match request.page_size {
            None | Some(0) => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => {
                return Err(Error::invalid(jiayang_schemas::Violation::new(
                    "/pageSize",
                    jiayang_schemas::rule::MINIMUM,
                    "pageSize 不得为负数",
                    "pageSize must not be negative",
                )));
            }
            Some(n) => (n as u64).min(MAX_PAGE_SIZE),
        };
        let mut hasher = Sha256::new();
        hasher.update(scope.as_bytes());
        for filter in filters {
            hasher.update([0]);
            hasher.update(filter.as_bytes());
        }
        let fingerprint = URL_SAFE_NO_PAD.encode(&hasher.finalize()[..9]);
        let after = match request.page_token.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(token) => {
                let decoded = URL_SAFE_NO_PAD
                    .decode(token)
                    .map_err(|_| Error::BadPageToken)?;
                let text = String::from_utf8(decoded).map_err(|_| Error::BadPageToken)?;
                let (print, last) = text.split_once('|').ok_or(Error::BadPageToken)?;
                if print != fingerprint {
                    return Err(Error::BadPageToken);
                }
                Some(last.to_owned())
            }
        };
        Ok(Self {
            limit,
            after,
            fingerprint,
        })
    }

    /// The rows of `query` after this cursor, in id order: one more than the page, to
    /// learn whether another page follows.
    pub async fn rows<E: Documents>(
        &self,
        mut query: Select<E>,
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<E::Model>, Error> {
        if let Some(after) = &self.after {
            query = query.filter(E::ID.gt(after.as_str()));
        }
        Ok(query
            .order_by_asc(E::ID)
            .limit(self.limit + 1)
            .all(conn)
            .await?)
    }

    /// The distinct ids among `query`'s rows after this cursor, in order, one more than
    /// the page: a page of ids where one id has several rows (a senior's registrations).
    pub async fn ids<E: Documents>(
        &self,
        mut query: Select<E>,
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<String>, Error> {
        if let Some(after) = &self.after {
            query = query.filter(E::ID.gt(after.as_str()));
        }
        Ok(query
            .select_only()
            .column(E::ID)
            .distinct()
            .order_by_asc(E::ID)
            .limit(self.limit + 1)
            .into_tuple::<String>()
            .all(conn)
            .await?)
    }

    /// Cuts the fetched `(id, resource)` rows to a page and makes the next token from the
    /// last id.
    pub fn page(&self, mut rows: Vec<(String, Value)>) -> Page {
        let more = self.cut(&mut rows);
        self.finish(rows, more)
    }

    /// Cuts fetched rows to the page, dropping the look-ahead row; whether another page
    /// follows. Rows are cut before anything is made of them, so the look-ahead row is
    /// never released, audited or counted.
    pub fn cut<T>(&self, rows: &mut Vec<T>) -> bool {
        let more = rows.len() as u64 > self.limit;
        rows.truncate(self.limit as usize);
        more
    }

    /// The page of rows already cut, `more` as `cut` said.
    fn finish(&self, rows: Vec<(String, Value)>, more: bool) -> Page {
        let next_page_token = rows
            .last()
            .filter(|_| more)
            .map(|(last, _)| self.token_after(last));
        Page {
            items: rows.into_iter().map(|(_, value)| value).collect(),
            next_page_token,
        }
    }

    /// The token of the page after the row `last`.
    pub fn token_after(&self, last: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{last}", self.fingerprint))
    }
}

/// A division filter must be a 12-digit code: it becomes a prefix match.
pub(crate) fn check_division_filter(name: &str, code: &str) -> Result<(), Error> {
    if jiayang_schemas::reference::is_division_code(code) {
        return Ok(());
    }
    Err(Error::invalid(jiayang_schemas::Violation::new(
        format!("/{name}"),
        jiayang_schemas::rule::DIVISION_CODE_FORMAT,
        format!("筛选条件 {name} 应为 12 位区划代码"),
        format!("the {name} filter is a 12-digit division code"),
    )))
}

/// A list's time filter (`from`, `to`) in microseconds: RFC 3339, or a violation naming it.
pub(crate) fn time_bound(name: &str, text: &str) -> Result<i64, Error> {
    crate::verification::instant_micros(text).ok_or_else(|| {
        Error::invalid(jiayang_schemas::Violation::new(
            format!("/{name}"),
            jiayang_schemas::rule::TIMESTAMP_FORMAT,
            format!("{name} 应为 RFC 3339 时间"),
            format!("{name} must be an RFC 3339 date-time"),
        ))
    })
}
