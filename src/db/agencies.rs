use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::DbConn;
use super::models::{Agency, Jurisdiction};
use super::schema::{agencies, jurisdictions};
use crate::domain::text::like_escape;

pub fn insert(conn: &mut DbConn, a: &Agency) -> QueryResult<()> {
    diesel::insert_into(agencies::table).values(a).execute(conn).map(|_| ())
}

/// Rewrites the descriptive fields of an existing agency (a re-import).
pub fn update_details(conn: &mut DbConn, a: &Agency) -> QueryResult<()> {
    diesel::update(agencies::table.find(&a.id))
        .set((
            agencies::name.eq(&a.name),
            agencies::name_en.eq(&a.name_en),
            agencies::level.eq(&a.level),
            agencies::parent_id.eq(&a.parent_id),
            agencies::email.eq(&a.email),
            agencies::search_text.eq(&a.search_text),
            agencies::active.eq(a.active),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<Agency>> {
    agencies::table.find(id).select(Agency::as_select()).first(conn).optional()
}

pub fn by_code(conn: &mut DbConn, jurisdiction_id: &str, code: &str) -> QueryResult<Option<Agency>> {
    agencies::table
        .filter(agencies::jurisdiction_id.eq(jurisdiction_id))
        .filter(agencies::code.eq(code))
        .select(Agency::as_select())
        .first(conn)
        .optional()
}

/// Agency codes already present, per jurisdiction code (for import checks).
pub fn codes_by_jurisdiction(conn: &mut DbConn) -> QueryResult<HashMap<String, HashSet<String>>> {
    let rows: Vec<(String, String)> =
        agencies::table.inner_join(jurisdictions::table).select((jurisdictions::code, agencies::code)).load(conn)?;
    let mut out: HashMap<String, HashSet<String>> = HashMap::new();
    for (j, a) in rows {
        out.entry(j).or_default().insert(a);
    }
    Ok(out)
}

/// Searches by folded words (each must begin a word of the folded code or names)
/// within an optional jurisdiction, ordered by name; returns a page and the total.
/// `active_only` leaves out deactivated agencies (filing and transfer pickers).
pub fn search(
    conn: &mut DbConn,
    terms: &[String],
    jurisdiction_code: Option<&str>,
    active_only: bool,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(Agency, Jurisdiction)>, i64)> {
    let build = || {
        let mut q = agencies::table.inner_join(jurisdictions::table).into_boxed();
        if active_only {
            q = q.filter(agencies::active.eq(true));
        }
        if let Some(code) = jurisdiction_code {
            q = q.filter(jurisdictions::code.eq(code.to_string()));
        }
        for t in terms {
            q = q.filter(agencies::search_text.like(format!("% {}%", like_escape(t))).escape('\\'));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let items = build()
        .order((agencies::name.asc(), agencies::id.asc()))
        .offset(offset)
        .limit(limit)
        .select((Agency::as_select(), Jurisdiction::as_select()))
        .load(conn)?;
    Ok((items, total))
}

/// The first `limit` active agencies of every jurisdiction by name, without
/// a count: a choice offered on a page, not a page of a list.
pub fn active_by_name(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<(Agency, Jurisdiction)>> {
    agencies::table
        .inner_join(jurisdictions::table)
        .filter(agencies::active.eq(true))
        .order((agencies::name.asc(), agencies::id.asc()))
        .limit(limit)
        .select((Agency::as_select(), Jurisdiction::as_select()))
        .load(conn)
}

pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<Agency>> {
    agencies::table.filter(agencies::id.eq_any(ids)).select(Agency::as_select()).load(conn)
}

/// An agency with its jurisdiction, in one query.
pub fn with_jurisdiction(conn: &mut DbConn, id: &str) -> QueryResult<Option<(Agency, Jurisdiction)>> {
    agencies::table
        .inner_join(jurisdictions::table)
        .filter(agencies::id.eq(id))
        .select((Agency::as_select(), Jurisdiction::as_select()))
        .first(conn)
        .optional()
}

/// Every agency of one jurisdiction (or all), deactivated ones included, in a
/// stable order: for the administrators' list and the CSV export.
pub fn all_of(conn: &mut DbConn, jurisdiction_id: Option<&str>) -> QueryResult<Vec<(Agency, Jurisdiction)>> {
    let mut q = agencies::table.inner_join(jurisdictions::table).into_boxed();
    if let Some(j) = jurisdiction_id {
        q = q.filter(agencies::jurisdiction_id.eq(j.to_string()));
    }
    q.order((jurisdictions::code.asc(), agencies::name.asc(), agencies::id.asc()))
        .select((Agency::as_select(), Jurisdiction::as_select()))
        .load(conn)
}
