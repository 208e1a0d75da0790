//! What a conversion reports: violations that kept a record out, and values the target
//! cannot carry, each located in the document as sent.

use jiayang_schemas::{Lang, Message};
use serde_json::{Map, Value, json};

/// Where in the input something is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A JSON record: its 0-based index in the input (the envelope's or batch's list, or the
    /// canonical array) and a JSON Pointer into that record.
    Record { record: usize, path: String },
    /// A spreadsheet cell: the row as the spreadsheet numbers it (the header is row 1) and
    /// the column's header as written in the file (`None`: the row as a whole).
    Cell { row: usize, column: Option<String> },
    /// The input as a whole (an envelope field, a command-line option), with a JSON Pointer
    /// into the document when there is one.
    Document { path: Option<String> },
}

impl Location {
    /// Its place in the input, for ordering: the whole document first, then records or
    /// rows in order.
    fn input_order(&self) -> usize {
        match self {
            Location::Document { .. } => 0,
            Location::Record { record, .. } => record + 1,
            Location::Cell { row, .. } => *row,
        }
    }

    /// Adds `record` and `path`, or `row` and `column`, or `path` to a JSON object.
    pub fn write(&self, out: &mut Map<String, Value>) {
        match self {
            Location::Record { record, path } => {
                out.insert("record".into(), json!(record));
                out.insert("path".into(), json!(path));
            }
            Location::Cell { row, column } => {
                out.insert("row".into(), json!(row));
                if let Some(column) = column {
                    out.insert("column".into(), json!(column));
                }
            }
            Location::Document { path } => {
                if let Some(path) = path {
                    out.insert("path".into(), json!(path));
                }
            }
        }
    }
}

/// A rule the input broke; the record it is in was not converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub location: Location,
    pub rule: &'static str,
    pub message: Message,
}

impl Issue {
    /// `{record, path | row, column, rule, message}` in one language.
    pub fn to_json(&self, lang: Lang) -> Value {
        let mut out = Map::new();
        self.location.write(&mut out);
        out.insert("rule".into(), json!(self.rule));
        out.insert("message".into(), json!(self.message.get(lang)));
        Value::Object(out)
    }
}

/// Why a value was not carried, in both languages. Always one of a few fixed sentences,
/// so it is not allocated per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Note {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Note {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

/// A value of a converted record that the target format cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCarried {
    pub location: Location,
    pub message: Note,
}

impl NotCarried {
    /// `{record, path | row, column, message}` in one language.
    pub fn to_json(&self, lang: Lang) -> Value {
        let mut out = Map::new();
        self.location.write(&mut out);
        out.insert("message".into(), json!(self.message.get(lang)));
        Value::Object(out)
    }
}

/// Everything a conversion has to say besides its output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub violations: Vec<Issue>,
    pub not_carried: Vec<NotCarried>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty() && self.not_carried.is_empty()
    }

    /// `{"violations": [...], "notCarried": [...]}` in one language.
    pub fn to_json(&self, lang: Lang) -> Value {
        json!({
            "violations": self.violations.iter().map(|v| v.to_json(lang)).collect::<Vec<_>>(),
            "notCarried": self.not_carried.iter().map(|n| n.to_json(lang)).collect::<Vec<_>>(),
        })
    }

    /// Puts violations and values not carried in the order of the input (stable: the
    /// entries of one record keep theirs).
    pub fn sort_in_input_order(&mut self) {
        self.violations.sort_by_key(|v| v.location.input_order());
        self.not_carried.sort_by_key(|n| n.location.input_order());
    }

    pub fn extend(&mut self, other: Report) {
        self.violations.extend(other.violations);
        self.not_carried.extend(other.not_carried);
    }
}
