//! Logins, in two steps around the password check: the account is read
//! first, the password is checked through the hashing gate without a database
//! connection held, then the outcome is written. A per-account lockout after
//! repeated failures lives in the database, so it holds across instances.

use chrono::{DateTime, Duration, Utc};

use super::error::{AppError, AppResult};
use super::secrets;
use crate::config::Config;
use crate::db::models::{Session, User};
use crate::db::{self, DbConn, sessions, users};

/// A new session: the token (shown once) and the session row.
pub struct Login {
    pub token: String,
    pub session: Session,
    pub user: User,
}

/// The account an email names, if any (its stored hash is what the password
/// is checked against); a locked account is refused here, before any hashing.
pub fn candidate(conn: &mut DbConn, now: DateTime<Utc>, email: &str) -> AppResult<Option<User>> {
    let email = crate::domain::account::normalize_email(email);
    // An address that cannot exist is simply unknown (and never reaches SQL).
    let user = if crate::domain::account::is_plausible_email(&email) { users::by_email(conn, &email)? } else { None };
    if let Some(u) = &user
        && let Some(until) = u.locked_until
        && until > now.naive_utc()
    {
        let secs = (until - now.naive_utc()).num_seconds().max(1) as u64;
        return Err(AppError::RateLimited { retry_after_secs: secs });
    }
    Ok(user)
}

/// Records the outcome of the password check: a failure counts towards the
/// lockout, a success opens a session.
pub fn finish(
    conn: &mut DbConn,
    config: &Config,
    now: DateTime<Utc>,
    candidate: Option<User>,
    password_ok: bool,
    user_agent: Option<&str>,
) -> AppResult<Login> {
    match (candidate, password_ok) {
        (Some(u), true) if u.disabled_at.is_none() => open_session(conn, config, now, &u, user_agent),
        (Some(u), _) => {
            let lock_until = now + Duration::from_std(config.lockout).unwrap_or(Duration::minutes(15));
            users::record_failed_login(conn, &u.id, config.failed_logins_before_lockout, lock_until.naive_utc())?;
            crate::metrics::LOGIN_FAILURES.inc();
            Err(AppError::Unauthenticated("wrong email or password".into()))
        }
        (None, _) => {
            crate::metrics::LOGIN_FAILURES.inc();
            Err(AppError::Unauthenticated("wrong email or password".into()))
        }
    }
}

/// A session for an account whose password was just proven (a login, or an
/// invitation accepted with a new password); clears any failed-login count.
pub fn open_session(
    conn: &mut DbConn,
    config: &Config,
    now: DateTime<Utc>,
    user: &User,
    user_agent: Option<&str>,
) -> AppResult<Login> {
    let (token, hash) = secrets::new_token();
    let session = Session {
        id: hash,
        user_id: user.id.clone(),
        created_at: now.naive_utc(),
        expires_at: (now + Duration::from_std(config.session_ttl).unwrap_or(Duration::days(14))).naive_utc(),
        revoked_at: None,
        user_agent: user_agent.map(|s| s.chars().take(200).collect()),
    };
    db::write(conn, |conn| -> AppResult<()> {
        if user.failed_logins > 0 || user.locked_until.is_some() {
            users::clear_failed_logins(conn, &user.id)?;
        }
        sessions::insert(conn, &session)?;
        Ok(())
    })?;
    Ok(Login { token, session, user: user.clone() })
}
