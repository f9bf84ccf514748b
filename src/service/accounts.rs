//! Accounts: reporter registration with email verification, invitations for
//! spokespeople, staff and administrators, sessions (logins: `login.rs`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::error::{AppError, AppResult};
use super::passwords::Hasher;
use super::secrets;
use super::{Env, audit, new_user_checks};
use crate::config::Config;
use crate::db::models::{Assignment, User, UserToken};
use crate::db::{self, DbConn, agencies, jurisdictions, sessions, tokens, users};
use crate::domain::account::{Locale, Role, check_email, is_plausible_phone};
use crate::domain::password;
use crate::domain::validation::FieldErrors;
use crate::mail::{self, Notice, Recipient};

pub const VERIFY_PURPOSE: &str = "verify_email";
pub const INVITE_PURPOSE: &str = "invite";
const VERIFY_TTL_HOURS: i64 = 48;
const INVITE_TTL_DAYS: i64 = 7;

/// A user as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub agency_ids: Vec<String>,
    pub jurisdiction: Option<String>,
    pub email_verified: bool,
    pub locale: Locale,
    pub outlet: Option<String>,
    pub press_card_no: Option<String>,
    pub phone: Option<String>,
    pub title: Option<String>,
}

/// The signed-in user, as the web layer keeps it for one request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: Account,
    pub role: Role,
    pub session_id: String,
    pub agency_ids: Vec<String>,
}

impl Principal {
    pub fn locale(&self) -> Locale {
        self.user.locale
    }
}

/// An account as handlers see it (the one behind a session, the one an
/// invitation is for): what pages show and rules check, never the stored
/// password hash.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub locale: Locale,
    pub verified: bool,
    pub jurisdiction_id: Option<String>,
    pub outlet: Option<String>,
}

impl From<&User> for Account {
    fn from(u: &User) -> Account {
        Account {
            id: u.id.clone(),
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            locale: u.locale,
            verified: u.email_verified_at.is_some(),
            jurisdiction_id: u.jurisdiction_id.clone(),
            outlet: u.outlet.clone(),
        }
    }
}

fn recipient(user: &User) -> Recipient {
    Recipient { email: user.email.clone(), name: Some(user.full_name.clone()), locale: user.locale, user_id: None }
}

/// The view of the account with this id.
pub fn view_by_id(conn: &mut DbConn, env: Env<'_>, user_id: &str) -> AppResult<UserView> {
    let now = env.now;
    let user = users::by_id(conn, user_id)?.ok_or_else(AppError::not_found)?;
    view(conn, &user, now)
}

pub fn view(conn: &mut DbConn, user: &User, now: DateTime<Utc>) -> AppResult<UserView> {
    let agency_ids =
        users::assignments_of_user(conn, &user.id, now.naive_utc())?.into_iter().map(|a| a.agency_id).collect();
    let jurisdiction = match &user.jurisdiction_id {
        Some(id) => jurisdictions::by_id(conn, id)?.map(|j| j.code),
        None => None,
    };
    Ok(UserView {
        id: user.id.clone(),
        email: user.email.clone(),
        full_name: user.full_name.clone(),
        role: user.role,
        agency_ids,
        jurisdiction,
        email_verified: user.email_verified_at.is_some(),
        locale: user.locale,
        outlet: user.outlet.clone(),
        press_card_no: user.press_card_no.clone(),
        phone: user.phone.clone(),
        title: user.title.clone(),
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"email": "phongvien@baothainguyen.example.vn", "password": "mật-khẩu-dài-và-khó-đoán", "full_name": "Phạm Thu Trang", "outlet": "Báo Thái Nguyên", "press_card_no": "TN-0421", "phone": "0912 345 678", "locale": "vi"}))]
pub struct RegisterReporter {
    #[serde(default)]
    #[schema(required = true)]
    pub email: String,
    #[serde(default)]
    #[schema(required = true)]
    pub password: String,
    #[serde(default)]
    #[schema(required = true)]
    pub full_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub outlet: String,
    pub press_card_no: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
}

struct CheckedReporter {
    email: String,
    full_name: String,
    outlet: String,
    press_card_no: Option<String>,
    phone: Option<String>,
    locale: Locale,
}

fn check_reporter(input: &RegisterReporter) -> Result<CheckedReporter, FieldErrors> {
    let mut e = FieldErrors::new();
    let email = check_email(&mut e, "email", &input.email);
    if let Some(p) = password::problem(&input.password, &email) {
        e.add("password", p);
    }
    let full_name = e.required("full_name", &input.full_name, 120);
    let outlet = e.required("outlet", &input.outlet, 200);
    let press_card_no = e.optional("press_card_no", input.press_card_no.as_deref(), 40);
    let phone = e.optional("phone", input.phone.as_deref(), 30);
    if let Some(p) = &phone
        && !is_plausible_phone(p)
    {
        e.add("phone", "invalid_phone");
    }
    let locale = e.choice("locale", input.locale.as_deref(), Locale::parse, "invalid_locale");
    e.into_result()?;
    // Not given: Vietnamese, the service's first language.
    let locale = locale.unwrap_or(Locale::Vi);
    Ok(CheckedReporter { email, full_name, outlet, press_card_no, phone, locale })
}

/// What a registration answers: the same shape whether the address was free
/// or already had an account, so that the answer tells nothing about which
/// addresses have accounts.
#[derive(Debug, Clone)]
pub struct Registered {
    /// The new account's id; for a taken address a fresh id that belongs to
    /// nothing (the same kind of value, so the two answers look alike).
    pub id: String,
    pub email: String,
}

/// What registration checks before a password is hashed: the fields only.
/// Whether the address is taken is not told here, nor anywhere: the password
/// is hashed either way, so both answers take as long.
pub fn check_registration(input: &RegisterReporter) -> AppResult<()> {
    check_reporter(input)?;
    Ok(())
}

/// Registers a reporter with the hash of the password (made beforehand, with
/// no connection held) and queues the verification mail, in one transaction.
/// An address that already has an account gets no new account: its owner is
/// mailed that someone tried, and the caller sees the same answer as for a
/// new account. A reporter account that never confirmed its address is
/// removed once expired (`unverified`), so nobody can squat an address.
pub fn register_reporter(
    conn: &mut DbConn,
    env: Env<'_>,
    input: &RegisterReporter,
    password_hash: String,
) -> AppResult<Registered> {
    let (config, now) = (env.config, env.now);
    let c = check_reporter(input)?;
    let user = User {
        id: db::new_id(),
        email: c.email,
        password_hash: Some(password_hash),
        full_name: c.full_name,
        role: Role::Reporter,
        outlet: Some(c.outlet),
        press_card_no: c.press_card_no,
        phone: c.phone,
        title: None,
        locale: c.locale,
        email_verified_at: None,
        jurisdiction_id: None,
        created_at: now.naive_utc(),
        disabled_at: None,
    };
    let taken = |conn: &mut DbConn| -> AppResult<Registered> {
        if let Some(owner) = users::by_email(conn, &user.email)? {
            super::unverified::queue_taken_notice(conn, config, now, &owner)?;
        }
        Ok(Registered { id: db::new_id(), email: user.email.clone() })
    };
    let inserted = db::write(conn, |conn| -> AppResult<Option<Registered>> {
        super::unverified::remove_expired_with_address(conn, now, &user.email)?;
        if users::by_email(conn, &user.email)?.is_some() {
            return taken(conn).map(Some);
        }
        match users::insert(conn, &user) {
            Err(e) if db::is_unique_violation(&e) => return Ok(None),
            other => other?,
        }
        queue_verification(conn, config, now, &user)?;
        Ok(Some(Registered { id: user.id.clone(), email: user.email.clone() }))
    })?;
    match inserted {
        Some(r) => Ok(r),
        // Another registration of the same address won a race: it is taken now.
        None => db::write(conn, taken),
    }
}

fn queue_verification(conn: &mut DbConn, config: &Config, now: DateTime<Utc>, user: &User) -> AppResult<()> {
    let (token, hash) = secrets::new_token();
    tokens::insert(
        conn,
        &UserToken {
            id: hash,
            user_id: user.id.clone(),
            purpose: VERIFY_PURPOSE.into(),
            created_at: now.naive_utc(),
            expires_at: (now + Duration::hours(VERIFY_TTL_HOURS)).naive_utc(),
            used_at: None,
            new_email: None,
        },
    )?;
    let notice = Notice::VerifyEmail { name: user.full_name.clone(), token };
    mail::queue(conn, config, now, &recipient(user), &notice)?;
    Ok(())
}

/// Sends a fresh verification link to a reporter who has not verified yet.
pub fn resend_verification(conn: &mut DbConn, config: &Config, now: DateTime<Utc>, user: &User) -> AppResult<()> {
    if user.email_verified_at.is_some() {
        return Ok(());
    }
    db::write(conn, |conn| queue_verification(conn, config, now, user))
}

/// Confirms an email address from the mailed link.
pub fn verify_email(conn: &mut DbConn, env: Env<'_>, token: &str) -> AppResult<UserView> {
    let now = env.now;
    let user = db::write(conn, |conn| -> AppResult<User> {
        let t = tokens::consume(conn, &secrets::token_hash(token), VERIFY_PURPOSE, now.naive_utc())?
            .ok_or_else(|| AppError::field("token", "invalid_token"))?;
        users::mark_verified(conn, &t.user_id, now.naive_utc())?;
        users::by_id(conn, &t.user_id)?.ok_or_else(AppError::not_found)
    })?;
    view(conn, &user, now)
}

/// The principal behind a session token, if the session is live.
pub fn authenticate(conn: &mut DbConn, env: Env<'_>, token: &str) -> AppResult<Option<Principal>> {
    let now = env.now;
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let Some((session, user)) = sessions::live(conn, &secrets::token_hash(token), now.naive_utc())? else {
        return Ok(None);
    };
    // Only a spokesperson speaks for agencies (`party_of`, the inbox scope):
    // anyone else is spared the look-up.
    let agency_ids = if user.role == Role::Spokesperson {
        users::assignments_of_user(conn, &user.id, now.naive_utc())?.into_iter().map(|a| a.agency_id).collect()
    } else {
        Vec::new()
    };
    Ok(Some(Principal { role: user.role, user: (&user).into(), session_id: session.id, agency_ids }))
}

/// `resend_verification` for the signed-in account, by its id.
pub fn resend_verification_of(conn: &mut DbConn, env: Env<'_>, user_id: &str) -> AppResult<()> {
    let (config, now) = (env.config, env.now);
    let user = users::by_id(conn, user_id)?.ok_or_else(AppError::not_found)?;
    resend_verification(conn, config, now, &user)
}

pub fn logout(conn: &mut DbConn, env: Env<'_>, session_id: &str) -> AppResult<()> {
    let now = env.now;
    sessions::revoke(conn, session_id, now.naive_utc())?;
    Ok(())
}

/// An account created by someone else (an invitation) or by the CLI.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"email": "phatngon.syt@thainguyen.example.vn", "full_name": "Nguyễn Văn Minh", "role": "spokesperson", "agency_ids": ["01938f6e-7c1a-7a43-9a43-2f1c0e5a9b10"], "title": "Phó Giám đốc Sở Y tế", "locale": "vi"}))]
pub struct NewUser {
    #[serde(default)]
    #[schema(required = true)]
    pub email: String,
    #[serde(default)]
    #[schema(required = true)]
    pub full_name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub role: String,
    #[serde(default)]
    pub agency_ids: Vec<String>,
    /// Jurisdiction code, for Department staff.
    pub jurisdiction: Option<String>,
    pub title: Option<String>,
    pub locale: Option<String>,
    pub phone: Option<String>,
}

struct CheckedUser {
    email: String,
    full_name: String,
    role: Role,
    agency_ids: Vec<String>,
    jurisdiction_id: Option<String>,
    title: Option<String>,
    locale: Locale,
    phone: Option<String>,
}

/// Validates a new account against the directory and the creator's scope
/// (`creator` is `None` for the CLI, which may do anything).
fn check_new_user(
    conn: &mut DbConn,
    input: &NewUser,
    creator: Option<&Principal>,
    allow_reporter: bool,
) -> AppResult<CheckedUser> {
    let mut e = FieldErrors::new();
    let email = check_email(&mut e, "email", &input.email);
    let full_name = e.required("full_name", &input.full_name, 120);
    let title = e.optional("title", input.title.as_deref(), 120);
    let phone = e.optional("phone", input.phone.as_deref(), 30);
    let locale = input.locale.as_deref().and_then(Locale::parse).unwrap_or_default();
    let role = match Role::parse(input.role.trim()) {
        Some(Role::Reporter) if !allow_reporter => {
            e.add("role", "invalid_role");
            Role::Reporter
        }
        Some(r) => r,
        None => {
            e.add("role", "invalid_role");
            Role::Reporter
        }
    };
    if let Some(c) = creator
        && e.get("role").is_none()
        && !c.role.may_invite(role)
    {
        e.add("role", "role_not_allowed");
    }
    let creator_jurisdiction = creator.filter(|c| c.role == Role::Staff).and_then(|c| c.user.jurisdiction_id.clone());

    let agency_ids = new_user_checks::agencies(conn, &mut e, role, &input.agency_ids, creator_jurisdiction.as_deref())?;
    let jurisdiction_id = new_user_checks::jurisdiction(
        conn,
        &mut e,
        role,
        input.jurisdiction.as_deref(),
        creator_jurisdiction.as_deref(),
    )?;
    if e.get("email").is_none() && users::by_email(conn, &email)?.is_some() {
        e.add("email", "email_taken");
    }
    if e.get("email") == Some("email_taken") && e.0.len() == 1 {
        return Err(AppError::Conflict("an account with this email already exists".into()));
    }
    e.into_result()?;
    Ok(CheckedUser { email, full_name, role, agency_ids, jurisdiction_id, title, locale, phone })
}

/// Inserts the user and its spokesperson assignments: primary for an agency
/// that has no primary spokesperson in force, deputy otherwise.
fn insert_user(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    c: &CheckedUser,
    password_hash: Option<String>,
    verified: bool,
) -> AppResult<User> {
    let user = User {
        id: db::new_id(),
        email: c.email.clone(),
        password_hash,
        full_name: c.full_name.clone(),
        role: c.role,
        outlet: None,
        press_card_no: None,
        phone: c.phone.clone(),
        title: c.title.clone(),
        locale: c.locale,
        email_verified_at: verified.then_some(now.naive_utc()),
        jurisdiction_id: c.jurisdiction_id.clone(),
        created_at: now.naive_utc(),
        disabled_at: None,
    };
    users::insert(conn, &user).map_err(|e| {
        if db::is_unique_violation(&e) {
            AppError::Conflict("an account with this email already exists".into())
        } else {
            e.into()
        }
    })?;
    for agency_id in &c.agency_ids {
        let primary = !users::agency_has_primary(conn, agency_id, now.naive_utc())?;
        users::insert_assignment(
            conn,
            &Assignment {
                id: db::new_id(),
                user_id: user.id.clone(),
                agency_id: agency_id.clone(),
                is_primary: primary,
                valid_from: now.naive_utc(),
                valid_to: None,
                created_at: now.naive_utc(),
            },
        )?;
    }
    Ok(user)
}

/// Invites a spokesperson, staff member or administrator: the account is created
/// without a password and a mail carries the link to choose one.
pub fn invite(conn: &mut DbConn, env: Env<'_>, inviter: &Principal, input: &NewUser) -> AppResult<UserView> {
    let (config, now) = (env.config, env.now);
    if !matches!(inviter.role, Role::Admin | Role::Staff) {
        return Err(AppError::Forbidden("only administrators and Department staff invite users".into()));
    }
    let user = db::write(conn, |conn| -> AppResult<User> {
        let c = check_new_user(conn, input, Some(inviter), false)?;
        let user = insert_user(conn, now, &c, None, false)?;
        let (token, hash) = secrets::new_token();
        tokens::insert(
            conn,
            &UserToken {
                id: hash,
                user_id: user.id.clone(),
                purpose: INVITE_PURPOSE.into(),
                created_at: now.naive_utc(),
                expires_at: (now + Duration::days(INVITE_TTL_DAYS)).naive_utc(),
                used_at: None,
                new_email: None,
            },
        )?;
        let agency_rows = if c.agency_ids.is_empty() { vec![] } else { agencies::by_ids(conn, &c.agency_ids)? };
        let province = c.jurisdiction_id.clone().or_else(|| agency_rows.first().map(|a| a.jurisdiction_id.clone()));
        audit::record(
            conn,
            env,
            Some(inviter.user.id.as_str()),
            audit::Change {
                action: "user.invite",
                target_kind: "user",
                target_id: &user.id,
                jurisdiction_id: province.as_deref(),
                before: None,
                after: Some(serde_json::json!({
                    "email": user.email, "full_name": user.full_name, "role": c.role,
                    "agency_ids": c.agency_ids, "jurisdiction_id": c.jurisdiction_id, "title": c.title,
                })),
            },
        )?;
        let agencies = agency_rows.into_iter().map(|a| a.name).collect();
        let notice = Notice::Invite {
            name: user.full_name.clone(),
            inviter: inviter.user.full_name.clone(),
            role: c.role,
            agencies,
            token,
        };
        mail::queue(conn, config, now, &recipient(&user), &notice)?;
        Ok(user)
    })?;
    view(conn, &user, now)
}

/// The account an invitation link is for, if the link is still usable.
pub fn invitation(conn: &mut DbConn, env: Env<'_>, token: &str) -> AppResult<Option<Account>> {
    let now = env.now;
    match tokens::usable(conn, &secrets::token_hash(token), INVITE_PURPOSE, now.naive_utc())? {
        Some(t) => Ok(users::by_id(conn, &t.user_id)?.as_ref().map(Account::from)),
        None => Ok(None),
    }
}

/// Whether the link is usable and the chosen password passes the rules:
/// checked before the password is hashed.
pub fn check_invite(conn: &mut DbConn, env: Env<'_>, token: &str, password: &str) -> AppResult<()> {
    let user = invitation(conn, env, token)?.ok_or_else(|| AppError::field("token", "invalid_token"))?;
    if let Some(p) = password::problem(password, &user.email) {
        return Err(AppError::field("password", p));
    }
    Ok(())
}

/// Sets the password (its hash) chosen from an invitation; the mailed link
/// proves the address. The link is used up in the same transaction.
pub fn accept_invite(conn: &mut DbConn, env: Env<'_>, token: &str, password_hash: &str) -> AppResult<User> {
    let now = env.now;
    db::write(conn, |conn| -> AppResult<User> {
        let t = tokens::consume(conn, &secrets::token_hash(token), INVITE_PURPOSE, now.naive_utc())?
            .ok_or_else(|| AppError::field("token", "invalid_token"))?;
        users::set_password(conn, &t.user_id, password_hash)?;
        users::mark_verified(conn, &t.user_id, now.naive_utc())?;
        users::by_id(conn, &t.user_id)?.ok_or_else(AppError::not_found)
    })
}

/// `tiepcan create-user`: any role, with a password, verified at once.
pub fn create_with_password(
    conn: &mut DbConn,
    hasher: &Arc<Hasher>,
    now: DateTime<Utc>,
    input: &NewUser,
    password: &str,
) -> AppResult<UserView> {
    let hash = {
        let email = crate::domain::account::normalize_email(&input.email);
        if let Some(p) = password::problem(password, &email) {
            return Err(AppError::field("password", p));
        }
        hasher.hash(password)?
    };
    let user = db::write(conn, |conn| -> AppResult<User> {
        let c = check_new_user(conn, input, None, true)?;
        insert_user(conn, now, &c, Some(hash), true)
    })?;
    view(conn, &user, now)
}
