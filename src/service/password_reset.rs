//! "Forgot password": a single-use link by mail, valid one hour, stored only
//! as its hash. Asking answers the same whether or not the address has an
//! account (the web layer answers before the work is done, so the timing
//! says nothing either). A new password ends every session of the account
//! and every other reset link.

use chrono::Duration;

use super::accounts::Account;
use super::error::{AppError, AppResult};
use super::{Env, secrets};
use crate::db::models::{User, UserToken};
use crate::db::{self, DbConn, sessions, tokens, users};
use crate::domain::account::{is_plausible_email, normalize_email};
use crate::domain::password;
use crate::mail::{self, Notice, Recipient};

pub const RESET_PURPOSE: &str = "password_reset";
pub const RESET_TTL_MINUTES: i64 = 60;
/// Links one account may be sent per hour, so nobody can flood a mailbox.
const RESETS_PER_HOUR: i64 = 3;

/// Queues a reset link for `user` (inside the caller's transaction), unless
/// the account already got its hourly share. Returns whether one was queued.
pub fn issue(conn: &mut DbConn, env: Env<'_>, user: &User) -> AppResult<bool> {
    let now = env.now;
    let since = (now - Duration::hours(1)).naive_utc();
    if tokens::count_since(conn, &user.id, RESET_PURPOSE, since)? >= RESETS_PER_HOUR {
        return Ok(false);
    }
    let (token, hash) = secrets::new_token();
    tokens::insert(
        conn,
        &UserToken {
            id: hash,
            user_id: user.id.clone(),
            purpose: RESET_PURPOSE.into(),
            created_at: now.naive_utc(),
            expires_at: (now + Duration::minutes(RESET_TTL_MINUTES)).naive_utc(),
            used_at: None,
            new_email: None,
        },
    )?;
    let to =
        Recipient { email: user.email.clone(), name: Some(user.full_name.clone()), locale: user.locale, user_id: None };
    mail::queue(conn, env.config, now, &to, &Notice::PasswordReset { name: user.full_name.clone(), token })?;
    Ok(true)
}

/// Someone asked for a link for `email`: an account that may sign in gets
/// one; anything else gets nothing, and the caller learns nothing.
pub fn request(conn: &mut DbConn, env: Env<'_>, email: &str) -> AppResult<()> {
    let email = normalize_email(email);
    if !is_plausible_email(&email) {
        return Ok(());
    }
    db::write(conn, |conn| -> AppResult<()> {
        match users::by_email(conn, &email)? {
            Some(u) if u.disabled_at.is_none() => issue(conn, env, &u).map(|_| ()),
            _ => Ok(()),
        }
    })
}

/// The account a reset link is for, while it is usable.
pub fn account_for(conn: &mut DbConn, env: Env<'_>, token: &str) -> AppResult<Option<Account>> {
    let Some(t) = tokens::usable(conn, &secrets::token_hash(token), RESET_PURPOSE, env.now.naive_utc())? else {
        return Ok(None);
    };
    Ok(users::by_id(conn, &t.user_id)?.filter(|u| u.disabled_at.is_none()).as_ref().map(Account::from))
}

/// Whether the link is usable and the new password passes the rules: checked
/// before the password is hashed.
pub fn check(conn: &mut DbConn, env: Env<'_>, token: &str, new_password: &str) -> AppResult<()> {
    let user = account_for(conn, env, token)?.ok_or_else(|| AppError::field("token", "invalid_token"))?;
    if let Some(p) = password::problem(new_password, &user.email) {
        return Err(AppError::field("password", p));
    }
    Ok(())
}

/// Sets the new password from a reset link, once: the link is used up, the
/// other reset links end, and so does every session of the account. The
/// mailed link proves the address, so it counts as confirmed. Returns the
/// account's id.
pub fn reset(conn: &mut DbConn, env: Env<'_>, token: &str, password_hash: &str) -> AppResult<String> {
    let now = env.now.naive_utc();
    db::write(conn, |conn| -> AppResult<String> {
        let t = tokens::consume(conn, &secrets::token_hash(token), RESET_PURPOSE, now)?
            .ok_or_else(|| AppError::field("token", "invalid_token"))?;
        let user = users::by_id(conn, &t.user_id)?
            .filter(|u| u.disabled_at.is_none())
            .ok_or_else(|| AppError::field("token", "invalid_token"))?;
        users::set_password(conn, &user.id, password_hash)?;
        users::mark_verified(conn, &user.id, now)?;
        tokens::expire_all(conn, &user.id, RESET_PURPOSE, now)?;
        sessions::revoke_all_of_user(conn, &user.id, None, now)?;
        Ok(user.id)
    })
}
