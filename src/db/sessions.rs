use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::{Session, User};
use super::schema::{sessions, users};

pub fn insert(conn: &mut DbConn, s: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table).values(s).execute(conn).map(|_| ())
}

/// The live session with this id (token hash) and its user, if any.
pub fn live(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<Option<(Session, User)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled_at.is_null())
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

pub fn revoke(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set(sessions::revoked_at.eq(now))
        .execute(conn)
}

/// Ends every live session of an account, but `keep` (the one in use, when
/// it should stay). Returns how many ended.
pub fn revoke_all_of_user(
    conn: &mut DbConn,
    user_id: &str,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    // A session id is never empty, so "" keeps nothing.
    diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")))
        .set(sessions::revoked_at.eq(now))
        .execute(conn)
}
