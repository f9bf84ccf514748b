//! Rate limits that every instance on the database shares
//! (`TIEPCAN_SHARED_LIMITS=database`): attempts per (limit, client) counted in
//! fixed windows in one table. A fixed window lets a client through at most
//! twice its quota across a window's edge, which is fine for throttling
//! guessing; in exchange one row per client and one UPDATE per attempt suffice,
//! and it works the same on SQLite and PostgreSQL. Without the setting each
//! instance keeps its own limiter in memory (`web::ratelimit`).

use chrono::{DateTime, Duration, Utc};

use super::error::{AppError, AppResult};
use super::secrets;
use crate::config::Config;
use crate::db::{self, DbConn, rate_limits};

/// What is being limited, and by what it is keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Logins (and password checks) per client address.
    Login,
    /// Registrations per client address.
    Register,
    /// "Forgot password" requests per client address.
    Reset,
    /// Verification mails re-sent per account.
    Resend,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Limit::Login => "login",
            Limit::Register => "register",
            Limit::Reset => "reset",
            Limit::Resend => "resend",
        }
    }

    /// Attempts allowed per window, and the window.
    fn quota(self, config: &Config) -> (i32, Duration) {
        match self {
            Limit::Login => (config.login_per_ip_per_minute as i32, Duration::minutes(1)),
            Limit::Register | Limit::Reset => (config.register_per_ip_per_hour as i32, Duration::hours(1)),
            Limit::Resend => (5, Duration::hours(1)),
        }
    }
}

/// The longest window: rows older than this count for nothing.
const LONGEST_WINDOW: Duration = Duration::hours(1);

/// Counts one attempt of `subject` (a client address, an account id) against
/// `limit`; 429 with the wait once past the quota.
pub fn hit(conn: &mut DbConn, config: &Config, now: DateTime<Utc>, limit: Limit, subject: &str) -> AppResult<()> {
    let key = secrets::token_hash(&format!("rate\n{}\n{subject}", limit.name()));
    let (allowed, window) = limit.quota(config);
    let record = |conn: &mut DbConn| {
        db::write(conn, |conn| rate_limits::hit(conn, &key, now.naive_utc(), (now - window).naive_utc()))
    };
    let (hits, opened) = match record(conn) {
        // Another instance inserted the key's first row at the same moment.
        Err(e) if db::is_unique_violation(&e) => record(conn)?,
        other => other?,
    };
    if hits > allowed {
        let wait = (opened + window - now.naive_utc()).num_seconds().max(1) as u64;
        return Err(AppError::RateLimited { retry_after_secs: wait });
    }
    Ok(())
}

/// Drops windows that are over.
pub fn forget_stale(conn: &mut DbConn, now: DateTime<Utc>) -> AppResult<usize> {
    Ok(rate_limits::delete_before(conn, (now - LONGEST_WINDOW).naive_utc())?)
}
