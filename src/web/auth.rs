//! Who is asking. The API takes only `Authorization: Bearer <token>`; pages take
//! only the session cookie. Keeping them apart is what lets the API skip CSRF
//! tokens: a browser never sends a bearer token on its own. (The page
//! extractors built on `principal_from` are in `html::extract`.)

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::AppState;
use crate::service::AppError;
use crate::service::accounts::{self, Principal};

pub const SESSION_COOKIE: &str = "tiepcan_session";

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>().cloned().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))
}

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// The principal behind a session or bearer token, if it is live.
pub(crate) async fn principal_from(req: &HttpRequest, token: Option<String>) -> Result<Option<Principal>, AppError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let state = state(req)?;
    state.db(move |conn, env| accounts::authenticate(conn, env, &token)).await
}

/// A signed-in API caller (401 otherwise).
pub struct ApiUser(pub Principal);

impl FromRequest for ApiUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match principal_from(&req, bearer(&req)).await? {
                Some(p) => Ok(ApiUser(p)),
                None => Err(AppError::Unauthenticated(
                    "sign in with POST /api/v1/sessions and send Authorization: Bearer <token>".into(),
                )),
            }
        })
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
