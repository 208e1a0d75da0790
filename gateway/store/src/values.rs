//! How values are written into columns: times as microseconds, lists as `,A,B,` text;
//! and how SQL matches them.

use sea_orm::{
    ColumnTrait,
    sea_query::{BinOper, Expr, ExprTrait},
};

/// Microseconds since the epoch, the unit of every time column.
pub fn now_micros() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000) as i64
}

/// A time column as RFC 3339 (UTC, `Z`).
pub fn micros_to_rfc3339(micros: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    jiayang_proto::Timestamp::from(at).to_rfc3339()
}

/// `["A", "B"]` as `,A,B,`: enum codes that SQL matches with [`lists`].
pub fn delimited<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::from(",");
    for value in values {
        text.push_str(value);
        text.push(',');
    }
    text
}

/// `bytes` in lower-case hexadecimal, after `out`.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
}

/// Whether the `,A,B,` list in `column` (see [`delimited`]) holds `code`:
/// `column LIKE (('%,' || code) || ',%')`, every piece bound.
pub fn lists(column: impl ColumnTrait, code: &str) -> Expr {
    like(
        column,
        Expr::val("%,").binary(CONCAT, code).binary(CONCAT, ",%"),
    )
}

/// Whether the text in `column` starts with `prefix`: `column LIKE (prefix || '%')`.
pub fn starts_with(column: impl ColumnTrait, prefix: &str) -> Expr {
    like(column, Expr::val(prefix).binary(CONCAT, "%"))
}

/// SQL's string concatenation, on both databases.
const CONCAT: BinOper = BinOper::Custom("||");

/// `column LIKE pattern`, the pattern put together in SQL rather than bound whole:
/// SQLite compiles a statement anew on every run whose LIKE pattern is a bound
/// parameter (its plan may depend on the pattern), about 30 µs each time.
fn like(column: impl ColumnTrait, pattern: Expr) -> Expr {
    column.into_expr().binary(BinOper::Like, pattern)
}

#[cfg(test)]
mod tests {
    use sea_orm::{
        EntityTrait, QueryFilter, QueryTrait,
        sea_query::{PostgresQueryBuilder, SqliteQueryBuilder},
    };

    use super::*;
    use crate::entity::consent;

    #[test]
    fn patterns_are_made_in_sql_not_bound_whole() {
        let query = consent::Entity::find()
            .filter(lists(consent::Column::Purposes, "EMERGENCY"))
            .filter(starts_with(consent::Column::Holder, "1101"))
            .into_query();
        let (sql, values) = query.build(SqliteQueryBuilder);
        assert!(
            sql.ends_with(
                r#"WHERE "consents"."purposes" LIKE ((? || ?) || ?) AND "consents"."holder" LIKE (? || ?)"#
            ),
            "{sql}"
        );
        let bound: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(bound, ["'%,'", "'EMERGENCY'", "',%'", "'1101'", "'%'"]);
        let (sql, _) = query.build(PostgresQueryBuilder);
        assert!(sql.contains(r#"LIKE (($1 || $2) || $3)"#), "{sql}");
    }
}
