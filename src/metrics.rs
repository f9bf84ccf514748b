//! A handful of Prometheus counters, kept in atomics: enough for alerting on
//! error rates and mail trouble without a metrics framework.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::health::JobSnapshot;

pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Self {
        Counter(AtomicU64::new(0))
    }
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

pub static HTTP_2XX: Counter = Counter::new();
pub static HTTP_3XX: Counter = Counter::new();
pub static HTTP_4XX: Counter = Counter::new();
pub static HTTP_5XX: Counter = Counter::new();
pub static MAILS_SENT: Counter = Counter::new();
pub static MAIL_FAILURES: Counter = Counter::new();
pub static LOGIN_FAILURES: Counter = Counter::new();
pub static RATE_LIMITED: Counter = Counter::new();
pub static HASH_BUSY: Counter = Counter::new();

pub fn record_status(status: u16) {
    match status {
        200..=299 => HTTP_2XX.inc(),
        300..=399 => HTTP_3XX.inc(),
        400..=499 => HTTP_4XX.inc(),
        _ => HTTP_5XX.inc(),
    }
}

/// The exposition lines of the blocking calls made for requests (one per
/// page or API call when the session check shares the page's call).
pub fn blocking_calls_text(n: u64) -> String {
    let name = "tiepcan_blocking_calls_total";
    format!(
        "# HELP {name} Database calls handed to the blocking pool for requests.\n# TYPE {name} counter\n{name} {n}\n"
    )
}

/// The exposition text; `outbox` adds the outbox's rows per status, `jobs`
/// each background job's ticks, failures, restarts, last tick and lateness.
pub fn render(outbox: &[(String, i64)], jobs: &[JobSnapshot]) -> String {
    let mut s = String::new();
    s.push_str("# HELP tiepcan_http_responses_total HTTP responses by status class.\n");
    s.push_str("# TYPE tiepcan_http_responses_total counter\n");
    for (class, c) in [("2xx", &HTTP_2XX), ("3xx", &HTTP_3XX), ("4xx", &HTTP_4XX), ("5xx", &HTTP_5XX)] {
        let _ = writeln!(s, "tiepcan_http_responses_total{{class=\"{class}\"}} {}", c.get());
    }
    for (name, help, c) in [
        ("tiepcan_mails_sent_total", "Mails handed to the transport.", &MAILS_SENT),
        ("tiepcan_mail_failures_total", "Failed mail attempts (retried unless permanent).", &MAIL_FAILURES),
        ("tiepcan_login_failures_total", "Failed logins.", &LOGIN_FAILURES),
        ("tiepcan_rate_limited_total", "Requests refused with 429.", &RATE_LIMITED),
        ("tiepcan_hash_busy_total", "Password checks refused with 503: the hashing queue was full.", &HASH_BUSY),
    ] {
        let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", c.get());
    }
    s.push_str("# HELP tiepcan_outbox_rows Outbox rows by status.\n# TYPE tiepcan_outbox_rows gauge\n");
    for (status, n) in outbox {
        let _ = writeln!(s, "tiepcan_outbox_rows{{status=\"{status}\"}} {n}");
    }
    type Figure = fn(&JobSnapshot) -> i64;
    let figures: [(&str, &str, &str, Figure); 5] = [
        ("tiepcan_job_ticks_total", "counter", "Finished ticks of a background job.", |j| j.ticks as i64),
        ("tiepcan_job_failures_total", "counter", "Ticks that failed or panicked.", |j| j.failures as i64),
        ("tiepcan_job_restarts_total", "counter", "Times a job was started again after it stopped.", |j| {
            j.restarts as i64
        }),
        ("tiepcan_job_last_tick_seconds", "gauge", "Unix time of the last finished tick (0: none yet).", |j| {
            j.last_tick_unix.unwrap_or(0)
        }),
        ("tiepcan_job_late", "gauge", "1 when a job has not finished a tick within three intervals.", |j| {
            i64::from(j.late)
        }),
    ];
    for (name, kind, help, figure) in figures {
        let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for j in jobs {
            let _ = writeln!(s, "{name}{{job=\"{}\"}} {}", j.name, figure(j));
        }
    }
    s
}
