//! Pages for accounts: register, verify, log in and out, accept an invitation.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{CsrfForm, Visitor, csrf_field};
use super::page_errors::{OrPage, PageError, PageResult};
use super::{Ctx, message, redirect, render, safe_next};
use crate::domain::account::{Locale, Role};
use crate::domain::validation::FieldErrors;
use crate::service::accounts::{self, RegisterReporter};
use crate::service::login::{self, Login};
use crate::service::{AppError, AppResult, shared_limits};
use crate::web::auth::{clear_session_cookie, session_cookie};
use crate::web::csrf;
use crate::web::ratelimit::{self, client_ip};
use crate::web::{AppState, credentials};

#[derive(Debug, Default, Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    outlet: String,
    #[serde(default)]
    press_card_no: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    locale: String,
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub ctx: Ctx,
    pub form: RegisterForm,
    pub errors: FieldErrors,
}

impl RegisterPage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }

    /// The text inputs in order: name, input type, value, autocomplete, required.
    fn fields(&self) -> Vec<(&'static str, &'static str, String, &'static str, bool)> {
        let f = &self.form;
        vec![
            ("email", "email", f.email.clone(), "email", true),
            ("password", "password", String::new(), "new-password", true),
            ("full_name", "text", f.full_name.clone(), "name", true),
            ("outlet", "text", f.outlet.clone(), "organization", true),
            ("press_card_no", "text", f.press_card_no.clone(), "off", false),
            ("phone", "tel", f.phone.clone(), "tel", false),
        ]
    }
}

pub async fn register_form(state: web::Data<AppState>, req: HttpRequest, who: Visitor) -> PageResult {
    let user = state.visitor(&req, &who).await?;
    let ctx = Ctx::new(&req, &user, "register.title");
    let form = RegisterForm { locale: ctx.t.locale.as_str().into(), ..Default::default() };
    Ok(render(StatusCode::OK, &RegisterPage { ctx, form, errors: FieldErrors::new() }))
}

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    CsrfForm(mut form): CsrfForm<RegisterForm>,
) -> PageResult {
    ratelimit::register(&state, &req).await.or_page(&req)?;
    let input = RegisterReporter {
        email: form.email.clone(),
        password: form.password.clone(),
        full_name: form.full_name.clone(),
        outlet: form.outlet.clone(),
        press_card_no: Some(form.press_card_no.clone()),
        phone: Some(form.phone.clone()),
        locale: Some(form.locale.clone()),
    };
    let result = credentials::register(&state, input).await;
    match result {
        // The same page for a free and for a taken address (see register_reporter).
        Ok(done) => {
            state.wake_mailer();
            let t = crate::i18n::Tr::new(super::locale(&req, None));
            Ok(message(
                &req,
                StatusCode::CREATED,
                "register.done_title",
                t.f("register.done_body", &[("email", &done.email)]),
                None,
            ))
        }
        Err(e) => {
            let errors = match e {
                AppError::Validation(f) => f,
                other => return Err(PageError::new(&req, other)),
            };
            form.password.clear();
            // The visitor only for the page's layout: a blocking call of its
            // own, since the work hashed the password on the hashing pool.
            let user = state.visitor(&req, &who).await?;
            let ctx = Ctx::new(&req, &user, "register.title");
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage { ctx, form, errors }))
        }
    }
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub token: String,
}

pub async fn verify_email(state: web::Data<AppState>, req: HttpRequest, q: web::Query<TokenQuery>) -> HttpResponse {
    let token = q.into_inner().token;
    let result = state.db(move |conn, env| accounts::verify_email(conn, env, &token)).await;
    let t = crate::i18n::Tr::new(super::locale(&req, None));
    match result {
        Ok(_) => message(
            &req,
            StatusCode::OK,
            "verify.ok_title",
            t.t("verify.ok_body").into(),
            Some(("/login".into(), t.t("nav.login").into())),
        ),
        Err(AppError::Validation(_)) => message(
            &req,
            StatusCode::BAD_REQUEST,
            "verify.bad_title",
            t.t("verify.bad_body").into(),
            Some(("/login".into(), t.t("nav.login").into())),
        ),
        Err(e) => actix_web::ResponseError::error_response(&PageError::new(&req, e)),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub async fn resend_verification(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    _: CsrfForm<CsrfOnly>,
) -> PageResult {
    let limits = state.limits.clone();
    let (user, _) = state
        .visit(&req, &who, move |conn, env, p| {
            let Some(p) = p else { return Ok(()) };
            // The limit is counted per account before any mail is queued.
            limits.resend_in(env, &p.user.id, |l, s| shared_limits::hit(conn, env.config, env.now, l, s))?;
            accounts::resend_verification_of(conn, env, &p.user.id)
        })
        .await?;
    user.signed_in(&req)?;
    state.wake_mailer();
    Ok(redirect("/?resent=1"))
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: Ctx,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    out: Option<String>,
    reset: Option<String>,
}

pub async fn login_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    q: web::Query<LoginQuery>,
) -> PageResult {
    let user = state.visitor(&req, &who).await?;
    let ctx = Ctx::new(&req, &user, "login.title");
    let notice = match (q.out.as_deref(), &q.reset) {
        (Some("all"), _) => Some(ctx.t.t("login.logged_out_everywhere").to_string()),
        (Some(_), _) => Some(ctx.t.t("login.logged_out").to_string()),
        (None, Some(_)) => Some(ctx.t.t("login.password_reset").to_string()),
        (None, None) => None,
    };
    Ok(render(
        StatusCode::OK,
        &LoginPage {
            ctx,
            email: String::new(),
            next: safe_next(q.next.as_deref(), &state.config.base_url),
            error: None,
            notice,
        },
    ))
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> PageResult {
    let next = safe_next(form.next.as_deref(), &state.config.base_url);
    let limited = ratelimit::login(&state, &req).await;
    let email = form.email.clone();
    let result = match limited {
        Err(e) => Err(e),
        Ok(()) => {
            let ua = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
            let client = client_ip(&req, &state.config).to_string();
            credentials::login(&state, email, form.password.clone(), ua, client).await
        }
    };
    match result {
        Ok(login) => {
            let mut res = redirect(&next);
            res.add_cookie(&session_cookie(&login.token, state.config.secure_cookies(), state.config.session_ttl))?;
            csrf::rotate(&mut res, state.config.secure_cookies())?;
            Ok(res)
        }
        Err(e @ (AppError::Unauthenticated(_) | AppError::RateLimited { .. } | AppError::Busy { .. })) => {
            // The visitor only for the page's layout: a blocking call of its
            // own, since the password was checked on the hashing pool.
            let user = state.visitor(&req, &who).await?;
            let ctx = Ctx::new(&req, &user, "login.title");
            let (status, key) = match e {
                AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "errors.rate_limited"),
                AppError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "errors.busy"),
                _ => (StatusCode::UNAUTHORIZED, "errors.login_failed"),
            };
            let error = Some(ctx.t.t(key).to_string());
            let mut res = render(status, &LoginPage { ctx, email: form.email, next, error, notice: None });
            crate::web::errors::set_retry_after(&e, &mut res);
            Ok(res)
        }
        Err(e) => Err(PageError::new(&req, e)),
    }
}

pub async fn logout(state: web::Data<AppState>, req: HttpRequest, who: Visitor, _: CsrfForm<CsrfOnly>) -> PageResult {
    if who.token().is_some() {
        state
            .visit(&req, &who, |conn, env, p| match p {
                Some(p) => accounts::logout(conn, env, &p.session_id),
                None => Ok(()),
            })
            .await?;
    }
    let mut res = redirect("/login?out=1");
    res.add_cookie(&clear_session_cookie(state.config.secure_cookies()))?;
    csrf::rotate(&mut res, state.config.secure_cookies())?;
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

csrf_field!(RegisterForm, CsrfOnly, LoginForm, InviteForm);

#[derive(Template)]
#[template(path = "accept_invite.html")]
pub struct InvitePage {
    pub ctx: Ctx,
    pub token: String,
    pub email: String,
    pub errors: FieldErrors,
}

impl InvitePage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }
}

fn bad_invite(req: &HttpRequest) -> HttpResponse {
    let t = crate::i18n::Tr::new(super::locale(req, None));
    message(req, StatusCode::NOT_FOUND, "invite.bad_title", t.t("invite.bad_body").into(), None)
}

pub async fn accept_invite_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    q: web::Query<TokenQuery>,
) -> PageResult {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let (user, invited) = state.visit(&req, &who, move |conn, env, _| accounts::invitation(conn, env, &t2)).await?;
    let Some(u) = invited else {
        return Ok(bad_invite(&req));
    };
    let mut ctx = Ctx::new(&req, &user, "invite.title");
    if user.0.is_none() {
        ctx.t = crate::i18n::Tr::new(
            req.cookie(super::LANG_COOKIE).and_then(|c| Locale::parse(c.value())).unwrap_or(u.locale),
        );
        ctx.title = ctx.t.t("invite.title").into();
    }
    Ok(render(StatusCode::OK, &InvitePage { ctx, token, email: u.email, errors: FieldErrors::new() }))
}

pub async fn accept_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> PageResult {
    // Two blocking calls: the chosen password is hashed on the hashing pool
    // between checking it with the invitation and the write.
    let (token, password) = (form.token.clone(), form.password.clone());
    let matched = form.password == form.password_confirm;
    let (user, invited) = state
        .visit(&req, &who, move |conn, env, _| {
            let Some(invited) = accounts::invitation(conn, env, &token)? else { return Ok(None) };
            let checked = matched.then(|| accounts::check_invite(conn, env, &token, &password));
            Ok(Some((invited, checked)))
        })
        .await?;
    let Some((invited, checked)) = invited else {
        return Ok(bad_invite(&req));
    };
    let ua = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).map(str::to_string);
    let accepted = match checked {
        None => Err(AppError::field("password_confirm", "password_mismatch")),
        Some(Ok(())) => accept(&state, form.token.clone(), form.password.clone(), ua).await.or_page(&req)?,
        Some(Err(e)) => Err(e),
    };
    let errors = match accepted {
        Ok(login) => {
            // Straight to where the new user works: the inbox, the escalation queue.
            let mut res = redirect(match login.user.role {
                Role::Spokesperson | Role::Reporter => "/requests",
                Role::Staff => "/escalations",
                Role::Admin => "/admin/users",
            });
            res.add_cookie(&session_cookie(&login.token, state.config.secure_cookies(), state.config.session_ttl))?;
            csrf::rotate(&mut res, state.config.secure_cookies())?;
            return Ok(res);
        }
        Err(AppError::Validation(f)) if f.get("token").is_some() => return Ok(bad_invite(&req)),
        Err(AppError::Validation(f)) => f,
        Err(e) => return Err(PageError::new(&req, e)),
    };
    let ctx = Ctx::new(&req, &user, "invite.title");
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &InvitePage { ctx, token: form.token, email: invited.email, errors }))
}

/// Sets the chosen password of a checked invitation, hashed on the hashing
/// pool, and signs the new user in straight away, in one blocking call after
/// the hash. The inner error is the answer to the form (the hashing pool's
/// `Busy`, or the invitation refused); the outer one the call's failure.
async fn accept(state: &AppState, token: String, password: String, ua: Option<String>) -> AppResult<AppResult<Login>> {
    let hash = match credentials::hash(state, password).await {
        Ok(hash) => hash,
        Err(e) => return Ok(Err(e)),
    };
    state
        .db(move |conn, env| {
            let account = match accounts::accept_invite(conn, env, &token, &hash) {
                Ok(u) => u.id,
                Err(e @ AppError::Validation(_)) => return Ok(Err(e)),
                Err(e) => return Err(e),
            };
            Ok(Ok(login::open_session_for(conn, env, &account, ua.as_deref())?))
        })
        .await
}
