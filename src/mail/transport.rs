//! Where mail goes: a pooled SMTP connection (plain, STARTTLS or TLS), or, when
//! no SMTP server is configured, `.eml` files under the data directory.

use std::path::PathBuf;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::address::Envelope;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use super::SendError;
use super::smtp::SmtpPool;
use crate::config::{Config, SmtpTls};
use crate::db::models::OutboxRow;

pub enum Transport {
    /// Plain or STARTTLS: our own connections (see `smtp`).
    Direct(SmtpPool),
    /// TLS from the first byte (SMTPS): lettre's pooled transport.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    pub fn from_config(config: &Config) -> anyhow::Result<Transport> {
        let Some(smtp) = &config.smtp else {
            return Ok(Transport::Files(config.data_dir.join("mail")));
        };
        let credentials = match (&smtp.username, &smtp.password) {
            (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.clone())),
            _ => None,
        };
        let tls = match smtp.tls {
            SmtpTls::None | SmtpTls::StartTls => {
                let starttls = smtp.tls == SmtpTls::StartTls;
                let pool = SmtpPool::new(&smtp.host, smtp.port, starttls, credentials, config.mail_connections);
                return Ok(Transport::Direct(pool));
            }
            SmtpTls::Wrapper => Tls::Wrapper(TlsParameters::new(smtp.host.clone())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(std::time::Duration::from_secs(20)))
            .pool_config(PoolConfig::new().max_size(config.mail_connections.max(1) as u32));
        if let Some(c) = credentials {
            builder = builder.credentials(c);
        }
        Ok(Transport::Smtp(builder.build()))
    }

    /// Sends one outbox row; returns the server's reply (or the file written).
    /// A row that cannot form a mail is a permanent failure, never a panic.
    pub async fn send(&self, row: &OutboxRow, from: &Mailbox) -> Result<String, SendError> {
        let (envelope, bytes) = build(row, from).map_err(|e| SendError { permanent: true, message: e })?;
        match self {
            Transport::Direct(pool) => pool.send(&envelope, &bytes).await,
            Transport::Smtp(t) => match t.send_raw(&envelope, &bytes).await {
                Ok(resp) => Ok(format!("{} {}", resp.code(), resp.message().collect::<Vec<_>>().join(" "))),
                Err(e) => Err(SendError { permanent: e.is_permanent(), message: e.to_string() }),
            },
            Transport::Files(dir) => {
                let stamp = row.created_at.format("%Y%m%dT%H%M%S");
                let name = format!("{stamp}-{}-{}.eml", row.kind, row.id);
                let path = dir.join(&name);
                let tmp = dir.join(format!(".{name}.tmp"));
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&tmp, &bytes).await?;
                    // Rename last, so a reader never sees half a mail.
                    tokio::fs::rename(&tmp, &path).await
                };
                write.await.map_err(|e| SendError { permanent: false, message: format!("{}: {e}", path.display()) })?;
                Ok(format!("written to {}", path.display()))
            }
        }
    }
}

/// The envelope and the bytes of a row's mail. A stored row is data from the
/// past (an older version may have let anything in): its header fields are
/// checked here, and a panic inside the message builder is caught, so that no
/// row can stop the mailer.
pub fn build(row: &OutboxRow, from: &Mailbox) -> Result<(Envelope, Vec<u8>), String> {
    for (header, value) in [
        ("To", row.to_email.as_str()),
        ("To name", row.to_name.as_deref().unwrap_or_default()),
        ("Subject", row.subject.as_str()),
        ("Message-ID", row.message_id.as_str()),
        ("Reply-To", row.reply_to.as_deref().unwrap_or_default()),
    ] {
        if let Some(c) = crate::domain::text::refused_in_line(value) {
            return Err(format!(
                "the stored {header} holds the character U+{:04X}; the mail cannot be built",
                c as u32
            ));
        }
    }
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        build_message(row, from).map(|m| (m.envelope().clone(), m.formatted()))
    }));
    match built {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("the mail cannot be built (the message builder failed: {what})"))
        }
    }
}

fn build_message(row: &OutboxRow, from: &Mailbox) -> Result<Message, String> {
    let address = row.to_email.parse().map_err(|e| format!("bad recipient {}: {e}", row.to_email))?;
    let to = Mailbox::new(row.to_name.clone(), address);
    let date: SystemTime = DateTime::<Utc>::from_naive_utc_and_offset(row.created_at, Utc).into();
    let mut builder = Message::builder().from(from.clone());
    if let Some(reply_to) = &row.reply_to {
        let address = reply_to.parse().map_err(|e| format!("bad Reply-To {reply_to}: {e}"))?;
        builder = builder.reply_to(Mailbox::new(None, address));
    }
    builder
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .date(date)
        .multipart(MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone()))
        .map_err(|e| format!("cannot build the mail: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, subject: &str) -> OutboxRow {
        OutboxRow {
            id: "r1".into(),
            message_id: "<r1@example.vn>".into(),
            created_at: chrono::NaiveDateTime::default(),
            kind: "verify_email".into(),
            to_email: "eve@example.vn".into(),
            to_name: Some(name.into()),
            locale: crate::domain::account::Locale::Vi,
            subject: subject.into(),
            body_text: "xin chào".into(),
            body_html: "<p>xin chào</p>".into(),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: chrono::NaiveDateTime::default(),
            lease_until: None,
            last_error: None,
            smtp_reply: None,
            sent_at: None,
            reply_to: None,
        }
    }

    #[test]
    fn a_row_with_a_header_break_is_an_error_not_a_panic() {
        let from: Mailbox = "tiepcan <no-reply@example.vn>".parse().unwrap();
        assert!(build(&row("Eve\r\nBcc: x@example.com", "Xác nhận"), &from).unwrap_err().contains("U+000D"));
        assert!(build(&row("Eve", "a\nBcc: x@example.com"), &from).is_err());
        let (envelope, bytes) = build(&row("Nguyễn Thị Ánh", "Xác nhận địa chỉ"), &from).unwrap();
        assert_eq!(envelope.to().len(), 1);
        assert!(String::from_utf8_lossy(&bytes).contains("Subject: "));
    }
}
