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

/// Rewrites the editable fields (names, the Department's address, office hours).
pub fn update(conn: &mut DbConn, j: &Jurisdiction) -> QueryResult<()> {
    diesel::update(jurisdictions::table.find(&j.id))
        .set((
            jurisdictions::name.eq(&j.name),
            jurisdictions::department_name.eq(&j.department_name),
            jurisdictions::department_email.eq(&j.department_email),
            jurisdictions::office_hours.eq(&j.office_hours),
        ))
        .execute(conn)
        .map(|_| ())
}
