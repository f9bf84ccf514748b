//! Pages of user administration for administrators and Department staff:
//! the list with filters, the invitation form, and one account with its
//! actions (send the invitation again, a reset link, deactivate, reactivate,
//! change the role or the agencies). Forms are plain posts with a CSRF token.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::{CsrfField, CsrfForm, PageUser, SignedIn};
use super::page_errors::{PageError, PageResult};
use super::posted::Posted;
use super::{Ctx, redirect, render};
use crate::domain::account::Role;
use crate::domain::id::Id;
use crate::domain::validation::FieldErrors;
use crate::service::accounts::{self, NewUser, Principal};
use crate::service::directory::JurisdictionView;
use crate::service::users_admin::{self, AgencyChoice, ManagedUser, UserChange, UserQuery};
use crate::service::{AppError, AppResult, Page};
use crate::web::AppState;

/// A posted form read as its name/value pairs, so that a field may repeat
/// (the agencies' checkboxes).
#[derive(Deserialize)]
#[serde(transparent)]
pub struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn one(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    fn opt(&self, name: &str) -> Option<String> {
        Some(self.one(name)).filter(|v| !v.trim().is_empty())
    }
}

impl CsrfField for Pairs {
    fn csrf(&self) -> &str {
        self.0.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

/// Roles the caller may give, in the order the forms offer them.
fn grantable(p: &Principal) -> Vec<Role> {
    [Role::Spokesperson, Role::Staff, Role::Admin].into_iter().filter(|r| p.role.may_invite(*r)).collect()
}

#[derive(Template)]
#[template(path = "users_list.html")]
pub struct UsersPage {
    pub ctx: Ctx,
    pub q: UserQuery,
    pub result: Page<ManagedUser>,
    pub pages: i64,
    pub agencies: Vec<AgencyChoice>,
    pub errors: FieldErrors,
}

impl UsersPage {
    fn sel(&self, value: &Option<String>, option: &str) -> bool {
        value.as_deref() == Some(option)
    }

    fn status_name(&self, s: &str) -> String {
        self.ctx.t.t(&format!("users.status_{s}")).to_string()
    }

    fn count_text(&self) -> String {
        self.ctx.t.f("users.count", &[("total", &self.result.total.to_string())])
    }

    fn page_link(&self, page: i64) -> String {
        let enc = |s: &Option<String>| {
            url::form_urlencoded::byte_serialize(s.as_deref().unwrap_or("").as_bytes()).collect::<String>()
        };
        let q = &self.q;
        format!(
            "/admin/users?q={}&role={}&status={}&agency_id={}&page={page}",
            enc(&q.q),
            enc(&q.role),
            enc(&q.status),
            enc(&q.agency_id)
        )
    }

    fn page_text(&self) -> String {
        self.ctx.t.f("directory.page", &[("page", &self.result.page.to_string()), ("pages", &self.pages.to_string())])
    }

    fn is_admin(&self) -> bool {
        self.ctx.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
}

pub async fn list(state: web::Data<AppState>, req: HttpRequest, who: SignedIn, q: web::Query<UserQuery>) -> PageResult {
    let mut q = q.into_inner();
    q.per_page = Some(25);
    let q2 = q.clone();
    let (user, (result, agencies)) = state
        .page(&req, &who, move |conn, env, p| {
            let agencies = users_admin::agency_choices(conn, p)?;
            let result = match users_admin::list(conn, env, p, &q2) {
                Err(AppError::Validation(f)) => Err(f),
                other => Ok(other?),
            };
            Ok((result, agencies))
        })
        .await?;
    let (status, result, errors) = match result {
        Ok(r) => (StatusCode::OK, r, FieldErrors::new()),
        Err(f) => (StatusCode::UNPROCESSABLE_ENTITY, Page { items: vec![], total: 0, page: 1, per_page: 25 }, f),
    };
    let pages = ((result.total + result.per_page - 1) / result.per_page).max(1);
    let ctx = Ctx::new(&req, &user, "users.title");
    Ok(render(status, &UsersPage { ctx, q, result, pages, agencies, errors }))
}

/// What the invitation and change forms show besides their values.
pub struct Choices {
    pub roles: Vec<Role>,
    pub agencies: Vec<AgencyChoice>,
    /// Empty for Department staff: their colleagues join their own province.
    pub jurisdictions: Vec<JurisdictionView>,
}

impl Choices {
    /// What the forms offer `p`, read by `users_admin::form_choices`.
    fn of(p: &Principal, (agencies, jurisdictions): (Vec<AgencyChoice>, Vec<JurisdictionView>)) -> Choices {
        Choices { roles: grantable(p), agencies, jurisdictions }
    }
}

#[derive(Default)]
pub struct InviteValues {
    pub email: String,
    pub full_name: String,
    pub title: String,
    pub role: String,
    pub agency_ids: Vec<String>,
    pub jurisdiction: String,
    pub locale: String,
}

#[derive(Template)]
#[template(path = "user_invite.html")]
pub struct InvitePage {
    pub ctx: Ctx,
    pub v: InviteValues,
    pub choices: Choices,
    pub errors: FieldErrors,
}

impl InvitePage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }

    /// The text inputs: name, input type, value.
    fn fields(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("email", "email", self.v.email.clone()),
            ("full_name", "text", self.v.full_name.clone()),
            ("title", "text", self.v.title.clone()),
        ]
    }

    fn checked(&self, id: &str) -> bool {
        self.v.agency_ids.iter().any(|a| a == id)
    }
}

pub async fn invite_form(state: web::Data<AppState>, req: HttpRequest, who: SignedIn) -> PageResult {
    let (user, choices) = state
        .page(&req, &who, |conn, _, p| match p.role {
            Role::Admin | Role::Staff => Ok(Some(Choices::of(p, users_admin::form_choices(conn, p)?))),
            _ => Ok(None),
        })
        .await?;
    let Some(choices) = choices else { return Err(PageError::not_found(&req)) };
    let ctx = Ctx::new(&req, &user, "users.invite_title");
    let v = InviteValues { role: "spokesperson".into(), locale: "vi".into(), ..Default::default() };
    Ok(render(StatusCode::OK, &InvitePage { ctx, v, choices, errors: FieldErrors::new() }))
}

pub async fn invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    CsrfForm(form): CsrfForm<Pairs>,
) -> PageResult {
    let v = InviteValues {
        email: form.one("email"),
        full_name: form.one("full_name"),
        title: form.one("title"),
        role: form.one("role"),
        agency_ids: form.all("agency_ids"),
        jurisdiction: form.one("jurisdiction"),
        locale: form.one("locale"),
    };
    let input = NewUser {
        email: v.email.clone(),
        full_name: v.full_name.clone(),
        role: v.role.clone(),
        // Agencies matter for spokespeople only; a form may keep ticks from another choice.
        agency_ids: if v.role == "spokesperson" { v.agency_ids.clone() } else { vec![] },
        jurisdiction: (v.role == "staff").then(|| v.jurisdiction.clone()).filter(|j| !j.is_empty()),
        title: Some(v.title.clone()),
        locale: Some(v.locale.clone()),
        phone: None,
    };
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            let done = accounts::invite(conn, env, p, &input).map_err(|e| match e {
                AppError::Conflict(_) => {
                    let mut f = FieldErrors::new();
                    f.add("email", "email_taken");
                    AppError::Validation(f)
                }
                e => e,
            });
            Posted::of(done, || Ok(Choices::of(p, users_admin::form_choices(conn, p)?)))
        })
        .await?;
    let (errors, choices) = match posted {
        Posted::Done(invited) => {
            state.wake_mailer();
            return Ok(redirect(&format!("/admin/users/{}?done=invited", invited.id)));
        }
        Posted::Invalid(f, choices) => (f, choices),
    };
    let ctx = Ctx::new(&req, &user, "users.invite_title");
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &InvitePage { ctx, v, choices, errors }))
}

#[derive(Template)]
#[template(path = "user_detail.html")]
pub struct DetailPage {
    pub ctx: Ctx,
    pub u: ManagedUser,
    pub choices: Choices,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub errors: FieldErrors,
}

impl DetailPage {
    fn err(&self, field: &str) -> Option<String> {
        self.ctx.field_error(&self.errors, field)
    }

    fn assigned(&self, id: &str) -> bool {
        self.u.user.agency_ids.iter().any(|a| a == id)
    }

    fn agency_names(&self) -> String {
        let names: Vec<String> = self
            .choices
            .agencies
            .iter()
            .filter(|a| self.assigned(&a.id))
            .map(|a| self.ctx.agency_name(&a.name, a.name_en.as_deref()))
            .collect();
        if names.is_empty() { "—".into() } else { names.join("; ") }
    }

    fn status_name(&self) -> String {
        self.ctx.t.t(&format!("users.status_{}", self.u.status)).to_string()
    }

    fn role_is(&self, r: &Role) -> bool {
        self.u.user.role == *r
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// What the account's page says besides the account: after an action, its
/// outcome; after a refused one, why.
struct Outcome {
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
    errors: FieldErrors,
}

impl Outcome {
    fn shown(notice: Option<String>) -> Outcome {
        Outcome { status: StatusCode::OK, notice, problem: None, errors: FieldErrors::new() }
    }
}

fn detail_page(req: &HttpRequest, user: &PageUser, (u, choices): (ManagedUser, Choices), o: Outcome) -> HttpResponse {
    let Outcome { status, notice, problem, errors } = o;
    let ctx = Ctx::new(req, user, "users.detail_title");
    render(status, &DetailPage { ctx, u, choices, notice, problem, errors })
}

pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    id: web::Path<Id>,
    q: web::Query<DoneQuery>,
) -> PageResult {
    let id = id.into_inner();
    let (user, shown) = state
        .page(&req, &who, move |conn, env, p| {
            let u = users_admin::get(conn, env, p, id.as_str())?;
            Ok((u, Choices::of(p, users_admin::form_choices(conn, p)?)))
        })
        .await?;
    let t = crate::i18n::Tr::new(super::locale(&req, user.0.as_ref()));
    let notice = q.done.as_deref().and_then(|d| match d {
        "invited" | "deactivate" | "reactivate" | "resend-invite" | "password-reset" | "update" => {
            Some(t.t(&format!("users.done_{}", d.replace('-', "_"))).to_string())
        }
        _ => None,
    });
    Ok(detail_page(&req, &user, shown, Outcome::shown(notice)))
}

/// Why an account's action was not done, with its page to show again.
enum Acted {
    Done,
    Invalid(FieldErrors, (ManagedUser, Choices)),
    Refused(&'static str, (ManagedUser, Choices)),
}

/// One of the account's actions, then back to its page with what happened.
pub async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn,
    path: web::Path<(Id, String)>,
    CsrfForm(form): CsrfForm<Pairs>,
) -> PageResult {
    let (id, action) = path.into_inner();
    let role = form.opt("role");
    let change = UserChange {
        agency_ids: Some(if role.as_deref().unwrap_or("spokesperson") == "spokesperson" {
            form.all("agency_ids")
        } else {
            vec![]
        }),
        jurisdiction: form.opt("jurisdiction").filter(|_| role.as_deref() == Some("staff")),
        role,
    };
    let (target, what) = (id.clone(), action.clone());
    let (user, acted) = state
        .page(&req, &who, move |c, env, p| {
            let target = target.as_str();
            let result = match what.as_str() {
                "deactivate" => users_admin::deactivate(c, env, p, target),
                "reactivate" => users_admin::reactivate(c, env, p, target),
                "resend-invite" => users_admin::resend_invite(c, env, p, target),
                "password-reset" => users_admin::send_password_reset(c, env, p, target),
                "update" => users_admin::update(c, env, p, target, &change),
                _ => return Err(AppError::not_found()),
            };
            let mut page = || -> AppResult<_> {
                let u = users_admin::get(c, env, p, target)?;
                Ok((u, Choices::of(p, users_admin::form_choices(c, p)?)))
            };
            match result {
                Ok(_) => Ok(Acted::Done),
                Err(AppError::Validation(errors)) => Ok(Acted::Invalid(errors, page()?)),
                Err(AppError::Refused { code, .. }) => Ok(Acted::Refused(code, page()?)),
                Err(e) => Err(e),
            }
        })
        .await?;
    match acted {
        Acted::Done => {
            state.wake_mailer();
            Ok(redirect(&format!("/admin/users/{}?done={action}", id.as_str())))
        }
        Acted::Invalid(errors, shown) => {
            let o = Outcome { status: StatusCode::UNPROCESSABLE_ENTITY, notice: None, problem: None, errors };
            Ok(detail_page(&req, &user, shown, o))
        }
        Acted::Refused(code, shown) => {
            let t = crate::i18n::Tr::new(super::locale(&req, user.0.as_ref()));
            let problem = Some(t.t(&format!("users.refused_{code}")).to_string());
            let o = Outcome { status: StatusCode::CONFLICT, notice: None, problem, errors: FieldErrors::new() };
            Ok(detail_page(&req, &user, shown, o))
        }
    }
}

/// `/admin/users/{id}/{action}` only answers posts; a visit by link goes to the account's page.
pub async fn act_get(id: web::Path<(Id, String)>) -> HttpResponse {
    redirect(&format!("/admin/users/{}", id.into_inner().0.as_str()))
}
