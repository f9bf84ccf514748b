//! The Department's escalations and the calendar in the JSON API.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::id::Id;
use crate::service::calendar::{self, YearInput};
use crate::service::escalations::{self, EscalationAction, EscalationItem};
use crate::service::{AppError, AppResult, Page};
use crate::web::AppState;
use crate::web::api::answers::CalendarAnswer;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EscalationQuery {
    /// `open`, `resolved` or `dismissed`; all when absent.
    #[param(example = "open")]
    status: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// 1 to 100 (default 20).
    per_page: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/escalations", tag = "department",
    summary = "The escalation queue (Department staff, administrators)",
    description = "Escalations of the caller's jurisdiction, with `reason` one of `overdue`, `complaint`, \
        `unroutable`.",
    security(("bearer" = [])),
    params(EscalationQuery),
    responses(
        (status = 200, description = "A page of escalations.", body = Page<EscalationItem>),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn list(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<EscalationQuery>,
) -> AppResult<HttpResponse> {
    let EscalationQuery { status, page, per_page } = q.into_inner();
    let result = state
        .api(&user, move |conn, env, p| escalations::list(conn, env, p, status.as_deref(), page, per_page))
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

#[utoipa::path(
    post, path = "/api/v1/escalations/{id}/actions", tag = "department",
    summary = "Act on an escalation (Department staff)",
    description = "`assign` {user_id}, `note` {body}, `order_response` {due_at (RFC 3339), reason}: the request goes \
        back to awaiting a response by then and the escalation stays open to follow it, `resolve` {resolution}, \
        `dismiss` {reason}.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The escalation's id.")),
    request_body = EscalationAction,
    responses(
        (status = 200, description = "The escalation after the action.", body = EscalationItem),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::ActionConflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn act(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<EscalationAction>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let a = body.into_inner();
    let item = state.api(&user, move |conn, env, p| escalations::act(conn, env, p, &id, &a)).await?;
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(item))
}

fn year_of(path: &str) -> AppResult<i32> {
    path.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(AppError::not_found)
}

/// `GET /api/v1/calendar/{year}`: the year in force (shipped, edited, or
/// computed and marked unconfirmed).
#[utoipa::path(
    get, path = "/api/v1/calendar/{year}", tag = "deadlines",
    summary = "A year of the working-day calendar",
    description = "Holidays and swapped working days (local dates); a year without an official schedule is \
        computed and answers `confirmed: false`.",
    security(("bearer" = [])),
    params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "2000 to 2100.")),
    responses(
        (status = 200, description = "The year.", body = CalendarAnswer),
        (status = 401, response = e::Unauthenticated), (status = 404, response = e::NotFound),
    ),
)]
pub async fn get_year(state: web::Data<AppState>, user: ApiUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    let path = path.into_inner();
    let y = state.api(&user, move |_, env, _| Ok(env.rules.calendar.year(year_of(&path)?))).await?;
    Ok(HttpResponse::Ok().json(CalendarAnswer::of(y, None)))
}

/// `PUT /api/v1/calendar/{year}` (admin): replaces the year and moves the open
/// deadlines it affects.
#[utoipa::path(
    put, path = "/api/v1/calendar/{year}", tag = "deadlines",
    summary = "Replace a year of the calendar (administrators)",
    description = "Replaces the year's holidays and working days and recomputes the due dates of the open \
        requests it moves; each move is an event on the request, and it is notified.",
    security(("bearer" = [])),
    params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "2000 to 2100.")),
    request_body = YearInput,
    responses(
        (status = 200, description = "The year as stored, with how many requests moved.", body = CalendarAnswer),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn put_year(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<YearInput>,
) -> AppResult<HttpResponse> {
    let year = year_of(&path.into_inner())?;
    let input = body.into_inner();
    let (rules, moved) = state.api(&user, move |conn, env, p| calendar::put_year(conn, env, p, year, &input)).await?;
    let y = rules.calendar.year(year);
    state.rules.set(rules);
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(CalendarAnswer::of(y, Some(moved))))
}
