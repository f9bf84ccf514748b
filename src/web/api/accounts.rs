use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::service::accounts::{self, NewUser, RegisterReporter};
use crate::service::{AppError, AppResult};
use crate::web::auth::ApiUser;
use crate::web::ratelimit::{self, client_ip};
use crate::web::{AppState, credentials};

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterReporter>,
) -> AppResult<HttpResponse> {
    ratelimit::check(&state.limits.register_by_ip, &client_ip(&req))?;
    let input = body.into_inner();
    let done = credentials::register(&state, input).await?;
    state.wake_mailer();
    // The same answer for a free and for a taken address (see register_reporter).
    Ok(HttpResponse::Created().json(json!({"id": done.id, "email": done.email, "email_verified": false})))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

pub async fn verify_email(state: web::Data<AppState>, q: web::Query<TokenQuery>) -> AppResult<HttpResponse> {
    let token = q.into_inner().token;
    let user = state.db(move |conn, env| accounts::verify_email(conn, env, &token)).await?;
    Ok(HttpResponse::Ok().json(json!({"id": user.id, "email": user.email, "email_verified": user.email_verified})))
}

pub async fn resend_verification(state: web::Data<AppState>, ApiUser(p): ApiUser) -> AppResult<HttpResponse> {
    ratelimit::check(&state.limits.resend_by_user, &p.user.id)?;
    let id = p.user.id.clone();
    state.db(move |conn, env| accounts::resend_verification_of(conn, env, &id)).await?;
    state.wake_mailer();
    Ok(HttpResponse::Accepted().json(json!({"email": p.user.email, "email_verified": p.user.verified})))
}

#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Credentials>,
) -> AppResult<HttpResponse> {
    ratelimit::check(&state.limits.login_by_ip, &client_ip(&req))?;
    let Credentials { email, password } = body.into_inner();
    let ua = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
    let client = client_ip(&req).to_string();
    let login = credentials::login(&state, email, password, ua, client).await?;
    let id = login.session.user_id.clone();
    let view = state.db(move |conn, env| accounts::view_by_id(conn, env, &id)).await?;
    let expires = chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(login.session.expires_at, chrono::Utc);
    Ok(HttpResponse::Created().json(json!({
        "token": login.token,
        "expires_at": expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "user": view,
    })))
}

pub async fn logout(state: web::Data<AppState>, ApiUser(p): ApiUser) -> AppResult<HttpResponse> {
    // ApiUser proved the bearer token is live; revoke exactly that session.
    let sid = p.session_id.clone();
    state.db(move |conn, env| accounts::logout(conn, env, &sid)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn me(state: web::Data<AppState>, ApiUser(p): ApiUser) -> AppResult<HttpResponse> {
    let id = p.user.id.clone();
    let view = state.db(move |conn, env| accounts::view_by_id(conn, env, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

pub async fn invite(
    state: web::Data<AppState>,
    ApiUser(p): ApiUser,
    body: web::Json<NewUser>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let view = state.db(move |conn, env| accounts::invite(conn, env, &p, &input)).await?;
    state.wake_mailer();
    Ok(HttpResponse::Created().json(view))
}

#[derive(Deserialize)]
pub struct AcceptInvite {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

pub async fn accept_invite(state: web::Data<AppState>, body: web::Json<AcceptInvite>) -> AppResult<HttpResponse> {
    let AcceptInvite { token, password } = body.into_inner();
    if token.is_empty() {
        return Err(AppError::field("token", "required"));
    }
    let id = credentials::accept_invite(&state, token, password).await?;
    let view = state.db(move |conn, env| accounts::view_by_id(conn, env, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}
