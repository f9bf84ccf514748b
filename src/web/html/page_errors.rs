//! The one error type of pages: whatever stops a page from being shown,
//! already rendered as the answer the visitor gets (a page, never a JSON body
//! or a stack trace; a redirect to the login page for someone not signed in).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

use super::{locale, message, not_found_page, redirect};
use crate::i18n::Tr;
use crate::service::{AppError, AppResult};
use crate::web::errors::set_retry_after;

/// A page's failure, with the response that tells the visitor.
#[derive(Debug)]
pub struct PageError(actix_web::Error);

pub type PageResult = Result<HttpResponse, PageError>;

impl PageError {
    /// A service's refusal or failure as a page.
    pub fn new(req: &HttpRequest, e: AppError) -> PageError {
        let t = Tr::new(locale(req, None));
        let mut res = match &e {
            AppError::NotFound(_) | AppError::Forbidden(_) => not_found_page(req),
            AppError::RateLimited { .. } => message(
                req,
                StatusCode::TOO_MANY_REQUESTS,
                "errors.server_title",
                t.t("errors.rate_limited").into(),
                None,
            ),
            AppError::Busy { .. } => {
                message(req, StatusCode::SERVICE_UNAVAILABLE, "errors.server_title", t.t("errors.busy").into(), None)
            }
            AppError::StorageUnavailable { .. } => message(
                req,
                StatusCode::SERVICE_UNAVAILABLE,
                "errors.server_title",
                t.t("errors.storage_unavailable").into(),
                None,
            ),
            _ => {
                if let AppError::Internal(inner) = &e {
                    tracing::error!(error = ?inner, "internal error on a page");
                }
                message(
                    req,
                    e.status(),
                    "errors.server_title",
                    t.t("errors.server_body").into(),
                    Some(("/".into(), t.t("errors.back_home").into())),
                )
            }
        };
        set_retry_after(&e, &mut res);
        PageError(actix_web::error::InternalError::from_response(e, res).into())
    }

    /// Not found, as a page (also what a visitor without the needed role sees).
    pub fn not_found(req: &HttpRequest) -> PageError {
        PageError::new(req, AppError::not_found())
    }

    /// The answer to a form whose CSRF token does not match.
    pub fn csrf(req: &HttpRequest) -> PageError {
        let t = Tr::new(locale(req, None));
        let res = message(req, StatusCode::FORBIDDEN, "errors.server_title", t.t("errors.csrf").into(), None);
        PageError::responding("the form's CSRF token does not match", res)
    }

    /// A page that needs a signed-in visitor: to the login page, and back
    /// to this page afterwards. A form post is not a page to come back to
    /// (its address answers only posts), so after it the login goes home.
    pub fn login_first(req: &HttpRequest) -> PageError {
        if req.method() != actix_web::http::Method::GET {
            return PageError::responding("sign in first", redirect("/login"));
        }
        let here = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let to = format!("/login?next={}", url::form_urlencoded::byte_serialize(here.as_bytes()).collect::<String>());
        PageError::responding("sign in first", redirect(&to))
    }

    fn responding(cause: &'static str, res: HttpResponse) -> PageError {
        PageError(actix_web::error::InternalError::from_response(cause, res).into())
    }
}

impl From<actix_web::Error> for PageError {
    fn from(e: actix_web::Error) -> PageError {
        PageError(e)
    }
}

impl From<actix_web::error::HttpError> for PageError {
    fn from(e: actix_web::error::HttpError) -> PageError {
        PageError(e.into())
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl actix_web::ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.error_response()
    }
}

/// `result.or_page(&req)?`: a service's error as a page.
pub trait OrPage<T> {
    fn or_page(self, req: &HttpRequest) -> Result<T, PageError>;
}

impl<T> OrPage<T> for AppResult<T> {
    fn or_page(self, req: &HttpRequest) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(req, e))
    }
}
