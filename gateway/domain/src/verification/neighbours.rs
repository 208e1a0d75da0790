//! The checks across records (`WORKER_OVERLAP`, `DUPLICATE`) for a whole chunk at once:
//! one statement, the chunk's visits joined as `VALUES` lists to the records table
//! through its indexes, instead of two queries per record. The chunk is checked before
//! its rows are written (so the verification is part of their insert): two of its items
//! are compared with each other here, in memory, by the same conditions.
//!
//! On PostgreSQL each list is bound as one array per column and read with `unnest`:
//! a `VALUES` list of a 500-record chunk is some 5 000 parameters that the server plans
//! anew for every chunk (about 30 ms on the development machine), an `unnest` of ten
//! arrays is one small plan whatever the chunk's size.

use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value, sea_query::ArrayType};

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
        let mut query = Query::new(conn.get_database_backend());
        // WORKER_OVERLAP: the same certificate in a visit begun within the longest
        // visit before this one ends, and not ended before it began.
        let longest = i64::from(thresholds.longest_visit_hours) * 60 * MINUTE;
        query.part(
            OVERLAP,
            "o(idx, id, cert, vfrom, vuntil)",
            &[BIGINT, TEXT, TEXT, BIGINT, BIGINT],
            visits.iter().enumerate().filter_map(|(index, visit)| {
                let certificate = visit.certificate?;
                let (from, until) = visit.span(thresholds)?;
                Some(vec![
                    (index as i64).into(),
                    visit.id.into(),
                    certificate.into(),
                    from.into(),
                    until.into(),
                ])
            }),
            &format!(
                "r.worker_certificate = o.cert AND r.visit_from > o.vfrom - {longest} \
                 AND r.visit_from < o.vuntil AND r.visit_until > o.vfrom AND r.id <> o.id"
            ),
        );
        // DUPLICATE: the same senior, item and provider starting within the window,
        // not cancelled (a cancelled record duplicates nothing, and is duplicated by
        // nothing: its replacement is the visit).
        let window = i64::from(thresholds.duplicate_window_minutes) * MINUTE;
        query.part(
            DUPLICATE,
            "d(idx, id, senior, item, provider, start)",
            &[BIGINT, TEXT, TEXT, TEXT, TEXT, BIGINT],
            visits
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
                }),
            &format!(
                "r.senior_id = d.senior AND r.service_item = d.item \
                 AND r.provider_id = d.provider \
                 AND r.starts_at BETWEEN d.start - {window} AND d.start + {window} \
                 AND r.status <> 'CANCELLED' AND r.id <> d.id"
            ),
        );
        let mut found = Self::default();
        for (rule, index) in query.run(conn).await? {
            match rule {
                OVERLAP => found.overlapping.insert(index),
                _ => found.duplicated.insert(index),
            };
        }
        found.among(thresholds, visits);
        Ok(found)
    }

    /// What the chunk's visits say of each other: visit `i` is flagged when another
    /// visit `j` of the chunk, as the stored record, meets the statement's condition.
    /// Only visits of one worker (or of one senior, item and provider) can, so each such
    /// group is compared within itself: a bulk load's chunk costs about its size.
    fn among(&mut self, thresholds: &Thresholds, visits: &[Visit<'_>]) {
        let longest = i64::from(thresholds.longest_visit_hours) * 60 * MINUTE;
        let window = i64::from(thresholds.duplicate_window_minutes) * MINUTE;
        // Visits by certificate, with their spans; by senior, item and provider, with
        // their starts.
        let mut by_worker: HashMap<&str, Vec<(usize, Span)>> = HashMap::new();
        let mut by_visit: HashMap<VisitKey, Vec<(usize, i64)>> = HashMap::new();
        for (index, visit) in visits.iter().enumerate() {
            if let (Some(certificate), Some(span)) = (visit.certificate, visit.span(thresholds)) {
                by_worker
                    .entry(certificate)
                    .or_default()
                    .push((index, span));
            }
            if let Some(start) = visit.starts_at
                && visit.status != "CANCELLED"
            {
                by_visit
                    .entry((visit.senior_id, visit.service_item, visit.provider_id))
                    .or_default()
                    .push((index, start));
            }
        }
        for group in by_worker.values().filter(|g| g.len() > 1) {
            for &(i, (from, until)) in group {
                let overlapped = group.iter().any(|&(j, (r_from, r_until))| {
                    i != j && r_from > from - longest && r_from < until && r_until > from
                });
                if overlapped {
                    self.overlapping.insert(i);
                }
            }
        }
        for group in by_visit.values().filter(|g| g.len() > 1) {
            for &(i, start) in group {
                if group
                    .iter()
                    .any(|&(j, r_start)| i != j && (r_start - start).abs() <= window)
                {
                    self.duplicated.insert(i);
                }
            }
        }
    }
}

/// The keys [`serialize`] takes for `visit`: its worker, and its senior, item and
/// provider.
pub(crate) fn lock_keys(visit: &Visit<'_>) -> impl Iterator<Item = i32> {
    let worker = visit
        .certificate
        .map(|certificate| lock_key(&["worker", certificate]));
    let same = (visit.starts_at.is_some() && visit.status != "CANCELLED").then(|| {
        lock_key(&[
            "visit",
            visit.senior_id,
            visit.service_item,
            visit.provider_id,
        ])
    });
    worker.into_iter().chain(same)
}

/// On PostgreSQL, waits until no other transaction is writing a visit of the same worker
/// or of the same senior, item and provider, and keeps them waiting until this one ends:
/// two overlapping visits written at once would otherwise each be checked before the
/// other is visible, and both pass. (SQLite's one writer already orders them.) `keys`
/// are every key of the whole write (a batch's, not a chunk's), taken before anything
/// else the transaction locks and in ascending order, so two writers never wait for
/// each other in a circle; taking a key held already returns at once. Two keys sharing
/// a hash only wait needlessly.
pub(crate) async fn serialize(
    conn: &impl ConnectionTrait,
    keys: &BTreeSet<i32>,
) -> Result<(), Error> {
    if conn.get_database_backend() != DbBackend::Postgres || keys.is_empty() {
        return Ok(());
    }
    // The keys are numbers made here: written into the statement, in order.
    let rows: Vec<String> = keys.iter().map(|key| format!("({key})")).collect();
    conn.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "SELECT pg_advisory_xact_lock({VISIT_LOCKS}, k) FROM (VALUES {}) AS keys(k)",
            rows.join(", ")
        ),
    ))
    .await?;
    Ok(())
}

/// The advisory-lock namespace of visits being checked (`jy`).
const VISIT_LOCKS: i32 = 0x6a79;

/// A stable 32-bit key for `parts` (FNV-1a): the same on every node and every run.
fn lock_key(parts: &[&str]) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    }
    hash as i32
}

/// From and until, in microseconds.
type Span = (i64, i64);

/// Senior, service item and provider: what one visit is, for `DUPLICATE`.
type VisitKey<'a> = (&'a str, &'a str, &'a str);

/// A column of a list: its SQL type, and its type as a PostgreSQL array.
type Column = (&'static str, ArrayType);
const BIGINT: Column = ("BIGINT", ArrayType::BigInt);
const TEXT: Column = ("TEXT", ArrayType::String);

const OVERLAP: i64 = 0;
const DUPLICATE: i64 = 1;

/// One statement of several parts, each a list of rows (a `VALUES` list named like a
/// table) joined to the service records; it answers (part, row index) pairs.
struct Query {
    backend: DbBackend,
    lists: Vec<String>,
    selects: Vec<String>,
    values: Vec<Value>,
}

impl Query {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            lists: Vec::new(),
            selects: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Adds the part `rule`: the rows (of the columns `types`) as the list
    /// `name(columns)`, and the records `r` that match a row `on`. A part without rows
    /// is left out.
    fn part(
        &mut self,
        rule: i64,
        name: &str,
        types: &[Column],
        rows: impl Iterator<Item = Vec<Value>>,
        on: &str,
    ) {
        let list = match self.backend {
            DbBackend::Postgres => self.arrays(types, rows),
            _ => self.values_list(types, rows),
        };
        let Some(list) = list else {
            return;
        };
        let alias = name.split('(').next().unwrap_or(name);
        self.lists.push(format!("{name} AS ({list})"));
        self.selects.push(format!(
            "SELECT DISTINCT CAST({rule} AS BIGINT) AS rule, {alias}.idx AS idx \
             FROM {alias} JOIN service_records r ON {on}"
        ));
    }

    /// The rows as `unnest` of one array per column (PostgreSQL).
    fn arrays(
        &mut self,
        types: &[Column],
        rows: impl Iterator<Item = Vec<Value>>,
    ) -> Option<String> {
        let mut columns: Vec<Vec<Value>> = vec![Vec::new(); types.len()];
        for row in rows {
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value);
            }
        }
        if columns.first().is_none_or(Vec::is_empty) {
            return None;
        }
        let mut arrays = Vec::with_capacity(types.len());
        for ((ty, array), column) in types.iter().zip(columns) {
            self.values
                .push(Value::Array(array.clone(), Some(Box::new(column))));
            arrays.push(format!("CAST(${} AS {ty}[])", self.values.len()));
        }
        Some(format!("SELECT * FROM unnest({})", arrays.join(", ")))
    }

    /// The rows as a `VALUES` list of typed placeholders (SQLite).
    fn values_list(
        &mut self,
        types: &[Column],
        rows: impl Iterator<Item = Vec<Value>>,
    ) -> Option<String> {
        let mut tuples = Vec::new();
        for row in rows {
            let mut cells = Vec::with_capacity(types.len());
            for ((ty, _), value) in types.iter().zip(row) {
                self.values.push(value);
                cells.push(format!("CAST(? AS {ty})"));
            }
            tuples.push(format!("({})", cells.join(", ")));
        }
        (!tuples.is_empty()).then(|| format!("VALUES {}", tuples.join(", ")))
    }

    async fn run(self, conn: &impl ConnectionTrait) -> Result<Vec<(i64, usize)>, Error> {
        if self.selects.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "WITH {} {}",
            self.lists.join(", "),
            self.selects.join(" UNION ALL ")
        );
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                self.backend,
                sql,
                self.values,
            ))
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<i64>("", "rule")?,
                    row.try_get::<i64>("", "idx")? as usize,
                ))
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(Error::from)
    }
}
