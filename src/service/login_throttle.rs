//! Throttling of failed logins, per (address, client address) pair and in the
//! database, so it holds across instances. Keying by the pair rather than by
//! the account means that a stranger's wrong passwords lock only the stranger:
//! the owner, from their own address, still gets in. Keying by the typed
//! address rather than by an account id means an address without an account is
//! throttled exactly like one with an account, so the answers (401, then 429)
//! tell nothing about which accounts exist.

use chrono::{DateTime, Duration, Utc};

use super::error::{AppError, AppResult};
use super::secrets;
use crate::config::Config;
use crate::db::{self, DbConn, login_throttles};

/// The stored key of a pair: a hash, so the table holds no address in clear.
/// `email` must be normalised.
pub fn key(email: &str, client: &str) -> String {
    secrets::token_hash(&format!("login\n{email}\n{client}"))
}

fn window(config: &Config) -> Duration {
    Duration::from_std(config.lockout).unwrap_or(Duration::minutes(15))
}

/// 429 while the pair is locked.
pub fn check(conn: &mut DbConn, now: DateTime<Utc>, key: &str) -> AppResult<()> {
    match login_throttles::locked_until(conn, key, now.naive_utc())? {
        Some(until) => {
            let secs = (until - now.naive_utc()).num_seconds().max(1) as u64;
            Err(AppError::RateLimited { retry_after_secs: secs })
        }
        None => Ok(()),
    }
}

/// Counts a failed attempt of the pair; the configured number of failures
/// within the lockout period locks it for that period.
pub fn failed(conn: &mut DbConn, config: &Config, now: DateTime<Utc>, key: &str) -> AppResult<()> {
    let window = window(config);
    let record = |conn: &mut DbConn| {
        db::write(conn, |conn| {
            login_throttles::record_failure(
                conn,
                key,
                now.naive_utc(),
                (now - window).naive_utc(),
                config.failed_logins_before_lockout,
                (now + window).naive_utc(),
            )
        })
    };
    match record(conn) {
        // Another instance inserted the pair's first row at the same moment.
        Err(e) if db::is_unique_violation(&e) => Ok(record(conn)?),
        other => Ok(other?),
    }
}

/// A successful login forgets the pair's failures.
pub fn succeeded(conn: &mut DbConn, key: &str) -> AppResult<()> {
    Ok(login_throttles::clear(conn, key)?)
}

/// Drops pairs that no longer count (their window is over and they are not locked).
pub fn forget_stale(conn: &mut DbConn, config: &Config, now: DateTime<Utc>) -> AppResult<usize> {
    Ok(login_throttles::delete_stale(conn, (now - window(config)).naive_utc(), now.naive_utc())?)
}
