//! Logins, in two steps around the password check: the account is read
//! first, the password is checked through the hashing gate without a database
//! connection held, then the outcome is written. Failed attempts are throttled
//! per (address, client address) pair in the database (`login_throttle`), the
//! same for addresses with and without an account, so it holds across
//! instances and tells nothing about which accounts exist.

use chrono::{DateTime, Duration, Utc};

use super::Env;
use super::error::{AppError, AppResult};
use super::{login_throttle, secrets};
use crate::config::Config;
use crate::db::models::{Session, User};
use crate::db::{self, DbConn, sessions, users};

/// A new session: the token (shown once) and the session row.
pub struct Login {
    pub token: String,
    pub session: Session,
    pub user: User,
}

/// An attempt in progress: the pair's throttle key and the account the
/// address names, if any (its stored hash is what the password is checked
/// against).
pub struct Attempt {
    pub throttle: String,
    pub user: Option<User>,
}

impl Attempt {
    /// The stored password hash the password is checked against, if any.
    pub fn stored_hash(&self) -> Option<String> {
        self.user.as_ref().and_then(|u| u.password_hash.clone())
    }
}

/// Reads the account an email names; a locked (address, client) pair is
/// refused here, before any hashing, whether or not the address has an account.
pub fn candidate(conn: &mut DbConn, env: Env<'_>, email: &str, client: &str) -> AppResult<Attempt> {
    let now = env.now;
    let email = crate::domain::account::normalize_email(email);
    let throttle = login_throttle::key(&email, client);
    login_throttle::check(conn, now, &throttle)?;
    // An address that cannot exist is simply unknown (and never reaches SQL).
    let user = if crate::domain::account::is_plausible_email(&email) { users::by_email(conn, &email)? } else { None };
    Ok(Attempt { throttle, user })
}

/// Records the outcome of the password check: a failure counts towards the
/// pair's lockout, a success opens a session and forgets the pair's failures.
pub fn finish(
    conn: &mut DbConn,
    env: Env<'_>,
    attempt: Attempt,
    password_ok: bool,
    user_agent: Option<&str>,
) -> AppResult<Login> {
    let (config, now) = (env.config, env.now);
    match (attempt.user, password_ok) {
        (Some(u), true) if u.disabled_at.is_none() => {
            let login = open_session(conn, config, now, &u, user_agent)?;
            login_throttle::succeeded(conn, &attempt.throttle)?;
            Ok(login)
        }
        _ => {
            login_throttle::failed(conn, config, now, &attempt.throttle)?;
            crate::metrics::LOGIN_FAILURES.inc();
            Err(AppError::Unauthenticated("wrong email or password".into()))
        }
    }
}

/// `open_session` for the account with this id.
pub fn open_session_for(conn: &mut DbConn, env: Env<'_>, user_id: &str, user_agent: Option<&str>) -> AppResult<Login> {
    let (config, now) = (env.config, env.now);
    let user = users::by_id(conn, user_id)?.ok_or_else(AppError::not_found)?;
    open_session(conn, config, now, &user, user_agent)
}

/// A session for an account whose password was just proven (a login, or an
/// invitation accepted with a new password).
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
    db::write(conn, |conn| -> AppResult<()> { Ok(sessions::insert(conn, &session)?) })?;
    Ok(Login { token, session, user: user.clone() })
}
