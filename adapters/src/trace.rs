//! Where each canonical field came from, so that a violation the validator finds in the
//! canonical record can be reported at the native field the caller wrote.
//!
//! A converter declares one static map per record kind: canonical pointer patterns (`*`
//! stands for any array index) to native locators — JSON Pointers with the same `*`s for
//! JSON formats, column keys for spreadsheets. A record may override entries (a field that
//! came from somewhere else this time). The longest matching pattern wins, so parents
//! (`/charge`) are mapped as well as leaves (`/charge/totalFen`).

use std::sync::Arc;

use crate::report::Location;

/// Canonical pointer pattern → native locator.
pub(crate) type FieldMap = &'static [(&'static str, &'static str)];

/// The header row of a spreadsheet: spec column key → the header cell as written.
#[derive(Debug, Default)]
pub(crate) struct Headers {
    pub(crate) written: Vec<(&'static str, String)>,
}

impl Headers {
    fn as_written(&self, key: &str) -> String {
        self.written
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| key.to_owned(), |(_, written)| written.clone())
    }
}

/// Where a record came from.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// A canonical record as sent: its paths are already the caller's.
    Canonical(usize),
    /// A native JSON record at this index.
    Record(usize),
    /// A spreadsheet row.
    Row { row: usize, headers: Arc<Headers> },
}

/// A record's origin and its field map.
#[derive(Debug, Clone)]
pub struct Trace {
    origin: Origin,
    fields: FieldMap,
    overrides: Vec<(&'static str, &'static str)>,
}

impl Trace {
    pub(crate) fn new(origin: Origin, fields: FieldMap) -> Self {
        Self {
            origin,
            fields,
            overrides: Vec::new(),
        }
    }

    pub(crate) fn canonical(record: usize) -> Self {
        Self::new(Origin::Canonical(record), &[])
    }

    /// Maps one more pattern for this record only, ahead of the static map.
    pub(crate) fn redirect(&mut self, canonical: &'static str, native: &'static str) {
        self.overrides.push((canonical, native));
    }

    /// The location of a native locator (a pointer or a column key) of this record.
    pub(crate) fn native(&self, locator: &str) -> Location {
        match &self.origin {
            Origin::Canonical(record) | Origin::Record(record) => Location::Record {
                record: *record,
                path: locator.to_owned(),
            },
            Origin::Row { row, headers } => Location::Cell {
                row: *row,
                column: (!locator.is_empty()).then(|| headers.as_written(locator)),
            },
        }
    }

    /// The location in the input of a pointer into the canonical record.
    pub fn locate(&self, canonical: &str) -> Location {
        if let Origin::Canonical(record) = self.origin {
            return Location::Record {
                record,
                path: canonical.to_owned(),
            };
        }
        let tokens: Vec<&str> = canonical.split('/').skip(1).collect();
        let mut best: Option<(usize, &str, Vec<&str>)> = None;
        let entries = self.overrides.iter().chain(self.fields.iter());
        for (pattern, native) in entries {
            let Some(captures) = matches(pattern, &tokens) else {
                continue;
            };
            let len = pattern.split('/').skip(1).count();
            if best.as_ref().is_none_or(|(best_len, _, _)| len > *best_len) {
                best = Some((len, native, captures));
            }
        }
        match best {
            Some((_, native, captures)) => self.native(&substitute(native, &captures)),
            None => self.native(""),
        }
    }
}

/// The array indexes `*` stood for, when `pattern` is a prefix of `tokens`.
fn matches<'t>(pattern: &str, tokens: &[&'t str]) -> Option<Vec<&'t str>> {
    let mut captures = Vec::new();
    let mut count = 0;
    for (i, part) in pattern.split('/').skip(1).enumerate() {
        let token = tokens.get(i)?;
        if part == "*" {
            if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            captures.push(*token);
        } else if part != *token {
            return None;
        }
        count += 1;
    }
    (count > 0 || pattern.is_empty()).then_some(captures)
}

fn substitute(native: &str, captures: &[&str]) -> String {
    if !native.starts_with('/') {
        return native.to_owned();
    }
    let mut out = String::with_capacity(native.len() + 4);
    let mut captures = captures.iter();
    for part in native.split('/').skip(1) {
        out.push('/');
        if part == "*" {
            out.push_str(captures.next().unwrap_or(&"0"));
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: FieldMap = &[
        ("/charge", "/price"),
        ("/charge/selfPayFen", "/price/payFen"),
        ("/observations/*/code", "/findings/*/tag"),
        ("/observations/*", "/findings/*"),
    ];

    fn at(trace: &Trace, canonical: &str) -> String {
        match trace.locate(canonical) {
            Location::Record { path, .. } => path,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_longest_matching_pattern_names_the_native_field() {
        let trace = Trace::new(Origin::Record(3), MAP);
        assert_eq!(at(&trace, "/charge/selfPayFen"), "/price/payFen");
        assert_eq!(at(&trace, "/charge/totalFen"), "/price");
        assert_eq!(at(&trace, "/charge"), "/price");
        assert_eq!(at(&trace, "/observations/2/code"), "/findings/2/tag");
        assert_eq!(at(&trace, "/observations/2/severity"), "/findings/2");
        assert_eq!(at(&trace, "/rating/stars"), "");
        assert_eq!(at(&trace, "/observations/x/code"), "");
    }

    #[test]
    fn overrides_win_and_rows_name_columns_as_written() {
        let headers = Arc::new(Headers {
            written: vec![
                ("出生日期", "出生日期 ".into()),
                ("身份证号", "身份证号".into()),
            ],
        });
        let mut trace = Trace::new(
            Origin::Row { row: 7, headers },
            &[("/birthDate", "出生日期")],
        );
        trace.redirect("/birthDate", "身份证号");
        assert_eq!(
            trace.locate("/birthDate"),
            Location::Cell {
                row: 7,
                column: Some("身份证号".into())
            }
        );
        assert_eq!(
            trace.locate("/x"),
            Location::Cell {
                row: 7,
                column: None
            }
        );
    }
}
