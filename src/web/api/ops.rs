//! /healthz (the process answers), /readyz (the database answers and every
//! background job is making progress) and /metrics (Prometheus text).

use crate::service::ops;
use crate::web::AppState;
use crate::web::api::answers::{Health, NotReady};
use actix_web::{HttpResponse, web};

#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    summary = "Liveness: the process answers",
    responses((status = 200, description = "Up.", body = Health, example = json!({"status": "ok"}))),
)]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Ready when the database answers and no background job is late: an
/// instance whose mailer or sweeper has stopped should leave the load balancer.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    summary = "Readiness: the database answers and no background job is late",
    responses(
        (status = 200, description = "Ready.", body = Health, example = json!({"status": "ready"})),
        (status = 503, description = "Not ready, naming what is wrong.", body = NotReady),
    ),
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db(|conn, _| ops::ping(conn)).await.map_err(|e| e.to_string());
    let r = ops::readiness(database, &state.jobs);
    if r.ready() {
        return HttpResponse::Ok().json(Health { status: "ready".into() });
    }
    tracing::warn!(database = ?r.database, late_jobs = ?r.late_jobs, "not ready");
    let status = if r.database.is_err() { "database unavailable" } else { "background job late" };
    HttpResponse::ServiceUnavailable().json(NotReady {
        status: status.into(),
        database: if r.database.is_ok() { "ok" } else { "unavailable" }.into(),
        late_jobs: r.late_jobs.iter().map(|j| j.to_string()).collect(),
    })
}

#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    summary = "Prometheus metrics",
    description = "Behind a bearer token (not a session's: the installation's `TIEPCAN_METRICS_TOKEN`) when \
        that is set.",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Prometheus text format.", content_type = "text/plain", body = String),
        (status = 401, response = crate::web::api::openapi::errors::Unauthenticated),
    ),
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let counts = state.db(|conn, _| ops::outbox_counts(conn)).await.unwrap_or_default();
    let mut text = ops::metrics_text(&counts, &state.jobs.snapshots());
    text.push_str(&crate::metrics::blocking_calls_text(state.blocking_calls.get()));
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text)
}
