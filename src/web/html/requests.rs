//! Request pages: file (with a server-computed preview), lists (my requests,
//! the spokesperson's inbox, the Department's view), one request with its
//! timeline and the forms of the actions the viewer may take.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{Ctx, csrf_refused, page_error, redirect, render};
use crate::domain::account::Role;
use crate::domain::calendar::Calendar;
use crate::domain::kind::RequestKind;
use crate::domain::policy::RefusalGround;
use crate::domain::request::{ActionInput, Party};
use crate::domain::validation::FieldErrors;
use crate::service::directory::{self, AgencyView};
use crate::service::requests::act;
use crate::service::requests::file::{self, FileInput};
use crate::service::requests::read::{self, DeadlineView, ListQuery, RequestDetail, RequestSummary};
use crate::service::{AppError, Page, attachments};
use crate::web::AppState;
use crate::web::api::requests::{file_response, read_upload};
use crate::web::auth::PageUser;
use crate::web::csrf;

/// Pages below need a signed-in user: others go to the login page and back.
fn login_first(req: &HttpRequest) -> HttpResponse {
    let here = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    redirect(&format!("/login?next={}", url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()))
}

/// A due instant with its plain hint, as lists and pages show it.
pub struct DueText {
    pub at: String,
    pub hint: String,
    pub overdue: bool,
}

/// The hint counts working days on the calendar in force.
pub fn due_text(
    ctx: &Ctx,
    calendar: &Calendar,
    due: Option<DateTime<Utc>>,
    overdue: bool,
    open: bool,
    now: DateTime<Utc>,
) -> Option<DueText> {
    match due {
        Some(d) => Some(DueText {
            at: ctx.t.due(d),
            hint: if open { ctx.t.due_hint(calendar, d, now) } else { String::new() },
            overdue,
        }),
        None if open => Some(DueText { at: "—".into(), hint: ctx.t.t("rel.paused").into(), overdue: false }),
        None => None,
    }
}

fn is_open(status: &str) -> bool {
    matches!(status, "awaiting_response" | "awaiting_clarification")
}

pub struct Row {
    pub r: RequestSummary,
    pub due: Option<DueText>,
}

#[derive(Template)]
#[template(path = "requests_list.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub heading: String,
    pub empty: String,
    pub page: Page<()>,
    pub rows: Vec<Row>,
    pub q: ListQuery,
    pub can_file: bool,
    pub pages: i64,
    pub message: Option<String>,
}

impl ListPage {
    fn status_name(&self, s: &str) -> String {
        self.ctx.t.t(&format!("status.{s}")).to_string()
    }
    fn kind_name(&self, k: &str) -> String {
        self.ctx.t.t(&format!("kind.{k}")).to_string()
    }
    fn statuses(&self) -> Vec<&'static str> {
        crate::domain::request::Status::ALL.iter().map(|s| s.as_str()).collect()
    }
    fn kinds(&self) -> Vec<&'static str> {
        RequestKind::ALL.iter().map(|k| k.as_str()).collect()
    }
    fn selected(&self, field: &Option<String>, value: &str) -> bool {
        field.as_deref() == Some(value)
    }
    fn checked(&self, field: &Option<String>) -> bool {
        matches!(field.as_deref(), Some("true" | "1" | "on"))
    }
    fn count_text(&self) -> String {
        self.ctx.t.f("list.count", &[("total", &self.page.total.to_string())])
    }
    fn page_link(&self, page: i64) -> String {
        let enc = |s: &Option<String>| {
            url::form_urlencoded::byte_serialize(s.as_deref().unwrap_or("").as_bytes()).collect::<String>()
        };
        format!(
            "/requests?status={}&kind={}&q={}&open={}&overdue={}&page={page}",
            enc(&self.q.status),
            enc(&self.q.kind),
            enc(&self.q.q),
            enc(&self.q.open),
            enc(&self.q.overdue)
        )
    }
    fn agency_name(&self, r: &RequestSummary) -> String {
        match (self.ctx.t.lang(), &r.agency.name_en) {
            ("en", Some(en)) => en.clone(),
            _ => r.agency.name.clone(),
        }
    }
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: PageUser,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let Some(p) = user.0.clone() else { return Ok(login_first(&req)) };
    let mut q = q.into_inner();
    if q.per_page.is_none() {
        q.per_page = Some(50);
    }
    let role = p.role;
    let query = q.clone();
    let page = match state.db_rules(move |conn, env| read::list(conn, env, &p, &query)).await {
        Ok(page) => page,
        Err(AppError::Validation(_)) => {
            // A hand-edited filter: show everything rather than an error.
            let p = user.0.clone().ok_or_else(|| page_error(&req, AppError::not_found()))?;
            q = ListQuery { per_page: Some(50), ..Default::default() };
            let query = q.clone();
            state.db_rules(move |conn, env| read::list(conn, env, &p, &query)).await.map_err(|e| page_error(&req, e))?
        }
        Err(e) => return Err(page_error(&req, e)),
    };
    let (title, empty) = match role {
        Role::Reporter => ("list.title_reporter", "list.empty_reporter"),
        Role::Spokesperson => ("list.title_spokesperson", "list.empty_spokesperson"),
        _ => ("list.title_staff", "list.empty_staff"),
    };
    let ctx = Ctx::new(&req, &user, title);
    let now = state.clock.now();
    let rules = state.rules.current();
    let pages = ((page.total + page.per_page - 1) / page.per_page).max(1);
    let rows = page
        .items
        .into_iter()
        .map(|r| Row { due: due_text(&ctx, &rules.calendar, r.due_at, r.overdue, is_open(&r.status), now), r })
        .collect();
    let page = Page { items: vec![], total: page.total, page: page.page, per_page: page.per_page };
    let heading = ctx.title.clone();
    let empty = ctx.t.t(empty).to_string();
    let message = req.query_string().contains("transferred=1").then(|| ctx.t.t("act.transferred").to_string());
    Ok(render(
        StatusCode::OK,
        &ListPage { ctx, heading, empty, page, rows, q, can_file: role == Role::Reporter, pages, message },
    ))
}

#[derive(Debug, Default, Deserialize, Clone)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    agency_q: String,
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

pub struct KindChoice {
    pub value: &'static str,
    pub name: String,
    pub explanation: String,
}

#[derive(Template)]
#[template(path = "request_new.html")]
pub struct NewPage {
    pub ctx: Ctx,
    pub form: NewForm,
    pub agencies: Vec<AgencyView>,
    pub searched: bool,
    pub kinds: Vec<KindChoice>,
    pub errors: FieldErrors,
    pub preview: Option<(DeadlineView, String)>,
    pub preview_due: String,
    pub verified: bool,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }
    /// The errors for the summary, in the order of the form, each with the
    /// name of its field: (field id, "Tiêu đề: Không được để trống.").
    fn summary(&self) -> Vec<(String, String)> {
        let order =
            [("agency_id", "req.agency"), ("kind", "req.kind"), ("subject", "req.subject"), ("body", "req.body")];
        let known = order
            .iter()
            .filter_map(|(f, label)| self.err(f).map(|e| (f.to_string(), format!("{}: {e}", self.ctx.t.t(label)))));
        let others = self
            .errors
            .0
            .keys()
            .filter(|k| !order.iter().any(|(f, _)| f == k))
            .filter_map(|k| self.err(k).map(|e| (k.clone(), e)));
        known.chain(others).collect()
    }
    fn agency_label(&self, a: &AgencyView) -> String {
        match (self.ctx.t.lang(), &a.name_en) {
            ("en", Some(en)) => format!("{en} — {}", a.name),
            _ => a.name.clone(),
        }
    }
}

async fn new_page(
    state: &AppState,
    req: &HttpRequest,
    user: &PageUser,
    form: NewForm,
    errors: FieldErrors,
    preview: Option<(DeadlineView, String)>,
) -> Result<HttpResponse, actix_web::Error> {
    let ctx = Ctx::new(req, user, "new.title");
    let verified = user.0.as_ref().is_some_and(|p| p.user.email_verified_at.is_some());
    let q = form.agency_q.trim().to_string();
    let chosen = form.agency_id.trim().to_string();
    let agencies = state
        .db(move |conn, _, now| {
            let mut list = if q.is_empty() {
                vec![]
            } else {
                directory::search(conn, now, Some(&q), None, Some(1), Some(20))?.items
            };
            if !chosen.is_empty()
                && !list.iter().any(|a| a.id == chosen)
                && uuid::Uuid::parse_str(&chosen).is_ok()
                && let Some(a) = crate::db::agencies::by_id(conn, &chosen)?
            {
                // Keep the chosen agency on the page across searches and previews.
                let found = directory::search(conn, now, Some(&a.code), None, Some(1), Some(100))?;
                list.extend(found.items.into_iter().filter(|x| x.id == a.id));
            }
            Ok(list)
        })
        .await
        .map_err(|e| page_error(req, e))?;
    let rules = state.rules.current();
    let pack = rules.policies.in_force(state.clock.now());
    let kinds = RequestKind::ALL
        .iter()
        .map(|k| {
            let rule = pack.rule(*k, None);
            KindChoice {
                value: k.as_str(),
                name: ctx.t.t(&format!("kind.{}", k.as_str())).to_string(),
                explanation: if ctx.t.lang() == "en" {
                    rule.explanation_en.clone()
                } else {
                    rule.explanation_vi.clone()
                },
            }
        })
        .collect();
    let preview_due = preview.as_ref().and_then(|(d, _)| d.due_at).map(|d| ctx.t.due(d)).unwrap_or_default();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let searched = !form.agency_q.trim().is_empty();
    Ok(render(status, &NewPage { ctx, form, agencies, searched, kinds, errors, preview, preview_due, verified }))
}

#[derive(Deserialize)]
pub struct NewQuery {
    agency_id: Option<String>,
    agency_q: Option<String>,
}

pub async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: PageUser,
    q: web::Query<NewQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    if user.0.is_none() {
        return Ok(login_first(&req));
    }
    let q = q.into_inner();
    let form = NewForm {
        agency_id: q.agency_id.unwrap_or_default(),
        agency_q: q.agency_q.unwrap_or_default(),
        kind: "information".into(),
        ..Default::default()
    };
    new_page(&state, &req, &user, form, FieldErrors::new(), None).await
}

pub async fn new_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: PageUser,
    form: web::Form<NewForm>,
) -> Result<HttpResponse, actix_web::Error> {
    let form = form.into_inner();
    if !csrf::valid(&req, &form.csrf) {
        return Ok(csrf_refused(&req));
    }
    let Some(p) = user.0.clone() else { return Ok(login_first(&req)) };
    let input = FileInput {
        agency_id: form.agency_id.clone(),
        kind: form.kind.clone(),
        subject: form.subject.clone(),
        body: form.body.clone(),
    };
    let tr = crate::i18n::Tr::new(super::locale(&req, Some(&p)));
    match form.op.as_str() {
        "file" => {
            let result = state.db_rules(move |conn, env| file::file(conn, env, &p, &input, None)).await;
            match result {
                Ok(filed) => {
                    state.wake_mailer();
                    Ok(redirect(&format!("/requests/{}", filed.id)))
                }
                Err(AppError::Validation(errors)) => new_page(&state, &req, &user, form, errors, None).await,
                Err(AppError::Forbidden(_)) => {
                    let mut errors = FieldErrors::new();
                    errors.add("agency_id", "unverified");
                    new_page(&state, &req, &user, form, errors, None).await
                }
                Err(e) => Err(page_error(&req, e)),
            }
        }
        "preview" => {
            let (agency_id, kind) = (form.agency_id.clone(), form.kind.clone());
            match state.db_rules(move |conn, env| read::preview(conn, env, &agency_id, &kind, &tr)).await {
                Ok(p) => new_page(&state, &req, &user, form, FieldErrors::new(), Some(p)).await,
                Err(AppError::Validation(mut errors)) => {
                    // Subject and body are not needed for a preview.
                    errors.0.retain(|k, _| k == "agency_id" || k == "kind");
                    new_page(&state, &req, &user, form, errors, None).await
                }
                Err(e) => Err(page_error(&req, e)),
            }
        }
        _ => new_page(&state, &req, &user, form, FieldErrors::new(), None).await,
    }
}

#[derive(Template)]
#[template(path = "request_detail.html")]
pub struct DetailPage {
    pub ctx: Ctx,
    pub r: RequestDetail,
    pub due: Option<DueText>,
    pub grounds: Vec<RefusalGround>,
    pub transfer_groups: Vec<AgencyGroup>,
    pub errors: FieldErrors,
    pub failed_action: String,
    pub message: Option<String>,
}

impl DetailPage {
    fn can(&self, action: &str) -> bool {
        self.r.allowed_actions.contains(&action)
    }
    fn status_name(&self) -> String {
        self.ctx.t.t(&format!("status.{}", self.r.status)).to_string()
    }
    fn kind_name(&self) -> String {
        self.ctx.t.t(&format!("kind.{}", self.r.kind)).to_string()
    }
    fn event_name(&self, kind: &str) -> String {
        self.ctx.t.get(&format!("event.{kind}")).map(str::to_string).unwrap_or_else(|| kind.replace('_', " "))
    }
    fn at(&self, t: &DateTime<Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
    fn agency_name(&self) -> String {
        match (self.ctx.t.lang(), &self.r.agency.name_en) {
            ("en", Some(en)) => en.clone(),
            _ => self.r.agency.name.clone(),
        }
    }
    fn outcome_name(&self, o: &str) -> String {
        self.ctx.t.t(&format!("outcome.{o}")).to_string()
    }
    fn ground_title(&self, g: &RefusalGround) -> String {
        if self.ctx.t.lang() == "en" { g.title_en.clone() } else { g.title_vi.clone() }
    }
    /// The ground a refusal gave, by its title and citation (the code alone
    /// tells a reader nothing); `None` if the policy no longer lists it.
    fn refusal_ground(&self, code: &str) -> Option<(String, String)> {
        self.grounds.iter().find(|g| g.code == code).map(|g| (self.ground_title(g), g.citation.clone()))
    }
    fn escalation_text(&self) -> Option<String> {
        let e = self.r.escalation.as_ref().filter(|e| e.status == "open")?;
        let reason = self.ctx.t.t(&format!("escalation_reason.{}", e.reason)).to_string();
        Some(self.ctx.t.f("req.escalation", &[("reason", &reason)]))
    }
    fn err_for(&self, action: &str, field: &str) -> Option<String> {
        if self.failed_action == action { self.ctx.field_error(&self.errors, field) } else { None }
    }
    fn policy_text(&self) -> String {
        self.ctx.t.f("req.policy_version", &[("version", &self.r.deadline.policy_version)])
    }
    fn size_text(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / 1048576.0)
        } else {
            format!("{} KB", (bytes + 1023) / 1024)
        }
    }
    /// The open escalation the Department viewer may act on.
    fn open_escalation_id(&self) -> Option<String> {
        if self.r.viewer != Party::Department {
            return None;
        }
        self.r.escalation.as_ref().filter(|e| e.status == "open").map(|e| e.id.clone())
    }

    fn can_attach(&self) -> bool {
        matches!(self.r.viewer, Party::Reporter | Party::Spokesperson)
            && !matches!(self.r.status.as_str(), "withdrawn" | "closed")
    }
}

/// What a form post tells the page it re-renders: field errors of one
/// action's form, or a message, with the status to answer.
pub struct Feedback {
    pub errors: FieldErrors,
    pub failed_action: String,
    pub status: StatusCode,
    pub message: Option<String>,
}

impl Feedback {
    fn ok(message: Option<String>) -> Feedback {
        Feedback { errors: FieldErrors::new(), failed_action: String::new(), status: StatusCode::OK, message }
    }
    fn fields(action: &str, errors: FieldErrors) -> Feedback {
        Feedback { errors, failed_action: action.into(), status: StatusCode::UNPROCESSABLE_ENTITY, message: None }
    }
    fn refused(e: &AppError) -> Feedback {
        Feedback {
            errors: FieldErrors::new(),
            failed_action: String::new(),
            status: e.status(),
            message: Some(e.to_string()),
        }
    }
}

async fn detail_page(
    state: &AppState,
    req: &HttpRequest,
    user: &PageUser,
    id: String,
    fb: Feedback,
) -> Result<HttpResponse, actix_web::Error> {
    let Some(p) = user.0.clone() else { return Ok(login_first(req)) };
    let tr = crate::i18n::Tr::new(super::locale(req, Some(&p)));
    let (r, targets) = state
        .db_rules(move |conn, env| {
            let r = read::detail(conn, env, &p, &id, &tr)?;
            let targets = if r.allowed_actions.contains(&"transfer") {
                agencies_of(conn, env.now, &r.jurisdiction)?.into_iter().filter(|a| a.id != r.agency.id).collect()
            } else {
                vec![]
            };
            Ok((r, targets))
        })
        .await
        .map_err(|e| page_error(req, e))?;
    let ctx = Ctx::new(req, user, "req.timeline");
    let mut ctx = ctx;
    ctx.title = format!("{} — {}", r.reference, r.subject);
    let rules = state.rules.current();
    let due = due_text(&ctx, &rules.calendar, r.due_at, r.overdue, is_open(&r.status), state.clock.now());
    let received = crate::service::requests::utc(r.received_at.naive_utc());
    let pack = rules.pack_of(&r.deadline.policy_version, received);
    let kind = RequestKind::parse(&r.kind).unwrap_or(RequestKind::Information);
    let grounds = pack.grounds_for(kind).into_iter().cloned().collect();
    let transfer_groups = agency_groups(&ctx, targets);
    let Feedback { errors, failed_action, status, message } = fb;
    Ok(render(status, &DetailPage { ctx, r, due, grounds, transfer_groups, errors, failed_action, message }))
}

/// Every agency of a jurisdiction, by name (the directory pages through them).
fn agencies_of(
    conn: &mut crate::db::DbConn,
    now: DateTime<Utc>,
    jurisdiction: &str,
) -> Result<Vec<AgencyView>, AppError> {
    let mut all = Vec::new();
    for page in 1..=50 {
        let found = directory::search(conn, now, None, Some(jurisdiction), Some(page), Some(100))?;
        let done = found.items.len() < 100 || all.len() + found.items.len() >= found.total as usize;
        all.extend(found.items);
        if done {
            break;
        }
    }
    Ok(all)
}

/// Agencies a request can go to, in one group per level (in the directory's
/// order of levels), each sorted by the name shown.
pub struct AgencyGroup {
    pub label: String,
    pub options: Vec<AgencyOption>,
}

pub struct AgencyOption {
    pub id: String,
    pub label: String,
}

fn agency_groups(ctx: &Ctx, agencies: Vec<AgencyView>) -> Vec<AgencyGroup> {
    use crate::domain::directory::AgencyLevel;
    let level_of = |a: &AgencyView| AgencyLevel::parse(&a.level).unwrap_or(AgencyLevel::Other);
    AgencyLevel::ALL
        .into_iter()
        .filter_map(|level| {
            let mut options: Vec<AgencyOption> = agencies
                .iter()
                .filter(|a| level_of(a) == level)
                .map(|a| {
                    let name = match (ctx.t.lang(), &a.name_en) {
                        ("en", Some(en)) => format!("{en} — {}", a.name),
                        _ => a.name.clone(),
                    };
                    let label = if a.spokespeople.is_empty() {
                        format!("{name} ({})", ctx.t.t("act.target_no_spokesperson"))
                    } else {
                        name
                    };
                    AgencyOption { id: a.id.clone(), label }
                })
                .collect();
            options.sort_by_cached_key(|o| (crate::domain::text::fold(&o.label), o.label.clone()));
            let label = ctx.t.t(&format!("level.{}", level.as_str())).to_string();
            (!options.is_empty()).then_some(AgencyGroup { label, options })
        })
        .collect()
}

pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: PageUser,
    path: web::Path<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let message = req
        .query_string()
        .contains("done=1")
        .then(|| super::locale(&req, user.0.as_ref()))
        .map(|l| crate::i18n::Tr::new(l).t("act.done").to_string());
    detail_page(&state, &req, &user, path.into_inner(), Feedback::ok(message)).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: ActionInput,
}

pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, actix_web::Error> {
    let form = form.into_inner();
    if !csrf::valid(&req, &form.csrf) {
        return Ok(csrf_refused(&req));
    }
    let Some(p) = user.0.clone() else { return Ok(login_first(&req)) };
    let id = path.into_inner();
    let (id2, input) = (id.clone(), form.input.clone());
    match state.db_rules(move |conn, env| act::act(conn, env, &p, &id2, &input)).await {
        Ok(()) => {
            state.wake_mailer();
            if form.input.action == "transfer" {
                // The request has left the agency: its page may no longer be ours to see.
                Ok(redirect("/requests?transferred=1"))
            } else {
                Ok(redirect(&format!("/requests/{id}?done=1")))
            }
        }
        Err(AppError::Validation(errors)) => {
            detail_page(&state, &req, &user, id, Feedback::fields(&form.input.action, errors)).await
        }
        Err(e @ (AppError::InvalidTransition(_) | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            detail_page(&state, &req, &user, id, Feedback::refused(&e)).await
        }
        Err(e) => Err(page_error(&req, e)),
    }
}

pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: PageUser,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, actix_web::Error> {
    let Some(p) = user.0.clone() else { return Ok(login_first(&req)) };
    let id = path.into_inner();
    let upload = read_upload(payload, state.config.max_upload_bytes).await;
    let (file, fields) = match upload {
        Ok(x) => x,
        Err(e) => return detail_page(&state, &req, &user, id, Feedback::refused(&e)).await,
    };
    let token = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if !csrf::valid(&req, token) {
        return Ok(csrf_refused(&req));
    }
    let Some((filename, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let mut errors = FieldErrors::new();
        errors.add("file", "required");
        return detail_page(&state, &req, &user, id, Feedback::fields("attach", errors)).await;
    };
    let id2 = id.clone();
    match state.db_rules(move |conn, env| attachments::attach(conn, env, &p, &id2, &filename, &bytes)).await {
        Ok(_) => Ok(redirect(&format!("/requests/{id}?done=1#attachments"))),
        Err(
            e @ (AppError::UnsupportedMediaType(_)
            | AppError::TooLarge(_)
            | AppError::InvalidTransition(_)
            | AppError::Forbidden(_)
            | AppError::Conflict(_)),
        ) => detail_page(&state, &req, &user, id, Feedback::refused(&e)).await,
        Err(e) => Err(page_error(&req, e)),
    }
}

pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: PageUser,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, actix_web::Error> {
    let Some(p) = user.0.clone() else { return Ok(login_first(&req)) };
    let (id, aid) = path.into_inner();
    let (a, bytes) = state
        .db(move |conn, config, _| attachments::download(conn, config, &p, &id, &aid))
        .await
        .map_err(|e| page_error(&req, e))?;
    Ok(file_response(&a, bytes))
}
