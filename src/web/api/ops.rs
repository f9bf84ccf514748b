use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::db::outbox;
use crate::web::AppState;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let r = state
        .db(|conn, _, _| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await;
    match r {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            HttpResponse::ServiceUnavailable().json(json!({"status": "database unavailable"}))
        }
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let counts = state.db(|conn, _, _| Ok(outbox::count_by_status(conn)?)).await.unwrap_or_default();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(crate::metrics::render(&counts))
}
