//! Administration through the API: editing a jurisdiction, and the outbox.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::id::Id;
use crate::service::AppResult;
use crate::service::directory::JurisdictionView;
use crate::service::jurisdictions_admin::{self, EditJurisdiction};
use crate::service::outbox_admin::{self, OutboxItem, OutboxOverview};
use crate::web::AppState;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[utoipa::path(
    put, path = "/api/v1/jurisdictions/{id}", tag = "directory",
    summary = "Edit a jurisdiction (administrators)",
    description = "The display name, the Department's name and address, and the office hours (absent: unchanged). \
        The code stays.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The jurisdiction's id.")),
    request_body = EditJurisdiction,
    responses(
        (status = 200, description = "The jurisdiction as changed.", body = JurisdictionView),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn update_jurisdiction(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<EditJurisdiction>,
) -> AppResult<HttpResponse> {
    let (id, input) = (path.into_inner(), body.into_inner());
    let j = state.api(&user, move |conn, env, p| jurisdictions_admin::update(conn, env, p, &id, &input)).await?;
    Ok(HttpResponse::Ok().json(j))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// From 1.
    page: Option<i64>,
    /// 1 to 100 (default 20).
    per_page: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/outbox", tag = "administration",
    summary = "The outbox: counts by status, failed mails and mails waiting for a retry (administrators)",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, description = "Counts and a page of troubled mails, newest first.", body = OutboxOverview),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn outbox(state: web::Data<AppState>, user: ApiUser, q: web::Query<OutboxQuery>) -> AppResult<HttpResponse> {
    let OutboxQuery { page, per_page } = q.into_inner();
    let o = state.api(&user, move |conn, _, p| outbox_admin::overview(conn, p, page, per_page)).await?;
    Ok(HttpResponse::Ok().json(o))
}

#[utoipa::path(
    post, path = "/api/v1/outbox/{id}/send-again", tag = "administration",
    summary = "Send a failed or waiting mail again (administrators)",
    description = "Hands the mail back to the mailer, due now, with its attempts counted from zero; recorded in the \
        audit log. A sent mail answers 409, as does a failed mail whose one-time link was removed.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The outbox row's id.")),
    responses(
        (status = 200, description = "The mail, pending again.", body = OutboxItem),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound), (status = 409, response = e::Conflict),
    ),
)]
pub async fn send_again(state: web::Data<AppState>, user: ApiUser, path: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let item = state.api(&user, move |conn, env, p| outbox_admin::send_again(conn, env, p, &id)).await?;
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(item))
}
