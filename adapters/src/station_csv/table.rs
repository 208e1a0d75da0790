//! A spreadsheet export as rows: header cells matched to the spec's columns by name (in
//! any order, with surrounding spaces and full-width parentheses allowed), rows numbered
//! as the spreadsheet numbers them (the header is row 1; blank lines count), empty rows
//! skipped.

use std::sync::Arc;

use crate::{Unusable, trace::Headers};

/// A column of a spec table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub(crate) key: &'static str,
    pub(crate) required: bool,
}

pub(crate) const fn col(key: &'static str, required: bool) -> Column {
    Column { key, required }
}

/// A header cell as compared: trimmed, with ASCII parentheses.
fn normalise(cell: &str) -> String {
    cell.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .replace('（', "(")
        .replace('）', ")")
}

/// One data row.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) number: usize,
    pub(crate) cells: Vec<String>,
    /// Whether undecodable bytes fell in this row.
    pub(crate) malformed: bool,
}

/// The parsed file.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) headers: Arc<Headers>,
    /// Spec key → cell index.
    index: Vec<(&'static str, usize)>,
    /// Header cells that name no column of the spec, as written.
    pub(crate) extra: Vec<String>,
    pub(crate) rows: Vec<Row>,
}

impl Table {
    pub(crate) fn parse(
        text: &str,
        malformed: &[usize],
        columns: &[Column],
    ) -> Result<Self, Unusable> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut record = csv::StringRecord::new();
        let mut header: Option<Vec<String>> = None;
        let mut rows = Vec::new();
        // The reader's own line count lags behind blank lines, so rows are counted here:
        // the line a record's first character is on, less the lines inside quoted cells
        // before it (a cell with a line break is still one spreadsheet row).
        let bytes = text.as_bytes();
        let (mut newlines, mut scanned, mut lines_inside_cells) = (0usize, 0usize, 0usize);
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                // The text is UTF-8 already and the reader is flexible: nothing else fails.
                Err(_) => break,
            }
            let start = record.position().map_or(scanned, |p| p.byte() as usize);
            let end = reader.position().byte() as usize;
            let mut content = start.max(scanned);
            while bytes
                .get(content)
                .is_some_and(|b| matches!(b, b'\r' | b'\n'))
            {
                content += 1;
            }
            newlines += bytes[scanned..content]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            scanned = content;
            let number = 1 + newlines - lines_inside_cells;
            lines_inside_cells += record
                .iter()
                .map(|c| c.matches('\n').count())
                .sum::<usize>();
            let cells: Vec<String> = record.iter().map(str::to_owned).collect();
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if header.is_none() {
                header = Some(cells);
                continue;
            }
            rows.push(Row {
                number,
                cells,
                malformed: malformed.iter().any(|at| (start..end).contains(at)),
            });
        }
        let header = header.unwrap_or_default();
        let mut index = Vec::new();
        let mut written = Vec::new();
        let mut extra = Vec::new();
        for (i, cell) in header.iter().enumerate() {
            let name = normalise(cell);
            match columns.iter().find(|c| normalise(c.key) == name) {
                Some(column) if index.iter().any(|(k, _)| *k == column.key) => {
                    return Err(Unusable::DuplicateColumn {
                        column: cell.trim().to_owned(),
                    });
                }
                Some(column) => {
                    index.push((column.key, i));
                    written.push((column.key, cell.trim().to_owned()));
                }
                None if name.is_empty() => {}
                None => extra.push(cell.trim().to_owned()),
            }
        }
        let missing: Vec<&'static str> = columns
            .iter()
            .filter(|c| c.required && !index.iter().any(|(k, _)| *k == c.key))
            .map(|c| c.key)
            .collect();
        if !missing.is_empty() {
            return Err(Unusable::MissingColumns { columns: missing });
        }
        Ok(Self {
            headers: Arc::new(Headers { written }),
            index,
            extra,
            rows,
        })
    }

    /// The trimmed cell of a row in a spec column; empty cells and absent columns are `None`.
    pub(crate) fn cell<'r>(&self, row: &'r Row, key: &str) -> Option<&'r str> {
        let (_, i) = self.index.iter().find(|(k, _)| *k == key)?;
        let cell = row.cells.get(*i)?.trim_matches(|c: char| c.is_whitespace());
        (!cell.is_empty()).then_some(cell)
    }

    /// The first spec column of a row whose cell holds an undecodable character.
    pub(crate) fn malformed_column(&self, row: &Row) -> &'static str {
        self.index
            .iter()
            .find(|(_, i)| row.cells.get(*i).is_some_and(|c| c.contains('\u{FFFD}')))
            .map_or("", |(k, _)| k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        col("姓名", true),
        col("金额(元)", false),
        col("备注", false),
    ];

    #[test]
    fn headers_match_by_name_with_spaces_and_full_width_parentheses() {
        let table = Table::parse(" 金额（元） ,姓名,其他\n1.5,王,x\n", &[], COLUMNS).unwrap();
        let row = &table.rows[0];
        assert_eq!(row.number, 2);
        assert_eq!(table.cell(row, "姓名"), Some("王"));
        assert_eq!(table.cell(row, "金额(元)"), Some("1.5"));
        assert_eq!(table.cell(row, "备注"), None);
        assert_eq!(table.extra, vec!["其他".to_owned()]);
    }

    #[test]
    fn rows_keep_spreadsheet_numbers_across_blank_and_empty_rows() {
        let text = "姓名,备注\r\n王,\r\n\r\n,\r\n\"李\n四\",多行\r\n赵,\r\n\r\n\r\n";
        let table = Table::parse(text, &[], COLUMNS).unwrap();
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![2, 5, 6]);
        assert_eq!(table.cell(&table.rows[1], "姓名"), Some("李\n四"));
    }

    #[test]
    fn a_missing_required_column_or_a_repeated_one_fails_the_file() {
        assert_eq!(
            Table::parse("金额(元)\n1\n", &[], COLUMNS).unwrap_err(),
            Unusable::MissingColumns {
                columns: vec!["姓名"]
            }
        );
        assert!(matches!(
            Table::parse("姓名,姓名 \n1,2\n", &[], COLUMNS),
            Err(Unusable::DuplicateColumn { .. })
        ));
    }
}
