//! Request pages: file (with a server-computed preview), lists (my requests,
//! the spokesperson's inbox, the Department's view), one request with its
//! timeline and the forms of the actions the viewer may take. This file holds
//! what they share and the lists; `new` the filing form, `detail` one request.

mod detail;
mod new;

pub use detail::{act, attach, detail, download};
pub use new::{new_form, new_submit};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{CsrfForm, PageUser, SignedIn, csrf_field};
use super::page_errors::{OrPage, PageError, PageResult};
use super::{Ctx, redirect, render};
use crate::domain::account::Role;
use crate::domain::calendar::Calendar;
use crate::domain::id::Id;
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
use crate::web::csrf;
use crate::web::download::file_response;
use crate::web::upload;

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
    fn status_name(&self, s: &str) -> std::borrow::Cow<'static, str> {
        self.ctx.t.t_of("status", s)
    }
    fn kind_name(&self, k: &str) -> std::borrow::Cow<'static, str> {
        self.ctx.t.t_of("kind", k)
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
    fn agency_name<'a>(&self, r: &'a RequestSummary) -> &'a str {
        self.ctx.agency_name_of(&r.agency.name, r.agency.name_en.as_deref())
    }
}

pub async fn list(state: web::Data<AppState>, req: HttpRequest, who: SignedIn, q: web::Query<ListQuery>) -> PageResult {
    let mut q = q.into_inner();
    if q.per_page.is_none() {
        q.per_page = Some(50);
    }
    let (user, (page, q, role)) = state
        .page(&req, &who, move |conn, env, p| match read::list(conn, env, p, &q) {
            Ok(page) => Ok((page, q, p.role)),
            Err(AppError::Validation(_)) => {
                // A hand-edited filter: show everything rather than an error.
                let q = ListQuery { per_page: Some(50), ..Default::default() };
                Ok((read::list(conn, env, p, &q)?, q, p.role))
            }
            Err(e) => Err(e),
        })
        .await?;
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
        .map(|r| Row { due: due_text(&ctx, &rules.calendar, r.due_at, r.overdue, r.status.is_open(), now), r })
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
