use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::domain::account::{Locale, Role};
use crate::i18n::Tr;
use crate::service::directory::{self, ImportOutcome, NewAgency, NewJurisdiction};
use crate::service::{AppError, AppResult};
use crate::web::AppState;
use crate::web::auth::ApiUser;

pub async fn list_jurisdictions(state: web::Data<AppState>, _user: ApiUser) -> AppResult<HttpResponse> {
    let items = state.db(|conn, _| directory::list_jurisdictions(conn)).await?;
    let total = items.len();
    Ok(HttpResponse::Ok().json(json!({"items": items, "total": total, "page": 1, "per_page": total})))
}

pub async fn create_jurisdiction(
    state: web::Data<AppState>,
    ApiUser(p): ApiUser,
    body: web::Json<NewJurisdiction>,
) -> AppResult<HttpResponse> {
    if p.role != Role::Admin {
        return Err(AppError::Forbidden("only administrators create jurisdictions".into()));
    }
    let input = body.into_inner();
    let j = state.db(move |conn, env| directory::create_jurisdiction(conn, env, &input)).await?;
    Ok(HttpResponse::Created().json(j))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    jurisdiction: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub async fn search(state: web::Data<AppState>, _user: ApiUser, q: web::Query<SearchQuery>) -> AppResult<HttpResponse> {
    let SearchQuery { q, jurisdiction, page, per_page } = q.into_inner();
    let result = state
        .db(move |conn, env| directory::search(conn, env, q.as_deref(), jurisdiction.as_deref(), page, per_page))
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

pub async fn create_agency(
    state: web::Data<AppState>,
    ApiUser(p): ApiUser,
    body: web::Json<NewAgency>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let a = state.db(move |conn, env| directory::create_agency(conn, env, Some(&p), &input)).await?;
    Ok(HttpResponse::Created().json(a))
}

/// `POST /api/v1/agencies/import` with a `text/csv` body: all rows or none.
/// A rejected file answers 422 with every bad line.
pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiUser(p): ApiUser,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("text/csv") {
        return Err(AppError::UnsupportedMediaType("send the file with Content-Type: text/csv".into()));
    }
    let outcome = state.db(move |conn, env| directory::import_agencies(conn, env, Some(&p), &body)).await?;
    match outcome {
        ImportOutcome::Done(summary) => Ok(HttpResponse::Ok().json(summary)),
        ImportOutcome::Rejected(errors) => {
            let tr = Tr::new(Locale::En);
            let lines: Vec<_> = errors
                .iter()
                .map(|e| {
                    let problems: serde_json::Map<String, serde_json::Value> = e
                        .problems
                        .0
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(tr.get(&format!("field_error.{v}")).unwrap_or(v))))
                        .collect();
                    json!({"line": e.line, "fields": problems})
                })
                .collect();
            let mut fields = serde_json::Map::new();
            for e in &errors {
                let text: Vec<String> = e
                    .problems
                    .0
                    .iter()
                    .map(|(k, v)| format!("{k} {}", tr.get(&format!("field_error.{v}")).unwrap_or(v)))
                    .collect();
                fields.insert(format!("line {}", e.line), json!(text.join("; ")));
            }
            Ok(HttpResponse::UnprocessableEntity().json(json!({
                "error": {
                    "code": "validation_failed",
                    "message": format!("{} line(s) are not valid; nothing was imported", errors.len()),
                    "fields": fields,
                    "lines": lines,
                }
            })))
        }
    }
}
