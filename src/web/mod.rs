//! HTTP: JSON API under /api/v1 (bearer tokens, no cookies, so no CSRF) and
//! HTML pages everywhere else (cookie session, CSRF tokens). Handlers are thin:
//! parse, authorise, call a service off the async workers, render.

pub mod api;
pub mod auth;
pub mod credentials;
pub mod csrf;
pub mod download;
pub mod errors;
pub mod html;
pub mod metrics_guard;
pub mod ratelimit;
pub mod upload;

#[cfg(test)]
mod layering_tests;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};

use tokio::sync::Notify;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::{DbConn, Pool};
use crate::service::accounts::{self, Principal};
use crate::service::{AppError, AppResult, Env};
use html::extract::{PageUser, RoleGate, SignedIn, Visitor};
use html::page_errors::PageError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub mail_wake: Arc<Notify>,
    pub limits: Arc<ratelimit::Limits>,
    pub rules: Arc<crate::service::rules::RulesCell>,
    /// The background jobs of this instance, for readiness and /metrics.
    pub jobs: Arc<crate::health::JobBoard>,
    /// The installation's key for CSRF tokens (shared by every instance).
    pub csrf_key: Arc<csrf::CsrfKey>,
    /// The bound on password hashing: every hash and check goes through it.
    pub hasher: Arc<crate::service::passwords::Hasher>,
    /// Where attachment files live.
    pub storage: crate::service::storage::Storage,
    /// Database calls handed to the blocking pool for requests: each is a
    /// round trip between an async worker and a blocking thread, which is
    /// what a page pays most for after its queries (see `/metrics`).
    pub blocking_calls: Arc<crate::metrics::Counter>,
}

impl AppState {
    /// Runs blocking database work on the blocking thread pool, never on an
    /// async worker, with the configuration, the rules in force and the
    /// current time.
    pub async fn db<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, Env<'_>) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let config = self.config.clone();
        let rules = self.rules.current();
        let now = self.clock.now();
        self.blocking_calls.inc();
        web::block(move || -> AppResult<T> {
            let mut conn = pool.get()?;
            f(&mut conn, Env { config: &config, rules: &rules, now })
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Checks a credential (a session cookie or bearer token, as the
    /// extractors carry it) and runs `f` with whom it belongs to, `None` when
    /// there is no live session: authentication and the work share one
    /// blocking call and one connection. `authenticate` reads the session and
    /// its user in one query, so nothing is read twice.
    pub async fn with_principal<T, F>(&self, token: Option<Arc<str>>, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, Env<'_>, Option<Principal>) -> AppResult<T> + Send + 'static,
    {
        self.db(move |conn, env| {
            let principal = match token {
                Some(token) => accounts::authenticate(conn, env, &token)?,
                None => None,
            };
            f(conn, env, principal)
        })
        .await
    }

    /// An API call's work, run as the caller behind its bearer token in the
    /// same blocking call that checks the token (401 when it is not live).
    pub async fn api<T, F>(&self, caller: &auth::ApiUser, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, Env<'_>, &Principal) -> AppResult<T> + Send + 'static,
    {
        self.with_principal(Some(caller.token()), move |conn, env, p| match p {
            Some(p) => f(conn, env, &p),
            None => Err(auth::unauthenticated()),
        })
        .await
    }

    /// Tells the mailer that new outbox rows are waiting.
    pub fn wake_mailer(&self) {
        self.mail_wake.notify_one();
    }
}

/// How a page's one database call ended before its work ran.
enum Gate<T> {
    Shown(Principal, T),
    LoginFirst,
    OtherRole,
}

/// Pages: the visitor checked and the page's work done in one blocking call.
impl AppState {
    /// A page's work for a signed-in visitor of the gate's role, run in the
    /// same blocking call that checks the session. Gives back the visitor
    /// (for the layout) with the work's result; any refusal is already the
    /// page that tells it.
    pub async fn page<R, T, F>(&self, req: &HttpRequest, who: &SignedIn<R>, f: F) -> Result<(PageUser, T), PageError>
    where
        R: RoleGate,
        T: Send + 'static,
        F: FnOnce(&mut DbConn, Env<'_>, &Principal) -> AppResult<T> + Send + 'static,
    {
        let gate = self
            .with_principal(Some(who.token()), move |conn, env, p| {
                let Some(p) = p else { return Ok(Gate::LoginFirst) };
                if R::ROLE.is_some_and(|role| role != p.role) {
                    return Ok(Gate::OtherRole);
                }
                let t = f(conn, env, &p)?;
                Ok(Gate::Shown(p, t))
            })
            .await
            .map_err(|e| PageError::new(req, e))?;
        match gate {
            Gate::Shown(p, t) => Ok((PageUser(Some(p)), t)),
            Gate::LoginFirst => Err(PageError::login_first(req)),
            Gate::OtherRole => Err(PageError::not_found(req)),
        }
    }

    /// A page's work for any visitor (signed in or not), run in the same
    /// blocking call that checks the session cookie, if there is one.
    pub async fn visit<T, F>(&self, req: &HttpRequest, who: &Visitor, f: F) -> Result<(PageUser, T), PageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn, Env<'_>, Option<&Principal>) -> AppResult<T> + Send + 'static,
    {
        self.with_principal(who.token(), move |conn, env, p| {
            let t = f(conn, env, p.as_ref())?;
            Ok((PageUser(p), t))
        })
        .await
        .map_err(|e| PageError::new(req, e))
    }
}

impl AppState {
    /// The visitor alone, signed in or not, for a page with no database work
    /// of its own (or whose work must first leave the blocking pool, as a
    /// password hashed on the hashing pool): no blocking call at all without
    /// a session cookie, where `visit` would make one.
    pub async fn visitor(&self, req: &HttpRequest, who: &Visitor) -> Result<PageUser, PageError> {
        if who.token().is_none() {
            return Ok(PageUser(None));
        }
        Ok(self.visit(req, who, |_, _, _| Ok(())).await?.0)
    }
}

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Ids in paths are parsed by the extractor (`web::Path<Id>`): anything that
/// is not an id names nothing, so it is a 404 in the shape of its side (the
/// API's error body, or the site's not-found page).
fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, req| {
        let res = if req.path().starts_with("/api/") {
            errors::json_error(&AppError::not_found())
        } else {
            html::not_found_page(req)
        };
        actix_web::error::InternalError::from_response(err, res).into()
    })
}

/// All routes and their middleware.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let body_limit = state.config.max_body_bytes;
        let secure = state.config.secure_cookies();
        let csrf_key = state.csrf_key.clone();
        cfg.app_data(web::Data::new(state))
            .app_data(errors::json_config(body_limit))
            .app_data(errors::query_config())
            .app_data(errors::form_config(body_limit))
            .app_data(path_config())
            .app_data(web::PayloadConfig::new(body_limit))
            .route("/healthz", web::get().to(api::ops::healthz))
            .route("/readyz", web::get().to(api::ops::readyz))
            .service(
                web::resource("/metrics")
                    .wrap(actix_web::middleware::from_fn(metrics_guard::require_token))
                    .route(web::get().to(api::ops::metrics)),
            )
            .service(api::scope())
            .service(html::scope(secure, csrf_key));
    }
}

/// Answers unknown paths: JSON under /api, a page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        errors::json_error(&AppError::NotFound("no such endpoint".into()))
    } else {
        html::not_found_page(&req)
    }
}

/// Counts responses by status class for /metrics.
pub async fn count_status(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let res = next.call(req).await?;
    crate::metrics::record_status(res.status().as_u16());
    Ok(res)
}
