//! An account looking after itself over the API: its profile, its password,
//! its address, signing out everywhere, and "forgot password".

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::account::{check_email, normalize_email};
use crate::domain::validation::FieldErrors;
use crate::service::accounts::UserView;
use crate::service::profile::{self, ProfileInput};
use crate::service::{AppError, AppResult, email_change, shared_limits};
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;
use crate::web::ratelimit;
use crate::web::{AppState, credentials};

#[utoipa::path(
    patch, path = "/api/v1/me", tag = "accounts",
    summary = "Update one's profile",
    description = "Reporters: `full_name`, `outlet`, `press_card_no`, `phone`, `locale`. Everyone else: `title`, \
        `phone`, `locale` (other fields are ignored). An absent or blank optional field is cleared.",
    security(("bearer" = [])),
    request_body = ProfileInput,
    responses(
        (status = 200, description = "The account as changed.", body = UserView),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn update_profile(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<ProfileInput>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let view = state.api(&user, move |conn, env, p| profile::update(conn, env, p, &input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"current_password": "mật-khẩu-cũ-dài-42", "new_password": "mật-khẩu-mới-dài-và-khó-đoán"}))]
pub struct PasswordChange {
    #[serde(default)]
    #[schema(required = true)]
    current_password: String,
    #[serde(default)]
    #[schema(required = true)]
    new_password: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "accounts",
    summary = "Change one's password",
    description = "The current password is required (a wrong one: 422 on `current_password`). The account's other \
        sessions end; this one goes on.",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed."),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed), (status = 429, response = e::RateLimited),
        (status = 503, response = e::Busy),
    ),
)]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: ApiUser,
    body: web::Json<PasswordChange>,
) -> AppResult<HttpResponse> {
    let (client, limits) = (ratelimit::client_ip(&req, &state.config), state.limits.clone());
    // Two blocking calls: the passwords are checked and hashed on the hashing
    // pool between reading the stored hash (with the caller) and the write.
    let (p, (stored, email)) = state
        .api(&user, move |conn, env, p| {
            limits.login_in(env, client, |l, s| shared_limits::hit(conn, env.config, env.now, l, s))?;
            Ok((p.clone(), profile::password_check_data(conn, &p.user.id)?))
        })
        .await?;
    let PasswordChange { current_password, new_password } = body.into_inner();
    credentials::check_password(&state, stored, current_password, "current_password").await?;
    let hash = credentials::new_password_hash(&state, &email, new_password).await?;
    state.db(move |conn, env| profile::set_password(conn, env, &p, &hash)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"new_email": "trang.pham@baomoi.example.vn", "password": "mật-khẩu-dài-và-khó-đoán"}))]
pub struct EmailChange {
    #[serde(default)]
    #[schema(required = true)]
    new_email: String,
    /// The current password.
    #[serde(default)]
    #[schema(required = true)]
    password: String,
}

/// A change of address waits for the link mailed to `new_email`.
#[derive(Serialize, ToSchema)]
pub struct EmailChangePending {
    pub new_email: String,
}

#[utoipa::path(
    post, path = "/api/v1/me/email", tag = "accounts",
    summary = "Change one's address",
    description = "With the current password. A link valid 24 hours goes to the new address and a notice to the \
        current one; the address changes only when the link is opened (`POST /api/v1/confirm-email`). An address \
        that has an account gets the same answer and no mail.",
    security(("bearer" = [])),
    request_body = EmailChange,
    responses(
        (status = 202, description = "The confirmation mail is queued.", body = EmailChangePending),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed), (status = 429, response = e::RateLimited),
        (status = 503, response = e::Busy),
    ),
)]
pub async fn change_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: ApiUser,
    body: web::Json<EmailChange>,
) -> AppResult<HttpResponse> {
    let (client, limits) = (ratelimit::client_ip(&req, &state.config), state.limits.clone());
    let EmailChange { new_email, password } = body.into_inner();
    // Two blocking calls: the password is checked on the hashing pool between
    // reading its hash (with the caller) and asking for the change.
    let (p, new_email, (stored, _)) = state
        .api(&user, move |conn, env, p| {
            limits.login_in(env, client, |l, s| shared_limits::hit(conn, env.config, env.now, l, s))?;
            let new_email = email_change::check_new(p, &new_email)?;
            Ok((p.clone(), new_email, profile::password_check_data(conn, &p.user.id)?))
        })
        .await?;
    credentials::check_password(&state, stored, password, "password").await?;
    let to = new_email.clone();
    state.db(move |conn, env| email_change::request(conn, env, &p, &to)).await?;
    state.wake_mailer();
    Ok(HttpResponse::Accepted().json(EmailChangePending { new_email }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"token": "mã-trong-thư"}))]
pub struct TokenBody {
    /// The token from the mail's link.
    #[serde(default)]
    #[schema(required = true)]
    token: String,
}

#[utoipa::path(
    post, path = "/api/v1/confirm-email", tag = "accounts",
    summary = "Confirm a change of address",
    description = "The mail's link opens the page `/confirm-email?token=…`; this is the same for API clients. \
        Once only; 409 `email_taken` if the address got an account meanwhile.",
    request_body = TokenBody,
    responses(
        (status = 200, description = "The address is changed.", body = UserView),
        (status = 400, response = e::InvalidJson), (status = 409, response = e::AccountConflict),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn confirm_email(state: web::Data<AppState>, body: web::Json<TokenBody>) -> AppResult<HttpResponse> {
    let token = body.into_inner().token;
    if token.is_empty() {
        return Err(AppError::field("token", "required"));
    }
    let view = state.db(move |conn, env| email_change::confirm(conn, env, &token)).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    delete, path = "/api/v1/sessions", tag = "accounts",
    summary = "Sign out everywhere",
    description = "Ends every session of the account, this one included.",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out everywhere."),
        (status = 401, response = e::Unauthenticated),
    ),
)]
pub async fn sign_out_everywhere(state: web::Data<AppState>, user: ApiUser) -> AppResult<HttpResponse> {
    state.api(&user, profile::sign_out_everywhere).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "phongvien@baothainguyen.example.vn"}))]
pub struct ResetRequest {
    #[serde(default)]
    #[schema(required = true)]
    email: String,
}

/// The same answer for every plausible address.
#[derive(Serialize, ToSchema)]
pub struct ResetRequested {
    pub email: String,
}

#[utoipa::path(
    post, path = "/api/v1/password-reset", tag = "accounts",
    summary = "Forgot password: mail a reset link",
    description = "The same answer, as fast, whether or not the address has an account; an account that may sign \
        in gets a single-use link valid one hour (at most 3 an hour).",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "If the address has an account, a link is on its way.", body = ResetRequested),
        (status = 400, response = e::InvalidJson), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
        (status = 429, response = e::RateLimited),
    ),
)]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ResetRequest>,
) -> AppResult<HttpResponse> {
    ratelimit::reset(&state, &req).await?;
    let mut errors = FieldErrors::new();
    let email = check_email(&mut errors, "email", &body.into_inner().email);
    errors.into_result()?;
    credentials::request_password_reset(state, email.clone());
    Ok(HttpResponse::Accepted().json(ResetRequested { email: normalize_email(&email) }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"token": "mã-trong-thư", "password": "mật-khẩu-mới-dài-và-khó-đoán"}))]
pub struct ResetConfirm {
    #[serde(default)]
    #[schema(required = true)]
    token: String,
    #[serde(default)]
    #[schema(required = true)]
    password: String,
}

#[utoipa::path(
    post, path = "/api/v1/password-reset/confirm", tag = "accounts",
    summary = "Set a new password from a reset link",
    description = "Once per link, within the hour. Every session of the account ends; sign in again.",
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "The password is changed."),
        (status = 400, response = e::InvalidJson), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
        (status = 503, response = e::Busy),
    ),
)]
pub async fn reset_password(state: web::Data<AppState>, body: web::Json<ResetConfirm>) -> AppResult<HttpResponse> {
    let ResetConfirm { token, password } = body.into_inner();
    if token.is_empty() {
        return Err(AppError::field("token", "required"));
    }
    credentials::reset_password(&state, token, password).await?;
    Ok(HttpResponse::NoContent().finish())
}
