//! Keyset pagination with opaque page tokens. A token carries the last id seen and a tag
//! (an HMAC under a key of the gateway's) over that id, the query's filters and its reader
//! (the caller and its declared purpose): a token is taken back only for the query and
//! the reader it was made for, and cannot be made or edited by anyone else. (Visibility
//! is decided in SQL whatever the token says; the tag keeps a token from choosing where a
//! list starts.)

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jiayang_store::{
    crypto::{Keys, PAGE_TAG_LEN, PageTokenKey},
    entity::{Documents, StoredRow},
};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde_json::{Value, value::RawValue};

use crate::{Call, Error};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 200;

/// What a list request asks for, before resource-specific filters, and for whom.
#[derive(Clone, Debug, Default)]
pub struct PageRequest {
    pub page_size: Option<i64>,
    pub page_token: Option<String>,
    /// The reader a token is made for: the caller and its declared purpose.
    reader: String,
}

impl PageRequest {
    /// `call`'s request for a page.
    pub fn new(call: &Call, page_size: Option<i64>, page_token: Option<String>) -> Self {
        Self {
            page_size,
            page_token,
            reader: format!(
                "{}\0{}",
                call.me(),
                call.purpose.as_deref().unwrap_or_default()
            ),
        }
    }
}

/// One page of a list: its items as JSON trees, or (`Page<Box<RawValue>>`) as the JSON
/// text they were rendered to without building one.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T = Value> {
    pub items: Vec<T>,
    pub next_page_token: Option<String>,
}

impl Page<Box<RawValue>> {
    /// The page with its items parsed, for the answers that need trees.
    pub fn parsed(self) -> Result<Page, Error> {
        let items = self
            .items
            .iter()
            .map(|item| serde_json::from_str(item.get()))
            .collect::<Result<_, _>>()
            .map_err(|_| Error::Internal("a rendered document does not parse".into()))?;
        Ok(Page {
            items,
            next_page_token: self.next_page_token,
        })
    }
}

/// A decoded page request: how many, and after which id.
#[derive(Clone, Debug)]
pub(crate) struct Cursor {
    pub limit: u64,
    pub after: Option<String>,
    key: PageTokenKey,
    /// The query and its reader, which a token's tag covers.
    context: String,
}

impl Cursor {
    /// `filters` is every filter value of the query, in a fixed order.
    pub fn new(
        keys: &Keys,
        request: &PageRequest,
        scope: &str,
        filters: &[&str],
    ) -> Result<Self, Error> {
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
        let mut context = format!("{scope}\0{}", request.reader);
        for filter in filters {
            context.push('\0');
            context.push_str(filter);
        }
        let key = keys.page_tokens();
        let after = match request.page_token.as_deref().filter(|t| !t.is_empty()) {
            None => None,
            Some(token) => {
                let decoded = URL_SAFE_NO_PAD
                    .decode(token)
                    .map_err(|_| Error::BadPageToken)?;
                let split = decoded
                    .len()
                    .checked_sub(PAGE_TAG_LEN)
                    .ok_or(Error::BadPageToken)?;
                let (last, tag) = decoded.split_at(split);
                let last = std::str::from_utf8(last).map_err(|_| Error::BadPageToken)?;
                if !key.matches(&context, last, tag) {
                    return Err(Error::BadPageToken);
                }
                Some(last.to_owned())
            }
        };
        Ok(Self {
            limit,
            after,
            key,
            context,
        })
    }

    /// The rows of `query` after this cursor, in id order: one more than the page, to
    /// learn whether another page follows.
    pub async fn rows<E: Documents>(
        &self,
        query: Select<E>,
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<E::Model>, Error> {
        Ok(self.window(query).all(conn).await?)
    }

    /// [`Cursor::rows`] with only the columns a resource is rendered from.
    pub async fn stored_rows<E: Documents>(
        &self,
        query: Select<E>,
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<StoredRow>, Error> {
        Ok(self
            .window(query)
            .select_only()
            .column_as(E::ID, "id")
            .column_as(E::VERSION, "version")
            .column_as(E::CREATED_AT, "created_at")
            .column_as(E::UPDATED_AT, "updated_at")
            .column_as(E::DOCUMENT, "document")
            .into_model::<StoredRow>()
            .all(conn)
            .await?)
    }

    /// `query` after this cursor, in id order, one row more than the page.
    fn window<E: Documents>(&self, mut query: Select<E>) -> Select<E> {
        if let Some(after) = &self.after {
            query = query.filter(E::ID.gt(after.as_str()));
        }
        query.order_by_asc(E::ID).limit(self.limit + 1)
    }

    /// The distinct ids among `query`'s rows after this cursor, in order, one more than
    /// the page: a page of ids where one id has several rows (a senior's registrations).
    pub async fn ids<E: Documents>(
        &self,
        query: Select<E>,
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<String>, Error> {
        Ok(self
            .window(query)
            .select_only()
            .column(E::ID)
            .distinct()
            .into_tuple::<String>()
            .all(conn)
            .await?)
    }

    /// Cuts the fetched `(id, resource)` rows to a page and makes the next token from the
    /// last id.
    pub fn page<T>(&self, mut rows: Vec<(String, T)>) -> Page<T> {
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
    fn finish<T>(&self, rows: Vec<(String, T)>, more: bool) -> Page<T> {
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
        let mut token = last.as_bytes().to_vec();
        token.extend_from_slice(&self.key.tag(&self.context, last));
        URL_SAFE_NO_PAD.encode(token)
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
    use crate::{Caller, ParticipantKind};

    fn keys() -> Keys {
        Keys::from_master(&[7; 32])
    }

    fn request(who: &str, purpose: Option<&str>, token: Option<String>) -> PageRequest {
        let call = Call::new(
            Caller {
                participant: who.into(),
                kind: ParticipantKind::HousekeepingPlatform,
            },
            purpose.map(str::to_owned),
        );
        PageRequest::new(&call, None, token)
    }

    fn cursor(token: Option<String>, scope: &str, filters: &[&str]) -> Result<Cursor, Error> {
        let request = request("hk-daojia", Some("SERVICE_DELIVERY"), token);
        Cursor::new(&keys(), &request, scope, filters)
    }

    proptest! {
        /// Whatever a caller sends as a token, it is refused or it is one the gateway
        /// made for this very query and reader.
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

        /// A token carries on the query and reader it was made for, and no other:
        /// another list, filter value, caller or purpose, a token made under another
        /// key, or the token with one bit changed.
        #[test]
        fn a_token_is_bound_to_its_query_and_reader(last in "[ -~]{0,40}", other in "[0-9]{12}", flip in any::<prop::sample::Index>(), bit in 0u8..8) {
            let made = cursor(None, "seniors", &["110105000000"]).unwrap().token_after(&last);
            let again = cursor(Some(made.clone()), "seniors", &["110105000000"]).unwrap();
            prop_assert_eq!(again.after.as_deref(), Some(last.as_str()));
            prop_assert!(cursor(Some(made.clone()), "providers", &["110105000000"]).is_err());
            if other != "110105000000" {
                prop_assert!(cursor(Some(made.clone()), "seniors", &[&other]).is_err());
            }
            for (who, purpose) in [("cy-tjh-station", Some("SERVICE_DELIVERY")), ("hk-daojia", None), ("hk-daojia", Some("EMERGENCY"))] {
                let elsewhere = request(who, purpose, Some(made.clone()));
                prop_assert!(Cursor::new(&keys(), &elsewhere, "seniors", &["110105000000"]).is_err());
            }
            let foreign = Keys::from_master(&[8; 32]);
            let forged = Cursor::new(&foreign, &request("hk-daojia", Some("SERVICE_DELIVERY"), None), "seniors", &["110105000000"]).unwrap().token_after(&last);
            prop_assert!(cursor(Some(forged), "seniors", &["110105000000"]).is_err());
            let mut bytes = URL_SAFE_NO_PAD.decode(&made).unwrap();
            let at = flip.index(bytes.len());
            bytes[at] ^= 1 << bit;
            prop_assert!(cursor(Some(URL_SAFE_NO_PAD.encode(bytes)), "seniors", &["110105000000"]).is_err());
        }
    }
}
