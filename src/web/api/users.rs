//! User administration for administrators and Department staff: the list,
//! one account, changes of role or agencies, deactivation, reactivation,
//! invitations sent again and password-reset links.

use actix_web::{HttpResponse, web};

use crate::domain::id::Id;
use crate::service::users_admin::{self, ManagedUser, UserChange, UserQuery};
use crate::service::{AppResult, Page};
use crate::web::AppState;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[utoipa::path(
    get, path = "/api/v1/users", operation_id = "list_users", tag = "administration",
    summary = "The accounts the caller manages",
    description = "Administrators: every account; Department staff: the spokespeople of their province's agencies. \
        Filters: `role`, `agency_id`, `status` (`active`, `invited`, `deactivated`) and `q` (part of the name or the \
        address). By name, then id.",
    security(("bearer" = [])),
    params(UserQuery),
    responses(
        (status = 200, description = "A page of accounts.", body = Page<ManagedUser>),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn list(state: web::Data<AppState>, user: ApiUser, q: web::Query<UserQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = state.api(&user, move |conn, env, p| users_admin::list(conn, env, p, &q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get, path = "/api/v1/users/{id}", operation_id = "get_user", tag = "administration",
    summary = "One account the caller manages",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "The account.", body = ManagedUser),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound),
    ),
)]
pub async fn get(state: web::Data<AppState>, user: ApiUser, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let user = state.api(&user, move |conn, env, p| users_admin::get(conn, env, p, id.as_str())).await?;
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(
    patch, path = "/api/v1/users/{id}", operation_id = "update_user", tag = "administration",
    summary = "Change an account's role or agencies",
    description = "What is absent stays. Assignments to agencies no longer named end now; new ones start now \
        (primary where the agency has none). Department staff change the agencies of their province's spokespeople \
        only. The last active administrator cannot be demoted (409 `last_admin`).",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account's id.")),
    request_body = UserChange,
    responses(
        (status = 200, description = "The account as changed.", body = ManagedUser),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::AccountConflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn update(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<Id>,
    body: web::Json<UserChange>,
) -> AppResult<HttpResponse> {
    let (id, change) = (id.into_inner(), body.into_inner());
    let user = state.api(&user, move |conn, env, p| users_admin::update(conn, env, p, id.as_str(), &change)).await?;
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/deactivate", tag = "administration",
    summary = "Deactivate an account",
    description = "The account can no longer sign in and every session of it ends at once. Idempotent. The last active \
        administrator cannot be deactivated (409 `last_admin`).",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "Done.", body = ManagedUser),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound), (status = 409, response = e::AccountConflict),
    ),
)]
pub async fn deactivate(state: web::Data<AppState>, user: ApiUser, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let user = state.api(&user, move |conn, env, p| users_admin::deactivate(conn, env, p, id.as_str())).await?;
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/reactivate", tag = "administration",
    summary = "Reactivate an account",
    description = "The account may sign in again (with its password; an invited one still needs its invitation). Idempotent.",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "Done.", body = ManagedUser),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound), (status = 409, response = e::AccountConflict),
    ),
)]
pub async fn reactivate(state: web::Data<AppState>, user: ApiUser, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let user = state.api(&user, move |conn, env, p| users_admin::reactivate(conn, env, p, id.as_str())).await?;
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(user))
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/resend-invite", tag = "administration",
    summary = "Send the invitation again",
    description = "A new invitation link (valid 7 days) for an account that has not chosen a password; earlier links stop \
        working. 409 `not_invited` otherwise.",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account's id.")),
    responses(
        (status = 202, description = "Done.", body = ManagedUser),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound), (status = 409, response = e::AccountConflict),
    ),
)]
pub async fn resend_invite(state: web::Data<AppState>, user: ApiUser, id: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let user = state.api(&user, move |conn, env, p| users_admin::resend_invite(conn, env, p, id.as_str())).await?;
    state.wake_mailer();
    Ok(HttpResponse::Accepted().json(user))
}

#[utoipa::path(
    post, path = "/api/v1/users/{id}/password-reset", tag = "administration",
    summary = "Mail the account a password-reset link",
    description = "A single-use link valid one hour (at most 3 an hour per account); nobody types a password for someone \
        else. 409 `not_active` for an invited or deactivated account.",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The account's id.")),
    responses(
        (status = 202, description = "Done.", body = ManagedUser),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound), (status = 409, response = e::AccountConflict),
    ),
)]
pub async fn send_password_reset(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let user =
        state.api(&user, move |conn, env, p| users_admin::send_password_reset(conn, env, p, id.as_str())).await?;
    state.wake_mailer();
    Ok(HttpResponse::Accepted().json(user))
}
