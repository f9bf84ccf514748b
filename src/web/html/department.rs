//! Department pages: the escalation queue, escalation actions from a request's
//! page, and the administrator's calendar editor.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde::Deserialize;

use super::extract::{AdminOnly, CsrfForm, SignedIn, StaffOnly, Visitor, csrf_field};
use super::page_errors::{PageError, PageResult};
use super::posted::Posted;
use super::requests::{DueText, due_text};
use super::{Ctx, redirect, render};
use crate::domain::account::Role;
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;
use crate::i18n::vietnam;
use crate::service::AppError;
use crate::service::calendar::{self, DayInput, YearInput};
use crate::service::escalations::{self, EscalationAction, EscalationItem};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    page: Option<i64>,
}

/// Escalations per page of the queue.
const QUEUE_PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "escalations.html")]
pub struct QueuePage {
    pub ctx: Ctx,
    pub status: String,
    pub rows: Vec<QueueRow>,
    pub page: i64,
    pub pages: i64,
}

/// An escalation with its request's due date and hint.
pub struct QueueRow {
    pub e: EscalationItem,
    pub due: Option<DueText>,
}

impl QueuePage {
    fn reason(&self, r: &str) -> String {
        let key = format!("escalation_reason.{r}");
        format!("{}: {}", self.ctx.t.t("esc.reason"), self.ctx.t.t(&key))
    }
    fn at(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
    fn due(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        self.ctx.t.due(*t)
    }
    fn agency_name(&self, a: &crate::service::requests::read::AgencyRef) -> String {
        self.ctx.agency_name(&a.name, a.name_en.as_deref())
    }
    fn status_name(&self, s: &dyn std::fmt::Display) -> String {
        self.ctx.t.t(&format!("esc.status_{s}")).to_string()
    }
    fn page_link(&self, page: i64) -> String {
        let status = url::form_urlencoded::byte_serialize(self.status.as_bytes()).collect::<String>();
        format!("/escalations?status={status}&page={page}")
    }
}

pub async fn queue(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    q: web::Query<QueueQuery>,
) -> PageResult {
    let QueueQuery { status, page } = q.into_inner();
    let status = status.unwrap_or_else(|| "open".into());
    let filter = if status == "all" { None } else { Some(status.clone()) };
    let (user, page) = state
        .page(&req, &who, move |conn, env, p| {
            escalations::list(conn, env, p, filter.as_deref(), page, Some(QUEUE_PAGE))
        })
        .await?;
    let pages = ((page.total + page.per_page - 1) / page.per_page).max(1);
    let number = page.page;
    let ctx = Ctx::new(&req, &user, "esc.title");
    let (rules, now) = (state.rules.current(), state.clock.now());
    let rows = page
        .items
        .into_iter()
        .map(|e| {
            let r = &e.request;
            let open = matches!(r.status.as_str(), "awaiting_response" | "awaiting_clarification");
            let due = due_text(&ctx, &rules.calendar, r.due_at, r.overdue, open, now);
            QueueRow { e, due }
        })
        .collect();
    Ok(render(StatusCode::OK, &QueuePage { ctx, status, rows, page: number, pages }))
}

/// A due instant typed in Vietnam time as the pages show them:
/// `dd/mm/yyyy HH:mm`, `dd/mm/yyyy 24:00` or a date alone (both the end of
/// that day), or `yyyy-mm-ddTHH:mm` as a `datetime-local` field sends it.
fn parse_local_due(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use crate::domain::calendar::end_of_local_day;
    let s = s.trim();
    let local = |n: NaiveDateTime| vietnam().from_local_datetime(&n).single().map(|d| d.to_utc());
    if let Ok(n) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
        return local(n);
    }
    if let Ok(n) = NaiveDateTime::parse_from_str(s, "%d/%m/%Y %H:%M") {
        return local(n);
    }
    let (date, time) = s.split_once(char::is_whitespace).map(|(d, t)| (d, t.trim())).unwrap_or((s, ""));
    let date = NaiveDate::parse_from_str(date, "%d/%m/%Y").ok()?;
    matches!(time, "" | "24:00").then(|| end_of_local_day(date))
}

#[derive(Debug, Default, Deserialize)]
pub struct EscalationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    request_id: String,
    #[serde(default)]
    action: String,
    user_id: Option<String>,
    body: Option<String>,
    /// Vietnam time without an offset (see `parse_local_due`).
    due_local: Option<String>,
    reason: Option<String>,
    resolution: Option<String>,
}

csrf_field!(EscalationForm, CalendarForm);

pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    path: web::Path<Id>,
    CsrfForm(form): CsrfForm<EscalationForm>,
) -> PageResult {
    let due_at = form
        .due_local
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_local_due(s).map(|d| d.to_rfc3339()).unwrap_or_else(|| s.to_string()));
    let id = path.into_inner();
    let back = match Id::parse(&form.request_id) {
        Some(r) => format!("/requests/{r}"),
        None => "/escalations".into(),
    };
    let (_, acted) = state
        .visit(&req, &who, move |conn, env, p| {
            let Some(p) = p else { return Ok(None) };
            let user_id = match form.user_id.as_deref() {
                Some("me") => Some(p.user.id.clone()),
                other => other.map(str::to_string),
            };
            let action = EscalationAction {
                action: form.action,
                user_id,
                body: form.body,
                due_at,
                reason: form.reason,
                resolution: form.resolution,
            };
            match escalations::act(conn, env, p, &id, &action) {
                Ok(_) => Ok(Some(Ok(()))),
                // Refusals of the action are told on a page of their own.
                Err(e @ (AppError::Validation(_) | AppError::InvalidTransition(_) | AppError::Conflict(_))) => {
                    Ok(Some(Err(e)))
                }
                Err(e) => Err(e),
            }
        })
        .await?;
    match acted {
        None => Err(PageError::login_first(&req)),
        Some(Ok(())) => {
            state.wake_mailer();
            Ok(redirect(&format!("{back}?done=1")))
        }
        Some(Err(e)) => {
            let t = crate::i18n::Tr::new(super::locale(&req, None));
            let detail = match &e {
                AppError::Validation(f) => {
                    f.0.iter()
                        .map(|(k, v)| format!("{k}: {}", t.get(&format!("field_error.{v}")).unwrap_or(v)))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
                other => other.to_string(),
            };
            Ok(super::message(&req, e.status(), "esc.failed", detail, Some((back, t.t("req.back").into()))))
        }
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub ctx: Ctx,
    pub year: i32,
    pub holidays: String,
    pub working_days: String,
    pub source: String,
    pub confirmed: bool,
    pub errors: FieldErrors,
    pub saved: Option<String>,
}

impl CalendarPage {
    fn error_lines(&self) -> Vec<String> {
        self.errors
            .0
            .iter()
            .map(|(k, v)| format!("{k}: {}", self.ctx.t.get(&format!("field_error.{v}")).unwrap_or(v)))
            .collect()
    }
}

fn lines_of(days: &[crate::domain::calendar::DayEntry]) -> String {
    days.iter().map(|d| format!("{} {}", d.date.format("%Y-%m-%d"), d.name)).collect::<Vec<_>>().join("\n")
}

fn parse_lines(text: &str) -> Vec<DayInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (date, name) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            DayInput { date: date.trim().into(), name: name.trim().into() }
        })
        .collect()
}

/// `/admin/calendar`: this year's calendar.
pub async fn calendar_now(state: web::Data<AppState>) -> HttpResponse {
    use chrono::Datelike;
    redirect(&format!("/admin/calendar/{}", state.clock.now().with_timezone(&vietnam()).year()))
}

pub async fn calendar_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<AdminOnly>,
    path: web::Path<i32>,
) -> PageResult {
    let year = path.into_inner();
    let (user, y) = state
        .page(&req, &who, move |_, env, _| Ok((2000..=2100).contains(&year).then(|| env.rules.calendar.year(year))))
        .await?;
    let Some(y) = y else { return Err(PageError::not_found(&req)) };
    let ctx = Ctx::new(&req, &user, "cal.title");
    let saved = req.query_string().contains("moved=").then(|| {
        let moved = req.query_string().split("moved=").nth(1).unwrap_or("0").to_string();
        ctx.t.f("cal.saved", &[("moved", &moved)])
    });
    Ok(render(
        StatusCode::OK,
        &CalendarPage {
            ctx,
            year,
            holidays: lines_of(&y.holidays),
            working_days: lines_of(&y.working_days),
            source: y.source,
            confirmed: y.confirmed,
            errors: FieldErrors::new(),
            saved,
        },
    ))
}

#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    working_days: String,
    #[serde(default)]
    source: String,
}

pub async fn calendar_save(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<CalendarForm>,
) -> PageResult {
    let year = path.into_inner();
    let input = YearInput {
        year: Some(year),
        holidays: parse_lines(&form.holidays),
        working_days: parse_lines(&form.working_days),
        source: Some(form.source.clone()),
    };
    let (user, saved) = state
        .visit(&req, &who, move |conn, env, p| match p {
            Some(p) if p.role == Role::Admin => {
                Posted::of(calendar::put_year(conn, env, p, year, &input), || Ok(())).map(Some)
            }
            _ => Ok(None),
        })
        .await?;
    match saved {
        None => Err(PageError::not_found(&req)),
        Some(Posted::Done((rules, moved))) => {
            state.rules.set(rules);
            state.wake_mailer();
            Ok(redirect(&format!("/admin/calendar/{year}?moved={moved}")))
        }
        Some(Posted::Invalid(errors, ())) => {
            let ctx = Ctx::new(&req, &user, "cal.title");
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CalendarPage {
                    ctx,
                    year,
                    holidays: form.holidays,
                    working_days: form.working_days,
                    source: form.source,
                    confirmed: false,
                    errors,
                    saved: None,
                },
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_local_due;

    #[test]
    fn local_due_instants_as_people_type_them() {
        let utc = |s: &str| Some(s.parse::<chrono::DateTime<chrono::Utc>>().unwrap());
        assert_eq!(parse_local_due("05/01/2099 17:00"), utc("2099-01-05T10:00:00Z"));
        assert_eq!(parse_local_due(" 5/1/2099 17:00 "), utc("2099-01-05T10:00:00Z"));
        assert_eq!(parse_local_due("2099-01-05T17:00"), utc("2099-01-05T10:00:00Z"));
        assert_eq!(parse_local_due("05/01/2099"), utc("2099-01-05T17:00:00Z"));
        assert_eq!(parse_local_due("05/01/2099 24:00"), utc("2099-01-05T17:00:00Z"));
        assert_eq!(parse_local_due("01/05/2099 7:30"), utc("2099-05-01T00:30:00Z"));
        for bad in ["", "tomorrow", "31/02/2099 10:00", "05/01/2099 25:00", "2099-01-05"] {
            assert_eq!(parse_local_due(bad), None, "{bad}");
        }
    }
}
