//! `station-csv`: community stations' spreadsheet ledgers (shared/platforms/station-csv.md),
//! inbound only. GBK, GB18030 or UTF-8 bytes; columns found by their Chinese headers;
//! violations located by spreadsheet row and column header.

mod cells;
pub mod decode;
mod senior;
mod table;
mod visit;

pub use cells::{date as read_date, is_scientific};
use serde_json::Value;

use crate::{
    Context, Format, RecordKind, Unusable,
    batch::{Batch, Findings},
    canonical::Object,
    report::{Location, NotCarried},
    rule,
    trace::{FieldMap, Origin, Trace},
};
use table::{Column, Row, Table};

/// A row's cells, by spec column.
pub(crate) struct Cells<'t> {
    table: &'t Table,
    row: &'t Row,
}

impl<'t> Cells<'t> {
    pub(crate) fn get(&self, key: &str) -> Option<&'t str> {
        self.table.cell(self.row, key)
    }
}

type Convert = fn(&Cells<'_>, &Context<'_>, &mut Findings, &mut Trace) -> Object;

pub(crate) fn import(kind: RecordKind, input: &[u8], ctx: &Context<'_>) -> Result<Batch, Unusable> {
    let (columns, convert, fields): (&[Column], Convert, FieldMap) = match kind {
        RecordKind::Senior | RecordKind::Customer => {
            senior::check_context(ctx, kind)?;
            (senior::COLUMNS, senior::convert, senior::FIELDS)
        }
        RecordKind::ServiceRecord => {
            visit::check_context(ctx, kind)?;
            (visit::COLUMNS, visit::convert, visit::FIELDS)
        }
        _ => {
            return Err(Unusable::Unsupported {
                from: Format::StationCsv,
                to: Format::Canonical,
                kind,
            });
        }
    };
    let decoded = decode::decode(input);
    if decoded.text.trim().is_empty() {
        return Err(Unusable::Empty);
    }
    let table = Table::parse(&decoded.text, &decoded.malformed, columns)?;
    let mut batch = Batch::new(kind.canonical());
    for column in &table.extra {
        batch.report.not_carried.push(NotCarried {
            location: Location::Cell {
                row: 1,
                column: Some(column.clone()),
            },
            message: crate::Note {
                zh: "表格中的额外列，已忽略",
                en: "a column the format does not define; it was ignored",
            },
        });
    }
    for row in &table.rows {
        let mut findings = Findings::default();
        let mut trace = Trace::new(
            Origin::Row {
                row: row.number,
                headers: table.headers.clone(),
            },
            fields,
        );
        if row.malformed {
            findings.violation(
                table.malformed_column(row),
                rule::UNDECODABLE,
                "此行含有无法按 UTF-8 或 GBK/GB18030 解码的字节",
                "this row holds bytes that are neither UTF-8 nor GBK/GB18030",
            );
        }
        let cells = Cells { table: &table, row };
        let document = convert(&cells, ctx, &mut findings, &mut trace);
        if cells.get("备注").is_some() {
            findings.not_carried("备注");
        }
        batch.admit(Value::Object(document), trace, findings, ctx.now);
    }
    Ok(batch)
}

/// A resident ID number cell, upper-cased; a number Excel mangled is a violation.
pub(crate) fn id_number(cells: &Cells<'_>, f: &mut Findings, key: &'static str) -> Option<String> {
    let text = cells.get(key)?;
    if cells::is_scientific(text) {
        f.violation(
            key,
            rule::ID_NUMBER_AS_NUMBER,
            "身份证号被表格软件当作数字保存（科学计数法），已丢失位数：请将该列设为文本格式后重新导出",
            "the ID number was saved as a number in scientific notation and lost digits: format the column as text and export again",
        );
        return None;
    }
    Some(text.to_ascii_uppercase())
}

/// A date cell, or a violation naming the value.
pub(crate) fn date_cell(
    cells: &Cells<'_>,
    f: &mut Findings,
    key: &'static str,
) -> Option<time::Date> {
    let text = cells.get(key)?;
    let parsed = cells::date(text);
    if parsed.is_none() {
        f.violation(
            key,
            jiayang_schemas::rule::DATE_FORMAT,
            format!("日期“{text}”无效：应为存在的日期，如 2026-11-03、2026/11/3、2026年11月3日"),
            format!(
                "“{text}” is not a date that exists, e.g. 2026-11-03, 2026/11/3, 2026年11月3日"
            ),
        );
    }
    parsed
}
