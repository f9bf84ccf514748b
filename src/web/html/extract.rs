//! What page handlers take instead of repeating the same preamble: the
//! visitor (signed in or not), a signed-in visitor (optionally of one role),
//! and a form whose CSRF token has been checked before it is read further.
//! The visitor extractors only carry the session cookie; the handler's one
//! database call (`AppState::page`, `AppState::visit`) checks it and does the
//! page's work, so a page costs one hand-off to the blocking pool, not two.

use std::future::{Future, Ready, ready};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::page_errors::PageError;
use crate::domain::account::Role;
use crate::service::accounts::Principal;
use crate::web::auth::SESSION_COOKIE;
use crate::web::csrf;

/// The page visitor, signed in or not, as the page's layout shows it (what
/// `AppState::visit` and `AppState::page` give back with the page's data).
pub struct PageUser(pub Option<Principal>);

impl PageUser {
    /// The signed-in visitor, or the way to the login page.
    pub fn signed_in(&self, req: &HttpRequest) -> Result<Principal, PageError> {
        self.0.clone().ok_or_else(|| PageError::login_first(req))
    }
}

fn session_token(req: &HttpRequest) -> Option<Arc<str>> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().into())
}

/// A page visitor's session cookie, if any, not yet checked: the handler's
/// one database call checks it (`AppState::visit`).
pub struct Visitor(Option<Arc<str>>);

impl Visitor {
    pub(crate) fn token(&self) -> Option<Arc<str>> {
        self.0.clone()
    }
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Visitor(session_token(req))))
    }
}

/// Who may see a page: anyone signed in, or one role only.
pub trait RoleGate {
    const ROLE: Option<Role>;
}

pub struct AnyRole;
pub struct StaffOnly;
pub struct AdminOnly;

impl RoleGate for AnyRole {
    const ROLE: Option<Role> = None;
}
impl RoleGate for StaffOnly {
    const ROLE: Option<Role> = Some(Role::Staff);
}
impl RoleGate for AdminOnly {
    const ROLE: Option<Role> = Some(Role::Admin);
}

/// A page for a signed-in visitor (of the gate's role). A visitor without a
/// session cookie is sent to the login page at once; the cookie itself is
/// checked by the handler's one database call (`AppState::page`), which
/// sends a visitor whose session is not live to the login page as well, and
/// gives one of another role the not-found page (as for a page that does not
/// exist).
pub struct SignedIn<R: RoleGate = AnyRole> {
    token: Arc<str>,
    gate: PhantomData<R>,
}

impl<R: RoleGate> SignedIn<R> {
    pub(crate) fn token(&self) -> Arc<str> {
        self.token.clone()
    }
}

impl<R: RoleGate> FromRequest for SignedIn<R> {
    type Error = PageError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match session_token(req) {
            Some(token) => Ok(SignedIn { token, gate: PhantomData }),
            None => Err(PageError::login_first(req)),
        })
    }
}

/// A page form: the field that carries its CSRF token.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

/// A posted form whose CSRF token matched this visitor's session (a form
/// that does not match is answered with a 403 page). A body that is not a
/// form at all is answered as `errors::form_config` says.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + CsrfField + 'static> FromRequest for CsrfForm<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = body.await?.into_inner();
            if !csrf::valid(&req, form.csrf()) {
                return Err(PageError::csrf(&req).into());
            }
            Ok(CsrfForm(form))
        })
    }
}

/// `impl CsrfField` for forms whose token is in a `csrf: String` field.
macro_rules! csrf_field {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::web::html::extract::CsrfField for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use csrf_field;
