//! CSRF protection for pages. Every form carries a token in a hidden field; a
//! POST whose token is not the one of the visitor's session is refused.
//!
//! The token is an HMAC, under a key of the installation (kept in the
//! database, so every instance computes the same), of what identifies the
//! visitor: the session id when signed in, otherwise a random pre-session
//! value in an HttpOnly, SameSite=Lax cookie. So a token is worth something
//! only with the session it was made for: a cookie and a field that a client
//! chose itself do not match (the plain double-submit pattern accepted them),
//! and a token read by someone in their own session is refused in another's.
//! Logging in changes the session, hence the token; logging out, or in,
//! replaces the pre-session value too (`rotate`), so no token from before
//! stays valid after either.

use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::KeyInit;
use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;

use super::auth::SESSION_COOKIE;
use crate::service::secrets;

/// The pre-session cookie of visitors who are not signed in.
pub const CSRF_COOKIE: &str = "tiepcan_csrf";

/// The installation's key for CSRF tokens, zero-padded to SHA-256's block
/// size (which is what HMAC does with a shorter key anyway).
pub struct CsrfKey([u8; 64]);

impl CsrfKey {
    pub fn new(key: &[u8]) -> CsrfKey {
        let mut padded = [0u8; 64];
        for (slot, byte) in padded.iter_mut().zip(key) {
            *slot = *byte;
        }
        CsrfKey(padded)
    }

    /// The token of a visitor identified by `binding`.
    fn token_for(&self, binding: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new(GenericArray::from_slice(&self.0));
        mac.update(b"tiepcan csrf v1\n");
        mac.update(binding.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// The request's CSRF token, as forms must echo it.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

fn well_formed(t: &str) -> bool {
    (20..=100).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// What the token is bound to: the session (its id is the hash of the cookie's
/// token, as stored) or else the pre-session value.
fn binding(session_cookie: Option<&str>, pre_session: &str) -> String {
    match session_cookie.filter(|s| !s.is_empty()) {
        Some(token) => format!("session {}", secrets::token_hash(token)),
        None => format!("visitor {pre_session}"),
    }
}

/// The token of this request (set by the middleware).
pub fn token(req: &HttpRequest) -> String {
    req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default()
}

/// True when the submitted form token is the one of this request's session.
pub fn valid(req: &HttpRequest, submitted: &str) -> bool {
    let expected = token(req);
    let (expected, got) = (expected.as_bytes(), submitted.as_bytes());
    // Constant-time comparison: no early exit on the first differing byte.
    well_formed(submitted)
        && expected.len() == got.len()
        && expected.iter().zip(got).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn pre_session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value).path("/").http_only(true).secure(secure).same_site(SameSite::Lax).finish()
}

/// A fresh pre-session value, for the answer to a login or a logout: tokens
/// from before no longer match.
pub fn rotate(res: &mut actix_web::HttpResponse, secure: bool) -> Result<(), actix_web::Error> {
    res.add_cookie(&pre_session_cookie(secrets::new_token().0, secure)).map_err(Into::into)
}

/// Middleware that gives every visitor a pre-session cookie and every request
/// its token.
pub struct Csrf {
    pub secure: bool,
    pub key: Arc<CsrfKey>,
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
        ready(Ok(CsrfMiddleware { service, secure: self.secure, key: self.key.clone() }))
    }
}

pub struct CsrfMiddleware<S> {
    service: S,
    secure: bool,
    key: Arc<CsrfKey>,
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
        let (pre_session, fresh) = match existing {
            Some(t) => (t, false),
            None => (secrets::new_token().0, true),
        };
        let session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let token = self.key.token_for(&binding(session.as_deref(), &pre_session));
        req.extensions_mut().insert(CsrfToken(token));
        let secure = self.secure;
        let fut = self.service.call(req);
        Box::pin(async move {
            let mut res = fut.await?;
            // A handler that rotated the value already set the cookie.
            let rotated = res.response().cookies().any(|c| c.name() == CSRF_COOKIE);
            if fresh && !rotated {
                res.response_mut().add_cookie(&pre_session_cookie(pre_session, secure))?;
            }
            Ok(res)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_key_and_binding() {
        let a = CsrfKey::new(&[1; 32]);
        let b = CsrfKey::new(&[2; 32]);
        let visitor = binding(None, "pre-session-value-0123456789");
        let signed_in = binding(Some("session-token"), "pre-session-value-0123456789");
        assert_ne!(visitor, signed_in);
        assert_eq!(a.token_for(&visitor), a.token_for(&visitor));
        assert_ne!(a.token_for(&visitor), b.token_for(&visitor));
        assert_ne!(a.token_for(&visitor), a.token_for(&signed_in));
        assert!(well_formed(&a.token_for(&visitor)));
        assert_eq!(binding(Some(""), "v"), binding(None, "v"));
    }
}
