use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::{Assignment, User};
use super::schema::{spokesperson_assignments as sa, users};

pub fn insert(conn: &mut DbConn, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table).values(user).execute(conn).map(|_| ())
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).optional()
}

/// `email` must already be normalised (lower case).
pub fn by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<User>> {
    users::table.filter(users::email.eq(email)).select(User::as_select()).first(conn).optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn set_password(conn: &mut DbConn, id: &str, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::password_hash.eq(hash)).execute(conn).map(|_| ())
}

pub fn mark_verified(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(id).filter(users::email_verified_at.is_null()))
        .set(users::email_verified_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_assignment(conn: &mut DbConn, a: &Assignment) -> QueryResult<()> {
    diesel::insert_into(sa::table).values(a).execute(conn).map(|_| ())
}

/// Assignments in force at `at`, for one user.
pub fn assignments_of_user(conn: &mut DbConn, user_id: &str, at: NaiveDateTime) -> QueryResult<Vec<Assignment>> {
    sa::table
        .filter(sa::user_id.eq(user_id))
        .filter(sa::valid_from.le(at))
        .filter(sa::valid_to.is_null().or(sa::valid_to.gt(at)))
        .select(Assignment::as_select())
        .load(conn)
}

/// Whether the agency has a primary spokesperson in force at `at`.
pub fn agency_has_primary(conn: &mut DbConn, agency_id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    let n: i64 = sa::table
        .filter(sa::agency_id.eq(agency_id))
        .filter(sa::is_primary.eq(true))
        .filter(sa::valid_from.le(at))
        .filter(sa::valid_to.is_null().or(sa::valid_to.gt(at)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The spokespeople in force at `at` of several agencies, with their user rows,
/// primary first.
pub fn spokespeople_of(
    conn: &mut DbConn,
    agency_ids: &[String],
    at: NaiveDateTime,
) -> QueryResult<Vec<(Assignment, User)>> {
    if agency_ids.is_empty() {
        return Ok(Vec::new());
    }
    sa::table
        .inner_join(users::table)
        .filter(sa::agency_id.eq_any(agency_ids))
        .filter(sa::valid_from.le(at))
        .filter(sa::valid_to.is_null().or(sa::valid_to.gt(at)))
        .filter(users::disabled_at.is_null())
        .order((sa::is_primary.desc(), users::full_name.asc()))
        .select((Assignment::as_select(), User::as_select()))
        .load(conn)
}

pub fn set_reporter_details(conn: &mut DbConn, id: &str, outlet: &str, press_card_no: Option<&str>) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::outlet.eq(outlet), users::press_card_no.eq(press_card_no)))
        .execute(conn)
        .map(|_| ())
}

/// Department staff of a jurisdiction (they read its requests and receive its escalations).
pub fn staff_of(conn: &mut DbConn, jurisdiction_id: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq("staff"))
        .filter(users::jurisdiction_id.eq(jurisdiction_id))
        .filter(users::disabled_at.is_null())
        .order(users::full_name.asc())
        .select(User::as_select())
        .load(conn)
}

/// Every assignment of an agency (in force or not), for routing.
pub fn assignments_of_agency(conn: &mut DbConn, agency_id: &str) -> QueryResult<Vec<(Assignment, User)>> {
    sa::table
        .inner_join(users::table)
        .filter(sa::agency_id.eq(agency_id))
        .filter(users::disabled_at.is_null())
        // The order of `spokespeople_of`, so that those in force can be taken
        // from this list as that query would give them.
        .order((sa::is_primary.desc(), users::full_name.asc()))
        .select((Assignment::as_select(), User::as_select()))
        .load(conn)
}

pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<User>> {
    users::table.filter(users::id.eq_any(ids)).select(User::as_select()).load(conn)
}

/// Reporter accounts that never confirmed their address and were created
/// before `before` (at most `limit`, oldest first), optionally only the one of
/// `email`. Accounts that a request refers to are left alone (an unverified
/// reporter cannot file, so none should be).
pub fn unverified_reporters_before(
    conn: &mut DbConn,
    before: NaiveDateTime,
    email: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<String>> {
    use super::schema::requests;
    let mut q = users::table
        .filter(users::role.eq("reporter"))
        .filter(users::email_verified_at.is_null())
        .filter(users::created_at.lt(before))
        .filter(diesel::dsl::not(diesel::dsl::exists(requests::table.filter(requests::reporter_id.eq(users::id)))))
        .into_boxed();
    if let Some(e) = email {
        q = q.filter(users::email.eq(e.to_string()));
    }
    q.order(users::created_at.asc()).limit(limit).select(users::id).load(conn)
}

/// Deletes these accounts with their sessions and one-time tokens, if they are
/// still unconfirmed. Call inside a write transaction. Returns the accounts deleted.
pub fn delete_unverified(conn: &mut DbConn, ids: &[String]) -> QueryResult<usize> {
    use super::schema::{sessions, user_tokens};
    if ids.is_empty() {
        return Ok(0);
    }
    let still: Vec<String> = users::table
        .filter(users::id.eq_any(ids))
        .filter(users::email_verified_at.is_null())
        .select(users::id)
        .load(conn)?;
    diesel::delete(user_tokens::table.filter(user_tokens::user_id.eq_any(&still))).execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq_any(&still))).execute(conn)?;
    diesel::delete(users::table.filter(users::id.eq_any(&still))).execute(conn)
}

/// Every term of an agency's spokespeople (disabled accounts included), the
/// latest first: who spoke for it when.
pub fn terms_of_agency(conn: &mut DbConn, agency_id: &str) -> QueryResult<Vec<(Assignment, User)>> {
    sa::table
        .inner_join(users::table)
        .filter(sa::agency_id.eq(agency_id))
        .order((sa::valid_from.desc(), sa::id.desc()))
        .select((Assignment::as_select(), User::as_select()))
        .load(conn)
}

pub fn assignment(conn: &mut DbConn, id: &str) -> QueryResult<Option<Assignment>> {
    sa::table.find(id).select(Assignment::as_select()).first(conn).optional()
}

/// Sets (or clears) the end of a term.
pub fn set_assignment_end(conn: &mut DbConn, id: &str, valid_to: Option<NaiveDateTime>) -> QueryResult<()> {
    diesel::update(sa::table.find(id)).set(sa::valid_to.eq(valid_to)).execute(conn).map(|_| ())
}
