//! The Department's escalations and the calendar in the JSON API.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::domain::id::Id;
use crate::service::calendar::{self, YearInput};
use crate::service::escalations::{self, EscalationAction};
use crate::service::{AppError, AppResult};
use crate::web::AppState;
use crate::web::auth::ApiUser;

#[derive(Deserialize)]
pub struct EscalationQuery {
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn list(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<EscalationQuery>,
) -> AppResult<HttpResponse> {
    let EscalationQuery { status, page, per_page } = q.into_inner();
    let p = user.0;
    let result = state.db(move |conn, env| escalations::list(conn, env, &p, status.as_deref(), page, per_page)).await?;
    Ok(HttpResponse::Ok().json(result))
}

pub async fn act(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<EscalationAction>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let a = body.into_inner();
    let p = user.0;
    let item = state.db(move |conn, env| escalations::act(conn, env, &p, &id, &a)).await?;
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(item))
}

fn year_of(path: &str) -> AppResult<i32> {
    path.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(AppError::not_found)
}

/// `GET /api/v1/calendar/{year}`: the year in force (shipped, edited, or
/// computed and marked unconfirmed).
pub async fn get_year(state: web::Data<AppState>, _user: ApiUser, path: web::Path<String>) -> AppResult<HttpResponse> {
    let year = year_of(&path.into_inner())?;
    let y = state.rules.current().calendar.year(year);
    Ok(HttpResponse::Ok().json(json!({
        "year": y.year,
        "holidays": y.holidays,
        "working_days": y.working_days,
        "confirmed": y.confirmed,
        "source": y.source,
    })))
}

/// `PUT /api/v1/calendar/{year}` (admin): replaces the year and moves the open
/// deadlines it affects.
pub async fn put_year(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<String>,
    body: web::Json<YearInput>,
) -> AppResult<HttpResponse> {
    let year = year_of(&path.into_inner())?;
    let input = body.into_inner();
    let p = user.0;
    let (rules, moved) = state.db(move |conn, env| calendar::put_year(conn, env, &p, year, &input)).await?;
    let y = rules.calendar.year(year);
    state.rules.set(rules);
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(json!({
        "year": y.year,
        "holidays": y.holidays,
        "working_days": y.working_days,
        "confirmed": y.confirmed,
        "source": y.source,
        "requests_moved": moved,
    })))
}
