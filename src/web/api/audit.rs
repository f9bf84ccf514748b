//! The audit log of administrative changes, for administrators and
//! Department staff.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::service::audit_log::{self, AuditEntry};
use crate::service::{AppResult, Page};
use crate::web::AppState;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// From 1.
    page: Option<i64>,
    /// 1 to 100 (default 20).
    per_page: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/audit", tag = "administration",
    summary = "The audit log (administrators; Department staff: their province)",
    description = "Administrative changes, newest first: who (`actor`, `null` for the command line), when, what \
        (`action`, `target_kind`, `target_id`) and the fields before and after. Entries are never changed.",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries.", body = Page<AuditEntry>),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn list(state: web::Data<AppState>, user: ApiUser, q: web::Query<AuditQuery>) -> AppResult<HttpResponse> {
    let AuditQuery { page, per_page } = q.into_inner();
    let result = state.api(&user, move |conn, env, p| audit_log::list(conn, env, p, page, per_page)).await?;
    Ok(HttpResponse::Ok().json(result))
}
