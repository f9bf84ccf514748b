//! "Quên mật khẩu": the page that asks for a reset link and the page the
//! link opens. Asking shows the same page whatever the address.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::TokenQuery;
use super::extract::{CsrfForm, Visitor, csrf_field};
use super::page_errors::{OrPage, PageError, PageResult};
use super::{Ctx, message, redirect, render};
use crate::domain::account::check_email;
use crate::domain::validation::FieldErrors;
use crate::service::{AppError, AppResult, password_reset};
use crate::web::ratelimit;
use crate::web::{AppState, credentials};

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

csrf_field!(ForgotForm, ResetForm);

#[derive(Template)]
#[template(path = "forgot_password.html")]
pub struct ForgotPage {
    pub ctx: Ctx,
    pub email: String,
    pub errors: FieldErrors,
}

impl ForgotPage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }
}

pub async fn forgot_form(state: web::Data<AppState>, req: HttpRequest, who: Visitor) -> PageResult {
    let user = state.visitor(&req, &who).await?;
    let ctx = Ctx::new(&req, &user, "forgot.title");
    Ok(render(StatusCode::OK, &ForgotPage { ctx, email: String::new(), errors: FieldErrors::new() }))
}

pub async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> PageResult {
    ratelimit::reset(&state, &req).await.or_page(&req)?;
    let mut errors = FieldErrors::new();
    let email = check_email(&mut errors, "email", &form.email);
    if !errors.is_empty() {
        let user = state.visitor(&req, &who).await?;
        let ctx = Ctx::new(&req, &user, "forgot.title");
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &ForgotPage { ctx, email: form.email, errors }));
    }
    credentials::request_password_reset(state, email.clone());
    let t = crate::i18n::Tr::new(super::locale(&req, None));
    // The same page whether or not the address has an account.
    Ok(message(&req, StatusCode::OK, "forgot.sent_title", t.f("forgot.sent_body", &[("email", &email)]), None))
}

#[derive(Template)]
#[template(path = "reset_password.html")]
pub struct ResetPage {
    pub ctx: Ctx,
    pub token: String,
    pub email: String,
    pub errors: FieldErrors,
}

impl ResetPage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }
}

fn bad_link(req: &HttpRequest) -> actix_web::HttpResponse {
    let t = crate::i18n::Tr::new(super::locale(req, None));
    message(
        req,
        StatusCode::NOT_FOUND,
        "forgot.bad_title",
        t.t("forgot.bad_body").into(),
        Some(("/forgot-password".into(), t.t("forgot.title").into())),
    )
}

pub async fn reset_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    q: web::Query<TokenQuery>,
) -> PageResult {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let (user, account) =
        state.visit(&req, &who, move |conn, env, _| password_reset::account_for(conn, env, &t2)).await?;
    let Some(account) = account else {
        return Ok(bad_link(&req));
    };
    let ctx = Ctx::new(&req, &user, "reset.title");
    Ok(render(StatusCode::OK, &ResetPage { ctx, token, email: account.email, errors: FieldErrors::new() }))
}

pub async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> PageResult {
    // Two blocking calls: the new password is hashed on the hashing pool
    // between checking it with the link and the write.
    let (token, password) = (form.token.clone(), form.password.clone());
    let matched = form.password == form.password_confirm;
    let (user, found) = state
        .visit(&req, &who, move |conn, env, _| {
            let Some(account) = password_reset::account_for(conn, env, &token)? else { return Ok(None) };
            let checked = matched.then(|| password_reset::check(conn, env, &token, &password));
            Ok(Some((account, checked)))
        })
        .await?;
    let Some((account, checked)) = found else {
        return Ok(bad_link(&req));
    };
    let reset = match checked {
        None => Err(AppError::field("password_confirm", "password_mismatch")),
        Some(Ok(())) => set_password(&state, form.token.clone(), form.password.clone()).await,
        Some(Err(e)) => Err(e),
    };
    let errors = match reset {
        Ok(_) => return Ok(redirect("/login?reset=1")),
        Err(AppError::Validation(f)) if f.get("token").is_some() => return Ok(bad_link(&req)),
        Err(AppError::Validation(f)) => f,
        Err(e) => return Err(PageError::new(&req, e)),
    };
    let ctx = Ctx::new(&req, &user, "reset.title");
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &ResetPage { ctx, token: form.token, email: account.email, errors }))
}

/// The new password of a checked link, hashed on the hashing pool, then set.
async fn set_password(state: &AppState, token: String, password: String) -> AppResult<String> {
    let hash = credentials::hash(state, password).await?;
    state.db(move |conn, env| password_reset::reset(conn, env, &token, &hash)).await
}
