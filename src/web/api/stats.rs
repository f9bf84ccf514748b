//! The Department's statistics (staff: their province; administrators: any), the period report as a
//! spreadsheet or CSV, and a province's public scoreboard.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::id::Id;
use crate::service::AppResult;
use crate::service::stats::agency::{AgencyReport, agency_report};
use crate::service::stats::export::{Format, export};
use crate::service::stats::scoreboard::{Scoreboard, scoreboard, set_public};
use crate::service::stats::{StatsQuery, StatsReport, agencies_report};
use crate::web::AppState;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[utoipa::path(
    get, path = "/api/v1/stats/agencies", tag = "statistics",
    summary = "Statistics per agency for a period (Department staff: their province; administrators: any)",
    description = "Per agency and for the whole: requests received (filed and transferred in), answers by \
        outcome, refusals by ground, withdrawals, transfers out, the on-time share of first deadlines with its \
        Wilson 95 % interval, the median and 90th percentile of working days to the first response (on the \
        calendar in force at the time), escalations opened and closed, complaints, open requests overdue now, \
        and the same by month or quarter (`trend`). Figures come from the timeline as it was written: a later \
        calendar edit, transfer or reopening does not change them. Agencies with fewer than five requests \
        received are listed with `comparable: false`. No request content. The period defaults to the current \
        quarter.",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The period's statistics.", body = StatsReport),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn agencies(state: web::Data<AppState>, user: ApiUser, q: web::Query<StatsQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let report = state.api(&user, move |conn, env, p| agencies_report(conn, env, p, &q)).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(
    get, path = "/api/v1/stats/agencies/{id}", tag = "statistics",
    summary = "One agency's statistics and its open requests overdue now",
    description = "The agency's figures and trend for the period (as in the list) and its open requests past \
        their due instant, the longest overdue first (reference, kind and dates only). An agency outside the \
        caller's province is not found.",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The agency's id."), StatsQuery),
    responses(
        (status = 200, description = "The agency's statistics.", body = AgencyReport),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn agency(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<Id>,
    q: web::Query<StatsQuery>,
) -> AppResult<HttpResponse> {
    let (id, q) = (id.into_inner(), q.into_inner());
    let report = state.api(&user, move |conn, env, p| agency_report(conn, env, p, &id, &q)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The statistics' query with the file's format (documented parameter by parameter on the route).
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(flatten)]
    pub stats: StatsQuery,
    /// `xlsx` (default: a sheet per table) or `csv` (one table).
    pub format: Option<String>,
    /// For CSV: `agencies` (default), `summary`, `trend` or `grounds`.
    pub table: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/stats/report", tag = "statistics",
    summary = "The period's report as a spreadsheet (XLSX) or CSV",
    description = "The same figures as `GET /api/v1/stats/agencies`, with headings in the caller's language: \
        a workbook with the summary (province, period, when it was made, the policy versions used), the agency \
        table, the trend and refusals by ground, one sheet each; or one of those tables as CSV (UTF-8).",
    security(("bearer" = [])),
    params(StatsQuery, ("format" = Option<String>, Query, description = "`xlsx` (default) or `csv`."),
        ("table" = Option<String>, Query, description = "For CSV: `agencies` (default), `summary`, `trend`, `grounds`.")),
    responses(
        (status = 200, description = "The report.", content(
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
        )),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn report(state: web::Data<AppState>, user: ApiUser, q: web::Query<ExportQuery>) -> AppResult<HttpResponse> {
    let ExportQuery { stats, format, table } = q.into_inner();
    let format = Format::parse(format.as_deref(), table.as_deref())?;
    let file = state.api(&user, move |conn, env, p| export(conn, env, p, &stats, format, p.user.locale)).await?;
    Ok(download(file))
}

/// A report file as a download.
pub fn download(file: crate::service::stats::export::Download) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.filename)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(file.bytes)
}

#[utoipa::path(
    get, path = "/api/v1/public/scoreboards/{code}", tag = "statistics",
    summary = "A province's public scoreboard (no sign-in; only when the province publishes it)",
    description = "Per agency over the last twelve whole months: requests received, answered and refused, \
        first deadlines met and missed, the on-time share with its Wilson 95 % interval and the median working \
        days to the first response. Comparable agencies (five requests or more) first, by on-time share. No \
        subjects, reporters or request content. Kept for ten minutes. Not found while the province does not \
        publish it.",
    params(("code" = String, Path, description = "The province's code, e.g. `HN`.")),
    responses(
        (status = 200, description = "The scoreboard.", body = Scoreboard),
        (status = 404, response = e::NotFound),
    ),
)]
pub async fn public_scoreboard(state: web::Data<AppState>, code: web::Path<String>) -> AppResult<HttpResponse> {
    let code = code.into_inner();
    let board = state.db(move |conn, env| scoreboard(conn, env, &code)).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "public, max-age=600")).json(board))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreboardSetting {
    /// True publishes the province's scoreboard.
    pub public: bool,
}

#[utoipa::path(
    put, path = "/api/v1/public/scoreboards/{code}", tag = "statistics",
    summary = "Publish or withdraw a province's scoreboard (administrators)",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "The province's code.")),
    request_body = ScoreboardSetting,
    responses(
        (status = 204, description = "Saved (and written to the audit log)."),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn set_scoreboard(
    state: web::Data<AppState>,
    user: ApiUser,
    code: web::Path<String>,
    body: web::Json<ScoreboardSetting>,
) -> AppResult<HttpResponse> {
    let (code, public) = (code.into_inner(), body.into_inner().public);
    state.api(&user, move |conn, env, p| set_public(conn, env, p, &code, public)).await?;
    Ok(HttpResponse::NoContent().finish())
}
