//! User administration: the list with filters, resending an invitation,
//! deactivating and reactivating, changing a role or agencies, and mailing a
//! password-reset link. Administrators manage everyone; Department staff the
//! spokespeople of their own province's agencies (anyone else is not found
//! for them). Nobody deactivates or demotes the last active administrator.
//! Every change is one transaction with its audit entry.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::accounts::{INVITE_PURPOSE, Principal, UserView, view};
use super::error::{AppError, AppResult};
use super::{Env, Page, audit, new_user_checks, paging, password_reset, secrets};
use crate::db::models::{Assignment, User, UserToken};
use crate::db::user_admin::{self, Filter, Status};
use crate::db::{self, DbConn, agencies, sessions, tokens, users};
use crate::domain::account::Role;
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;
use crate::mail::{self, Notice, Recipient};

const INVITE_TTL_DAYS: i64 = 7;

/// An account as its administrators see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ManagedUser {
    #[serde(flatten)]
    pub user: UserView,
    /// `active`, `invited` (no password chosen yet) or `deactivated`.
    pub status: &'static str,
}

pub fn status_of(u: &User) -> Status {
    match (&u.disabled_at, &u.password_hash) {
        (Some(_), _) => Status::Deactivated,
        (None, None) => Status::Invited,
        (None, Some(_)) => Status::Active,
    }
}

pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::Active => "active",
        Status::Invited => "invited",
        Status::Deactivated => "deactivated",
    }
}

fn managed(conn: &mut DbConn, env: Env<'_>, u: &User) -> AppResult<ManagedUser> {
    Ok(ManagedUser { user: view(conn, u, env.now)?, status: status_name(status_of(u)) })
}

/// The list's query: each part optional, as the API and the page take it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// `admin`, `staff`, `spokesperson` or `reporter`.
    pub role: Option<String>,
    /// Spokespeople of this agency (in force or not).
    pub agency_id: Option<String>,
    /// `active`, `invited` or `deactivated`.
    pub status: Option<String>,
    /// Part of the name or the address.
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Who the caller may manage: everyone for an administrator, the spokespeople
/// of their province for Department staff.
fn scope(p: &Principal) -> AppResult<Option<String>> {
    match (p.role, &p.user.jurisdiction_id) {
        (Role::Admin, _) => Ok(None),
        (Role::Staff, Some(j)) => Ok(Some(j.clone())),
        _ => Err(AppError::Forbidden("only administrators and Department staff manage users".into())),
    }
}

/// A page of the accounts the caller manages, by name.
pub fn list(conn: &mut DbConn, env: Env<'_>, p: &Principal, q: &UserQuery) -> AppResult<Page<ManagedUser>> {
    let province = scope(p)?;
    let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let mut e = FieldErrors::new();
    let role = blank(&q.role).and_then(|r| {
        Role::parse(&r).or_else(|| {
            e.add("role", "invalid_role");
            None
        })
    });
    let status = blank(&q.status).and_then(|s| match s.as_str() {
        "active" => Some(Status::Active),
        "invited" => Some(Status::Invited),
        "deactivated" => Some(Status::Deactivated),
        _ => {
            e.add("status", "invalid_value");
            None
        }
    });
    let agency_id = blank(&q.agency_id);
    if agency_id.as_deref().is_some_and(|a| Id::parse(a).is_none()) {
        e.add("agency_id", "unknown_agency");
    }
    let text = e.optional("q", q.q.as_deref(), 100).map(|t| crate::domain::account::normalize_email(&t));
    e.into_result()?;
    let (page, per_page) = paging(q.page, q.per_page);
    let filter = Filter { role, agency_id, status, q: text, spokespeople_of_jurisdiction: province };
    let (rows, total) = user_admin::page(conn, &filter, (page - 1) * per_page, per_page)?;
    let items = rows.iter().map(|u| managed(conn, env, u)).collect::<AppResult<_>>()?;
    Ok(Page { items, total, page, per_page })
}

/// The account `id` if the caller manages it; not found otherwise, so its
/// existence does not leak.
fn target(conn: &mut DbConn, p: &Principal, id: &str) -> AppResult<User> {
    let province = scope(p)?;
    let user = users::by_id(conn, id)?.ok_or_else(AppError::not_found)?;
    if let Some(j) = province
        && !(user.role == Role::Spokesperson && user_admin::is_spokesperson_in(conn, &user.id, &j)?)
    {
        return Err(AppError::not_found());
    }
    Ok(user)
}

pub fn get(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &str) -> AppResult<ManagedUser> {
    let user = target(conn, p, id)?;
    managed(conn, env, &user)
}

/// The province an entry about this account belongs to (staff read their own).
fn province_of(conn: &mut DbConn, env: Env<'_>, u: &User) -> AppResult<Option<String>> {
    if u.jurisdiction_id.is_some() {
        return Ok(u.jurisdiction_id.clone());
    }
    let ids: Vec<String> =
        users::assignments_of_user(conn, &u.id, env.now.naive_utc())?.into_iter().map(|a| a.agency_id).collect();
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(agencies::by_ids(conn, &ids)?.into_iter().next().map(|a| a.jurisdiction_id))
}

fn record(
    conn: &mut DbConn,
    env: Env<'_>,
    p: &Principal,
    u: &User,
    action: &'static str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> AppResult<()> {
    let province = province_of(conn, env, u)?;
    audit::record(
        conn,
        env,
        Some(p.user.id.as_str()),
        audit::Change {
            action,
            target_kind: "user",
            target_id: &u.id,
            jurisdiction_id: province.as_deref(),
            before: Some(before),
            after: Some(after),
        },
    )
}

/// Refuses to leave the installation without an active administrator.
fn keep_an_admin(conn: &mut DbConn, u: &User) -> AppResult<()> {
    let active = user_admin::lock_active_admins(conn)?;
    if active.contains(&u.id) && active.len() <= 1 {
        return Err(AppError::Refused {
            code: "last_admin",
            message: "this is the last active administrator; make another one first".into(),
        });
    }
    Ok(())
}

/// Deactivates an account and ends its sessions at once, in one transaction.
pub fn deactivate(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &str) -> AppResult<ManagedUser> {
    let now = env.now.naive_utc();
    let user = db::write(conn, |conn| -> AppResult<User> {
        let user = target(conn, p, id)?;
        if user.disabled_at.is_some() {
            return Ok(user);
        }
        if user.role == Role::Admin {
            keep_an_admin(conn, &user)?;
        }
        let before = status_name(status_of(&user));
        user_admin::set_disabled(conn, &user.id, Some(now))?;
        let ended = sessions::revoke_all_of_user(conn, &user.id, None, now)?;
        // Links already mailed stop working too; reactivation can send new ones.
        for purpose in [INVITE_PURPOSE, password_reset::RESET_PURPOSE, super::email_change::EMAIL_CHANGE_PURPOSE] {
            tokens::expire_all(conn, &user.id, purpose, now)?;
        }
        record(
            conn,
            env,
            p,
            &user,
            "user.deactivate",
            json!({"status": before}),
            json!({"status": "deactivated", "sessions_ended": ended}),
        )?;
        users::by_id(conn, &user.id)?.ok_or_else(AppError::not_found)
    })?;
    managed(conn, env, &user)
}

pub fn reactivate(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &str) -> AppResult<ManagedUser> {
    let user = db::write(conn, |conn| -> AppResult<User> {
        let user = target(conn, p, id)?;
        if user.disabled_at.is_none() {
            return Ok(user);
        }
        user_admin::set_disabled(conn, &user.id, None)?;
        let user = users::by_id(conn, &user.id)?.ok_or_else(AppError::not_found)?;
        let after = status_name(status_of(&user));
        record(conn, env, p, &user, "user.reactivate", json!({"status": "deactivated"}), json!({"status": after}))?;
        Ok(user)
    })?;
    managed(conn, env, &user)
}

/// A new invitation link for an account that has not chosen a password yet;
/// the earlier links stop working.
pub fn resend_invite(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &str) -> AppResult<ManagedUser> {
    let (config, now) = (env.config, env.now);
    let user = db::write(conn, |conn| -> AppResult<User> {
        let user = target(conn, p, id)?;
        if status_of(&user) != Status::Invited {
            return Err(AppError::Refused {
                code: "not_invited",
                message: "this account is not waiting for an invitation".into(),
            });
        }
        tokens::expire_all(conn, &user.id, INVITE_PURPOSE, now.naive_utc())?;
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
        let ids: Vec<String> =
            users::assignments_of_user(conn, &user.id, now.naive_utc())?.into_iter().map(|a| a.agency_id).collect();
        let names = if ids.is_empty() { vec![] } else { agencies::by_ids(conn, &ids)? };
        let notice = Notice::Invite {
            name: user.full_name.clone(),
            inviter: p.user.full_name.clone(),
            role: user.role,
            agencies: names.into_iter().map(|a| a.name).collect(),
            token,
        };
        let to = Recipient {
            email: user.email.clone(),
            name: Some(user.full_name.clone()),
            locale: user.locale,
            user_id: None,
        };
        mail::queue(conn, config, now, &to, &notice)?;
        record(conn, env, p, &user, "user.invite_resend", json!({"status": "invited"}), json!({"status": "invited"}))?;
        Ok(user)
    })?;
    managed(conn, env, &user)
}

/// Mails the account a link to choose a new password (nobody types a
/// password for someone else).
pub fn send_password_reset(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &str) -> AppResult<ManagedUser> {
    let user = db::write(conn, |conn| -> AppResult<User> {
        let user = target(conn, p, id)?;
        if status_of(&user) != Status::Active {
            return Err(AppError::Refused {
                code: "not_active",
                message: "only an active account can be sent a password-reset link".into(),
            });
        }
        password_reset::issue(conn, env, &user)?;
        record(conn, env, p, &user, "user.password_reset_sent", json!({}), json!({"link_valid_minutes": 60}))?;
        Ok(user)
    })?;
    managed(conn, env, &user)
}

/// A change of role or agencies; what is absent stays as it is.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"role": "spokesperson", "agency_ids": ["01938f6e-7c1a-7a43-9a43-2f1c0e5a9b10"]}))]
pub struct UserChange {
    pub role: Option<String>,
    pub agency_ids: Option<Vec<String>>,
    /// Jurisdiction code, for Department staff.
    pub jurisdiction: Option<String>,
}

struct Checked {
    role: Role,
    agency_ids: Vec<String>,
    jurisdiction_id: Option<String>,
}

fn check_change(
    conn: &mut DbConn,
    p: &Principal,
    user: &User,
    current_agencies: &[String],
    c: &UserChange,
) -> AppResult<Checked> {
    let mut e = FieldErrors::new();
    let role = match c.role.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => user.role,
        Some(r) => match Role::parse(r) {
            Some(r) if r != Role::Reporter && user.role != Role::Reporter => r,
            Some(r) if r == user.role => r,
            _ => {
                e.add("role", "invalid_role");
                user.role
            }
        },
    };
    // Department staff keep roles as they are; administrators give what they may invite.
    if role != user.role && (p.role == Role::Staff || !p.role.may_invite(role)) {
        e.add("role", "role_not_allowed");
    }
    let staff_province = (p.role == Role::Staff).then(|| p.user.jurisdiction_id.clone()).flatten();
    let current_rows = agencies::by_ids(conn, current_agencies)?;
    // Staff see and change only their province's agencies; the others stay as they were.
    let (mine, others): (Vec<_>, Vec<_>) =
        current_rows.into_iter().partition(|a| staff_province.as_ref().is_none_or(|j| &a.jurisdiction_id == j));
    let wanted = match (&c.agency_ids, role) {
        (Some(ids), _) => ids.clone(),
        (None, Role::Spokesperson) => mine.into_iter().map(|a| a.id).collect(),
        (None, _) => vec![],
    };
    let mut agency_ids = if role == Role::Spokesperson && wanted.is_empty() && !others.is_empty() {
        vec![]
    } else {
        new_user_checks::agencies(conn, &mut e, role, &wanted, staff_province.as_deref())?
    };
    if role == Role::Spokesperson {
        agency_ids.extend(others.into_iter().map(|a| a.id));
    }
    let jurisdiction_id = match (role, c.jurisdiction.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
        (Role::Staff, None) if user.role == Role::Staff && user.jurisdiction_id.is_some() => {
            user.jurisdiction_id.clone()
        }
        (r, code) => new_user_checks::jurisdiction(conn, &mut e, r, code, staff_province.as_deref())?,
    };
    e.into_result()?;
    Ok(Checked { role, agency_ids, jurisdiction_id })
}

/// Changes an account's role or agencies: assignments to agencies no longer
/// named end now, new ones start now (primary where the agency has none).
pub fn update(conn: &mut DbConn, env: Env<'_>, p: &Principal, id: &str, c: &UserChange) -> AppResult<ManagedUser> {
    let now = env.now.naive_utc();
    let user = db::write(conn, |conn| -> AppResult<User> {
        let user = target(conn, p, id)?;
        let current: Vec<String> =
            users::assignments_of_user(conn, &user.id, now)?.into_iter().map(|a| a.agency_id).collect();
        let checked = check_change(conn, p, &user, &current, c)?;
        if user.role == Role::Admin && checked.role != Role::Admin {
            keep_an_admin(conn, &user)?;
        }
        let gone: Vec<String> = current.iter().filter(|a| !checked.agency_ids.contains(a)).cloned().collect();
        if !gone.is_empty() {
            user_admin::end_assignments(conn, &user.id, Some(&gone), now)?;
        }
        for agency_id in checked.agency_ids.iter().filter(|a| !current.contains(a)) {
            let primary = !users::agency_has_primary(conn, agency_id, now)?;
            users::insert_assignment(
                conn,
                &Assignment {
                    id: db::new_id(),
                    user_id: user.id.clone(),
                    agency_id: agency_id.clone(),
                    is_primary: primary,
                    valid_from: now,
                    valid_to: None,
                    created_at: now,
                },
            )?;
        }
        user_admin::set_role(conn, &user.id, checked.role, checked.jurisdiction_id.as_deref())?;
        let mut sorted = checked.agency_ids.clone();
        sorted.sort();
        let mut before_agencies = current.clone();
        before_agencies.sort();
        record(
            conn,
            env,
            p,
            &user,
            "user.update",
            json!({"role": user.role, "agency_ids": before_agencies, "jurisdiction_id": user.jurisdiction_id}),
            json!({"role": checked.role, "agency_ids": sorted, "jurisdiction_id": checked.jurisdiction_id}),
        )?;
        users::by_id(conn, &user.id)?.ok_or_else(AppError::not_found)
    })?;
    managed(conn, env, &user)
}

/// An agency a page may offer to the caller when assigning spokespeople.
pub struct AgencyChoice {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub jurisdiction: String,
}

/// The agencies the caller may assign: every one for an administrator, the
/// province's for Department staff (at most a few thousand, by name).
pub fn agency_choices(conn: &mut DbConn, p: &Principal) -> AppResult<Vec<AgencyChoice>> {
    let province = scope(p)?;
    let code = match province {
        Some(id) => Some(user_admin::jurisdiction_code(conn, &id)?.ok_or_else(AppError::not_found)?),
        None => None,
    };
    let (rows, _) = agencies::search(conn, &[], code.as_deref(), true, 0, 5000)?;
    Ok(rows
        .into_iter()
        .map(|(a, j)| AgencyChoice { id: a.id, name: a.name, name_en: a.name_en, jurisdiction: j.code })
        .collect())
}

/// What the invitation and change forms offer the caller besides the roles:
/// the agencies they may assign, and (administrators only) the provinces,
/// since Department staff's colleagues join their own province.
pub fn form_choices(
    conn: &mut DbConn,
    p: &Principal,
) -> AppResult<(Vec<AgencyChoice>, Vec<super::directory::JurisdictionView>)> {
    let agencies = agency_choices(conn, p)?;
    let jurisdictions = if p.role == Role::Admin { super::directory::list_jurisdictions(conn)? } else { Vec::new() };
    Ok((agencies, jurisdictions))
}
