//! /healthz (the process answers), /readyz (the database answers and every
//! background job is making progress) and /metrics (Prometheus text).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::service::ops;
use crate::web::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers and no background job is late: an
/// instance whose mailer or sweeper has stopped should leave the load balancer.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db(|conn, _| ops::ping(conn)).await.map_err(|e| e.to_string());
    let r = ops::readiness(database, &state.jobs);
    if r.ready() {
        return HttpResponse::Ok().json(json!({"status": "ready"}));
    }
    tracing::warn!(database = ?r.database, late_jobs = ?r.late_jobs, "not ready");
    let status = if r.database.is_err() { "database unavailable" } else { "background job late" };
    HttpResponse::ServiceUnavailable().json(json!({
        "status": status,
        "database": if r.database.is_ok() { "ok" } else { "unavailable" },
        "late_jobs": r.late_jobs,
    }))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let counts = state.db(|conn, _| ops::outbox_counts(conn)).await.unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(ops::metrics_text(&counts, &state.jobs.snapshots()))
}
