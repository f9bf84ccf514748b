use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::UserToken;
use super::schema::user_tokens;

pub fn insert(conn: &mut DbConn, t: &UserToken) -> QueryResult<()> {
    diesel::insert_into(user_tokens::table).values(t).execute(conn).map(|_| ())
}

/// Marks an unused, unexpired token of this purpose as used and returns it. The
/// conditional update makes a link usable once even when clicked twice at once.
pub fn consume(conn: &mut DbConn, id: &str, purpose: &str, now: NaiveDateTime) -> QueryResult<Option<UserToken>> {
    let n = diesel::update(
        user_tokens::table
            .find(id)
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null())
            .filter(user_tokens::expires_at.gt(now)),
    )
    .set(user_tokens::used_at.eq(now))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    user_tokens::table.find(id).select(UserToken::as_select()).first(conn).optional()
}

/// A token that exists, of this purpose, still usable (for showing a form).
pub fn usable(conn: &mut DbConn, id: &str, purpose: &str, now: NaiveDateTime) -> QueryResult<Option<UserToken>> {
    user_tokens::table
        .find(id)
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now))
        .select(UserToken::as_select())
        .first(conn)
        .optional()
}

/// Uses up every unused token of this purpose of one account (a new link
/// replaces the old ones; a new password ends every reset link).
pub fn expire_all(conn: &mut DbConn, user_id: &str, purpose: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now))
    .execute(conn)
}

/// How many tokens of this purpose the account was given since `since`.
pub fn count_since(conn: &mut DbConn, user_id: &str, purpose: &str, since: NaiveDateTime) -> QueryResult<i64> {
    user_tokens::table
        .filter(user_tokens::user_id.eq(user_id))
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::created_at.ge(since))
        .count()
        .get_result(conn)
}
