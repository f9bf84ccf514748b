//! Inbound mail settings: one IMAP mailbox that receives the replies sent to
//! the per-request addresses (`local+token@domain`). Off unless
//! `TIEPCAN_IMAP_URL` is set.

use std::time::Duration;

use url::Url;

use super::{ConfigError, Secret, Sources, err};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapTls {
    /// Plain IMAP: only for a server on the same host or in tests (`tls=none`).
    None,
    /// STARTTLS required after connecting (the default for `imap://`).
    StartTls,
    /// TLS from the first byte (`imaps://`, usually port 993).
    Tls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub username: String,
    pub password: Secret,
    /// The folder new mail arrives in.
    pub mailbox: String,
    /// Certificates (PEM) trusted for the server instead of the system's: a
    /// province's own certificate authority (`TIEPCAN_IMAP_CA_FILE`).
    pub ca_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSettings {
    pub imap: ImapSettings,
    /// The folder a message is moved to once recorded (created if missing).
    pub processed_folder: String,
    /// The reply address's local part and domain: replies go to
    /// `local+token@domain`.
    pub local: String,
    pub domain: String,
    /// How often the mailbox is looked at when the server offers no IDLE
    /// (and the longest an IDLE waits before looking again).
    pub poll: Duration,
    /// Larger messages are held for staff without being parsed.
    pub max_bytes: usize,
}

impl InboundSettings {
    /// The Reply-To address for one token.
    pub fn address_for(&self, token: &str) -> String {
        format!("{}+{token}@{}", self.local, self.domain)
    }
}

pub(super) fn inbound(src: &Sources) -> Result<Option<InboundSettings>, ConfigError> {
    let Some(url) = src.get("TIEPCAN_IMAP_URL").filter(|s| !s.trim().is_empty()) else { return Ok(None) };
    let mut imap = parse_imap_url(url.trim()).map_err(|m| err("TIEPCAN_IMAP_URL", m))?;
    imap.ca_file = src.get("TIEPCAN_IMAP_CA_FILE").filter(|s| !s.trim().is_empty()).map(std::path::PathBuf::from);
    let address = src.get("TIEPCAN_INBOUND_ADDRESS").ok_or_else(|| {
        err("TIEPCAN_INBOUND_ADDRESS", "is needed with TIEPCAN_IMAP_URL (e.g. reply@tiepcan.example.vn)")
    })?;
    let (local, domain) = address
        .trim()
        .split_once('@')
        .filter(|(l, d)| !l.is_empty() && !l.contains('+') && d.contains('.') && address.is_ascii())
        .filter(|_| !address.contains(|c: char| c.is_whitespace() || c == '<' || c == '>'))
        .ok_or_else(|| {
            err("TIEPCAN_INBOUND_ADDRESS", format!("\"{address}\" is not an address like reply@example.vn"))
        })?;
    Ok(Some(InboundSettings {
        imap,
        processed_folder: src.get("TIEPCAN_IMAP_PROCESSED").unwrap_or_else(|| "Processed".into()),
        local: local.to_ascii_lowercase(),
        domain: domain.to_ascii_lowercase(),
        poll: src.millis("TIEPCAN_IMAP_POLL_MS", 60_000)?,
        max_bytes: src.number("TIEPCAN_INBOUND_MAX_BYTES", 25 * 1024 * 1024)? as usize,
    }))
}

/// `imap://user:pass@host/INBOX` (STARTTLS), `imaps://…:993`, `imap://…?tls=none`.
pub fn parse_imap_url(s: &str) -> Result<ImapSettings, String> {
    let url = Url::parse(s).map_err(|e| format!("not a URL ({e})"))?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or("needs a host")?.to_string();
    let mut tls = match url.scheme() {
        "imap" => ImapTls::StartTls,
        "imaps" => ImapTls::Tls,
        other => return Err(format!("scheme must be imap or imaps, not {other}")),
    };
    for (k, v) in url.query_pairs() {
        match (k.as_ref(), v.as_ref()) {
            ("tls", "starttls") => tls = ImapTls::StartTls,
            ("tls", "none") => tls = ImapTls::None,
            ("tls", "tls") => tls = ImapTls::Tls,
            (k, v) => return Err(format!("unknown option {k}={v} (use tls=starttls|tls|none)")),
        }
    }
    let port = url.port().unwrap_or(if tls == ImapTls::Tls { 993 } else { 143 });
    let decode = |s: &str| {
        url::form_urlencoded::parse(s.replace('+', "%2B").as_bytes()).map(|(k, _)| k.into_owned()).collect::<String>()
    };
    let username = Some(url.username()).filter(|u| !u.is_empty()).map(decode).ok_or("needs a user name")?;
    let password = url.password().map(decode).ok_or("needs a password")?;
    let mailbox = decode(url.path().trim_start_matches('/'));
    let mailbox = if mailbox.is_empty() { "INBOX".to_string() } else { mailbox };
    Ok(ImapSettings { host, port, tls, username, password: Secret(password), mailbox, ca_file: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_imap_urls() {
        let s = parse_imap_url("imap://reply%40tinh.vn:p%2Bw@mail.tinh.vn/INBOX").unwrap();
        assert_eq!((s.host.as_str(), s.port, s.tls), ("mail.tinh.vn", 143, ImapTls::StartTls));
        assert_eq!((s.username.as_str(), s.password.0.as_str(), s.mailbox.as_str()), ("reply@tinh.vn", "p+w", "INBOX"));
        let s = parse_imap_url("imaps://u:p@h").unwrap();
        assert_eq!((s.port, s.tls), (993, ImapTls::Tls));
        assert_eq!(parse_imap_url("imap://u:p@h:1143?tls=none").unwrap().tls, ImapTls::None);
        assert!(parse_imap_url("imap://h").is_err());
        assert!(parse_imap_url("pop3://u:p@h").is_err());
        assert!(parse_imap_url("imap://u:p@h?tls=maybe").is_err());
    }
}
