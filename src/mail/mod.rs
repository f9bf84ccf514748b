//! Mail messages: built from the translation catalogues and two templates
//! (plain text and HTML), then written to the outbox inside the caller's
//! transaction. Sending is the mailer's job (`jobs::mailer`).

pub mod smtp;
pub mod transport;

use askama::Template;
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::db::{self, DbConn, models::OutboxRow, outbox};
use crate::domain::account::Locale;
use crate::i18n::Tr;

/// What a mail says, before it is rendered.
#[derive(Debug, Clone)]
pub struct Content {
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    pub link: Option<String>,
    pub after: Vec<String>,
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextMail<'a> {
    greeting: &'a str,
    paragraphs: &'a [String],
    link: &'a Option<String>,
    after: &'a [String],
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlMail<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    link: &'a Option<String>,
    link_label: &'a str,
    after: &'a [String],
    footer: &'a str,
}

/// One addressee.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub name: Option<String>,
    pub locale: Locale,
}

/// Renders `content` for `to` and writes it to the outbox. Must be called inside
/// the transaction of the change that causes the mail.
///
/// `now` is the instant of that change, which may be simulated (`sweep --now`
/// a week ahead): the row records it as `created_at`. Sending is a real-world
/// effect, so the mail is due at once by the real clock too: never later than
/// the system's now (a future `now` would hold it back until the wall clock
/// caught up), nor later than `now` (a mailer on a clock behind the wall's).
pub fn queue(
    conn: &mut DbConn,
    config: &Config,
    now: DateTime<Utc>,
    kind: &str,
    to: &Recipient,
    content: &Content,
) -> anyhow::Result<String> {
    let tr = Tr::new(to.locale);
    let footer = tr.t("mail.footer");
    let text = TextMail {
        greeting: &content.greeting,
        paragraphs: &content.paragraphs,
        link: &content.link,
        after: &content.after,
        footer,
    }
    .render()?;
    let html = HtmlMail {
        lang: tr.lang(),
        subject: &content.subject,
        greeting: &content.greeting,
        paragraphs: &content.paragraphs,
        link: &content.link,
        link_label: tr.t("mail.open_link"),
        after: &content.after,
        footer,
    }
    .render()?;
    let id = db::new_id();
    let domain = config.mail_from.email.domain().to_string();
    let row = OutboxRow {
        message_id: format!("<{id}@{domain}>"),
        id: id.clone(),
        created_at: now.naive_utc(),
        kind: kind.to_string(),
        to_email: to.email.clone(),
        to_name: to.name.clone(),
        locale: to.locale.as_str().to_string(),
        subject: content.subject.clone(),
        body_text: text,
        body_html: html,
        status: outbox::PENDING.to_string(),
        attempts: 0,
        next_attempt_at: now.min(Utc::now()).naive_utc(),
        lease_until: None,
        last_error: None,
        smtp_reply: None,
        sent_at: None,
    };
    outbox::insert(conn, &row)?;
    Ok(id)
}

/// A failed send: `permanent` when retrying cannot help (the server refused the
/// recipient or the message with a 5xx reply, or the row cannot form a mail).
/// Shared by the transports (`transport`, `smtp`), so it lives above both.
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}
