//! HTML pages: Vietnamese first with an English switch, plain forms that work
//! without JavaScript, a CSRF token in every form.

pub mod accounts;
pub mod admin;
pub mod agencies;
pub mod api_docs;
pub mod charts;
pub mod department;
pub mod directory;
pub mod extract;
pub mod home;
pub mod inbound;
pub mod mail_answer;
pub mod page_errors;
pub mod password;
pub mod posted;
pub mod profile;
pub mod requests;
pub mod stats;
pub mod users;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Scope, web};
use askama::Template;
use serde::Deserialize;

use super::csrf::{self, Csrf};
use crate::domain::account::{Locale, Role};
use crate::domain::validation::FieldErrors;
use crate::i18n::Tr;
use crate::service::accounts::Principal;
use extract::PageUser;

pub const LANG_COOKIE: &str = "tiepcan_lang";

pub fn scope(
    secure_cookies: bool,
    csrf_key: std::sync::Arc<csrf::CsrfKey>,
) -> Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("")
        .wrap(Csrf { secure: secure_cookies, key: csrf_key })
        .route("/", web::get().to(home::home))
        .route("/static/style.css", web::get().to(home::stylesheet))
        .route("/lang", web::get().to(switch_language))
        .route("/register", web::get().to(accounts::register_form))
        .route("/register", web::post().to(accounts::register))
        .route("/verify-email", web::get().to(accounts::verify_email))
        .route("/verify-email/resend", web::post().to(accounts::resend_verification))
        .route("/login", web::get().to(accounts::login_form))
        .route("/login", web::post().to(accounts::login))
        .route("/logout", web::post().to(accounts::logout))
        .route("/accept-invite", web::get().to(accounts::accept_invite_form))
        .route("/accept-invite", web::post().to(accounts::accept_invite))
        .route("/forgot-password", web::get().to(password::forgot_form))
        .route("/forgot-password", web::post().to(password::forgot))
        .route("/reset-password", web::get().to(password::reset_form))
        .route("/reset-password", web::post().to(password::reset))
        .route("/account", web::get().to(profile::show))
        .route("/account/profile", web::post().to(profile::save_profile))
        .route("/account/password", web::post().to(profile::change_password))
        .route("/account/email", web::post().to(profile::change_email))
        .route("/account/sign-out-everywhere", web::post().to(profile::sign_out_everywhere))
        .route("/confirm-email", web::get().to(profile::confirm_email))
        .route("/admin/users", web::get().to(users::list))
        .route("/admin/users/new", web::get().to(users::invite_form))
        .route("/admin/users/new", web::post().to(users::invite))
        .route("/admin/users/{id}", web::get().to(users::detail))
        .route("/admin/users/{id}/{action}", web::post().to(users::act))
        .route("/admin/users/{id}/{action}", web::get().to(users::act_get))
        .route("/agencies", web::get().to(directory::agencies))
        .route("/api/docs", web::get().to(api_docs::page))
        .route("/escalations", web::get().to(department::queue))
        .route("/escalations/{id}/actions", web::post().to(department::act))
        .route("/admin/agencies", web::get().to(agencies::list))
        .route("/admin/agencies", web::post().to(agencies::create))
        .route("/admin/agencies/export.csv", web::get().to(agencies::export))
        .route("/admin/agencies/import", web::get().to(agencies::import_form))
        .route("/admin/agencies/import", web::post().to(agencies::import_upload))
        .service(
            // The confirmation carries the previewed file back: a larger form than the others.
            web::resource("/admin/agencies/import/confirm")
                .app_data(super::errors::form_config(4 * agencies::IMPORT_PAGE_MAX as usize + 64 * 1024))
                .route(web::post().to(agencies::import_confirm)),
        )
        .route("/admin/agencies/{id}", web::get().to(agencies::detail))
        .route("/admin/agencies/{id}", web::post().to(agencies::update))
        .route("/admin/agencies/{id}/terms", web::post().to(agencies::add_term))
        .route("/admin/agencies/{id}/terms/{term}/end", web::post().to(agencies::end_term))
        .route("/admin/jurisdictions", web::get().to(admin::jurisdictions))
        .route("/admin/jurisdictions/{id}", web::post().to(admin::jurisdiction_save))
        .route("/admin/outbox", web::get().to(admin::outbox))
        .route("/admin/outbox/{id}/send-again", web::post().to(admin::send_again))
        .route("/admin/audit", web::get().to(admin::audit_log))
        .configure(inbound::routes)
        .route("/admin/calendar", web::get().to(department::calendar_now))
        .route("/admin/calendar/{year}", web::get().to(department::calendar_form))
        .route("/admin/calendar/{year}", web::post().to(department::calendar_save))
        .configure(stats::routes)
        .route("/requests", web::get().to(requests::list))
        .route("/requests/new", web::get().to(requests::new_form))
        .route("/requests/new", web::post().to(requests::new_submit))
        .route("/requests/{id}", web::get().to(requests::detail))
        .route("/requests/{id}/actions", web::post().to(requests::act))
        .route("/requests/{id}/attachments", web::post().to(requests::attach))
        .route("/requests/{id}/attachments/{aid}", web::get().to(requests::download))
        .default_service(web::to(super::not_found))
}

/// What the layout needs on every page.
pub struct Ctx {
    pub t: Tr,
    pub user: Option<NavUser>,
    pub csrf: String,
    /// The link that shows this same page in the other language.
    pub switch_url: String,
    pub title: String,
}

pub struct NavUser {
    pub full_name: String,
    pub role: Role,
    pub email: String,
    pub verified: bool,
}

/// The page language: the visitor's choice (cookie), else the account's, else Vietnamese.
pub fn locale(req: &HttpRequest, user: Option<&Principal>) -> Locale {
    chosen_locale(req).or_else(|| user.map(Principal::locale)).unwrap_or_default()
}

/// The language the visitor chose (cookie), if any: what `locale` prefers to
/// the account's, for work that runs before the account is known.
pub fn chosen_locale(req: &HttpRequest) -> Option<Locale> {
    req.cookie(LANG_COOKIE).and_then(|c| Locale::parse(c.value()))
}

impl Ctx {
    pub fn new(req: &HttpRequest, user: &PageUser, title_key: &str) -> Ctx {
        let principal = user.0.as_ref();
        let t = Tr::new(locale(req, principal));
        let other = match t.locale {
            Locale::Vi => "en",
            Locale::En => "vi",
        };
        let here = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{}", req.path(), q),
        };
        let switch_url = format!(
            "/lang?to={other}&next={}",
            url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>()
        );
        Ctx {
            title: t.t(title_key).to_string(),
            t,
            user: principal.map(|p| NavUser {
                full_name: p.user.full_name.clone(),
                role: p.role,
                email: p.user.email.clone(),
                verified: p.user.verified,
            }),
            csrf: csrf::token(req),
            switch_url,
        }
    }

    /// The translated message for a field, if it has a problem.
    pub fn field_error(&self, errors: &FieldErrors, field: &str) -> Option<String> {
        errors.get(field).map(|code| self.t.get(&format!("field_error.{code}")).unwrap_or(code).to_string())
    }

    pub fn role_name(&self, role: &Role) -> String {
        self.t.t(&format!("role.{}", role.as_str())).to_string()
    }

    /// An agency's name in the reader's language: the English name on English
    /// pages when the directory has one, else the official Vietnamese name.
    pub fn agency_name(&self, name: &str, name_en: Option<&str>) -> String {
        self.agency_name_of(name, name_en).to_string()
    }

    /// `agency_name` without a copy (a list shows one per row).
    pub fn agency_name_of<'a>(&self, name: &'a str, name_en: Option<&'a str>) -> &'a str {
        match (self.t.lang(), name_en) {
            ("en", Some(en)) => en,
            _ => name,
        }
    }

    /// An agency's name for choosing it: on English pages the English name
    /// followed by the official one ("Department of Health — Sở Y tế").
    pub fn agency_label(&self, name: &str, name_en: Option<&str>) -> String {
        match (self.t.lang(), name_en) {
            ("en", Some(en)) => format!("{en} — {name}"),
            _ => name.to_string(),
        }
    }
}

const RENDER_BUFFER: usize = 40 * 1024;

/// Renders a template as an HTML response with the given status.
pub fn render<T: Template>(status: StatusCode, page: &T) -> HttpResponse {
    // One buffer of a page's usual size (an inbox of 50 rows is about 32 KB),
    // so that writing a page does not grow and copy it again and again.
    let mut body = String::with_capacity(T::SIZE_HINT.max(RENDER_BUFFER));
    match page.render_into(&mut body) {
        Ok(()) => {
            let mut res = HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body);
            // Pages show personal data and carry CSRF tokens: never cache them.
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("Internal error")
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub ctx: Ctx,
    pub heading: String,
    pub body: String,
    pub link: Option<(String, String)>,
}

/// A page that only says something (errors, confirmations).
pub fn message(
    req: &HttpRequest,
    status: StatusCode,
    heading_key: &str,
    body: String,
    link: Option<(String, String)>,
) -> HttpResponse {
    let ctx = Ctx::new(req, &PageUser(None), heading_key);
    let heading = ctx.title.clone();
    render(status, &MessagePage { ctx, heading, body, link })
}

pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    let t = Tr::new(locale(req, None));
    message(
        req,
        StatusCode::NOT_FOUND,
        "errors.not_found_title",
        t.t("errors.not_found_body").into(),
        Some(("/".into(), t.t("errors.back_home").into())),
    )
}

/// See other: the usual answer to a successful form post. A target that is not
/// a valid header value (never one we build) goes home rather than failing.
pub fn redirect(to: &str) -> HttpResponse {
    let location = HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/"));
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// Where to go after a language switch or a login: only a path of this site.
/// An open redirect would let a link to us send people anywhere, and browsers
/// forgive a lot (a tab or a backslash after the first slash makes `/\t/evil`
/// the address `//evil`), so the candidate must start with exactly one `/`,
/// hold no control character or backslash, and still be a same-origin path once
/// the `url` crate has resolved it against the public address. Anything else
/// becomes `/`. The result is serialised by `url`, hence plain ASCII and always
/// a valid `Location`.
pub fn safe_next(next: Option<&str>, base: &url::Url) -> String {
    next.and_then(|n| same_site_path(n, base)).unwrap_or_else(|| "/".into())
}

fn same_site_path(next: &str, base: &url::Url) -> Option<String> {
    let rest = next.strip_prefix('/')?;
    if rest.starts_with('/') || next.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    // Dot segments can collapse into `//host` ("/a/../..//evil"): check again.
    let path = &resolved[url::Position::BeforePath..];
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_string())
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: Option<String>,
    next: Option<String>,
}

/// `/lang?to=en&next=/agencies` remembers the language and returns to the page.
pub async fn switch_language(state: web::Data<super::AppState>, q: web::Query<LangQuery>) -> HttpResponse {
    let locale = q.to.as_deref().and_then(Locale::parse).unwrap_or_default();
    let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, locale.as_str())
        .path("/")
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    let mut res = redirect(&safe_next(q.next.as_deref(), &state.config.base_url));
    let _ = res.add_cookie(&cookie);
    res
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    fn next(n: &str) -> String {
        safe_next(Some(n), &url::Url::parse("https://tiepcan.example.vn/").unwrap())
    }

    #[test]
    fn only_local_redirects() {
        assert_eq!(next("/agencies?q=so"), "/agencies?q=so");
        assert_eq!(next("/requests/1#attachments"), "/requests/1#attachments");
        assert_eq!(next("/agencies?q=sở y tế"), "/agencies?q=s%E1%BB%9F%20y%20t%E1%BA%BF");
        assert_eq!(safe_next(None, &url::Url::parse("http://x.test").unwrap()), "/");
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\tevil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{0}x",
            "/\u{1}x",
            "/\u{7f}x",
            "/\u{85}x",
            "/a\\..\\..\\evil",
            "/a/../..//evil.example",
            "evil.example",
            "",
            "javascript:alert(1)",
        ] {
            assert_eq!(next(evil), "/", "{evil:?}");
        }
    }
}
