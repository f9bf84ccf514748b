use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use crate::domain::account::{Locale, Role};
use crate::i18n::Tr;
use crate::service::directory::{
    self, AgencyView, ImportOutcome, ImportSummary, JurisdictionView, NewAgency, NewJurisdiction,
};
use crate::service::{AppError, AppResult, Page};
use crate::web::AppState;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[utoipa::path(
    get, path = "/api/v1/jurisdictions", tag = "directory",
    summary = "List jurisdictions",
    description = "Every jurisdiction (a province, or the national level) with its press-management Department, \
        on one page.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "All jurisdictions.", body = Page<JurisdictionView>),
        (status = 401, response = e::Unauthenticated),
    ),
)]
pub async fn list_jurisdictions(state: web::Data<AppState>, user: ApiUser) -> AppResult<HttpResponse> {
    let items = state.api(&user, |conn, _, _| directory::list_jurisdictions(conn)).await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(Page { items, total, page: 1, per_page: total }))
}

#[utoipa::path(
    post, path = "/api/v1/jurisdictions", tag = "directory",
    summary = "Create a jurisdiction (administrators)",
    security(("bearer" = [])),
    request_body = NewJurisdiction,
    responses(
        (status = 201, description = "Created.", body = JurisdictionView),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 409, response = e::Conflict),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn create_jurisdiction(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<NewJurisdiction>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let j = state
        .api(&user, move |conn, env, p| {
            if p.role != Role::Admin {
                return Err(AppError::Forbidden("only administrators create jurisdictions".into()));
            }
            directory::create_jurisdiction(conn, env, &input)
        })
        .await?;
    Ok(HttpResponse::Created().json(j))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words of the name or code, with or without Vietnamese diacritics ("so y te" finds "Sở Y tế").
    #[param(example = "so y te")]
    q: Option<String>,
    /// A jurisdiction's code, e.g. `TNG`.
    #[param(example = "TNG")]
    jurisdiction: Option<String>,
    /// From 1.
    page: Option<i64>,
    /// 1 to 100 (default 20).
    per_page: Option<i64>,
}

#[utoipa::path(
    get, path = "/api/v1/agencies", tag = "directory",
    summary = "Search agencies",
    security(("bearer" = [])),
    params(SearchQuery),
    responses(
        (status = 200, description = "A page of agencies with their spokespeople.", body = Page<AgencyView>),
        (status = 401, response = e::Unauthenticated), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn search(state: web::Data<AppState>, user: ApiUser, q: web::Query<SearchQuery>) -> AppResult<HttpResponse> {
    let SearchQuery { q, jurisdiction, page, per_page } = q.into_inner();
    let result = state
        .api(&user, move |conn, env, _| {
            directory::search(conn, env, q.as_deref(), jurisdiction.as_deref(), page, per_page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

#[utoipa::path(
    post, path = "/api/v1/agencies", tag = "directory",
    summary = "Create an agency (administrators, Department staff)",
    security(("bearer" = [])),
    request_body = NewAgency,
    responses(
        (status = 201, description = "Created.", body = AgencyView),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 409, response = e::Conflict),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn create_agency(
    state: web::Data<AppState>,
    user: ApiUser,
    body: web::Json<NewAgency>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let a = state.api(&user, move |conn, env, p| directory::create_agency(conn, env, Some(p), &input)).await?;
    Ok(HttpResponse::Created().json(a))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The `hash` of `POST /agencies/import/preview`: the body must be that same file (409 otherwise).
    hash: Option<String>,
}

/// `POST /api/v1/agencies/import` with a `text/csv` body: all rows or none.
/// A rejected file answers 422 with every bad line.
#[utoipa::path(
    post, path = "/api/v1/agencies/import", tag = "directory",
    summary = "Import agencies from CSV (administrators, Department staff)",
    description = "A `text/csv` body with the header `jurisdiction,code,name,name_en,level,parent_code,email` \
        (at most 5 MiB): every row or none. A row whose code exists in its jurisdiction updates that agency. \
        A rejected file answers 422 naming every bad line in `fields` and `lines`. With `hash`, only the file \
        previewed under that hash is imported.",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", example = json!(
        "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,SYT,Sở Y tế,Department of Health,department,,syt@thainguyen.example.vn\n"
    )),
    responses(
        (status = 200, description = "Imported.", body = ImportSummary),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: ApiUser,
    q: web::Query<ImportQuery>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    super::agencies::csv_body(&req)?;
    let hash = q.into_inner().hash;
    let outcome = state
        .api(&user, move |conn, env, p| match &hash {
            Some(h) => crate::service::agency_import::confirm(conn, env, p, &body, h),
            None => directory::import_agencies(conn, env, Some(p), &body),
        })
        .await?;
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
