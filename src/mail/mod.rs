//! Mail messages: typed notices rendered from the translation catalogues and
//! two templates (plain text and HTML, `notice`), then written to the outbox
//! inside the caller's transaction. Sending is the mailer's job (`jobs::mailer`).

pub mod smtp;
pub mod transport;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::db::{self, DbConn, models::OutboxRow, outbox};
use crate::domain::account::Locale;

pub mod imap;
pub mod inbound;
pub mod notice;
#[cfg(test)]
mod notice_snapshots;
pub mod reply_split;
pub use notice::{Notice, Rendered, render};

/// Renders `notice` in `to`'s language and queues it (`queue_rendered`).
pub fn queue(
    conn: &mut DbConn,
    config: &Config,
    now: DateTime<Utc>,
    to: &Recipient,
    notice: &Notice,
) -> anyhow::Result<String> {
    queue_with_reply_to(conn, config, now, to, notice, None)
}

/// Like `queue`, with a Reply-To address (a request's reply address).
pub fn queue_with_reply_to(
    conn: &mut DbConn,
    config: &Config,
    now: DateTime<Utc>,
    to: &Recipient,
    notice: &Notice,
    reply_to: Option<String>,
) -> anyhow::Result<String> {
    let row = outbox_row(config, now, to, notice, reply_to)?;
    outbox::insert(conn, &row)?;
    Ok(row.id)
}

/// The outbox row `queue_with_reply_to` would write, for the caller to write
/// with others in one statement (`outbox::insert_many`), inside the
/// transaction of the change that causes the mail.
pub fn outbox_row(
    config: &Config,
    now: DateTime<Utc>,
    to: &Recipient,
    notice: &Notice,
    reply_to: Option<String>,
) -> anyhow::Result<OutboxRow> {
    let rendered = notice::render_with(notice, to.locale, config.base_url.as_str(), reply_to.is_some())?;
    Ok(rendered_outbox_row(config, now, notice.kind(), to, &rendered, reply_to))
}

/// One addressee.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub name: Option<String>,
    pub locale: Locale,
    /// The account behind the address (none for a Department's shared
    /// address): only an account's mails about a request can be answered.
    pub user_id: Option<String>,
}

/// Writes a rendered mail for `to` to the outbox. Must be called inside the
/// transaction of the change that causes the mail.
///
/// `now` is the instant of that change, which may be simulated (`sweep --now`
/// a week ahead): the row records it as `created_at`. Sending is a real-world
/// effect, so the mail is due at once by the real clock too: never later than
/// the system's now (a future `now` would hold it back until the wall clock
/// caught up), nor later than `now` (a mailer on a clock behind the wall's).
pub fn queue_rendered(
    conn: &mut DbConn,
    config: &Config,
    now: DateTime<Utc>,
    kind: &str,
    to: &Recipient,
    mail: &Rendered,
    reply_to: Option<String>,
) -> anyhow::Result<String> {
    let row = rendered_outbox_row(config, now, kind, to, mail, reply_to);
    outbox::insert(conn, &row)?;
    Ok(row.id)
}

/// The outbox row of a rendered mail, as `queue_rendered` writes it (for
/// callers that write many rows at once).
pub fn rendered_outbox_row(
    config: &Config,
    now: DateTime<Utc>,
    kind: &str,
    to: &Recipient,
    mail: &Rendered,
    reply_to: Option<String>,
) -> OutboxRow {
    let id = db::new_id();
    let domain = config.mail_from.email.domain().to_string();
    OutboxRow {
        message_id: format!("<{id}@{domain}>"),
        id,
        created_at: now.naive_utc(),
        kind: kind.to_string(),
        to_email: to.email.clone(),
        to_name: to.name.clone(),
        locale: to.locale,
        subject: mail.subject.clone(),
        body_text: mail.text.clone(),
        body_html: mail.html.clone(),
        status: outbox::PENDING.to_string(),
        attempts: 0,
        next_attempt_at: now.min(Utc::now()).naive_utc(),
        lease_until: None,
        last_error: None,
        smtp_reply: None,
        sent_at: None,
        reply_to,
    }
}

/// A failed send: `permanent` when retrying cannot help (the server refused the
/// recipient or the message with a 5xx reply, or the row cannot form a mail).
/// Shared by the transports (`transport`, `smtp`), so it lives above both.
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}
