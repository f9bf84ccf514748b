//! Attempts per key in fixed windows, shared by every instance on the
//! database. The key is a hash (see `service::shared_limits`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::rate_limit_windows as w;

/// Counts one attempt for `key` and returns the attempts in its current
/// window and when that window opened. A window opened after
/// `window_opened_after` goes on; an older one (or none) starts anew at `now`.
/// Call inside a write transaction; a first attempt inserts the row, so two
/// instances racing on it may meet a unique violation (retry once).
pub fn hit(
    conn: &mut DbConn,
    key: &str,
    now: NaiveDateTime,
    window_opened_after: NaiveDateTime,
) -> QueryResult<(i32, NaiveDateTime)> {
    let current: Option<(i32, NaiveDateTime)> =
        diesel::update(w::table.find(key).filter(w::window_start.gt(window_opened_after)))
            .set(w::hits.eq(w::hits + 1))
            .returning((w::hits, w::window_start))
            .get_result(conn)
            .optional()?;
    if let Some(current) = current {
        return Ok(current);
    }
    let reopened = diesel::update(w::table.find(key)).set((w::hits.eq(1), w::window_start.eq(now))).execute(conn)?;
    if reopened == 0 {
        diesel::insert_into(w::table).values((w::key.eq(key), w::hits.eq(1), w::window_start.eq(now))).execute(conn)?;
    }
    Ok((1, now))
}

/// Deletes windows that opened before `before`: they count for nothing now.
pub fn delete_before(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(w::table.filter(w::window_start.lt(before))).execute(conn)
}
