//! CSRF protection for pages: the double-submit pattern. Every page visit gets
//! a random token in an HttpOnly, SameSite=Lax cookie; every form carries the
//! same token in a hidden field; a POST whose field does not match the cookie is
//! refused. A cross-site form can neither read the cookie nor, under Lax, make
//! the browser send it with a POST.

use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use std::future::{Future, Ready, ready};
use std::pin::Pin;

pub const CSRF_COOKIE: &str = "tiepcan_csrf";

/// The request's CSRF token, as forms must echo it.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

fn well_formed(t: &str) -> bool {
    (20..=100).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The token of this request (set by the middleware).
pub fn token(req: &HttpRequest) -> String {
    req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default()
}

/// True when the submitted form token matches the cookie.
pub fn valid(req: &HttpRequest, submitted: &str) -> bool {
    let Some(cookie) = req.cookie(CSRF_COOKIE) else {
        return false;
    };
    let expected = cookie.value().as_bytes();
    let got = submitted.as_bytes();
    // Constant-time comparison: no early exit on the first differing byte.
    well_formed(submitted)
        && expected.len() == got.len()
        && expected.iter().zip(got).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// Middleware that gives every visitor a CSRF cookie.
pub struct Csrf {
    pub secure: bool,
}

impl<S, B> Transform<S, ServiceRequest> for Csrf
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = CsrfMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CsrfMiddleware { service, secure: self.secure }))
    }
}

pub struct CsrfMiddleware<S> {
    service: S,
    secure: bool,
}

impl<S, B> Service<ServiceRequest> for CsrfMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let existing = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|t| well_formed(t));
        let (token, fresh) = match existing {
            Some(t) => (t, false),
            None => (crate::service::secrets::new_token().0, true),
        };
        req.extensions_mut().insert(CsrfToken(token.clone()));
        let secure = self.secure;
        let fut = self.service.call(req);
        Box::pin(async move {
            let mut res = fut.await?;
            if fresh {
                let cookie = Cookie::build(CSRF_COOKIE, token)
                    .path("/")
                    .http_only(true)
                    .secure(secure)
                    .same_site(SameSite::Lax)
                    .finish();
                res.response_mut().add_cookie(&cookie)?;
            }
            Ok(res)
        })
    }
}
