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

/// Inserts `rows` into `table (columns)` in as few statements as the bind limit
/// allows; `row` gives one row's values in the order of `columns`. `suffix`
/// follows each statement (e.g. `ON CONFLICT DO NOTHING`). Returns the rows
/// inserted.
pub fn insert<R>(
    conn: &mut DbConn,
    table: &str,
    columns: &[&str],
    rows: &[R],
    suffix: &str,
    row: impl for<'r> Fn(&'r R) -> Vec<Bind<'r>>,
) -> QueryResult<usize> {
    let pg = matches!(conn, DbConn::Pg(_));
    let mut n = 0;
    for chunk in rows.chunks(rows_per_statement(columns.len())) {
        let sql = insert_sql(pg, table, columns, chunk.len(), suffix);
        let binds: Vec<Bind<'_>> = chunk.iter().flat_map(&row).collect();
        n += execute(conn, &sql, &binds)?;
    }
    Ok(n)
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
