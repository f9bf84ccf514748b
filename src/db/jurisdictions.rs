use diesel::prelude::*;

use super::DbConn;
use super::models::Jurisdiction;
use super::schema::jurisdictions;

pub fn insert(conn: &mut DbConn, j: &Jurisdiction) -> QueryResult<()> {
    diesel::insert_into(jurisdictions::table).values(j).execute(conn).map(|_| ())
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Jurisdiction>> {
    jurisdictions::table.order(jurisdictions::code.asc()).select(Jurisdiction::as_select()).load(conn)
}

pub fn by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Jurisdiction>> {
    jurisdictions::table.filter(jurisdictions::code.eq(code)).select(Jurisdiction::as_select()).first(conn).optional()
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Jurisdiction>> {
    jurisdictions::table.find(id).select(Jurisdiction::as_select()).first(conn).optional()
}
