//! Who is asking. The API takes only `Authorization: Bearer <token>`; pages take
//! only the session cookie. Keeping them apart is what lets the API skip CSRF
//! tokens: a browser never sends a bearer token on its own. (The page
//! extractors are in `html::extract`.) Neither extractor reads the database:
//! the handler's one blocking call checks the credential and then does its work.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::service::AppError;

pub const SESSION_COOKIE: &str = "tiepcan_session";

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The answer to an API call without a live session.
pub(crate) fn unauthenticated() -> AppError {
    AppError::Unauthenticated("sign in with POST /api/v1/sessions and send Authorization: Bearer <token>".into())
}

/// An API caller's bearer token, not yet checked: the handler's one database
/// call checks it (`AppState::api`), so the extractor costs no blocking call
/// of its own. A call without a token is answered 401 here already.
pub struct ApiUser(Arc<str>);

impl ApiUser {
    pub(crate) fn token(&self) -> Arc<str> {
        self.0.clone()
    }
}

impl FromRequest for ApiUser {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(bearer(req).map(|t| ApiUser(t.into())).ok_or_else(unauthenticated))
    }
}

/// The session cookie for a new login.
pub fn session_cookie(token: &str, secure: bool, ttl: std::time::Duration) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(ttl.as_secs() as i64))
        .finish()
}

pub fn clear_session_cookie(secure: bool) -> Cookie<'static> {
    let mut c =
        Cookie::build(SESSION_COOKIE, "").path("/").http_only(true).secure(secure).same_site(SameSite::Lax).finish();
    c.make_removal();
    c
}
