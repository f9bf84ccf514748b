//! The account page: one's profile, password and address, and signing out
//! everywhere; and the page the address-change link opens.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::{CsrfOnly, TokenQuery};
use super::extract::{CsrfForm, PageUser, SignedIn, csrf_field};
use super::page_errors::{OrPage, PageError, PageResult};
use super::posted::Posted;
use super::{Ctx, message, redirect, render};
use crate::domain::account::Role;
use crate::domain::validation::FieldErrors;
use crate::service::accounts::{self, Principal, UserView};
use crate::service::profile::{self, ProfileInput};
use crate::service::{AppError, email_change, shared_limits};
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

fn page(req: &HttpRequest, user: &PageUser, me: UserView, o: Outcome) -> HttpResponse {
    let Outcome { status, notice, section, errors, new_email } = o;
    let ctx = Ctx::new(req, user, "account.title");
    render(status, &AccountPage { ctx, me, notice, section, errors, new_email })
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
    let input = ProfileInput {
        full_name: form.full_name,
        outlet: form.outlet,
        press_card_no: form.press_card_no,
        phone: form.phone,
        title: form.title,
        locale: form.locale,
    };
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            let done = profile::update(conn, env, p, &input);
            Posted::of(done, || accounts::view_by_id(conn, env, &p.user.id))
        })
        .await?;
    match posted {
        Posted::Done(_) => Ok(redirect("/account?done=profile")),
        Posted::Invalid(f, me) => Ok(page(&req, &user, me, Outcome::refused("profile", f))),
    }
}

/// The first of a password form's blocking calls: the visitor checked, the
/// login limit counted, and what checking the password needs read (the
/// stored hash, and the account's address, or for an address change the new
/// one); or, for a form refused before that, the account page's data.
enum Checked {
    Password { p: Principal, stored: Option<String>, email: String },
    Invalid(FieldErrors, UserView),
}

pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> PageResult {
    let (client, limits) = (ratelimit::client_ip(&req, &state.config), state.limits.clone());
    let mismatch = form.new_password != form.new_password_confirm;
    // Two blocking calls: the passwords are checked and hashed on the hashing
    // pool between reading the stored hash (with the visitor) and the write.
    let (user, checked) = state
        .page(&req, &who, move |conn, env, p| {
            limits.login_in(env, client, |l, s| shared_limits::hit(conn, env.config, env.now, l, s))?;
            if mismatch {
                let mut errors = FieldErrors::new();
                errors.add("new_password_confirm", "password_mismatch");
                return Ok(Checked::Invalid(errors, accounts::view_by_id(conn, env, &p.user.id)?));
            }
            let (stored, email) = profile::password_check_data(conn, &p.user.id)?;
            Ok(Checked::Password { p: p.clone(), stored, email })
        })
        .await?;
    let (p, stored, email) = match checked {
        Checked::Password { p, stored, email } => (p, stored, email),
        Checked::Invalid(errors, me) => return Ok(page(&req, &user, me, Outcome::refused("password", errors))),
    };
    let hashed = async {
        credentials::check_password(&state, stored, form.current_password, "current_password").await?;
        credentials::new_password_hash(&state, &email, form.new_password).await
    }
    .await;
    let written = match hashed {
        Ok(hash) => Ok(hash),
        Err(AppError::Validation(f)) => Err(f),
        Err(e) => return Err(PageError::new(&req, e)),
    };
    let posted = state
        .db(move |conn, env| match written {
            Ok(hash) => {
                let done = profile::set_password(conn, env, &p, &hash);
                Posted::of(done, || accounts::view_by_id(conn, env, &p.user.id))
            }
            Err(f) => Ok(Posted::Invalid(f, accounts::view_by_id(conn, env, &p.user.id)?)),
        })
        .await
        .or_page(&req)?;
    match posted {
        Posted::Done(()) => Ok(redirect("/account?done=password")),
        Posted::Invalid(f, me) => Ok(page(&req, &user, me, Outcome::refused("password", f))),
    }
}

pub async fn change_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> PageResult {
    let (client, limits) = (ratelimit::client_ip(&req, &state.config), state.limits.clone());
    let asked = form.new_email.clone();
    // Two blocking calls: the password is checked on the hashing pool between
    // reading its hash (with the visitor) and asking for the change.
    let (user, checked) = state
        .page(&req, &who, move |conn, env, p| {
            limits.login_in(env, client, |l, s| shared_limits::hit(conn, env.config, env.now, l, s))?;
            match email_change::check_new(p, &asked) {
                Ok(new_email) => {
                    let (stored, _) = profile::password_check_data(conn, &p.user.id)?;
                    Ok(Checked::Password { p: p.clone(), stored, email: new_email })
                }
                Err(AppError::Validation(f)) => Ok(Checked::Invalid(f, accounts::view_by_id(conn, env, &p.user.id)?)),
                Err(e) => Err(e),
            }
        })
        .await?;
    let refused =
        |f, me| page(&req, &user, me, Outcome { new_email: form.new_email.clone(), ..Outcome::refused("email", f) });
    let (p, stored, new_email) = match checked {
        Checked::Password { p, stored, email } => (p, stored, email),
        Checked::Invalid(f, me) => return Ok(refused(f, me)),
    };
    let checked = match credentials::check_password(&state, stored, form.password.clone(), "password").await {
        Ok(()) => Ok(new_email),
        Err(AppError::Validation(f)) => Err(f),
        Err(e) => return Err(PageError::new(&req, e)),
    };
    let posted = state
        .db(move |conn, env| match checked {
            Ok(new_email) => {
                let done = email_change::request(conn, env, &p, &new_email);
                Posted::of(done, || accounts::view_by_id(conn, env, &p.user.id))
            }
            Err(f) => Ok(Posted::Invalid(f, accounts::view_by_id(conn, env, &p.user.id)?)),
        })
        .await
        .or_page(&req)?;
    match posted {
        Posted::Done(()) => {
            state.wake_mailer();
            Ok(redirect("/account?done=email"))
        }
        Posted::Invalid(f, me) => Ok(refused(f, me)),
    }
}

/// Ends every session of the account, this browser's too, and goes to the login page.
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    _: CsrfForm<CsrfOnly>,
) -> PageResult {
    state.page(&req, &who, profile::sign_out_everywhere).await?;
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
