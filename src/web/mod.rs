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
use crate::service::{AppError, AppResult, Env};

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
        web::block(move || -> AppResult<T> {
            let mut conn = pool.get()?;
            f(&mut conn, Env { config: &config, rules: &rules, now })
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Tells the mailer that new outbox rows are waiting.
    pub fn wake_mailer(&self) {
        self.mail_wake.notify_one();
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
