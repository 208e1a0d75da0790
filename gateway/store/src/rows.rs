//! Multi-row inserts. On PostgreSQL the rows travel as one JSON array bound to one
//! parameter and are read with `json_populate_recordset`: a `VALUES` list of 500 rows is
//! thousands of parameters that the server parses and plans anew for every chunk, while
//! one JSON text is one small plan, whatever the chunk's size. SQLite, in process, takes
//! plain multi-row `INSERT`s, chunked under its bound-parameter limit.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityName, EntityTrait, IdenStatic,
    Iterable, Statement, Value,
};
use serde_json::{Map, Value as Json};

use crate::values::push_hex;

/// Rows one SQLite statement carries: 15 columns × 500 stays under its 32 766 bound
/// parameters.
const SQLITE_ROWS: usize = 500;

/// Inserts `rows` (all setting the same columns), in as few statements as the database
/// allows, inside the caller's transaction.
pub async fn insert_all<A>(conn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    if conn.get_database_backend() == DbBackend::Postgres
        && let Some(insert) = JsonInsert::of(&rows)
    {
        conn.execute_raw(insert.statement()).await?;
        return Ok(());
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(SQLITE_ROWS).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// `INSERT … SELECT … FROM json_populate_recordset(…)` of rows, in their order (a
/// serial column numbers them as given), the rows bound as one JSON text.
pub(crate) struct JsonInsert {
    table: String,
    /// The columns, quoted and comma-separated.
    names: String,
    rows: String,
}

impl JsonInsert {
    /// `None` when a value has no JSON form here or the rows do not all set the same
    /// columns (the caller then inserts them as `VALUES`).
    pub(crate) fn of<A: ActiveModelTrait>(rows: &[A]) -> Option<Self> {
        let (columns, unset): (Vec<_>, Vec<_>) = <A::Entity as EntityTrait>::Column::iter()
            .partition(|column| !rows[0].get(*column).is_not_set());
        let mut array = Vec::with_capacity(rows.len());
        for row in rows {
            if unset.iter().any(|column| !row.get(*column).is_not_set()) {
                return None;
            }
            let mut object = Map::with_capacity(columns.len());
            for column in &columns {
                let value = row.get(*column).into_value()?;
                object.insert(column.as_str().to_owned(), json(&value)?);
            }
            array.push(Json::Object(object));
        }
        Some(Self {
            table: <A::Entity as Default>::default().table_name().to_owned(),
            names: columns
                .iter()
                .map(|column| format!("\"{}\"", column.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            rows: Json::Array(array).to_string(),
        })
    }

    fn statement(self) -> Statement {
        self.guarded(String::new(), Vec::new(), "TRUE")
    }

    /// The insert after `with` (a `WITH …` clause whose parameters are `values`), of the
    /// rows only where `condition` holds: one statement that writes another table too.
    pub(crate) fn guarded(
        self,
        with: String,
        mut values: Vec<Value>,
        condition: &str,
    ) -> Statement {
        let Self { table, names, rows } = self;
        let parameter = values.len() + 1;
        values.push(Value::String(Some(rows)));
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "{with} INSERT INTO \"{table}\" ({names}) SELECT {names} \
                 FROM json_populate_recordset(NULL::\"{table}\", CAST(${parameter} AS json)) \
                 WITH ORDINALITY AS r WHERE {condition} ORDER BY r.ordinality"
            ),
            values,
        )
    }
}

/// A column's value as `json_populate_recordset` reads it back into the column's type.
fn json(value: &Value) -> Option<Json> {
    Some(match value {
        Value::Bool(v) => v.map_or(Json::Null, Json::Bool),
        Value::SmallInt(v) => v.map_or(Json::Null, Json::from),
        Value::Int(v) => v.map_or(Json::Null, Json::from),
        Value::BigInt(v) => v.map_or(Json::Null, Json::from),
        Value::String(v) => v.as_ref().map_or(Json::Null, |s| Json::String(s.clone())),
        // bytea's text form.
        Value::Bytes(v) => v.as_ref().map_or(Json::Null, |bytes| {
            let mut hex = String::with_capacity(2 + 2 * bytes.len());
            hex.push_str("\\x");
            push_hex(&mut hex, bytes);
            Json::String(hex)
        }),
        _ => return None,
    })
}
