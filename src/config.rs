//! One typed configuration, from defaults, an optional `tiepcan.toml` and the
//! environment (the environment wins). A bad value stops start-up with one line
//! that names the variable.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use url::Url;

mod inbound;
pub use inbound::{ImapSettings, ImapTls, InboundSettings, parse_imap_url};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a local relay or a test server).
    None,
    /// STARTTLS required after connecting.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Wrapper,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    // Never print the password, not even in a debug log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub database_url: String,
    pub base_url: Url,
    pub data_dir: PathBuf,
    pub smtp: Option<SmtpSettings>,
    pub mail_from: Mailbox,
    pub log: String,
    /// How often the mailer looks at the outbox when nothing wakes it.
    pub mail_poll: Duration,
    /// The first retry delay after a failed send; it doubles per attempt.
    pub mail_retry_base: Duration,
    /// SMTP connections the mailer keeps and mails it sends at once.
    pub mail_connections: usize,
    /// How often the sweeper runs.
    pub sweep_interval: Duration,
    pub max_body_bytes: usize,
    /// Largest attachment (413 above); a whole upload body may be this plus
    /// a small allowance for its form fields and part headers.
    pub max_upload_bytes: usize,
    /// Password hashes computed at once (each takes 19 MiB while it runs).
    pub hash_concurrency: usize,
    /// Password hashes that may wait for a free slot; past that, 503.
    pub hash_queue: usize,
    pub db_pool_size: u32,
    /// HTTP worker threads (default: one per CPU).
    pub workers: usize,
    /// Login attempts allowed per IP per minute (burst), and failed logins per
    /// (address, client address) pair before the pair is locked for `lockout`.
    pub login_per_ip_per_minute: u32,
    pub register_per_ip_per_hour: u32,
    pub failed_logins_before_lockout: i32,
    pub lockout: Duration,
    pub session_ttl: Duration,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>`.
    pub metrics_token: Option<Secret>,
    /// Where attachment files live (`TIEPCAN_STORAGE_URL`).
    pub storage: StorageUrl,
    /// Settings of an S3-compatible store: the `AWS_*` variables (endpoint,
    /// region, credentials), values never printed.
    pub s3_options: Vec<(String, Secret)>,
    /// Files in the store that no attachment names are removed once older
    /// than this (an upload stores its file before its row commits).
    pub orphan_grace: Duration,
    /// How often the orphan-file cleanup runs.
    pub orphan_interval: Duration,
    /// Where login, registration and reset attempts are counted.
    pub limits_store: LimitsStore,
    /// Peers whose `X-Forwarded-For` is believed (reverse proxies, load balancers).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Replies by mail; None when `TIEPCAN_IMAP_URL` is unset.
    pub inbound: Option<InboundSettings>,
}

/// Where attachment files are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// A directory on this machine (`file:///srv/tiepcan/attachments`).
    File(PathBuf),
    /// A bucket of an S3-compatible store, with an optional key prefix.
    S3 { bucket: String, prefix: String },
}

impl StorageUrl {
    /// `file://PATH` or `s3://bucket/prefix`.
    pub fn parse(s: &str) -> Result<StorageUrl, String> {
        if let Some(path) = s.strip_prefix("file://") {
            if path.is_empty() {
                return Err("file:// needs a path".into());
            }
            return Ok(StorageUrl::File(PathBuf::from(path)));
        }
        let url = Url::parse(s).map_err(|e| format!("not a URL ({e})"))?;
        if url.scheme() != "s3" {
            return Err(format!("scheme must be file or s3, not {}", url.scheme()));
        }
        let bucket = url.host_str().filter(|h| !h.is_empty()).ok_or("s3:// needs a bucket")?.to_string();
        let prefix = url.path().trim_matches('/').to_string();
        Ok(StorageUrl::S3 { bucket, prefix })
    }

    /// Whether every instance sees the same files.
    pub fn is_shared(&self) -> bool {
        matches!(self, StorageUrl::S3 { .. })
    }
}

impl std::fmt::Display for StorageUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageUrl::File(p) => write!(f, "file://{}", p.display()),
            StorageUrl::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            StorageUrl::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// Where rate-limit counts are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitsStore {
    /// In this process's memory: exact and free, but per instance.
    Instance,
    /// In the database, shared by every instance on it.
    Database,
}

/// A configured secret: compared, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {var}: {message}")]
pub struct ConfigError {
    pub var: String,
    pub message: String,
}

fn err(var: &str, message: impl Into<String>) -> ConfigError {
    ConfigError { var: var.to_string(), message: message.into() }
}

impl Config {
    /// Reads the process environment and `tiepcan.toml` (or the file named by
    /// `TIEPCAN_CONFIG`).
    pub fn load() -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let path = env.get("TIEPCAN_CONFIG").cloned().unwrap_or_else(|| "tiepcan.toml".into());
        let toml = match std::fs::read_to_string(&path) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !env.contains_key("TIEPCAN_CONFIG") => None,
            Err(e) => return Err(err("TIEPCAN_CONFIG", format!("cannot read {path}: {e}"))),
        };
        Self::from_sources(&env, toml.as_deref())
    }

    /// Builds the configuration from explicit sources. Keys in the TOML file are
    /// the variable names in lower case without the `TIEPCAN_` prefix
    /// (`bind`, `database_url`, `smtp_url`, …).
    pub fn from_sources(env: &HashMap<String, String>, toml_text: Option<&str>) -> Result<Config, ConfigError> {
        let src = Sources { env, file: file_values(toml_text)? };
        let bind = src.get("TIEPCAN_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        if bind.parse::<SocketAddr>().is_err() {
            return Err(err("TIEPCAN_BIND", format!("\"{bind}\" is not an address like 127.0.0.1:8080")));
        }
        let database_url = src.get("DATABASE_URL").unwrap_or_else(|| crate::db::DEFAULT_DATABASE_URL.into());
        crate::db::DbUrl::parse(&database_url).map_err(|m| err("DATABASE_URL", m))?;
        let base_url = base_url(&src, &bind)?;
        let data_dir = PathBuf::from(src.get("TIEPCAN_DATA_DIR").unwrap_or_else(|| "data".into()));
        let smtp = match src.get("TIEPCAN_SMTP_URL").filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(s) => Some(parse_smtp_url(&s).map_err(|m| err("TIEPCAN_SMTP_URL", m))?),
        };
        let mail_from = mail_from(&src, &base_url)?;
        let log = src.get("RUST_LOG").unwrap_or_else(|| "info".into());
        let storage = match src.get("TIEPCAN_STORAGE_URL").filter(|s| !s.trim().is_empty()) {
            None => StorageUrl::File(data_dir.join("attachments")),
            Some(s) => StorageUrl::parse(s.trim()).map_err(|m| err("TIEPCAN_STORAGE_URL", m))?,
        };
        let s3_options = env
            .iter()
            .filter(|(k, _)| k.starts_with("AWS_"))
            .map(|(k, v)| (k.to_ascii_lowercase(), Secret(v.clone())))
            .collect();
        let limits_store = match src.get("TIEPCAN_SHARED_LIMITS").as_deref().map(str::trim) {
            None | Some("" | "instance") => LimitsStore::Instance,
            Some("database") => LimitsStore::Database,
            Some(other) => {
                return Err(err("TIEPCAN_SHARED_LIMITS", format!("\"{other}\" is neither instance nor database")));
            }
        };
        let trusted_proxies = trusted_proxies(src.get("TIEPCAN_TRUSTED_PROXIES").as_deref().unwrap_or(""))?;
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get() as u64);
        Ok(Config {
            bind,
            database_url,
            base_url,
            data_dir,
            smtp,
            mail_from,
            log,
            mail_poll: src.millis("TIEPCAN_MAIL_POLL_MS", 5_000)?,
            mail_retry_base: src.millis("TIEPCAN_MAIL_RETRY_MS", 30_000)?,
            mail_connections: src.number("TIEPCAN_MAIL_CONNECTIONS", 16)?.min(256) as usize,
            sweep_interval: src.millis("TIEPCAN_SWEEP_INTERVAL_MS", 60_000)?,
            max_body_bytes: src.number("TIEPCAN_MAX_BODY_BYTES", 256 * 1024)? as usize,
            max_upload_bytes: src.number("TIEPCAN_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)? as usize,
            hash_concurrency: src.number("TIEPCAN_HASH_CONCURRENCY", cpus)?.min(256) as usize,
            hash_queue: src.number("TIEPCAN_HASH_QUEUE", 64)?.min(100_000) as usize,
            db_pool_size: src.number("TIEPCAN_DB_POOL", 16)?.min(256) as u32,
            workers: src.number("TIEPCAN_WORKERS", cpus)?.min(256) as usize,
            login_per_ip_per_minute: src.number("TIEPCAN_LOGIN_PER_IP_PER_MINUTE", 30)?.min(100_000) as u32,
            register_per_ip_per_hour: src.number("TIEPCAN_REGISTER_PER_IP_PER_HOUR", 20)?.min(100_000) as u32,
            failed_logins_before_lockout: src.number("TIEPCAN_FAILED_LOGINS_BEFORE_LOCKOUT", 5)?.min(1000) as i32,
            lockout: Duration::from_secs(src.number("TIEPCAN_LOCKOUT_SECONDS", 15 * 60)?),
            session_ttl: Duration::from_secs(src.number("TIEPCAN_SESSION_HOURS", 24 * 14)? * 3600),
            metrics_token: src
                .get("TIEPCAN_METRICS_TOKEN")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .map(Secret),
            storage,
            s3_options,
            orphan_grace: Duration::from_secs(src.number("TIEPCAN_ORPHAN_GRACE_SECONDS", 6 * 3600)?),
            orphan_interval: src.millis("TIEPCAN_ORPHAN_SWEEP_INTERVAL_MS", 15 * 60_000)?,
            limits_store,
            trusted_proxies,
            inbound: inbound::inbound(&src)?,
        })
    }

    /// Cookies get `Secure` when the public address is https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// An absolute link for mails.
    pub fn link(&self, path_and_query: &str) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        format!("{base}{path_and_query}")
    }
}

/// The values of `tiepcan.toml` by lower-case key, each as text.
fn file_values(toml_text: Option<&str>) -> Result<HashMap<String, String>, ConfigError> {
    let Some(text) = toml_text else { return Ok(HashMap::new()) };
    let table: toml::Table = text.parse().map_err(|e| err("tiepcan.toml", format!("{e}")))?;
    Ok(table
        .into_iter()
        .map(|(k, v)| {
            let s = match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            (k.to_ascii_lowercase(), s)
        })
        .collect())
}

/// Where a setting is read: the environment first, then the file.
struct Sources<'a> {
    env: &'a HashMap<String, String>,
    file: HashMap<String, String>,
}

impl Sources<'_> {
    fn get(&self, var: &str) -> Option<String> {
        if let Some(v) = self.env.get(var) {
            return Some(v.clone());
        }
        let key = var.strip_prefix("TIEPCAN_").unwrap_or(var).to_ascii_lowercase();
        self.file.get(&key).cloned()
    }

    fn millis(&self, var: &str, default: u64) -> Result<Duration, ConfigError> {
        match self.get(var) {
            None => Ok(Duration::from_millis(default)),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .map(Duration::from_millis)
                .ok_or_else(|| err(var, format!("\"{v}\" is not a positive number of milliseconds"))),
        }
    }

    fn number(&self, var: &str, default: u64) -> Result<u64, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| err(var, format!("\"{v}\" is not a positive whole number"))),
        }
    }
}

/// `10.0.0.5, 10.1.0.0/16, ::1`: addresses and networks of trusted proxies.
fn trusted_proxies(list: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| err("TIEPCAN_TRUSTED_PROXIES", format!("\"{s}\" is not an address or a network")))
        })
        .collect()
}

/// The public address, by default the bound one.
fn base_url(src: &Sources, bind: &str) -> Result<Url, ConfigError> {
    let base = src.get("TIEPCAN_BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
    Url::parse(&base)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| err("TIEPCAN_BASE_URL", format!("\"{base}\" is not an http(s) URL")))
}

/// The sender of every mail, by default no-reply at the public host (a host without a dot is no mail
/// domain, so a local one becomes tiepcan.local).
fn mail_from(src: &Sources, base_url: &Url) -> Result<Mailbox, ConfigError> {
    let from = src.get("TIEPCAN_MAIL_FROM").unwrap_or_else(|| {
        let host = base_url.host_str().unwrap_or("localhost");
        let host = if host.contains('.') { host.to_string() } else { "tiepcan.local".into() };
        format!("tiepcan <no-reply@{host}>")
    });
    from.parse().map_err(|e| err("TIEPCAN_MAIL_FROM", format!("\"{from}\" is not a mailbox: {e}")))
}

/// `smtp://host:port` (plain), `smtp://host?tls=starttls`, `smtps://user:pass@host:465`.
pub fn parse_smtp_url(s: &str) -> Result<SmtpSettings, String> {
    let url = Url::parse(s).map_err(|e| format!("not a URL ({e})"))?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or("needs a host")?.to_string();
    let mut tls = match url.scheme() {
        "smtp" => SmtpTls::None,
        "smtps" => SmtpTls::Wrapper,
        other => return Err(format!("scheme must be smtp or smtps, not {other}")),
    };
    for (k, v) in url.query_pairs() {
        match (k.as_ref(), v.as_ref()) {
            ("tls", "starttls") => tls = SmtpTls::StartTls,
            ("tls", "none") => tls = SmtpTls::None,
            ("tls", "tls" | "wrapper") => tls = SmtpTls::Wrapper,
            (k, v) => return Err(format!("unknown option {k}={v} (use tls=starttls|tls|none)")),
        }
    }
    let port = url.port().unwrap_or(match tls {
        SmtpTls::Wrapper => 465,
        SmtpTls::StartTls => 587,
        SmtpTls::None => 25,
    });
    let decode = |s: &str| url::form_urlencoded::parse(s.as_bytes()).map(|(k, _)| k.into_owned()).collect::<String>();
    let username = Some(url.username()).filter(|u| !u.is_empty()).map(decode);
    let password = url.password().map(decode);
    Ok(SmtpSettings { host, port, tls, username, password })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let c = Config::from_sources(&HashMap::new(), None).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.database_url, crate::db::DEFAULT_DATABASE_URL);
        assert!(c.smtp.is_none());
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert!(c.hash_concurrency >= 1);
        assert_eq!(c.hash_queue, 64);
    }

    #[test]
    fn env_wins_over_file() {
        let c = Config::from_sources(
            &env(&[("TIEPCAN_BIND", "0.0.0.0:9000")]),
            Some("bind = \"127.0.0.1:1\"\ndata_dir = \"/srv\"\n"),
        )
        .unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.data_dir, PathBuf::from("/srv"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = Config::from_sources(&env(&[("TIEPCAN_BIND", "localhost")]), None).unwrap_err();
        assert_eq!(e.var, "TIEPCAN_BIND");
        let e = Config::from_sources(&env(&[("TIEPCAN_SMTP_URL", "http://x")]), None).unwrap_err();
        assert_eq!(e.var, "TIEPCAN_SMTP_URL");
        let e = Config::from_sources(&env(&[("DATABASE_URL", "mysql://x")]), None).unwrap_err();
        assert_eq!(e.var, "DATABASE_URL");
        let e = Config::from_sources(&env(&[("TIEPCAN_MAIL_FROM", "not a mailbox")]), None).unwrap_err();
        assert_eq!(e.var, "TIEPCAN_MAIL_FROM");
        let e = Config::from_sources(&env(&[("TIEPCAN_BASE_URL", "ftp://x")]), None).unwrap_err();
        assert!(e.to_string().starts_with("invalid TIEPCAN_BASE_URL"));
    }

    #[test]
    fn metrics_token_is_optional_and_never_printed() {
        assert!(Config::from_sources(&HashMap::new(), None).unwrap().metrics_token.is_none());
        assert!(Config::from_sources(&env(&[("TIEPCAN_METRICS_TOKEN", " ")]), None).unwrap().metrics_token.is_none());
        let c = Config::from_sources(&env(&[("TIEPCAN_METRICS_TOKEN", "s3cret-scrape")]), None).unwrap();
        assert_eq!(c.metrics_token, Some(Secret("s3cret-scrape".into())));
        assert!(!format!("{c:?}").contains("s3cret-scrape"));
    }

    #[test]
    fn storage_limits_and_proxies() {
        let c = Config::from_sources(&env(&[("TIEPCAN_DATA_DIR", "/srv/t")]), None).unwrap();
        assert_eq!(c.storage, StorageUrl::File(PathBuf::from("/srv/t/attachments")));
        assert_eq!((c.limits_store, c.trusted_proxies.len()), (LimitsStore::Instance, 0));
        let c = Config::from_sources(
            &env(&[
                ("TIEPCAN_STORAGE_URL", "s3://tiepcan/prod/files/"),
                ("AWS_SECRET_ACCESS_KEY", "hush-hush"),
                ("TIEPCAN_SHARED_LIMITS", "database"),
                ("TIEPCAN_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(c.storage, StorageUrl::S3 { bucket: "tiepcan".into(), prefix: "prod/files".into() });
        assert_eq!(c.storage.to_string(), "s3://tiepcan/prod/files");
        assert_eq!((c.limits_store, c.trusted_proxies.len()), (LimitsStore::Database, 3));
        assert!(!format!("{c:?}").contains("hush-hush"));
        for (var, value) in [
            ("TIEPCAN_STORAGE_URL", "ftp://x"),
            ("TIEPCAN_STORAGE_URL", "s3://"),
            ("TIEPCAN_SHARED_LIMITS", "redis"),
            ("TIEPCAN_TRUSTED_PROXIES", "10.0.0.0/33"),
        ] {
            assert_eq!(Config::from_sources(&env(&[(var, value)]), None).unwrap_err().var, var);
        }
    }

    #[test]
    fn smtp_urls() {
        let s = parse_smtp_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((s.port, s.tls), (2525, SmtpTls::None));
        let s = parse_smtp_url("smtps://u%40x:p%20w@mail.example.vn").unwrap();
        assert_eq!((s.port, s.tls.clone()), (465, SmtpTls::Wrapper));
        assert_eq!(s.username.as_deref(), Some("u@x"));
        assert_eq!(s.password.as_deref(), Some("p w"));
        assert!(!format!("{s:?}").contains("p w"));
        assert_eq!(parse_smtp_url("smtp://m.vn?tls=starttls").unwrap().port, 587);
        assert!(parse_smtp_url("smtp://m.vn?tls=maybe").is_err());
    }
}
