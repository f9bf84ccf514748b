use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::service::accounts::{self, NewUser, RegisterReporter, UserView};
use crate::service::{AppError, AppResult, shared_limits};
use crate::web::api::answers::{AccountState, LoginAnswer, ResendAnswer};
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;
use crate::web::ratelimit::{self, client_ip};
use crate::web::{AppState, credentials};

#[utoipa::path(
    post, path = "/api/v1/reporters", tag = "accounts",
    summary = "Register a reporter",
    description = "Creates a reporter account and mails a verification link; filing a request needs a verified \
        address. A taken address gets the same answer (the id belongs to nothing; the owner is mailed).",
    request_body = RegisterReporter,
    responses(
        (status = 201, description = "Registered; the verification mail is queued.", body = AccountState),
        (status = 400, response = e::InvalidJson), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
        (status = 429, response = e::RateLimited), (status = 503, response = e::Busy),
    ),
)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterReporter>,
) -> AppResult<HttpResponse> {
    ratelimit::register(&state, &req).await?;
    let input = body.into_inner();
    let done = credentials::register(&state, input).await?;
    state.wake_mailer();
    // The same answer for a free and for a taken address (see register_reporter).
    Ok(HttpResponse::Created().json(AccountState { id: done.id, email: done.email, email_verified: false }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token from the verification mail's link.
    #[serde(default)]
    #[param(required = true)]
    token: String,
}

#[utoipa::path(
    get, path = "/api/v1/verify-email", tag = "accounts",
    summary = "Verify an email address",
    description = "The mail's link opens the page `/verify-email?token=…`; this is the same for API clients.",
    params(TokenQuery),
    responses(
        (status = 200, description = "The address is verified.", body = AccountState),
        (status = 404, response = e::NotFound), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn verify_email(state: web::Data<AppState>, q: web::Query<TokenQuery>) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let user = state.db(move |conn, env| accounts::verify_email(conn, env, &token)).await?;
    Ok(HttpResponse::Ok().json(AccountState { id: user.id, email: user.email, email_verified: user.email_verified }))
}

#[utoipa::path(
    post, path = "/api/v1/verify-email/resend", tag = "accounts",
    summary = "Send the verification mail again",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued (or nothing to do: already verified).", body = ResendAnswer),
        (status = 401, response = e::Unauthenticated), (status = 429, response = e::RateLimited),
    ),
)]
pub async fn resend_verification(state: web::Data<AppState>, user: ApiUser) -> AppResult<HttpResponse> {
    // The limit is counted per account before any mail is queued.
    let limits = state.limits.clone();
    let p = state
        .api(&user, move |conn, env, p| {
            limits.resend_in(env, &p.user.id, |l, s| shared_limits::hit(conn, env.config, env.now, l, s))?;
            accounts::resend_verification_of(conn, env, &p.user.id)?;
            Ok(p.clone())
        })
        .await?;
    state.wake_mailer();
    Ok(HttpResponse::Accepted().json(ResendAnswer { email: p.user.email, email_verified: p.user.verified }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "phongvien@baothainguyen.example.vn", "password": "mật-khẩu-dài-và-khó-đoán"}))]
pub struct Credentials {
    #[serde(default)]
    #[schema(required = true)]
    email: String,
    #[serde(default)]
    #[schema(required = true)]
    password: String,
}

#[utoipa::path(
    post, path = "/api/v1/sessions", tag = "accounts",
    summary = "Sign in",
    description = "Answers a bearer token for the API. Repeated failures for one (address, client) pair answer 429.",
    request_body = Credentials,
    responses(
        (status = 201, description = "Signed in.", body = LoginAnswer),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed), (status = 429, response = e::RateLimited),
        (status = 503, response = e::Busy),
    ),
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Credentials>,
) -> AppResult<HttpResponse> {
    ratelimit::login(&state, &req).await?;
    let Credentials { email, password } = body.into_inner();
    let ua = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
    let client = client_ip(&req, &state.config).to_string();
    let login = credentials::login(&state, email, password, ua, client).await?;
    let id = login.session.user_id.clone();
    let user = state.db(move |conn, env| accounts::view_by_id(conn, env, &id)).await?;
    let expires_at = chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(login.session.expires_at, chrono::Utc);
    Ok(HttpResponse::Created().json(LoginAnswer { token: login.token, expires_at, user }))
}

#[utoipa::path(
    delete, path = "/api/v1/sessions/current", tag = "accounts",
    summary = "Sign out",
    description = "Revokes the bearer token of this request.",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out."),
        (status = 401, response = e::Unauthenticated),
    ),
)]
pub async fn logout(state: web::Data<AppState>, user: ApiUser) -> AppResult<HttpResponse> {
    // Only a live bearer token gets this far; revoke exactly its session.
    state.api(&user, move |conn, env, p| accounts::logout(conn, env, &p.session_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "accounts",
    summary = "The signed-in user",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user.", body = UserView),
        (status = 401, response = e::Unauthenticated),
    ),
)]
pub async fn me(state: web::Data<AppState>, user: ApiUser) -> AppResult<HttpResponse> {
    let view = state.api(&user, move |conn, env, p| accounts::view_by_id(conn, env, &p.user.id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    post, path = "/api/v1/users", tag = "accounts",
    summary = "Invite a spokesperson, staff member or administrator",
    description = "Administrators invite anyone; Department staff invite within their jurisdiction. The invitation \
        mail lets the user set a password (`POST /api/v1/accept-invite`).",
    security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Invited.", body = UserView),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 409, response = e::Conflict),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn invite(state: web::Data<AppState>, user: ApiUser, body: web::Json<NewUser>) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let view = state.api(&user, move |conn, env, p| accounts::invite(conn, env, p, &input)).await?;
    state.wake_mailer();
    Ok(HttpResponse::Created().json(view))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"token": "mã-trong-thư-mời", "password": "mật-khẩu-dài-và-khó-đoán"}))]
pub struct AcceptInvite {
    /// The token from the invitation mail.
    #[serde(default)]
    #[schema(required = true)]
    token: String,
    #[serde(default)]
    #[schema(required = true)]
    password: String,
}

#[utoipa::path(
    post, path = "/api/v1/accept-invite", tag = "accounts",
    summary = "Accept an invitation",
    description = "Sets the invited user's password; then sign in with `POST /api/v1/sessions`.",
    request_body = AcceptInvite,
    responses(
        (status = 200, description = "The account is ready.", body = UserView),
        (status = 400, response = e::InvalidJson), (status = 404, response = e::NotFound),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed), (status = 503, response = e::Busy),
    ),
)]
pub async fn accept_invite(state: web::Data<AppState>, body: web::Json<AcceptInvite>) -> AppResult<HttpResponse> {
    let AcceptInvite { token, password } = body.into_inner();
    if token.is_empty() {
        return Err(AppError::field("token", "required"));
    }
    let id = credentials::accept_invite(&state, token, password).await?;
    let view = state.db(move |conn, env| accounts::view_by_id(conn, env, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}
