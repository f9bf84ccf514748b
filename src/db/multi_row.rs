//! Multi-row statements over either backend: one `INSERT … VALUES (…), (…)`
//! or `UPDATE … FROM (VALUES …)` for many rows, with bound values. diesel's own
//! batch insert is not available over the backend-generic connection, and on
//! SQLite it falls back to one statement per row when a row has a NULL.
//! Statements are cut into chunks that stay under both backends' limit on
//! bound values.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use diesel::RunQueryDsl;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;

use super::DbConn;

/// Bound values per statement: under SQLite's 32766 and PostgreSQL's 65535.
pub const MAX_BINDS: usize = 30_000;
const _: () = assert!(MAX_BINDS < 32_766 && MAX_BINDS < 65_535);

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i32),
    Bool(bool),
    At(NaiveDateTime),
    OptAt(Option<NaiveDateTime>),
}

/// How many rows of `columns` values fit in one statement.
pub fn rows_per_statement(columns: usize) -> usize {
    (MAX_BINDS / columns.max(1)).max(1)
}

/// `(…), (…)` for `rows` rows of `columns` placeholders, numbered from 1 on
/// PostgreSQL (`$1`), plain `?` on SQLite.
pub fn values_list(pg: bool, rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            n += 1;
            if pg {
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push('?');
            }
        }
        out.push(')');
    }
    out
}

macro_rules! bound {
    ($backend:ty, $sql:expr, $binds:expr) => {{
        let mut q = diesel::sql_query($sql).into_boxed::<$backend>();
        for b in $binds {
            q = match b {
                Bind::Text(v) => q.bind::<Text, _>(*v),
                Bind::OptText(v) => q.bind::<Nullable<Text>, _>(*v),
                Bind::Int(v) => q.bind::<Integer, _>(*v),
                Bind::Bool(v) => q.bind::<Bool, _>(*v),
                Bind::At(v) => q.bind::<Timestamp, _>(*v),
                Bind::OptAt(v) => q.bind::<Nullable<Timestamp>, _>(*v),
            };
        }
        q
    }};
}

/// Runs one statement with its bound values; returns the rows it changed.
pub fn execute(conn: &mut DbConn, sql: &str, binds: &[Bind<'_>]) -> QueryResult<usize> {
    match conn {
        DbConn::Pg(c) => bound!(Pg, sql, binds).execute(c),
        DbConn::Sqlite(c) => bound!(Sqlite, sql, binds).execute(c),
    }
}

/// Runs one statement with its bound values and reads the rows it returns.
pub fn load<T>(conn: &mut DbConn, sql: &str, binds: &[Bind<'_>]) -> QueryResult<Vec<T>>
where
    T: diesel::QueryableByName<Pg> + diesel::QueryableByName<Sqlite> + 'static,
{
    match conn {
        DbConn::Pg(c) => bound!(Pg, sql, binds).load(c),
        DbConn::Sqlite(c) => bound!(Sqlite, sql, binds).load(c),
    }
}

/// Inserts `rows` into `table (columns)`; `row` gives one row's values in the
/// order of `columns`. `suffix` follows each statement (e.g. `ON CONFLICT DO
/// NOTHING`). Returns the rows inserted. On PostgreSQL one statement takes all
/// rows, a bound array per column (`rows_source`); on SQLite `VALUES` lists in
/// as few statements as the bind limit allows.
pub fn insert<R>(
    conn: &mut DbConn,
    table: &str,
    columns: &[&str],
    rows: &[R],
    suffix: &str,
    row: impl for<'r> Fn(&'r R) -> Vec<Bind<'r>>,
) -> QueryResult<usize> {
    if matches!(conn, DbConn::Pg(_)) {
        let cells: Vec<Vec<Bind<'_>>> = rows.iter().map(&row).collect();
        return execute_rows(conn, &cells, columns.len(), |v| insert_from(table, columns, v, suffix));
    }
    let mut n = 0;
    for chunk in rows.chunks(rows_per_statement(columns.len())) {
        let sql = insert_sql(false, table, columns, chunk.len(), suffix);
        let binds: Vec<Bind<'_>> = chunk.iter().flat_map(&row).collect();
        n += execute(conn, &sql, &binds)?;
    }
    Ok(n)
}

/// `insert` whose `suffix` has a `RETURNING` clause: the rows it returns.
pub fn insert_returning<R, T>(
    conn: &mut DbConn,
    table: &str,
    columns: &[&str],
    rows: &[R],
    suffix: &str,
    row: impl for<'r> Fn(&'r R) -> Vec<Bind<'r>>,
) -> QueryResult<Vec<T>>
where
    T: diesel::QueryableByName<Pg> + diesel::QueryableByName<Sqlite> + 'static,
{
    if matches!(conn, DbConn::Pg(_)) {
        let cells: Vec<Vec<Bind<'_>>> = rows.iter().map(&row).collect();
        return load_rows(conn, &cells, columns.len(), |v| insert_from(table, columns, v, suffix));
    }
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(columns.len())) {
        let sql = insert_sql(false, table, columns, chunk.len(), suffix);
        let binds: Vec<Bind<'_>> = chunk.iter().flat_map(&row).collect();
        out.extend(load::<T>(conn, &sql, &binds)?);
    }
    Ok(out)
}

fn insert_from(table: &str, columns: &[&str], source: &str, suffix: &str) -> String {
    format!("INSERT INTO {table} ({}) SELECT * FROM {source} {suffix}", columns.join(", "))
}

/// Runs the statement `sql(source)`, where `source` is `rows` (each row's
/// values in column order) as a table `v` with columns `column1`, `column2`…,
/// for an `UPDATE … FROM` or `INSERT … SELECT`; returns the rows it changed.
///
/// On PostgreSQL the source is `unnest($1::text[], $2::integer[], …)`: one
/// bound array per column, whatever the number of rows, so the statement's
/// text stays short and the same, where a `VALUES` list of thousands of
/// placeholders cost more to parse and plan than to run. On SQLite it is
/// `(VALUES (?, …), …)`, in chunks under the bind limit.
pub fn execute_rows(
    conn: &mut DbConn,
    rows: &[Vec<Bind<'_>>],
    columns: usize,
    sql: impl Fn(&str) -> String,
) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    if let DbConn::Pg(c) = conn {
        let cols = columns_of(rows, columns)?;
        return bound_columns(&sql(&unnest(&cols)), &cols).execute(c);
    }
    let mut n = 0;
    for chunk in rows.chunks(rows_per_statement(columns)) {
        let binds: Vec<Bind<'_>> = chunk.iter().flatten().cloned().collect();
        n += execute(conn, &sql(&values_table(chunk.len(), columns)), &binds)?;
    }
    Ok(n)
}

/// `execute_rows` for a statement that returns rows: what it returns.
pub fn load_rows<T>(
    conn: &mut DbConn,
    rows: &[Vec<Bind<'_>>],
    columns: usize,
    sql: impl Fn(&str) -> String,
) -> QueryResult<Vec<T>>
where
    T: diesel::QueryableByName<Pg> + diesel::QueryableByName<Sqlite> + 'static,
{
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    if let DbConn::Pg(c) = conn {
        let cols = columns_of(rows, columns)?;
        return bound_columns(&sql(&unnest(&cols)), &cols).load(c);
    }
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(columns)) {
        let binds: Vec<Bind<'_>> = chunk.iter().flatten().cloned().collect();
        out.extend(load::<T>(conn, &sql(&values_table(chunk.len(), columns)), &binds)?);
    }
    Ok(out)
}

/// SQLite's rows as a table: `(VALUES (?, ?), …) AS v`.
fn values_table(rows: usize, columns: usize) -> String {
    format!("(VALUES {}) AS v", values_list(false, rows, columns))
}

/// One column of every row, bound as one PostgreSQL array.
#[derive(Debug, PartialEq)]
enum Column<'a> {
    Text(Vec<Option<&'a str>>),
    Int(Vec<i32>),
    Bool(Vec<bool>),
    At(Vec<Option<NaiveDateTime>>),
}

impl Column<'_> {
    fn array_type(&self) -> &'static str {
        match self {
            Column::Text(_) => "text[]",
            Column::Int(_) => "integer[]",
            Column::Bool(_) => "boolean[]",
            Column::At(_) => "timestamp[]",
        }
    }
}

/// The rows' values by column; a column's type is that of its first row's value.
fn columns_of<'a>(rows: &[Vec<Bind<'a>>], columns: usize) -> QueryResult<Vec<Column<'a>>> {
    let mixed = || diesel::result::Error::QueryBuilderError("a column's values differ in type or number".into());
    let first = rows.first().map(Vec::as_slice).unwrap_or_default();
    let mut cols: Vec<Column<'a>> = first
        .iter()
        .map(|b| match b {
            Bind::Text(_) | Bind::OptText(_) => Column::Text(Vec::with_capacity(rows.len())),
            Bind::Int(_) => Column::Int(Vec::with_capacity(rows.len())),
            Bind::Bool(_) => Column::Bool(Vec::with_capacity(rows.len())),
            Bind::At(_) | Bind::OptAt(_) => Column::At(Vec::with_capacity(rows.len())),
        })
        .collect();
    for row in rows {
        if row.len() != columns {
            return Err(mixed());
        }
        for (col, b) in cols.iter_mut().zip(row) {
            match (col, b) {
                (Column::Text(v), Bind::Text(s)) => v.push(Some(*s)),
                (Column::Text(v), Bind::OptText(s)) => v.push(*s),
                (Column::Int(v), Bind::Int(i)) => v.push(*i),
                (Column::Bool(v), Bind::Bool(x)) => v.push(*x),
                (Column::At(v), Bind::At(t)) => v.push(Some(*t)),
                (Column::At(v), Bind::OptAt(t)) => v.push(*t),
                _ => return Err(mixed()),
            }
        }
    }
    Ok(cols)
}

/// `unnest($1::text[], …) AS v(column1, …)`.
fn unnest(cols: &[Column<'_>]) -> String {
    let arrays: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("${}::{}", i + 1, c.array_type())).collect();
    let names: Vec<String> = (1..=cols.len()).map(|i| format!("column{i}")).collect();
    format!("unnest({}) AS v({})", arrays.join(", "), names.join(", "))
}

fn bound_columns<'a>(
    sql: &str,
    cols: &'a [Column<'a>],
) -> diesel::query_builder::BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery> {
    use diesel::sql_types::Array;
    let mut q = diesel::sql_query(sql).into_boxed::<Pg>();
    for c in cols {
        q = match c {
            Column::Text(v) => q.bind::<Array<Nullable<Text>>, _>(v),
            Column::Int(v) => q.bind::<Array<Integer>, _>(v),
            Column::Bool(v) => q.bind::<Array<Bool>, _>(v),
            Column::At(v) => q.bind::<Array<Nullable<Timestamp>>, _>(v),
        };
    }
    q
}

/// The text of a multi-row insert of `rows` rows.
pub fn insert_sql(pg: bool, table: &str, columns: &[&str], rows: usize, suffix: &str) -> String {
    format!("INSERT INTO {table} ({}) VALUES {} {suffix}", columns.join(", "), values_list(pg, rows, columns.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_on_postgres_and_plain_on_sqlite() {
        assert_eq!(values_list(true, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_list(false, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(values_list(true, 0, 3), "");
        assert_eq!(insert_sql(false, "t", &["a", "b"], 1, ""), "INSERT INTO t (a, b) VALUES (?, ?) ");
    }

    #[test]
    fn a_statement_stays_under_both_limits() {
        for columns in [1, 3, 12, 18, 19, 40, 30_001] {
            let rows = rows_per_statement(columns);
            assert!(rows >= 1);
            if columns <= MAX_BINDS {
                assert!(rows * columns <= MAX_BINDS, "{columns} columns");
            }
        }
    }

    #[test]
    fn postgres_takes_one_array_per_column() {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap().naive_utc();
        let rows = vec![
            vec![Bind::Text("a"), Bind::Int(1), Bind::OptAt(None), Bind::Bool(true)],
            vec![Bind::OptText(None), Bind::Int(2), Bind::At(at), Bind::Bool(false)],
        ];
        let cols = columns_of(&rows, 4).unwrap();
        assert_eq!(
            cols,
            vec![
                Column::Text(vec![Some("a"), None]),
                Column::Int(vec![1, 2]),
                Column::At(vec![None, Some(at)]),
                Column::Bool(vec![true, false]),
            ]
        );
        assert_eq!(
            unnest(&cols),
            "unnest($1::text[], $2::integer[], $3::timestamp[], $4::boolean[]) AS v(column1, column2, column3, column4)"
        );
        // A row whose values do not match the first row's is refused, not bound wrongly.
        assert!(columns_of(&[vec![Bind::Int(1)], vec![Bind::Text("x")]], 1).is_err());
        assert!(columns_of(&[vec![Bind::Int(1)], vec![Bind::Int(1), Bind::Int(2)]], 1).is_err());
    }

    proptest::proptest! {
        /// As many placeholders as rows × columns, the PostgreSQL ones numbered 1… without gaps.
        #[test]
        fn every_value_has_its_placeholder(rows in 0usize..60, columns in 1usize..25) {
            let sqlite = values_list(false, rows, columns);
            proptest::prop_assert_eq!(sqlite.matches('?').count(), rows * columns);
            let pg = values_list(true, rows, columns);
            let numbers: Vec<usize> = pg
                .split('$')
                .skip(1)
                .map(|s| s.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap())
                .collect();
            proptest::prop_assert_eq!(numbers, (1..=rows * columns).collect::<Vec<_>>());
        }
    }
}
