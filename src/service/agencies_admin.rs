//! Keeping one agency: its details, whether it is active, and the terms of
//! its spokespeople (primary and deputies, each valid from one instant until
//! another). Administrators work anywhere, Department staff in their own
//! province; an agency outside the caller's scope is not found. Every change is
//! written to the audit log in its own transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::accounts::Principal;
use super::audit;
use super::directory::{agency_fields, search_text};
use super::error::{AppError, AppResult};
use super::requests::utc;
use super::{Env, Page};
use crate::db::models::{Agency, Assignment, Jurisdiction};
use crate::db::requests::{Filters, Scope};
use crate::db::{self, DbConn, agencies, jurisdictions, requests, users};
use crate::domain::account::Role;
use crate::domain::directory::{AgencyLevel, RawAgency, check_agency_fields};
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;

/// Whether `actor` may keep the directory of `jurisdiction_id`.
pub fn may_edit(actor: &Principal, jurisdiction_id: &str) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Staff => actor.user.jurisdiction_id.as_deref() == Some(jurisdiction_id),
        _ => false,
    }
}

fn editors_only(actor: &Principal) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Staff => Ok(()),
        _ => Err(AppError::Forbidden("only administrators and Department staff edit the directory".into())),
    }
}

/// The agency, if the caller may keep it; not found otherwise, so that its
/// existence does not leak to another province.
fn agency_in_scope(conn: &mut DbConn, actor: &Principal, id: &Id) -> AppResult<(Agency, Jurisdiction)> {
    editors_only(actor)?;
    match agencies::with_jurisdiction(conn, id.as_str())? {
        Some((a, j)) if may_edit(actor, &a.jurisdiction_id) => Ok((a, j)),
        _ => Err(AppError::not_found()),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TermView {
    pub id: String,
    pub user_id: String,
    pub full_name: String,
    pub email: String,
    pub title: Option<String>,
    pub primary: bool,
    pub valid_from: DateTime<Utc>,
    /// Exclusive; `null` while the term has no end.
    pub valid_to: Option<DateTime<Utc>>,
    /// Whether the term holds now.
    pub in_force: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpenRequestView {
    pub id: String,
    pub reference: String,
    pub subject: String,
    pub status: String,
    pub due_at: Option<DateTime<Utc>>,
}

/// An agency as its keepers see it: details, who spoke for it when, and its
/// open requests (which stay with it when it is deactivated).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgencyDetail {
    pub id: String,
    pub jurisdiction: String,
    pub jurisdiction_id: String,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: AgencyLevel,
    pub parent_id: Option<String>,
    pub parent_code: Option<String>,
    pub email: Option<String>,
    pub active: bool,
    pub terms: Vec<TermView>,
    pub open_requests: Page<OpenRequestView>,
}

/// The open requests listed on an agency's page.
const OPEN_SHOWN: i64 = 100;

pub fn detail(conn: &mut DbConn, env: Env<'_>, actor: &Principal, id: &Id) -> AppResult<AgencyDetail> {
    let (a, j) = agency_in_scope(conn, actor, id)?;
    detail_of(conn, env, a, j)
}

fn detail_of(conn: &mut DbConn, env: Env<'_>, a: Agency, j: Jurisdiction) -> AppResult<AgencyDetail> {
    let now = env.now;
    let terms = users::terms_of_agency(conn, &a.id)?
        .into_iter()
        .map(|(t, u)| {
            let (from, to) = (utc(t.valid_from), t.valid_to.map(utc));
            TermView {
                id: t.id,
                user_id: u.id,
                full_name: u.full_name,
                email: u.email,
                title: u.title,
                primary: t.is_primary,
                valid_from: from,
                valid_to: to,
                in_force: from <= now && to.is_none_or(|to| now < to) && u.disabled_at.is_none(),
            }
        })
        .collect();
    let filters = Filters { open_only: true, ..Filters::default() };
    let (rows, total) = requests::list(conn, &Scope::Agencies(vec![a.id.clone()]), &filters, 0, OPEN_SHOWN)?;
    let items = rows
        .into_iter()
        .map(|r| OpenRequestView {
            id: r.id,
            reference: r.reference,
            subject: r.subject,
            status: r.status.as_str().to_string(),
            due_at: r.due_at.map(utc),
        })
        .collect();
    let parent_code = match &a.parent_id {
        Some(p) => agencies::by_id(conn, p)?.map(|p| p.code),
        None => None,
    };
    Ok(AgencyDetail {
        id: a.id,
        jurisdiction: j.code,
        jurisdiction_id: j.id,
        code: a.code,
        name: a.name,
        name_en: a.name_en,
        level: a.level,
        parent_id: a.parent_id,
        parent_code,
        email: a.email,
        active: a.active,
        terms,
        open_requests: Page { items, total, page: 1, per_page: OPEN_SHOWN },
    })
}

/// A row of the keepers' list of agencies.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyRow {
    pub id: String,
    pub jurisdiction: String,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub level: AgencyLevel,
    pub active: bool,
}

/// Every agency the caller keeps, deactivated ones included.
pub fn list(conn: &mut DbConn, actor: &Principal) -> AppResult<Vec<AgencyRow>> {
    editors_only(actor)?;
    let scope = if actor.role == Role::Admin { None } else { actor.user.jurisdiction_id.clone() };
    if actor.role != Role::Admin && scope.is_none() {
        return Ok(vec![]);
    }
    Ok(agencies::all_of(conn, scope.as_deref())?
        .into_iter()
        .map(|(a, j)| AgencyRow {
            id: a.id,
            jurisdiction: j.code,
            code: a.code,
            name: a.name,
            name_en: a.name_en,
            level: a.level,
            active: a.active,
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"name": "Sở Y tế", "name_en": "Department of Health", "level": "department", "parent_code": null, "email": "syt@thainguyen.example.vn", "active": true}))]
pub struct EditAgency {
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    pub name_en: Option<String>,
    #[serde(default)]
    #[schema(required = true)]
    pub level: String,
    /// The code of the parent agency in the same jurisdiction.
    pub parent_code: Option<String>,
    pub email: Option<String>,
    /// False deactivates the agency: its open requests stay, new ones go to the
    /// Department, and it leaves the directory's search.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Changes an agency's details (its code and jurisdiction stay: they are its
/// key in import files).
pub fn update(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Principal,
    id: &Id,
    input: &EditAgency,
) -> AppResult<AgencyDetail> {
    db::write(conn, |conn| {
        let (old, j) = agency_in_scope(conn, actor, id)?;
        let mut e = FieldErrors::new();
        let d = check_agency_fields(
            &mut e,
            RawAgency {
                jurisdiction: &j.code,
                code: &old.code,
                name: &input.name,
                name_en: input.name_en.as_deref(),
                level: &input.level,
                parent_code: input.parent_code.as_deref(),
                email: input.email.as_deref(),
            },
        );
        let mut parent_id = None;
        if let Some(pc) = d.parent_code.as_ref().filter(|_| e.get("parent_code").is_none()) {
            match agencies::by_code(conn, &j.id, pc)? {
                Some(p) if makes_cycle(conn, &old.id, &p)? => e.add("parent_code", "parent_cycle"),
                Some(p) => parent_id = Some(p.id),
                None => e.add("parent_code", "unknown_parent"),
            }
        }
        e.into_result()?;
        let new = Agency {
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            level: d.level,
            parent_id,
            email: d.email.clone(),
            search_text: search_text(&d),
            active: input.active,
            ..old.clone()
        };
        let (before, after) = (agency_fields(&old), agency_fields(&new));
        if before != after {
            agencies::update_details(conn, &new)?;
            let action = match (old.active, new.active) {
                (true, false) => "agency.deactivate",
                (false, true) => "agency.activate",
                _ => "agency.update",
            };
            let change = audit::Change {
                action,
                target_kind: "agency",
                target_id: &new.id,
                jurisdiction_id: Some(&new.jurisdiction_id),
                before: Some(before),
                after: Some(after),
            };
            audit::record(conn, env, Some(actor.user.id.as_str()), change)?;
        }
        detail_of(conn, env, new, j)
    })
}

/// Whether making `parent` the parent of `agency_id` would close a loop.
fn makes_cycle(conn: &mut DbConn, agency_id: &str, parent: &Agency) -> AppResult<bool> {
    let mut at = Some(parent.clone());
    // A directory is shallow; the bound only guards against a loop already stored.
    for _ in 0..64 {
        match at {
            None => return Ok(false),
            Some(a) if a.id == agency_id => return Ok(true),
            Some(a) => at = a.parent_id.as_deref().map(|p| agencies::by_id(conn, p)).transpose()?.flatten(),
        }
    }
    Ok(true)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"email": "phatngon@syt.thainguyen.example.vn", "primary": false, "valid_from": "2026-12-05T00:00:00+07:00", "valid_to": null}))]
pub struct NewTerm {
    /// The address of a spokesperson's account.
    #[serde(default)]
    #[schema(required = true)]
    pub email: String,
    /// The primary spokesperson (one at a time); otherwise a deputy.
    #[serde(default)]
    pub primary: bool,
    /// RFC 3339 with offset.
    #[serde(default)]
    #[schema(required = true)]
    pub valid_from: String,
    /// RFC 3339 with offset, exclusive; absent or `null` for no end.
    pub valid_to: Option<String>,
}

fn instant(e: &mut FieldErrors, field: &str, s: &str) -> Option<DateTime<Utc>> {
    if s.trim().is_empty() {
        e.add(field, "required");
        return None;
    }
    match DateTime::parse_from_rfc3339(s.trim()) {
        Ok(t) => Some(t.to_utc()),
        Err(_) => {
            e.add(field, "invalid_datetime");
            None
        }
    }
}

fn term_fields(t: &Assignment, email: &str) -> serde_json::Value {
    json!({
        "agency_id": t.agency_id, "user_id": t.user_id, "email": email, "primary": t.is_primary,
        "valid_from": utc(t.valid_from), "valid_to": t.valid_to.map(utc),
    })
}

/// Whether two half-open periods share an instant.
fn overlaps(a: (DateTime<Utc>, Option<DateTime<Utc>>), b: (DateTime<Utc>, Option<DateTime<Utc>>)) -> bool {
    a.1.is_none_or(|end| b.0 < end) && b.1.is_none_or(|end| a.0 < end)
}

/// Names a spokesperson (primary or deputy) of the agency for a period.
pub fn add_term(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Principal,
    agency: &Id,
    input: &NewTerm,
) -> AppResult<AgencyDetail> {
    db::write(conn, |conn| {
        let (a, j) = agency_in_scope(conn, actor, agency)?;
        let mut e = FieldErrors::new();
        let email = crate::domain::account::check_email(&mut e, "email", &input.email);
        let from = instant(&mut e, "valid_from", &input.valid_from);
        let to = match input.valid_to.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => instant(&mut e, "valid_to", s),
            None => None,
        };
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            e.add("valid_to", "ends_before_start");
        }
        let user = if e.get("email").is_none() { users::by_email(conn, &email)? } else { None };
        match &user {
            Some(u) if u.role == Role::Spokesperson && u.disabled_at.is_none() => {}
            _ if e.get("email").is_some() => {}
            _ => e.add("email", "not_a_spokesperson"),
        }
        if let (Some(f), true) = (from, input.primary) {
            let clash = users::terms_of_agency(conn, &a.id)?
                .into_iter()
                .any(|(t, _)| t.is_primary && overlaps((f, to), (utc(t.valid_from), t.valid_to.map(utc))));
            if clash {
                e.add("primary", "primary_overlap");
            }
        }
        e.into_result()?;
        let (Some(user), Some(from)) = (user, from) else {
            return Err(AppError::Internal(anyhow::anyhow!("checked term lost its user or start")));
        };
        let t = Assignment {
            id: db::new_id(),
            user_id: user.id.clone(),
            agency_id: a.id.clone(),
            is_primary: input.primary,
            valid_from: from.naive_utc(),
            valid_to: to.map(|t| t.naive_utc()),
            created_at: env.now.naive_utc(),
        };
        users::insert_assignment(conn, &t)?;
        let change = audit::Change {
            action: "spokesperson.assign",
            target_kind: "spokesperson_term",
            target_id: &t.id,
            jurisdiction_id: Some(&a.jurisdiction_id),
            before: None,
            after: Some(term_fields(&t, &user.email)),
        };
        audit::record(conn, env, Some(actor.user.id.as_str()), change)?;
        detail_of(conn, env, a, j)
    })
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"valid_to": "2027-01-01T00:00:00+07:00"}))]
pub struct EndTerm {
    /// RFC 3339 with offset, exclusive; `null` removes the end.
    pub valid_to: Option<String>,
}

/// Sets or removes the end of a term.
pub fn end_term(
    conn: &mut DbConn,
    env: Env<'_>,
    actor: &Principal,
    agency: &Id,
    term: &Id,
    input: &EndTerm,
) -> AppResult<AgencyDetail> {
    db::write(conn, |conn| {
        let (a, j) = agency_in_scope(conn, actor, agency)?;
        let old = match users::assignment(conn, term.as_str())? {
            Some(t) if t.agency_id == a.id => t,
            _ => return Err(AppError::not_found()),
        };
        let mut e = FieldErrors::new();
        let to = match input.valid_to.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => instant(&mut e, "valid_to", s),
            None => None,
        };
        if to.is_some_and(|t| t <= utc(old.valid_from)) {
            e.add("valid_to", "ends_before_start");
        }
        if old.is_primary && to.is_none_or(|t| old.valid_to.is_none_or(|o| t > utc(o))) {
            let clash = users::terms_of_agency(conn, &a.id)?.into_iter().any(|(t, _)| {
                t.id != old.id
                    && t.is_primary
                    && overlaps((utc(old.valid_from), to), (utc(t.valid_from), t.valid_to.map(utc)))
            });
            if clash {
                e.add("valid_to", "primary_overlap");
            }
        }
        e.into_result()?;
        let new = Assignment { valid_to: to.map(|t| t.naive_utc()), ..old.clone() };
        if new.valid_to != old.valid_to {
            users::set_assignment_end(conn, &old.id, new.valid_to)?;
            let email = users::by_id(conn, &old.user_id)?.map(|u| u.email).unwrap_or_default();
            let change = audit::Change {
                action: "spokesperson.end",
                target_kind: "spokesperson_term",
                target_id: &old.id,
                jurisdiction_id: Some(&a.jurisdiction_id),
                before: Some(term_fields(&old, &email)),
                after: Some(term_fields(&new, &email)),
            };
            audit::record(conn, env, Some(actor.user.id.as_str()), change)?;
        }
        detail_of(conn, env, a, j)
    })
}

/// The jurisdiction whose agencies `actor` keeps, by code (staff: only theirs).
pub fn jurisdiction_for_export(
    conn: &mut DbConn,
    actor: &Principal,
    code: Option<&str>,
) -> AppResult<Option<Jurisdiction>> {
    editors_only(actor)?;
    let code = code.map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
    match (actor.role, code) {
        (Role::Admin, None) => Ok(None),
        (_, Some(c)) => match jurisdictions::by_code(conn, &c)? {
            Some(j) if may_edit(actor, &j.id) => Ok(Some(j)),
            _ => Err(AppError::not_found()),
        },
        (_, None) => match actor.user.jurisdiction_id.as_deref() {
            Some(j) => Ok(Some(jurisdictions::by_id(conn, j)?.ok_or_else(AppError::not_found)?)),
            None => Err(AppError::not_found()),
        },
    }
}
