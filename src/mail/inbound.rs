//! A received message as the service needs it: who sent it, to which of our
//! addresses, whether a person wrote it (not an auto-reply or a bounce), its
//! own text apart from the quoted history, and its attachments. Pure: bytes in,
//! facts out, through `mail-parser`.

use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use super::reply_split;

/// What kind of mail it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Written by a person: may become an action.
    Reply,
    /// RFC 3834 `Auto-Submitted`, an out-of-office or a vacation notice.
    AutoReply,
    /// A delivery status notification: the addresses that failed, and why.
    Bounce { failed: Vec<String>, diagnostic: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The facts of one message.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub message_key: String,
    pub from: Option<String>,
    pub subject: String,
    /// Every address it was sent to: To, Cc, Delivered-To, X-Original-To.
    pub recipients: Vec<String>,
    pub kind: Kind,
    pub text: String,
    pub quoted: String,
    pub attachments: Vec<Attachment>,
}

/// The key a message is recorded under: its Message-ID, or the SHA-256 of its
/// bytes when it has none (the same bytes fetched twice are the same message).
pub fn key_of(message_id: Option<&str>, raw: &[u8]) -> String {
    match message_id.map(str::trim).filter(|m| !m.is_empty() && m.len() <= 900) {
        Some(id) => format!("mid:{id}"),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    }
}

/// The header section alone (at most 64 KiB), for a message too large to parse.
pub fn header_facts(raw: &[u8]) -> (String, Option<String>, String) {
    let head = &raw[..raw.len().min(64 * 1024)];
    let end = memchr::memmem::find(head, b"\r\n\r\n").or_else(|| memchr::memmem::find(head, b"\n\n"));
    let head = &head[..end.unwrap_or(head.len())];
    match MessageParser::default().parse_headers(head) {
        Some(m) => (key_of(m.message_id(), raw), first_address(m.from()), m.subject().unwrap_or_default().to_string()),
        None => (key_of(None, raw), None, String::new()),
    }
}

fn first_address(a: Option<&Address<'_>>) -> Option<String> {
    a.and_then(|a| a.first()).and_then(|a| a.address()).map(|s| s.trim().to_lowercase())
}

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    a.map(|a| a.iter().filter_map(|x| x.address()).map(|s| s.trim().to_lowercase()).collect()).unwrap_or_default()
}

fn text_header(m: &Message<'_>, name: &str) -> Vec<String> {
    m.headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case(name))
        .filter_map(|h| match h.value() {
            HeaderValue::Text(t) => Some(t.to_string()),
            HeaderValue::TextList(l) => Some(l.join(",")),
            HeaderValue::Address(a) => Some(addresses(Some(a)).join(",")),
            _ => None,
        })
        .collect()
}

/// Parses a message; None when it is not a message at all.
pub fn parse(raw: &[u8], max_attachments: usize) -> Option<Inbound> {
    let m = MessageParser::default().parse(raw)?;
    // Without a sender it is nothing we can match or answer: not a mail.
    first_address(m.from()).filter(|f| f.contains('@'))?;
    let mut recipients = addresses(m.to());
    recipients.extend(addresses(m.cc()));
    for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
        for v in text_header(&m, name) {
            recipients.extend(v.split(',').map(|s| s.trim().trim_matches(['<', '>']).to_lowercase()));
        }
    }
    let kind = kind_of(&m, raw);
    let body = m.body_text(0).map(|b| b.to_string()).unwrap_or_default();
    let split = reply_split::split(&body);
    let attachments = m
        .attachments()
        .take(max_attachments + 1)
        .filter(|p| !p.is_message())
        .map(|p| Attachment {
            filename: p.attachment_name().unwrap_or("attachment").to_string(),
            bytes: p.contents().to_vec(),
        })
        .collect();
    Some(Inbound {
        message_key: key_of(m.message_id(), raw),
        from: first_address(m.from()),
        subject: m.subject().unwrap_or_default().to_string(),
        recipients,
        kind,
        text: split.text,
        quoted: split.quoted,
        attachments,
    })
}

/// Subjects out-of-office notices begin with (Outlook, Gmail; English and
/// Vietnamese), for mail programs that set no header.
const AUTO_SUBJECTS: &[&str] =
    &["automatic reply:", "auto:", "out of office", "autoreply", "trả lời tự động", "vắng mặt", "vacation reply"];

fn kind_of(m: &Message<'_>, raw: &[u8]) -> Kind {
    let report = m.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attribute("report-type").is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    let from = first_address(m.from()).unwrap_or_default();
    let daemon = from.starts_with("mailer-daemon@") || from.starts_with("postmaster@");
    if report || (daemon && !text_header(m, "X-Failed-Recipients").is_empty()) {
        return bounce(m, raw);
    }
    let header = |name: &str| text_header(m, name).join(" ").to_lowercase();
    let auto_submitted = header("Auto-Submitted");
    let precedence = header("Precedence");
    let subject = m.subject().unwrap_or_default().trim().to_lowercase();
    if (!auto_submitted.is_empty() && auto_submitted.trim() != "no")
        || !header("X-Autoreply").is_empty()
        || !header("X-Autorespond").is_empty()
        || ["auto_reply", "bulk", "junk", "list"].iter().any(|p| precedence.trim() == *p)
        || AUTO_SUBJECTS.iter().any(|s| subject.starts_with(s))
        || daemon
    {
        return Kind::AutoReply;
    }
    Kind::Reply
}

/// The failed addresses of a DSN (`Final-Recipient`, or `X-Failed-Recipients`)
/// and its diagnostic.
fn bounce(m: &Message<'_>, raw: &[u8]) -> Kind {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(256 * 1024)]);
    let mut failed: Vec<String> = Vec::new();
    let mut diagnostic = String::new();
    for line in text.lines() {
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("final-recipient:") {
            let addr = v.rsplit(';').next().unwrap_or(v).trim().trim_matches(['<', '>']).to_string();
            if addr.contains('@') && !failed.contains(&addr) {
                failed.push(addr);
            }
        } else if lower.starts_with("diagnostic-code:") {
            diagnostic = line["diagnostic-code:".len()..].trim().chars().take(500).collect();
        } else if lower.starts_with("status:") && diagnostic.is_empty() {
            diagnostic = line.trim().chars().take(500).collect();
        }
    }
    for v in text_header(m, "X-Failed-Recipients") {
        for a in v.split(',').map(|s| s.trim().to_lowercase()).filter(|a| a.contains('@')) {
            if !failed.contains(&a) {
                failed.push(a);
            }
        }
    }
    Kind::Bounce { failed, diagnostic }
}
