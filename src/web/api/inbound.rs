//! Received mail held for Department staff: the holding queue, a message with
//! its original, attaching it to a request, discarding it.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::domain::id::Id;
use crate::service::inbound::queue::{self, HeldMessage};
use crate::service::{AppResult, Page};
use crate::web::AppState;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HeldQuery {
    /// From 1.
    page: Option<i64>,
    /// 1 to 100 (default 20).
    per_page: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/inbound", tag = "inbound mail",
    summary = "Received mail held for staff (Department staff: their province and unmatched mail; administrators: all)",
    description = "Replies by mail that were not acted on, newest first, each with the reason it was held.",
    security(("bearer" = [])),
    params(HeldQuery),
    responses(
        (status = 200, description = "A page of held messages.", body = Page<HeldMessage>),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn list(state: web::Data<AppState>, user: ApiUser, q: web::Query<HeldQuery>) -> AppResult<HttpResponse> {
    let HeldQuery { page, per_page } = q.into_inner();
    let page = state.api(&user, move |conn, _, p| queue::held(conn, p, page, per_page)).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get, path = "/api/v1/inbound/{id}", tag = "inbound mail",
    summary = "A received message: its own text, the quoted history, why it was held",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The message's id.")),
    responses(
        (status = 200, description = "The message.", body = HeldMessage),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound),
    ),
)]
pub async fn get(state: web::Data<AppState>, user: ApiUser, path: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let m = state.api(&user, move |conn, _, p| queue::get(conn, p, &id)).await?;
    Ok(HttpResponse::Ok().json(m))
}

#[utoipa::path(
    get, path = "/api/v1/inbound/{id}/original", tag = "inbound mail",
    summary = "The message as it arrived (message/rfc822, as a download)",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The message's id.")),
    responses(
        (status = 200, description = "The original bytes.", content_type = "message/rfc822", body = Vec<u8>),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound),
    ),
)]
pub async fn original(state: web::Data<AppState>, user: ApiUser, path: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let name = format!("attachment; filename=\"{}.eml\"", id.as_str());
    let bytes = state.api(&user, move |conn, env, p| queue::original(conn, env, p, &id)).await?;
    Ok(HttpResponse::Ok().content_type("message/rfc822").insert_header(("Content-Disposition", name)).body(bytes))
}

/// Which request a held message belongs to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AttachTo {
    /// The request's reference (`TNG-2026-000042`) or id.
    #[serde(default)]
    #[schema(example = "TNG-2026-000042")]
    pub request: String,
}

#[utoipa::path(
    post, path = "/api/v1/inbound/{id}/attach", tag = "inbound mail",
    summary = "Attach a held message to a request of the province",
    description = "Its text goes on the request's timeline as a message seen by both parties; audited. \
        A message already handled answers 409; a request outside the province 422 (`request`).",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The message's id.")),
    request_body = AttachTo,
    responses(
        (status = 200, description = "The message, attached.", body = HeldMessage),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn attach(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<AttachTo>,
) -> AppResult<HttpResponse> {
    let (id, to) = (path.into_inner(), body.into_inner());
    let m = state.api(&user, move |conn, env, p| queue::attach(conn, env, p, &id, &to.request)).await?;
    Ok(HttpResponse::Ok().json(m))
}

#[utoipa::path(
    post, path = "/api/v1/inbound/{id}/discard", tag = "inbound mail",
    summary = "Discard a held message (it stays recorded; audited)",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The message's id.")),
    responses(
        (status = 200, description = "The message, discarded.", body = HeldMessage),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound), (status = 409, response = e::Conflict),
    ),
)]
pub async fn discard(state: web::Data<AppState>, user: ApiUser, path: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let m = state.api(&user, move |conn, env, p| queue::discard(conn, env, p, &id)).await?;
    Ok(HttpResponse::Ok().json(m))
}
