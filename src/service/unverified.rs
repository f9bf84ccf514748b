//! Reporter accounts that never confirm their address expire: otherwise anyone
//! could register someone else's address and keep it from its owner for good.
//! An expired account is deleted rather than disabled: it never proved its
//! address, it cannot have filed anything (filing needs a confirmed address),
//! so nothing refers to it but its own sessions and links, and keeping the
//! personal data it holds would serve no one. Expiry runs at each sweep and,
//! for one address, when someone registers that address.

use chrono::{DateTime, Duration, Utc};

use super::error::AppResult;
use crate::config::Config;
use crate::db::models::User;
use crate::db::{self, DbConn, users};
use crate::mail::{self, Notice, Recipient};

/// How long a new reporter account may stay unconfirmed.
pub const UNVERIFIED_TTL_DAYS: i64 = 7;
const BATCH: i64 = 500;

fn cutoff(now: DateTime<Utc>) -> chrono::NaiveDateTime {
    (now - Duration::days(UNVERIFIED_TTL_DAYS)).naive_utc()
}

/// Deletes the expired unconfirmed account of `email`, if there is one. Call
/// inside the registration's write transaction.
pub fn remove_expired_with_address(conn: &mut DbConn, now: DateTime<Utc>, email: &str) -> AppResult<usize> {
    let ids = users::unverified_reporters_before(conn, cutoff(now), Some(email), 1)?;
    Ok(users::delete_unverified(conn, &ids)?)
}

/// Deletes every expired unconfirmed account, a batch per transaction.
pub fn expire(conn: &mut DbConn, now: DateTime<Utc>) -> AppResult<usize> {
    let mut total = 0;
    loop {
        let n = db::write(conn, |conn| -> AppResult<usize> {
            let ids = users::unverified_reporters_before(conn, cutoff(now), None, BATCH)?;
            Ok(users::delete_unverified(conn, &ids)?)
        })?;
        total += n;
        if n < BATCH as usize {
            return Ok(total);
        }
    }
}

/// The periodic clean-up of accounts data: expired unconfirmed accounts and
/// login throttles that no longer count. Run by every sweep; a failure is
/// logged and the next sweep tries again.
pub fn housekeeping(conn: &mut DbConn, config: &Config, now: DateTime<Utc>) {
    let result =
        expire(conn, now).and_then(|expired| Ok((expired, super::login_throttle::forget_stale(conn, config, now)?)));
    match result {
        Ok((0, 0)) => {}
        Ok((expired, forgotten)) => tracing::info!(expired, forgotten, "accounts housekeeping"),
        Err(e) => tracing::error!(error = %e, "accounts housekeeping failed"),
    }
}

/// Tells the owner of an address that someone tried to register it: what a
/// registration of a taken address does instead of answering "taken".
pub fn queue_taken_notice(conn: &mut DbConn, config: &Config, now: DateTime<Utc>, owner: &User) -> AppResult<()> {
    let to = Recipient {
        email: owner.email.clone(),
        name: Some(owner.full_name.clone()),
        locale: owner.locale,
        user_id: None,
    };
    mail::queue(conn, config, now, &to, &Notice::RegisterTaken { name: owner.full_name.clone() })?;
    Ok(())
}
