//! The mail outbox. Rows are inserted inside the caller's transaction; the
//! mailer claims due rows with a lease (a conditional update, safe across
//! processes on both backends), sends outside any transaction, then records the
//! outcome.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::OutboxRow;
use super::schema::outbox;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// `status = 'pending'` written out, not bound: the planner matches it to the
/// partial index `outbox_pending` only when it can see the value (SQLite is
/// built never to look at bound values; see .cargo/config.toml).
fn pending() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>("outbox.status = 'pending'")
}

pub fn insert(conn: &mut DbConn, row: &OutboxRow) -> QueryResult<()> {
    diesel::insert_into(outbox::table).values(row).execute(conn).map(|_| ())
}

/// Ids of rows due for an attempt (pending, due, lease free). Reads only the
/// partial index on pending rows.
pub fn due_ids(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    outbox::table
        .filter(pending())
        .filter(outbox::next_attempt_at.le(now))
        .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now)))
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)
}

/// Claims one row for sending until `lease_until`: true when this caller won it.
/// Another process that read the same id loses the race on the condition.
pub fn claim(conn: &mut DbConn, id: &str, now: NaiveDateTime, lease_until: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table.find(id).filter(pending()).filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now))),
    )
    .set((outbox::lease_until.eq(lease_until), outbox::attempts.eq(outbox::attempts + 1)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn get(conn: &mut DbConn, id: &str) -> QueryResult<OutboxRow> {
    outbox::table.find(id).select(OutboxRow::as_select()).first(conn)
}

pub fn mark_sent(conn: &mut DbConn, id: &str, at: NaiveDateTime, reply: &str) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(at),
            outbox::smtp_reply.eq(reply),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt: either retry at `retry_at`, or give up for good.
pub fn mark_failed(conn: &mut DbConn, id: &str, error: &str, retry_at: Option<NaiveDateTime>) -> QueryResult<()> {
    let row = outbox::table.find(id);
    let n = match retry_at {
        Some(at) => diesel::update(row)
            .set((
                outbox::last_error.eq(error),
                outbox::next_attempt_at.eq(at),
                outbox::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        None => diesel::update(row)
            .set((
                outbox::status.eq(FAILED),
                outbox::last_error.eq(error),
                outbox::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
    };
    debug_assert!(n <= 1);
    Ok(())
}

/// Counts by status, for /metrics.
pub fn count_by_status(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    outbox::table.group_by(outbox::status).select((outbox::status, diesel::dsl::count_star())).load(conn)
}

/// All rows to one address, oldest first (tests and support).
pub fn to_address(conn: &mut DbConn, email: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::to_email.eq(email))
        .order(outbox::created_at.asc())
        .select(OutboxRow::as_select())
        .load(conn)
}
