//! The checks across records (`WORKER_OVERLAP`, `DUPLICATE`) for a whole chunk at once:
//! one query each, the chunk's visits joined as a `VALUES` list to the records table
//! through its indexes, instead of one query per record. The chunk's own rows are
//! already in the table, so two items of one batch find each other too.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::{Thresholds, Visit};
use crate::Error;

const MINUTE: i64 = 60_000_000;

/// Which visits of a chunk (by index) another record overlaps or duplicates.
#[derive(Debug, Default)]
pub(crate) struct Neighbours {
    overlapping: HashSet<usize>,
    duplicated: HashSet<usize>,
}

impl Neighbours {
    pub fn overlaps(&self, index: usize) -> bool {
        self.overlapping.contains(&index)
    }

    pub fn duplicates(&self, index: usize) -> bool {
        self.duplicated.contains(&index)
    }

    pub async fn find(
        conn: &impl ConnectionTrait,
        thresholds: &Thresholds,
        visits: &[Visit<'_>],
    ) -> Result<Self, Error> {
        let backend = conn.get_database_backend();
        // WORKER_OVERLAP: the same certificate in a visit begun within the longest
        // visit before this one ends, and not ended before it began.
        let longest = i64::from(thresholds.longest_visit_hours) * 60 * MINUTE;
        let spans: Vec<Vec<Value>> = visits
            .iter()
            .enumerate()
            .filter_map(|(index, visit)| {
                let certificate = visit.certificate?;
                let (from, until) = visit.span(thresholds)?;
                Some(vec![
                    (index as i64).into(),
                    visit.id.into(),
                    certificate.into(),
                    from.into(),
                    until.into(),
                ])
            })
            .collect();
        let overlapping = matching(
            conn,
            backend,
            "idx, id, cert, vfrom, vuntil",
            &["BIGINT", "TEXT", "TEXT", "BIGINT", "BIGINT"],
            spans,
            &format!(
                "r.worker_certificate = v.cert AND r.visit_from > v.vfrom - {longest} \
                 AND r.visit_from < v.vuntil AND r.visit_until > v.vfrom AND r.id <> v.id"
            ),
        )
        .await?;
        // DUPLICATE: the same senior, item and provider starting within the window,
        // not cancelled (a cancelled record duplicates nothing, and is duplicated by
        // nothing: its replacement is the visit).
        let window = i64::from(thresholds.duplicate_window_minutes) * MINUTE;
        let starts: Vec<Vec<Value>> = visits
            .iter()
            .enumerate()
            .filter(|(_, visit)| visit.status != "CANCELLED")
            .filter_map(|(index, visit)| {
                Some(vec![
                    (index as i64).into(),
                    visit.id.into(),
                    visit.senior_id.into(),
                    visit.service_item.into(),
                    visit.provider_id.into(),
                    visit.starts_at?.into(),
                ])
            })
            .collect();
        let duplicated = matching(
            conn,
            backend,
            "idx, id, senior, item, provider, start",
            &["BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT"],
            starts,
            &format!(
                "r.senior_id = v.senior AND r.service_item = v.item \
                 AND r.provider_id = v.provider \
                 AND r.starts_at BETWEEN v.start - {window} AND v.start + {window} \
                 AND r.status <> 'CANCELLED' AND r.id <> v.id"
            ),
        )
        .await?;
        Ok(Self {
            overlapping,
            duplicated,
        })
    }
}

/// The `idx` of each row of `rows` (named `columns`, of `types`) that some service
/// record `r` matches `on` (with the row as `v`).
async fn matching(
    conn: &impl ConnectionTrait,
    backend: DbBackend,
    columns: &str,
    types: &[&str],
    rows: Vec<Vec<Value>>,
    on: &str,
) -> Result<HashSet<usize>, Error> {
    if rows.is_empty() {
        return Ok(HashSet::new());
    }
    let mut values = Vec::with_capacity(rows.len() * types.len());
    let mut tuples = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells = Vec::with_capacity(types.len());
        for (ty, value) in types.iter().zip(row) {
            values.push(value);
            let placeholder = match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => "?".to_owned(),
            };
            // Typed, so PostgreSQL compares them with the columns as they are.
            cells.push(format!("CAST({placeholder} AS {ty})"));
        }
        tuples.push(format!("({})", cells.join(", ")));
    }
    let sql = format!(
        "WITH v({columns}) AS (VALUES {}) \
         SELECT DISTINCT v.idx AS idx FROM v JOIN service_records r ON {on}",
        tuples.join(", ")
    );
    let found = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    found
        .iter()
        .map(|row| Ok(row.try_get::<i64>("", "idx")? as usize))
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Error::from)
}
