//! Inbound mail: reply tokens, the record of every received message (unique
//! by its key, so a message fetched twice or by two instances is recorded
//! once), and the addresses whose mail bounces.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::models::{BounceRow, InboundMessageRow, ReplyTokenRow};
use super::schema::{inbound_messages as im, mail_bounces as mb, reply_tokens as rt};

/// The token in force for one addressee of one request.
pub fn current_token(conn: &mut DbConn, request_id: &str, email: &str) -> QueryResult<Option<ReplyTokenRow>> {
    rt::table
        .filter(rt::request_id.eq(request_id))
        .filter(rt::email.eq(email))
        .filter(rt::revoked_at.is_null())
        .order(rt::generation.desc())
        .select(ReplyTokenRow::as_select())
        .first(conn)
        .optional()
}

/// The highest generation ever issued for the pair (revoked ones included).
pub fn last_generation(conn: &mut DbConn, request_id: &str, email: &str) -> QueryResult<Option<i32>> {
    rt::table
        .filter(rt::request_id.eq(request_id))
        .filter(rt::email.eq(email))
        .select(diesel::dsl::max(rt::generation))
        .first(conn)
}

/// Records a token; one already there (the same token, derived by another
/// transaction at the same moment) is left as it is.
pub fn insert_token(conn: &mut DbConn, row: &ReplyTokenRow) -> QueryResult<()> {
    let q = diesel::insert_into(rt::table).values(row).on_conflict_do_nothing();
    match conn {
        DbConn::Pg(c) => q.execute(c)?,
        DbConn::Sqlite(c) => q.execute(c)?,
    };
    Ok(())
}

pub fn token_by_hash(conn: &mut DbConn, hash: &str) -> QueryResult<Option<ReplyTokenRow>> {
    rt::table.find(hash).select(ReplyTokenRow::as_select()).first(conn).optional()
}

/// Revokes every token of a request (or of one addressee of it).
pub fn revoke_tokens(
    conn: &mut DbConn,
    request_id: &str,
    email: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mut q =
        diesel::update(rt::table).filter(rt::request_id.eq(request_id)).filter(rt::revoked_at.is_null()).into_boxed();
    if let Some(e) = email {
        q = q.filter(rt::email.eq(e));
    }
    q.set(rt::revoked_at.eq(at)).execute(conn)
}

/// Records a message; false when its key is already recorded.
/// `ON CONFLICT DO NOTHING` keeps the caller's transaction usable.
pub fn insert_message(conn: &mut DbConn, row: &InboundMessageRow) -> QueryResult<bool> {
    let q = diesel::insert_into(im::table).values(row).on_conflict_do_nothing();
    let n = match conn {
        DbConn::Pg(c) => q.execute(c)?,
        DbConn::Sqlite(c) => q.execute(c)?,
    };
    Ok(n == 1)
}

pub fn message(conn: &mut DbConn, id: &str) -> QueryResult<Option<InboundMessageRow>> {
    im::table.find(id).select(InboundMessageRow::as_select()).first(conn).optional()
}

pub fn message_by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<InboundMessageRow>> {
    im::table.filter(im::message_key.eq(key)).select(InboundMessageRow::as_select()).first(conn).optional()
}

pub fn message_by_change_token(conn: &mut DbConn, hash: &str) -> QueryResult<Option<InboundMessageRow>> {
    im::table.filter(im::change_token_hash.eq(hash)).select(InboundMessageRow::as_select()).first(conn).optional()
}

/// Messages in one status, newest first, a page at a time.
pub fn messages_in(conn: &mut DbConn, status: &str, limit: i64, offset: i64) -> QueryResult<Vec<InboundMessageRow>> {
    im::table
        .filter(im::status.eq(status))
        .order((im::received_at.desc(), im::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(InboundMessageRow::as_select())
        .load(conn)
}

/// Moves a message out of `from` (false when it was no longer there: another
/// member of staff handled it first).
pub fn settle(
    conn: &mut DbConn,
    id: &str,
    from: &str,
    to: &str,
    request_id: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(im::table.find(id).filter(im::status.eq(from)))
        .set((im::status.eq(to), im::request_id.eq(request_id), im::handled_by.eq(by), im::handled_at.eq(at)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Ends the window in which an answer's outcome may be changed by link.
pub fn close_change(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(im::table.find(id))
        .set((im::change_token_hash.eq(None::<String>), im::change_until.eq(None::<NaiveDateTime>)))
        .execute(conn)
        .map(|_| ())
}

/// Records a bounce for an address.
pub fn record_bounce(conn: &mut DbConn, email: &str, diagnostic: &str, at: NaiveDateTime) -> QueryResult<()> {
    let n = diesel::update(mb::table.find(email))
        .set((mb::last_at.eq(at), mb::count.eq(mb::count + 1), mb::diagnostic.eq(diagnostic)))
        .execute(conn)?;
    if n == 0 {
        let row = BounceRow { email: email.into(), first_at: at, last_at: at, count: 1, diagnostic: diagnostic.into() };
        let q = diesel::insert_into(mb::table).values(&row).on_conflict_do_nothing();
        match conn {
            DbConn::Pg(c) => q.execute(c)?,
            DbConn::Sqlite(c) => q.execute(c)?,
        };
    }
    Ok(())
}

pub fn bounce_of(conn: &mut DbConn, email: &str) -> QueryResult<Option<BounceRow>> {
    mb::table.find(email).select(BounceRow::as_select()).first(conn).optional()
}

/// The bounces of any of `emails` (lowercased), in one query.
pub fn bounces_of(conn: &mut DbConn, emails: &[String]) -> QueryResult<Vec<BounceRow>> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    mb::table.filter(mb::email.eq_any(emails)).select(BounceRow::as_select()).load(conn)
}

pub fn bounces(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<BounceRow>> {
    mb::table.order(mb::last_at.desc()).limit(limit).select(BounceRow::as_select()).load(conn)
}

/// An address is no longer bouncing (staff cleared it, or it was changed).
pub fn clear_bounce(conn: &mut DbConn, email: &str) -> QueryResult<usize> {
    diesel::delete(mb::table.find(email)).execute(conn)
}

/// Held messages an actor may see, newest first, with their total:
/// everything (`jurisdiction_id` None), or those not matched to any request
/// and those of requests in one jurisdiction.
pub fn held_page(
    conn: &mut DbConn,
    jurisdiction_id: Option<&str>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<InboundMessageRow>, i64)> {
    use super::schema::requests;
    let scoped = || {
        let mut q = im::table.filter(im::status.eq("held")).into_boxed();
        if let Some(j) = jurisdiction_id {
            let ids =
                requests::table.filter(requests::jurisdiction_id.eq(j.to_string())).select(requests::id.nullable());
            q = q.filter(im::request_id.is_null().or(im::request_id.eq_any(ids)));
        }
        q
    };
    let total = scoped().count().get_result(conn)?;
    let rows = scoped()
        .order((im::received_at.desc(), im::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(InboundMessageRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// A request's id and jurisdiction by its reference (`TNG-2026-000042`) or id.
pub fn request_by_reference_or_id(conn: &mut DbConn, r: &str) -> QueryResult<Option<(String, String)>> {
    use super::schema::requests;
    requests::table
        .filter(requests::reference.eq(r).or(requests::id.eq(r)))
        .select((requests::id, requests::jurisdiction_id))
        .first(conn)
        .optional()
}
