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

/// Claims up to `limit` rows due for an attempt (pending, due, lease free) for
/// sending until `lease_until`, in one statement, and returns them in the
/// order they became due. On PostgreSQL rows another instance is claiming are
/// skipped (`SKIP LOCKED`) and each row is checked again once locked, so no row
/// is handed to two callers; SQLite has one writer at a time.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    use super::multi_row::{self, Bind};
    // diesel's update cannot take a limited subquery: the statement is written
    // out. `status = 'pending'` is not bound, so that the planner can match it
    // to the partial index `outbox_pending` (SQLite is built never to look at
    // bound values; see .cargo/config.toml).
    const FREE: &str = "(lease_until IS NULL OR lease_until < {now})";
    let (sql, binds) = if matches!(conn, DbConn::Pg(_)) {
        let free = FREE.replace("{now}", "$2");
        (
            format!(
                "UPDATE outbox SET lease_until = $1, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM outbox WHERE outbox.status = 'pending' AND next_attempt_at <= $2 \
                 AND {free} ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 AND outbox.status = 'pending' AND {free} RETURNING *"
            ),
            vec![Bind::At(lease_until), Bind::At(now), Bind::Int(limit_i32(limit))],
        )
    } else {
        let free = FREE.replace("{now}", "?");
        (
            format!(
                "UPDATE outbox SET lease_until = ?, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM outbox WHERE outbox.status = 'pending' AND next_attempt_at <= ? \
                 AND {free} ORDER BY next_attempt_at LIMIT ?) RETURNING *"
            ),
            vec![Bind::At(lease_until), Bind::At(now), Bind::At(now), Bind::Int(limit_i32(limit))],
        )
    };
    let mut rows: Vec<OutboxRow> = multi_row::load(conn, &sql, &binds)?;
    rows.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(rows)
}

fn limit_i32(limit: i64) -> i32 {
    i32::try_from(limit).unwrap_or(i32::MAX)
}

/// The outcome of one attempt to send a claimed row.
pub enum Attempt<'a> {
    Sent {
        reply: &'a str,
    },
    /// Failed: retried at `retry_at`, or failed for good when None.
    Failed {
        error: &'a str,
        retry_at: Option<NaiveDateTime>,
    },
}

/// Records the outcomes of a pass of the mailer. The caller runs it in one
/// transaction: one commit for the pass instead of one per mail. The rows sent
/// are updated in one statement.
pub fn record_attempts(conn: &mut DbConn, at: NaiveDateTime, attempts: &[(&str, Attempt<'_>)]) -> QueryResult<()> {
    use super::multi_row::{self, Bind};
    let sent: Vec<(&str, &str)> = attempts
        .iter()
        .filter_map(|(id, a)| match a {
            Attempt::Sent { reply } => Some((*id, *reply)),
            Attempt::Failed { .. } => None,
        })
        .collect();
    let rows: Vec<Vec<Bind<'_>>> =
        sent.iter().map(|(id, reply)| vec![Bind::Text(id), Bind::Text(reply), Bind::At(at)]).collect();
    let written: Vec<IdKind> = multi_row::load_rows(conn, &rows, 3, |v| {
        format!(
            "UPDATE outbox SET status = '{SENT}', sent_at = v.column3, smtp_reply = v.column2, lease_until = NULL \
             FROM {v} WHERE outbox.id = v.column1 RETURNING outbox.id, outbox.kind"
        )
    })?;
    for row in written {
        redact_if_secret(conn, &row.id, Some(row.kind))?;
    }
    for (id, a) in attempts {
        if let Attempt::Failed { error, retry_at } = a {
            mark_failed(conn, id, error, *retry_at)?;
        }
    }
    Ok(())
}

#[derive(QueryableByName)]
struct IdKind {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
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
