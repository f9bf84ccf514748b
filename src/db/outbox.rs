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

/// Inserts rows inside the caller's transaction in as few statements as it
/// can. Up to four rows (the mails of one event) go in as a fixed-size batch,
/// whose SQL diesel can keep prepared (a batch of any length is prepared
/// again at each call); more (a sweep's batch) in chunks under the bind limit.
pub fn insert_many(conn: &mut DbConn, rows: &[OutboxRow]) -> QueryResult<()> {
    macro_rules! batch {
        ($values:expr) => {
            match conn {
                DbConn::Pg(c) => diesel::insert_into(outbox::table).values($values).execute(c),
                DbConn::Sqlite(c) => diesel::insert_into(outbox::table).values($values).execute(c),
            }
        };
    }
    match rows {
        [] => Ok(0),
        [a] => batch!(a),
        // Owned rows: diesel's fixed-size batch keys its statement cache by the
        // values' type, which must then borrow nothing.
        [a, b] => batch!([a.clone(), b.clone()]),
        [a, b, c] => batch!([a.clone(), b.clone(), c.clone()]),
        [a, b, c, d] => batch!([a.clone(), b.clone(), c.clone(), d.clone()]),
        more => return insert_chunked(conn, more),
    }
    .map(|_| ())
}

/// Many rows (a sweep's batch) in as few statements as the bind limit allows
/// (one multi-row `INSERT` per chunk).
fn insert_chunked(conn: &mut DbConn, rows: &[OutboxRow]) -> QueryResult<()> {
    use super::multi_row::{self, Bind};
    multi_row::insert(
        conn,
        "outbox",
        &[
            "id",
            "created_at",
            "kind",
            "to_email",
            "to_name",
            "locale",
            "subject",
            "body_text",
            "body_html",
            "message_id",
            "status",
            "attempts",
            "next_attempt_at",
            "lease_until",
            "last_error",
            "smtp_reply",
            "sent_at",
            "reply_to",
        ],
        rows,
        "",
        |r| {
            vec![
                Bind::Text(&r.id),
                Bind::At(r.created_at),
                Bind::Text(&r.kind),
                Bind::Text(&r.to_email),
                Bind::OptText(r.to_name.as_deref()),
                Bind::Text(r.locale.as_str()),
                Bind::Text(&r.subject),
                Bind::Text(&r.body_text),
                Bind::Text(&r.body_html),
                Bind::Text(&r.message_id),
                Bind::Text(&r.status),
                Bind::Int(r.attempts),
                Bind::At(r.next_attempt_at),
                Bind::OptAt(r.lease_until),
                Bind::OptText(r.last_error.as_deref()),
                Bind::OptText(r.smtp_reply.as_deref()),
                Bind::OptAt(r.sent_at),
                Bind::OptText(r.reply_to.as_deref()),
            ]
        },
    )
    .map(|_| ())
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

/// Kinds of mail whose link carries a one-time secret (`?token=…`: address
/// confirmation, invitation, password reset, change of address). Once the mail has gone, or can never go, the
/// stored copy has no use for the secret, and a database dump or backup
/// should not hand it out: it is replaced by `redacted`.
pub const SECRET_LINK_KINDS: &[&str] =
    &["verify_email", "invite", "password_reset", "email_change_confirm", "mail_answer_recorded"];

pub fn mark_sent(conn: &mut DbConn, id: &str, at: NaiveDateTime, reply: &str) -> QueryResult<()> {
    let kind: Option<String> = diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(at),
            outbox::smtp_reply.eq(reply),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .returning(outbox::kind)
        .get_result(conn)
        .optional()?;
    redact_if_secret(conn, id, kind)
}

/// Records a failed attempt: either retry at `retry_at`, or give up for good.
pub fn mark_failed(conn: &mut DbConn, id: &str, error: &str, retry_at: Option<NaiveDateTime>) -> QueryResult<()> {
    let row = outbox::table.find(id);
    match retry_at {
        Some(at) => diesel::update(row)
            .set((
                outbox::last_error.eq(error),
                outbox::next_attempt_at.eq(at),
                outbox::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)
            .map(|_| ()),
        None => {
            let kind: Option<String> = diesel::update(row)
                .set((
                    outbox::status.eq(FAILED),
                    outbox::last_error.eq(error),
                    outbox::lease_until.eq(None::<NaiveDateTime>),
                ))
                .returning(outbox::kind)
                .get_result(conn)
                .optional()?;
            redact_if_secret(conn, id, kind)
        }
    }
}

fn redact_if_secret(conn: &mut DbConn, id: &str, kind: Option<String>) -> QueryResult<()> {
    if !kind.is_some_and(|k| SECRET_LINK_KINDS.contains(&k.as_str())) {
        return Ok(());
    }
    let (text, html): (String, String) =
        outbox::table.find(id).select((outbox::body_text, outbox::body_html)).first(conn)?;
    diesel::update(outbox::table.find(id))
        .set((outbox::body_text.eq(redact_tokens(&text)), outbox::body_html.eq(redact_tokens(&html))))
        .execute(conn)
        .map(|_| ())
}

/// Replaces the value of every `token=` parameter in `s` with `redacted`
/// (tokens are URL-safe base64: letters, digits, `-` and `_`).
pub fn redact_tokens(s: &str) -> String {
    const MARK: &str = "token=";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(MARK) {
        let after = at + MARK.len();
        out.push_str(&rest[..after]);
        let value_len = rest[after..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len() - after);
        if value_len > 0 {
            out.push_str("redacted");
        }
        rest = &rest[after + value_len..];
    }
    out.push_str(rest);
    out
}

/// Counts by status, for /metrics.
pub fn count_by_status(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    outbox::table.group_by(outbox::status).select((outbox::status, diesel::dsl::count_star())).load(conn)
}

/// Rows that need an administrator's eye, newest first: failed for good, or
/// pending after a failed attempt (waiting for a retry). Returns a page and the total.
pub fn troubled(conn: &mut DbConn, offset: i64, limit: i64) -> QueryResult<(Vec<OutboxRow>, i64)> {
    let build = || {
        outbox::table
            .filter(outbox::status.eq(FAILED).or(outbox::status.eq(PENDING).and(outbox::last_error.is_not_null())))
            .into_boxed()
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .offset(offset)
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<OutboxRow>> {
    outbox::table.find(id).select(OutboxRow::as_select()).first(conn).optional()
}

/// Hands a row back to the mailer as if new: pending, due at `now`, no lease,
/// attempts from zero (so the backoff starts again). The last error is kept.
pub fn send_again(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(PENDING),
            outbox::next_attempt_at.eq(now),
            outbox::lease_until.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(0),
        ))
        .execute(conn)
        .map(|_| ())
}

/// All rows to one address, oldest first (tests and support).
pub fn to_address(conn: &mut DbConn, email: &str) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::to_email.eq(email))
        .order(outbox::created_at.asc())
        .select(OutboxRow::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::redact_tokens;

    #[test]
    fn tokens_in_links_are_redacted() {
        let html = "<a href=\"http://x.test/verify-email?token=Ab_9-z\">http://x.test/verify-email?token=Ab_9-z</a>";
        assert_eq!(
            redact_tokens(html),
            "<a href=\"http://x.test/verify-email?token=redacted\">http://x.test/verify-email?token=redacted</a>"
        );
        assert_eq!(redact_tokens("a?token=xyz\nnext"), "a?token=redacted\nnext");
        assert_eq!(redact_tokens("no secret here, token= alone"), "no secret here, token= alone");
        assert_eq!(redact_tokens("ends with token=abc"), "ends with token=redacted");
    }
}
