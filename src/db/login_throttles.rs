//! Failed-login counts per (address, client address) pair, shared by every
//! instance. The key is a hash of the pair (see `service::accounts`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::login_throttles as lt;

/// Until when the pair is locked, if it is locked at `now`.
pub fn locked_until(conn: &mut DbConn, key: &str, now: NaiveDateTime) -> QueryResult<Option<NaiveDateTime>> {
    let until: Option<Option<NaiveDateTime>> = lt::table.find(key).select(lt::locked_until).first(conn).optional()?;
    Ok(until.flatten().filter(|u| *u > now))
}

/// Counts one failure. Failures count within a window that opens at the first
/// one and lasts `window`; the `limit`-th failure in a window locks the pair
/// until `lock_until` and opens a new window then. Call inside a write
/// transaction; a first failure inserts the row, so two instances racing on it
/// may meet a unique violation (retry once).
pub fn record_failure(
    conn: &mut DbConn,
    key: &str,
    now: NaiveDateTime,
    window_opened_after: NaiveDateTime,
    limit: i32,
    lock_until: NaiveDateTime,
) -> QueryResult<()> {
    let in_window: Option<i32> = diesel::update(lt::table.find(key).filter(lt::window_start.gt(window_opened_after)))
        .set(lt::failures.eq(lt::failures + 1))
        .returning(lt::failures)
        .get_result(conn)
        .optional()?;
    let failures = match in_window {
        Some(n) => n,
        None => {
            let reopened = diesel::update(lt::table.find(key))
                .set((lt::failures.eq(1), lt::window_start.eq(now), lt::locked_until.eq(None::<NaiveDateTime>)))
                .execute(conn)?;
            if reopened == 0 {
                diesel::insert_into(lt::table)
                    .values((
                        lt::key.eq(key),
                        lt::failures.eq(1),
                        lt::window_start.eq(now),
                        lt::locked_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
            }
            1
        }
    };
    if failures >= limit {
        diesel::update(lt::table.find(key))
            .set((lt::failures.eq(0), lt::window_start.eq(lock_until), lt::locked_until.eq(lock_until)))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets the pair's failures (after a successful login).
pub fn clear(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(lt::table.find(key)).execute(conn).map(|_| ())
}

/// Deletes rows whose window opened before `before` and that are not locked at
/// `now`: they no longer count for anything.
pub fn delete_stale(conn: &mut DbConn, before: NaiveDateTime, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        lt::table.filter(lt::window_start.lt(before)).filter(lt::locked_until.is_null().or(lt::locked_until.le(now))),
    )
    .execute(conn)
}
