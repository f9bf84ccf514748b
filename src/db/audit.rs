//! The audit log: rows are only ever inserted (the database refuses updates
//! and deletes) and read newest first.

use diesel::prelude::*;

use super::DbConn;
use super::models::AuditRow;
use super::schema::audit_log as a;

pub fn insert(conn: &mut DbConn, row: &AuditRow) -> QueryResult<()> {
    diesel::insert_into(a::table).values(row).execute(conn).map(|_| ())
}

/// A page of entries, newest first; `jurisdiction` keeps one province's.
pub fn page(
    conn: &mut DbConn,
    jurisdiction: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    let filtered = || {
        let mut q = a::table.into_boxed();
        if let Some(j) = jurisdiction {
            q = q.filter(a::jurisdiction_id.eq(j.to_string()));
        }
        q
    };
    let rows = filtered()
        .order((a::at.desc(), a::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(AuditRow::as_select())
        .load(conn)?;
    let total = filtered().count().get_result(conn)?;
    Ok((rows, total))
}
