//! An account looking after itself: its profile, its password (the current
//! one required), and ending every session at once.

use serde::Deserialize;

use super::Env;
use super::accounts::{Principal, UserView, view};
use super::error::{AppError, AppResult};
use crate::db::user_admin::{self, ProfileFields};
use crate::db::{self, DbConn, sessions, users};
use crate::domain::account::{Locale, Role, is_plausible_phone};
use crate::domain::password;
use crate::domain::validation::FieldErrors;

/// The fields a person keeps up to date. Reporters: full name, outlet, press
/// card, phone, language. Everyone else: title, phone, language (their name
/// is the one their administrators gave).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"full_name": "Phạm Thu Trang", "outlet": "Báo Thái Nguyên", "press_card_no": "TN-0421", "phone": "0912 345 678", "locale": "vi"}))]
pub struct ProfileInput {
    pub full_name: Option<String>,
    pub outlet: Option<String>,
    pub press_card_no: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
    /// `vi` or `en`: the language of pages and mails.
    pub locale: Option<String>,
}

pub fn update(conn: &mut DbConn, env: Env<'_>, p: &Principal, input: &ProfileInput) -> AppResult<UserView> {
    let user = users::by_id(conn, &p.user.id)?.ok_or_else(AppError::not_found)?;
    let mut e = FieldErrors::new();
    let reporter = user.role == Role::Reporter;
    let full_name = if reporter {
        e.required("full_name", input.full_name.as_deref().unwrap_or(&user.full_name), 120)
    } else {
        user.full_name.clone()
    };
    let outlet = if reporter {
        Some(e.required("outlet", input.outlet.as_deref().unwrap_or(user.outlet.as_deref().unwrap_or("")), 200))
    } else {
        user.outlet.clone()
    };
    let press_card_no = if reporter {
        e.optional("press_card_no", input.press_card_no.as_deref(), 40)
    } else {
        user.press_card_no.clone()
    };
    let title = if reporter { user.title.clone() } else { e.optional("title", input.title.as_deref(), 120) };
    let phone = e.optional("phone", input.phone.as_deref(), 30);
    if phone.as_deref().is_some_and(|p| !is_plausible_phone(p)) {
        e.add("phone", "invalid_phone");
    }
    let locale = e.choice("locale", input.locale.as_deref(), Locale::parse, "invalid_locale");
    e.into_result()?;
    // Not given: the account keeps its language.
    let locale = locale.unwrap_or(user.locale);
    let fields = ProfileFields {
        full_name: &full_name,
        outlet: outlet.as_deref(),
        press_card_no: press_card_no.as_deref(),
        phone: phone.as_deref(),
        title: title.as_deref(),
        locale,
    };
    db::write(conn, |conn| user_admin::set_profile(conn, &user.id, &fields))?;
    let user = users::by_id(conn, &user.id)?.ok_or_else(AppError::not_found)?;
    view(conn, &user, env.now)
}

/// The stored hash the current password is checked against, and the address
/// (a new password may not be the address).
pub fn password_check_data(conn: &mut DbConn, user_id: &str) -> AppResult<(Option<String>, String)> {
    let user = users::by_id(conn, user_id)?.ok_or_else(AppError::not_found)?;
    Ok((user.password_hash, user.email))
}

/// The new password's problem, if any, before it is hashed.
pub fn check_new_password(new_password: &str, email: &str) -> AppResult<()> {
    match password::problem(new_password, email) {
        Some(p) => Err(AppError::field("new_password", p)),
        None => Ok(()),
    }
}

/// Stores the new password's hash and ends the account's other sessions (a
/// thief's included); the session in use goes on.
pub fn set_password(conn: &mut DbConn, env: Env<'_>, p: &Principal, hash: &str) -> AppResult<()> {
    let now = env.now.naive_utc();
    db::write(conn, |conn| -> AppResult<()> {
        users::set_password(conn, &p.user.id, hash)?;
        sessions::revoke_all_of_user(conn, &p.user.id, Some(&p.session_id), now)?;
        Ok(())
    })
}

/// Ends every session of the account, the one in use included. Returns how many.
pub fn sign_out_everywhere(conn: &mut DbConn, env: Env<'_>, p: &Principal) -> AppResult<usize> {
    let now = env.now.naive_utc();
    Ok(db::write(conn, |conn| sessions::revoke_all_of_user(conn, &p.user.id, None, now))?)
}
