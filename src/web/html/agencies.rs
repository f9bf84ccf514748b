//! The directory's keepers' pages (administrators; Department staff for their
//! province): the list of agencies with a form for a new one, one agency's
//! page (details, active or not, who spoke for it when, its open requests),
//! the CSV import as upload → preview → confirm, and the export.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;

use super::extract::{CsrfForm, PageUser, SignedIn, csrf_field};
use super::page_errors::{OrPage, PageError, PageResult};
use super::posted::Posted;
use super::{Ctx, redirect, render};
use crate::domain::account::Role;
use crate::domain::calendar::start_of_local_day;
use crate::domain::directory::AgencyLevel;
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;
use crate::service::AppError;
use crate::service::agencies_admin::{self, AgencyDetail, AgencyRow, EditAgency, EndTerm, NewTerm};
use crate::service::agency_import::{self, ImportPreview};
use crate::service::directory::{self, ImportOutcome, ImportSummary, NewAgency};
use crate::web::AppState;
use crate::web::{csrf, upload};

/// The largest directory file the import page takes (the confirmation carries
/// it back in a form field).
pub const IMPORT_PAGE_MAX: u64 = 1024 * 1024;

fn errors_text(ctx: &Ctx, errors: &FieldErrors) -> Vec<String> {
    errors
        .0
        .keys()
        .map(|f| {
            format!(
                "{}: {}",
                ctx.t.get(&format!("adm.field_{f}")).unwrap_or(f),
                ctx.field_error(errors, f).unwrap_or_default()
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin_agencies.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub rows: Vec<AgencyRow>,
    pub errors: Vec<String>,
    pub form: AgencyForm,
    pub levels: Vec<(&'static str, String)>,
}

fn levels(ctx: &Ctx) -> Vec<(&'static str, String)> {
    AgencyLevel::ALL.iter().map(|l| (l.as_str(), ctx.t.t(&format!("level.{}", l.as_str())).to_string())).collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct AgencyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub jurisdiction: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub parent_code: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub active: Option<String>,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

fn list_page(
    req: &HttpRequest,
    user: &PageUser,
    rows: Vec<AgencyRow>,
    form: AgencyForm,
    errors: FieldErrors,
) -> HttpResponse {
    let ctx = Ctx::new(req, user, "adm.agencies_title");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let errors = errors_text(&ctx, &errors);
    let levels = levels(&ctx);
    render(status, &ListPage { ctx, rows, errors, form, levels })
}

pub async fn list(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> PageResult {
    let (user, rows) = state.page(&req, &who, |conn, _, p| agencies_admin::list(conn, p)).await?;
    let form = AgencyForm { jurisdiction: String::new(), level: "department".into(), ..AgencyForm::default() };
    Ok(list_page(&req, &user, rows, form, FieldErrors::new()))
}

pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<AgencyForm>,
) -> PageResult {
    let input = NewAgency {
        jurisdiction: form.jurisdiction.clone(),
        code: form.code.clone(),
        name: form.name.clone(),
        name_en: some(&form.name_en),
        level: form.level.clone(),
        parent_code: some(&form.parent_code),
        email: some(&form.email),
    };
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            Posted::of(directory::create_agency(conn, env, Some(p), &input), || agencies_admin::list(conn, p))
        })
        .await?;
    match posted {
        Posted::Done(a) => Ok(redirect(&format!("/admin/agencies/{}?saved=1", a.id))),
        Posted::Invalid(e, rows) => Ok(list_page(&req, &user, rows, form, e)),
    }
}

#[derive(Template)]
#[template(path = "admin_agency.html")]
pub struct DetailPage {
    pub ctx: Ctx,
    pub a: AgencyDetail,
    pub errors: Vec<String>,
    pub saved: bool,
    pub levels: Vec<(&'static str, String)>,
}

impl DetailPage {
    fn at(&self, t: &DateTime<Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
    fn status_name(&self, s: &str) -> String {
        self.ctx.t.t(&format!("status.{s}")).to_string()
    }
}

fn detail_page(req: &HttpRequest, user: &PageUser, a: AgencyDetail, errors: FieldErrors) -> HttpResponse {
    let ctx = Ctx::new(req, user, "adm.agency_title");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let saved = errors.is_empty() && req.query_string().contains("saved=1");
    let errors = errors_text(&ctx, &errors);
    let levels = levels(&ctx);
    render(status, &DetailPage { ctx, a, errors, saved, levels })
}

pub async fn detail(state: web::Data<AppState>, req: HttpRequest, who: SignedIn, path: web::Path<Id>) -> PageResult {
    let id = path.into_inner();
    let (user, a) = state.page(&req, &who, move |conn, env, p| agencies_admin::detail(conn, env, p, &id)).await?;
    Ok(detail_page(&req, &user, a, FieldErrors::new()))
}

/// The answer to an agency page's form: back to the page, or the page with the errors.
fn after(req: &HttpRequest, user: &PageUser, id: Id, posted: Posted<AgencyDetail, AgencyDetail>) -> PageResult {
    match posted {
        Posted::Done(_) => Ok(redirect(&format!("/admin/agencies/{id}?saved=1"))),
        Posted::Invalid(e, a) => Ok(detail_page(req, user, a, e)),
    }
}

pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<Id>,
    CsrfForm(form): CsrfForm<AgencyForm>,
) -> PageResult {
    let id = path.into_inner();
    let input = EditAgency {
        name: form.name,
        name_en: some(&form.name_en),
        level: form.level,
        parent_code: some(&form.parent_code),
        email: some(&form.email),
        active: form.active.is_some(),
    };
    let id2 = id.clone();
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            let done = agencies_admin::update(conn, env, p, &id2, &input);
            Posted::of(done, || agencies_admin::detail(conn, env, p, &id2))
        })
        .await?;
    after(&req, &user, id, posted)
}

/// A day typed in a date field (`yyyy-mm-dd`) or as the pages show dates
/// (`dd/mm/yyyy`): the term starts (or ends) at the start of that day, Vietnam time.
fn start_of_day(s: &str) -> Option<String> {
    let s = s.trim();
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y")).ok()?;
    // Far years are typing mistakes, and would overflow the arithmetic below.
    if !(1900..=2200).contains(&d.year()) {
        return None;
    }
    Some(start_of_local_day(d).to_rfc3339())
}

/// The date as typed when it is not one: the service then names the field.
fn day_field(s: &str) -> Option<String> {
    if s.trim().is_empty() { None } else { Some(start_of_day(s).unwrap_or_else(|| s.trim().to_string())) }
}

#[derive(Debug, Default, Deserialize)]
pub struct TermForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    primary: Option<String>,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

pub async fn add_term(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<Id>,
    CsrfForm(form): CsrfForm<TermForm>,
) -> PageResult {
    let id = path.into_inner();
    let input = NewTerm {
        email: form.email,
        primary: form.primary.is_some(),
        valid_from: day_field(&form.valid_from).unwrap_or_default(),
        valid_to: day_field(&form.valid_to),
    };
    let id2 = id.clone();
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            let done = agencies_admin::add_term(conn, env, p, &id2, &input);
            Posted::of(done, || agencies_admin::detail(conn, env, p, &id2))
        })
        .await?;
    after(&req, &user, id, posted)
}

pub async fn end_term(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<(Id, Id)>,
    CsrfForm(form): CsrfForm<TermForm>,
) -> PageResult {
    let (id, term) = path.into_inner();
    let input = EndTerm { valid_to: day_field(&form.valid_to) };
    let id2 = id.clone();
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            let done = agencies_admin::end_term(conn, env, p, &id2, &term, &input);
            Posted::of(done, || agencies_admin::detail(conn, env, p, &id2))
        })
        .await?;
    after(&req, &user, id, posted)
}

pub async fn export(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> Result<HttpResponse, PageError> {
    let (_, text) = state.page(&req, &who, move |conn, _, p| agency_import::export_csv(conn, p, None)).await?;
    Ok(crate::web::api::agencies::csv_download(text))
}

#[derive(Template)]
#[template(path = "admin_import.html")]
pub struct ImportPage {
    pub ctx: Ctx,
    pub preview: Option<ImportPreview>,
    /// The previewed file, carried back by the confirmation.
    pub content: String,
    pub problem: Option<String>,
    pub done: Option<String>,
}

impl ImportPage {
    fn problems(&self, fields: &std::collections::BTreeMap<String, String>) -> String {
        fields
            .iter()
            .map(|(f, code)| {
                let msg = self.ctx.t.get(&format!("field_error.{code}")).unwrap_or(code);
                format!("{f}: {msg}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn effect_name(&self, e: &dyn std::fmt::Debug) -> String {
        self.ctx.t.t(&format!("adm.effect_{}", format!("{e:?}").to_lowercase())).to_string()
    }
    fn line_text(&self, line: &u64) -> String {
        self.ctx.t.f("adm.line", &[("line", &line.to_string())])
    }
}

fn import_page(
    req: &HttpRequest,
    user: &PageUser,
    status: StatusCode,
    page: impl FnOnce(Ctx) -> ImportPage,
) -> HttpResponse {
    let ctx = Ctx::new(req, user, "adm.import_title");
    render(status, &page(ctx))
}

fn editor(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Staff)
}

pub async fn import_form(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> PageResult {
    let (user, role) = state.page(&req, &who, |_, _, p| Ok(p.role)).await?;
    if !editor(role) {
        return Err(PageError::not_found(&req));
    }
    let done = req.query_string().strip_prefix("done=").map(|s| s.to_string());
    Ok(import_page(&req, &user, StatusCode::OK, |ctx| {
        let done = done.map(|d| {
            let (c, u) = d.split_once('-').unwrap_or(("0", "0"));
            ctx.t.f("adm.import_done", &[("created", c), ("updated", u)])
        });
        ImportPage { ctx, preview: None, content: String::new(), problem: None, done }
    }))
}

/// Upload → preview: nothing is written.
pub async fn import_upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    payload: web::Payload,
) -> PageResult {
    // Two blocking calls: the visitor is checked before the upload is read
    // from the network, and the preview needs the file.
    let (user, p) = state.page(&req, &who, |_, _, p| Ok(p.clone())).await?;
    if !editor(p.role) {
        return Err(PageError::not_found(&req));
    }
    let refused = |key: &str| {
        let key = key.to_string();
        Ok(import_page(&req, &user, StatusCode::UNPROCESSABLE_ENTITY, |ctx| {
            let problem = Some(ctx.t.t(&key).to_string());
            ImportPage { ctx, preview: None, content: String::new(), problem, done: None }
        }))
    };
    let upload = match upload::read(&req, payload, &state.config).await {
        Ok(u) => u,
        Err(AppError::TooLarge(_)) => return refused("adm.import_too_large"),
        Err(e) => return Err(PageError::new(&req, e)),
    };
    if !csrf::valid(&req, upload.field("csrf").unwrap_or_default()) {
        return Err(PageError::csrf(&req));
    }
    let Some(file) = upload.file.filter(|f| f.size > 0) else { return refused("adm.import_no_file") };
    if file.size > IMPORT_PAGE_MAX {
        return refused("adm.import_too_large");
    }
    let bytes = tokio::fs::read(file.incoming.path())
        .await
        .map_err(|e| PageError::new(&req, AppError::Internal(anyhow::anyhow!("reading an upload: {e}"))))?;
    let Ok(content) = String::from_utf8(bytes) else { return refused("adm.import_not_utf8") };
    // The confirmation carries the file in a form field, whose line ends a
    // browser makes LF: preview (and hash) the file as it will come back.
    let content = content.replace("\r\n", "\n").replace('\r', "\n");
    let data = content.clone().into_bytes();
    let preview = state.db(move |conn, env| agency_import::preview(conn, env, &p, &data)).await.or_page(&req)?;
    Ok(preview_page(&req, &user, content, preview))
}

fn preview_page(req: &HttpRequest, user: &PageUser, content: String, preview: ImportPreview) -> HttpResponse {
    let status = if preview.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    import_page(req, user, status, |ctx| ImportPage { ctx, preview: Some(preview), content, problem: None, done: None })
}

#[derive(Debug, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    hash: String,
}

/// How a confirmation ended.
enum Confirmed {
    Done(ImportSummary),
    /// The directory changed since the preview: the file's effect now.
    Changed(ImportPreview),
    NotPreviewed,
}

/// Confirm: imports the previewed file, only if it is still that file.
pub async fn import_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> PageResult {
    let data = form.content.clone().into_bytes();
    let hash = form.hash.clone();
    let (user, confirmed) = state
        .page(&req, &who, move |conn, env, p| match agency_import::confirm(conn, env, p, &data, &hash) {
            Ok(ImportOutcome::Done(s)) => Ok(Confirmed::Done(s)),
            Ok(ImportOutcome::Rejected(_)) => Ok(Confirmed::Changed(agency_import::preview(conn, env, p, &data)?)),
            Err(AppError::Conflict(_)) => Ok(Confirmed::NotPreviewed),
            Err(e) => Err(e),
        })
        .await?;
    match confirmed {
        Confirmed::Done(s) => Ok(redirect(&format!("/admin/agencies/import?done={}-{}", s.created, s.updated))),
        Confirmed::Changed(preview) => Ok(preview_page(&req, &user, form.content, preview)),
        Confirmed::NotPreviewed => Ok(import_page(&req, &user, StatusCode::CONFLICT, |ctx| {
            let problem = Some(ctx.t.t("adm.import_not_previewed").to_string());
            ImportPage { ctx, preview: None, content: String::new(), problem, done: None }
        })),
    }
}

csrf_field!(AgencyForm, TermForm, ConfirmForm);
