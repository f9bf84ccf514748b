//! Administration pages: the audit log (administrators, and Department staff
//! for their province), the outbox with "send again", and the jurisdictions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{AdminOnly, CsrfForm, PageUser, SignedIn, csrf_field};
use super::page_errors::PageResult;
use super::posted::Posted;
use super::{Ctx, redirect, render};
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;
use crate::service::audit_log::{self, AuditEntry};
use crate::service::directory::{self, JurisdictionView};
use crate::service::jurisdictions_admin::{self, EditJurisdiction};
use crate::service::outbox_admin::{self, OutboxOverview};
use crate::service::{AppError, Page};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

fn pages<T>(p: &Page<T>) -> i64 {
    ((p.total + p.per_page - 1) / p.per_page).max(1)
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
pub struct AuditPage {
    pub ctx: Ctx,
    pub log: Page<AuditEntry>,
    pub pages: i64,
}

impl AuditPage {
    fn at(&self, t: &DateTime<Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
    fn action(&self, a: &str) -> String {
        self.ctx.t.get(&format!("adm.action.{}", a.replace('.', "_"))).unwrap_or(a).to_string()
    }
    /// The fields that differ, as `field: before → after`; every field for a creation.
    fn changes(&self, e: &AuditEntry) -> Vec<String> {
        let empty = serde_json::Map::new();
        let before = e.before.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
        let after = e.after.as_ref().and_then(|v| v.as_object()).unwrap_or(&empty);
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        let show = |v: Option<&serde_json::Value>| match v {
            None | Some(serde_json::Value::Null) => "—".to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        keys.into_iter()
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| {
                if e.before.is_none() {
                    format!("{k}: {}", show(after.get(k)))
                } else {
                    format!("{k}: {} → {}", show(before.get(k)), show(after.get(k)))
                }
            })
            .collect()
    }
}

pub async fn audit_log(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    q: web::Query<PageQuery>,
) -> PageResult {
    let page = q.page;
    let (user, log) = state.page(&req, &who, move |conn, env, p| audit_log::list(conn, env, p, page, Some(50))).await?;
    let ctx = Ctx::new(&req, &user, "adm.audit_title");
    let pages = pages(&log);
    Ok(render(StatusCode::OK, &AuditPage { ctx, log, pages }))
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
pub struct OutboxPage {
    pub ctx: Ctx,
    pub o: OutboxOverview,
    pub pages: i64,
    pub resent: bool,
}

impl OutboxPage {
    fn at(&self, t: &DateTime<Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
}

pub async fn outbox(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<AdminOnly>,
    q: web::Query<PageQuery>,
) -> PageResult {
    let page = q.page;
    let (user, o) = state.page(&req, &who, move |conn, _, p| outbox_admin::overview(conn, p, page, Some(50))).await?;
    let ctx = Ctx::new(&req, &user, "adm.outbox_title");
    let pages = pages(&o.troubled);
    let resent = req.query_string().contains("resent=1");
    Ok(render(StatusCode::OK, &OutboxPage { ctx, o, pages, resent }))
}

#[derive(Debug, Default, Deserialize)]
pub struct PlainForm {
    #[serde(default)]
    csrf: String,
}

pub async fn send_again(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<AdminOnly>,
    path: web::Path<Id>,
    CsrfForm(_): CsrfForm<PlainForm>,
) -> PageResult {
    let id = path.into_inner();
    state
        .page(&req, &who, move |conn, env, p| match outbox_admin::send_again(conn, env, p, &id) {
            Ok(_) | Err(AppError::Conflict(_)) => Ok(()),
            Err(e) => Err(e),
        })
        .await?;
    state.wake_mailer();
    Ok(redirect("/admin/outbox?resent=1"))
}

#[derive(Template)]
#[template(path = "admin_jurisdictions.html")]
pub struct JurisdictionsPage {
    pub ctx: Ctx,
    pub items: Vec<JurisdictionView>,
    pub errors: Vec<String>,
    pub saved: bool,
}

impl JurisdictionsPage {
    fn hours(&self, j: &JurisdictionView) -> String {
        j.office_hours.iter().map(|[a, b]| format!("{a}-{b}")).collect::<Vec<_>>().join(", ")
    }
}

fn jurisdictions_page(
    req: &HttpRequest,
    user: &PageUser,
    items: Vec<JurisdictionView>,
    errors: FieldErrors,
) -> HttpResponse {
    let ctx = Ctx::new(req, user, "adm.jurisdictions_title");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let errors = errors.0.keys().map(|f| format!("{f}: {}", ctx.field_error(&errors, f).unwrap_or_default())).collect();
    let saved = req.query_string().contains("saved=1");
    render(status, &JurisdictionsPage { ctx, items, errors, saved })
}

pub async fn jurisdictions(state: web::Data<AppState>, req: HttpRequest, who: SignedIn<AdminOnly>) -> PageResult {
    let (user, items) = state.page(&req, &who, |conn, _, _| directory::list_jurisdictions(conn)).await?;
    Ok(jurisdictions_page(&req, &user, items, FieldErrors::new()))
}

#[derive(Debug, Default, Deserialize)]
pub struct JurisdictionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    department_name: String,
    #[serde(default)]
    department_email: String,
    /// `07:30-11:30, 13:00-17:00`.
    #[serde(default)]
    office_hours: String,
}

/// `07:30-11:30, 13:00-17:00` as pairs; a piece that is no pair is kept whole
/// so that the service refuses it by name.
fn hours_of(s: &str) -> Vec<[String; 2]> {
    s.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once(['-', '–']) {
            Some((a, b)) => [a.trim().to_string(), b.trim().to_string()],
            None => [p.to_string(), String::new()],
        })
        .collect()
}

pub async fn jurisdiction_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<AdminOnly>,
    path: web::Path<Id>,
    CsrfForm(form): CsrfForm<JurisdictionForm>,
) -> PageResult {
    let input = EditJurisdiction {
        name: form.name,
        department_name: form.department_name,
        department_email: form.department_email,
        office_hours: Some(hours_of(&form.office_hours)),
    };
    let id = path.into_inner();
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            let done = jurisdictions_admin::update(conn, env, p, &id, &input);
            Posted::of(done, || directory::list_jurisdictions(conn))
        })
        .await?;
    match posted {
        Posted::Done(_) => Ok(redirect("/admin/jurisdictions?saved=1")),
        Posted::Invalid(e, items) => Ok(jurisdictions_page(&req, &user, items, e)),
    }
}

csrf_field!(PlainForm, JurisdictionForm);
