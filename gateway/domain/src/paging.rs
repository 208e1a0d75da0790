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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn cursor(token: Option<String>, scope: &str, filters: &[&str]) -> Result<Cursor, Error> {
        let request = PageRequest {
            page_size: None,
            page_token: token,
        };
        Cursor::new(&request, scope, filters)
    }

    proptest! {
        /// Whatever a caller sends as a token, it is refused or it is one the gateway
        /// made for this very query.
        #[test]
        fn only_tokens_made_for_the_query_are_taken(token in ".{0,64}|[A-Za-z0-9_-]{0,64}") {
            match cursor(Some(token.clone()), "seniors", &["110105000000"]) {
                Ok(c) => match &c.after {
                    Some(after) => prop_assert_eq!(c.token_after(after), token),
                    None => prop_assert!(token.is_empty()),
                },
                Err(error) => prop_assert!(matches!(error, Error::BadPageToken)),
            }
        }

        /// A token carries on the query it was made for, and no other: another list,
        /// another filter value, or a byte of it changed.
        #[test]
        fn a_token_is_bound_to_its_query(last in "[ -~]{0,40}", other in "[0-9]{12}", flip in 0usize..64, bit in 0u8..6) {
            let made = cursor(None, "seniors", &["110105000000"]).unwrap().token_after(&last);
            let again = cursor(Some(made.clone()), "seniors", &["110105000000"]).unwrap();
            prop_assert_eq!(again.after.as_deref(), Some(last.as_str()));
            prop_assert!(cursor(Some(made.clone()), "providers", &["110105000000"]).is_err());
            if other != "110105000000" {
                prop_assert!(cursor(Some(made.clone()), "seniors", &[&other]).is_err());
            }
            // One character of the fingerprint (the first 12) swapped for another.
            let mut bytes = made.into_bytes();
            let at = flip % 12;
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let swapped = alphabet[(alphabet.iter().position(|c| *c == bytes[at]).unwrap() + (1 << bit)) % 64];
            bytes[at] = swapped;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(cursor(Some(changed), "seniors", &["110105000000"]).is_err());
        }
    }
}
