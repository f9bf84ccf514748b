//! The account page: one's profile, password and address, and signing out
//! everywhere; and the page the address-change link opens.

use crate::web::Signed;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::{CsrfOnly, TokenQuery};
use super::extract::{CsrfForm, SignedIn, csrf_field};
use super::page_errors::{OrPage, PageError, PageResult};
use super::{Ctx, message, redirect, render};
use crate::domain::account::Role;
use crate::domain::validation::FieldErrors;
use crate::service::accounts::{self, UserView};
use crate::service::profile::{self, ProfileInput};
use crate::service::{AppError, email_change};
use crate::web::auth::clear_session_cookie;
use crate::web::ratelimit;
use crate::web::{AppState, credentials, csrf};

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    csrf: String,
    full_name: Option<String>,
    outlet: Option<String>,
    press_card_no: Option<String>,
    phone: Option<String>,
    title: Option<String>,
    locale: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    password: String,
}

csrf_field!(ProfileForm, PasswordForm, EmailForm);

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub ctx: Ctx,
    pub me: UserView,
    pub notice: Option<String>,
    /// Which form the errors belong to: `profile`, `password` or `email`.
    pub section: &'static str,
    pub errors: FieldErrors,
    pub new_email: String,
}

impl AccountPage {
    fn err(&self, section: &str, field: &str) -> Option<String> {
        (self.section == section).then(|| self.ctx.field_error(&self.errors, field)).flatten()
    }

    fn has_errors(&self, section: &str) -> bool {
        self.section == section && !self.errors.is_empty()
    }

    fn is_reporter(&self) -> bool {
        self.me.role == Role::Reporter
    }

    /// The profile's text fields: name, input type, value, autocomplete, required.
    fn fields(&self) -> Vec<(&'static str, &'static str, String, &'static str, bool)> {
        let m = &self.me;
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        if self.is_reporter() {
            vec![
                ("full_name", "text", m.full_name.clone(), "name", true),
                ("outlet", "text", v(&m.outlet), "organization", true),
                ("press_card_no", "text", v(&m.press_card_no), "off", false),
                ("phone", "tel", v(&m.phone), "tel", false),
            ]
        } else {
            vec![
                ("title", "text", v(&m.title), "organization-title", false),
                ("phone", "tel", v(&m.phone), "tel", false),
            ]
        }
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// What the account page says besides the account: the last form's outcome.
struct Outcome {
    status: StatusCode,
    notice: Option<String>,
    section: &'static str,
    errors: FieldErrors,
    new_email: String,
}

impl Outcome {
    /// The errors of the form `section`, shown with a 422.
    fn refused(section: &'static str, errors: FieldErrors) -> Outcome {
        Outcome { status: StatusCode::UNPROCESSABLE_ENTITY, notice: None, section, errors, new_email: String::new() }
    }
}

async fn page(state: &AppState, req: &HttpRequest, who: &Signed, o: Outcome) -> PageResult {
    let Outcome { status, notice, section, errors, new_email } = o;
    let id = who.principal.user.id.clone();
    let me = state.db(move |conn, env| accounts::view_by_id(conn, env, &id)).await.or_page(req)?;
    let ctx = Ctx::new(req, &who.user, "account.title");
    Ok(render(status, &AccountPage { ctx, me, notice, section, errors, new_email }))
}

pub async fn show(state: web::Data<AppState>, req: HttpRequest, who: SignedIn, q: web::Query<DoneQuery>) -> PageResult {
    let (user, me) = state.page(&req, &who, |conn, env, p| accounts::view_by_id(conn, env, &p.user.id)).await?;
    let t = crate::i18n::Tr::new(super::locale(&req, user.0.as_ref()));
    let notice = match q.done.as_deref() {
        Some(d @ ("profile" | "password" | "email")) => Some(t.t(&format!("account.done_{d}")).to_string()),
        _ => None,
    };
    let ctx = Ctx::new(&req, &user, "account.title");
    let (errors, new_email) = (FieldErrors::new(), String::new());
    Ok(render(StatusCode::OK, &AccountPage { ctx, me, notice, section: "", errors, new_email }))
}

pub async fn save_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    let input = ProfileInput {
        full_name: form.full_name,
        outlet: form.outlet,
        press_card_no: form.press_card_no,
        phone: form.phone,
        title: form.title,
        locale: form.locale,
    };
    let p = who.principal.clone();
    match state.db(move |conn, env| profile::update(conn, env, &p, &input)).await {
        Ok(_) => Ok(redirect("/account?done=profile")),
        Err(AppError::Validation(f)) => page(&state, &req, &who, Outcome::refused("profile", f)).await,
        Err(e) => Err(PageError::new(&req, e)),
    }
}

pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    ratelimit::login(&state, &req).await.or_page(&req)?;
    let mut errors = FieldErrors::new();
    if form.new_password != form.new_password_confirm {
        errors.add("new_password_confirm", "password_mismatch");
    } else {
        let changed =
            credentials::change_password(&state, who.principal.clone(), form.current_password, form.new_password).await;
        match changed {
            Ok(()) => return Ok(redirect("/account?done=password")),
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(PageError::new(&req, e)),
        }
    }
    page(&state, &req, &who, Outcome::refused("password", errors)).await
}

pub async fn change_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    ratelimit::login(&state, &req).await.or_page(&req)?;
    let p = who.principal.clone();
    let result = async {
        let new_email = email_change::check_new(&p, &form.new_email)?;
        credentials::confirm_password(&state, p.user.id.clone(), form.password.clone(), "password").await?;
        state.db(move |conn, env| email_change::request(conn, env, &p, &new_email)).await
    }
    .await;
    match result {
        Ok(()) => {
            state.wake_mailer();
            Ok(redirect("/account?done=email"))
        }
        Err(AppError::Validation(f)) => {
            page(&state, &req, &who, Outcome { new_email: form.new_email, ..Outcome::refused("email", f) }).await
        }
        Err(e) => Err(PageError::new(&req, e)),
    }
}

/// Ends every session of the account, this browser's too, and goes to the login page.
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    _: CsrfForm<CsrfOnly>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    let p = who.principal.clone();
    state.db(move |conn, env| profile::sign_out_everywhere(conn, env, &p)).await.or_page(&req)?;
    let mut res = redirect("/login?out=all");
    res.add_cookie(&clear_session_cookie(state.config.secure_cookies()))?;
    csrf::rotate(&mut res, state.config.secure_cookies())?;
    Ok(res)
}

/// The link mailed to a new address: it becomes the account's address.
pub async fn confirm_email(state: web::Data<AppState>, req: HttpRequest, q: web::Query<TokenQuery>) -> HttpResponse {
    let token = q.into_inner().token;
    let result = state.db(move |conn, env| email_change::confirm(conn, env, &token)).await;
    let t = crate::i18n::Tr::new(super::locale(&req, None));
    match result {
        Ok(v) => message(
            &req,
            StatusCode::OK,
            "account.email_changed_title",
            t.f("account.email_changed_body", &[("email", &v.email)]),
            Some(("/account".into(), t.t("account.title").into())),
        ),
        Err(AppError::Validation(_) | AppError::Refused { .. }) => {
            message(&req, StatusCode::BAD_REQUEST, "verify.bad_title", t.t("account.email_link_bad").into(), None)
        }
        Err(e) => actix_web::ResponseError::error_response(&PageError::new(&req, e)),
    }
}
