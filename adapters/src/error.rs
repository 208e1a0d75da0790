//! Inputs that cannot be used at all (the command line's exit code 2): no record of them
//! can be converted, so there is nothing to report per record.

use jiayang_schemas::Message;

use crate::{Format, RecordKind, report::Location, rule};

/// Why an input as a whole cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("the input is empty")]
    Empty,
    #[error("the input is not JSON (line {line}, column {column})")]
    NotJson { line: usize, column: usize },
    #[error("{}", message.en)]
    Envelope {
        path: String,
        rule: &'static str,
        message: Message,
    },
    #[error("required column(s) missing: {}", columns.join(", "))]
    MissingColumns { columns: Vec<&'static str> },
    #[error("column {column} appears more than once")]
    DuplicateColumn { column: String },
    #[error("cannot convert {kind} from {from} to {to}")]
    Unsupported {
        from: Format,
        to: Format,
        kind: RecordKind,
    },
    #[error("{option} is required to convert {kind} from {format}")]
    OptionRequired {
        option: &'static str,
        format: Format,
        kind: RecordKind,
    },
    #[error("{option}: {}", message.en)]
    OptionInvalid {
        option: &'static str,
        message: Message,
    },
}

impl Unusable {
    pub(crate) fn envelope(path: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Unusable::Envelope {
            path: path.to_owned(),
            rule: rule::ENVELOPE,
            message: Message::new(zh, en),
        }
    }

    /// The stable rule id of the problem.
    pub fn rule(&self) -> &'static str {
        match self {
            Unusable::Empty => rule::INPUT_EMPTY,
            Unusable::NotJson { .. } => rule::INPUT_NOT_JSON,
            Unusable::Envelope { rule, .. } => rule,
            Unusable::MissingColumns { .. } => rule::COLUMN_MISSING,
            Unusable::DuplicateColumn { .. } => rule::COLUMN_DUPLICATE,
            Unusable::Unsupported { .. } => rule::CONVERSION_UNSUPPORTED,
            Unusable::OptionRequired { .. } => rule::OPTION_REQUIRED,
            Unusable::OptionInvalid { .. } => rule::OPTION_INVALID,
        }
    }

    /// Where the problem is: a pointer into the document, the header row, or nowhere.
    pub fn location(&self) -> Location {
        match self {
            Unusable::Envelope { path, .. } => Location::Document {
                path: Some(path.clone()),
            },
            Unusable::MissingColumns { columns } => Location::Cell {
                row: 1,
                column: columns.first().map(|c| (*c).to_owned()),
            },
            Unusable::DuplicateColumn { column } => Location::Cell {
                row: 1,
                column: Some(column.clone()),
            },
            _ => Location::Document { path: None },
        }
    }

    /// The problem in both languages.
    pub fn message(&self) -> Message {
        match self {
            Unusable::Empty => Message::new("输入为空", "the input is empty"),
            Unusable::NotJson { line, column } => Message::new(
                format!("输入不是有效的 JSON（第 {line} 行第 {column} 列）"),
                format!("the input is not JSON (line {line}, column {column})"),
            ),
            Unusable::Envelope { message, .. } | Unusable::OptionInvalid { message, .. } => {
                message.clone()
            }
            Unusable::MissingColumns { columns } => {
                let names = columns.join("、");
                Message::new(
                    format!("缺少必需的列：{names}"),
                    format!("required column(s) missing: {}", columns.join(", ")),
                )
            }
            Unusable::DuplicateColumn { column } => Message::new(
                format!("列“{column}”出现了不止一次"),
                format!("column “{column}” appears more than once"),
            ),
            Unusable::Unsupported { from, to, kind } => Message::new(
                format!("不支持将 {kind} 从 {from} 转换为 {to}"),
                format!("cannot convert {kind} from {from} to {to}"),
            ),
            Unusable::OptionRequired {
                option,
                format,
                kind,
            } => Message::new(
                format!("从 {format} 转换 {kind} 需要 {option}"),
                format!("{option} is required to convert {kind} from {format}"),
            ),
        }
    }
}
