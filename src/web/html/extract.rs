//! What page handlers take instead of repeating the same preamble: the
//! visitor (signed in or not), a signed-in visitor (optionally of one role),
//! and a form whose CSRF token has been checked before it is read further.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;

use super::page_errors::PageError;
use crate::domain::account::Role;
use crate::service::accounts::Principal;
use crate::web::auth::{SESSION_COOKIE, principal_from};
use crate::web::csrf;

/// The page visitor, signed in or not.
pub struct PageUser(pub Option<Principal>);

impl PageUser {
    /// The signed-in visitor, or the way to the login page.
    pub fn signed_in(&self, req: &HttpRequest) -> Result<Principal, PageError> {
        self.0.clone().ok_or_else(|| PageError::login_first(req))
    }
}

impl FromRequest for PageUser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
            match principal_from(&req, token).await {
                Ok(p) => Ok(PageUser(p)),
                Err(e) => Err(PageError::new(&req, e)),
            }
        })
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

/// A signed-in visitor (of the gate's role): others are sent to the login
/// page; a visitor of another role finds nothing here (not found, as for a
/// page that does not exist).
pub struct SignedIn<R: RoleGate = AnyRole> {
    pub principal: Principal,
    /// The same visitor, for the page's layout.
    pub user: PageUser,
    gate: PhantomData<R>,
}

impl<R: RoleGate> FromRequest for SignedIn<R> {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let visitor = PageUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let user = visitor.await?;
            let principal = user.signed_in(&req)?;
            if R::ROLE.is_some_and(|role| role != principal.role) {
                return Err(PageError::not_found(&req));
            }
            Ok(SignedIn { principal, user, gate: PhantomData })
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
