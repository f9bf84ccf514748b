//! Changing the address of an account: the current password is checked
//! first (by the web layer), a link goes to the new address and a notice to
//! the old one, and the address changes only when the link is opened. A taken
//! new address gets the same answer and no mail, so the answer tells nothing.

use chrono::Duration;

use super::accounts::{Principal, UserView, view};
use super::error::{AppError, AppResult};
use super::{Env, secrets};
use crate::db::models::UserToken;
use crate::db::{self, DbConn, tokens, user_admin, users};
use crate::domain::account::check_email;
use crate::domain::validation::FieldErrors;
use crate::mail::{self, Notice, Recipient};

pub const EMAIL_CHANGE_PURPOSE: &str = "email_change";
const EMAIL_CHANGE_TTL_HOURS: i64 = 24;

/// The new address, normalised, or what is wrong with it.
pub fn check_new(p: &Principal, new_email: &str) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let email = check_email(&mut e, "new_email", new_email);
    if e.is_empty() && email == p.user.email {
        e.add("new_email", "same_email");
    }
    e.into_result()?;
    Ok(email)
}

/// Queues the confirmation link to the new address and the notice to the
/// old one. Earlier links for a change of address stop working.
pub fn request(conn: &mut DbConn, env: Env<'_>, p: &Principal, new_email: &str) -> AppResult<()> {
    let (config, now) = (env.config, env.now);
    let new_email = check_new(p, new_email)?;
    db::write(conn, |conn| -> AppResult<()> {
        let user = users::by_id(conn, &p.user.id)?.ok_or_else(AppError::not_found)?;
        tokens::expire_all(conn, &user.id, EMAIL_CHANGE_PURPOSE, now.naive_utc())?;
        if users::by_email(conn, &new_email)?.is_none() {
            let (token, hash) = secrets::new_token();
            tokens::insert(
                conn,
                &UserToken {
                    id: hash,
                    user_id: user.id.clone(),
                    purpose: EMAIL_CHANGE_PURPOSE.into(),
                    created_at: now.naive_utc(),
                    expires_at: (now + Duration::hours(EMAIL_CHANGE_TTL_HOURS)).naive_utc(),
                    used_at: None,
                    new_email: Some(new_email.clone()),
                },
            )?;
            let to = Recipient {
                email: new_email.clone(),
                name: Some(user.full_name.clone()),
                locale: user.locale,
                user_id: None,
            };
            let notice =
                Notice::EmailChangeConfirm { name: user.full_name.clone(), new_email: new_email.clone(), token };
            mail::queue(conn, config, now, &to, &notice)?;
        }
        let old = Recipient {
            email: user.email.clone(),
            name: Some(user.full_name.clone()),
            locale: user.locale,
            user_id: None,
        };
        let notice = Notice::EmailChangeRequested { name: user.full_name.clone(), new_email: new_email.clone() };
        mail::queue(conn, config, now, &old, &notice)?;
        Ok(())
    })
}

/// Changes the address from the link mailed to it (which proves it), once.
pub fn confirm(conn: &mut DbConn, env: Env<'_>, token: &str) -> AppResult<UserView> {
    let now = env.now;
    let user = db::write(conn, |conn| {
        let t = tokens::consume(conn, &secrets::token_hash(token), EMAIL_CHANGE_PURPOSE, now.naive_utc())?
            .ok_or_else(|| AppError::field("token", "invalid_token"))?;
        let new_email = t.new_email.ok_or_else(|| AppError::field("token", "invalid_token"))?;
        if users::by_email(conn, &new_email)?.is_some() {
            return Err(AppError::Refused { code: "email_taken", message: "this address has an account now".into() });
        }
        user_admin::set_email(conn, &t.user_id, &new_email)?;
        users::mark_verified(conn, &t.user_id, now.naive_utc())?;
        users::by_id(conn, &t.user_id)?.ok_or_else(AppError::not_found)
    })?;
    view(conn, &user, now)
}
