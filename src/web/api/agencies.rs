//! Keeping the directory through the API: one agency's details and
//! spokespeople's terms, the import preview and the export.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::id::Id;
use crate::service::agencies_admin::{self, AgencyDetail, EditAgency, EndTerm, NewTerm};
use crate::service::agency_import::{self, ImportPreview};
use crate::service::{AppError, AppResult};
use crate::web::AppState;
use crate::web::api::openapi::errors as e;
use crate::web::auth::ApiUser;

#[utoipa::path(
    get, path = "/api/v1/agencies/{id}", tag = "directory",
    summary = "One agency as its keepers see it (administrators, the province's Department staff)",
    description = "Details, whether it is active, every spokesperson's term (who spoke for it when) and its open \
        requests. An agency of another province answers 404.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The agency's id.")),
    responses(
        (status = 200, description = "The agency.", body = AgencyDetail),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound),
    ),
)]
pub async fn get(state: web::Data<AppState>, user: ApiUser, path: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let d = state.api(&user, move |conn, env, p| agencies_admin::detail(conn, env, p, &id)).await?;
    Ok(HttpResponse::Ok().json(d))
}

#[utoipa::path(
    put, path = "/api/v1/agencies/{id}", tag = "directory",
    summary = "Edit an agency (administrators, the province's Department staff)",
    description = "Replaces the name, English name, level, parent (by code, same jurisdiction), email and `active`. \
        A deactivated agency keeps its open requests; new requests to it go to the Department as unroutable, and \
        it leaves the directory's search. The code and jurisdiction do not change.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The agency's id.")),
    request_body = EditAgency,
    responses(
        (status = 200, description = "The agency as changed.", body = AgencyDetail),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn update(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<EditAgency>,
) -> AppResult<HttpResponse> {
    let (id, input) = (path.into_inner(), body.into_inner());
    let d = state.api(&user, move |conn, env, p| agencies_admin::update(conn, env, p, &id, &input)).await?;
    Ok(HttpResponse::Ok().json(d))
}

#[utoipa::path(
    post, path = "/api/v1/agencies/{id}/spokespeople", tag = "directory",
    summary = "Name a spokesperson or deputy for a period",
    description = "The account (by `email`) must be a spokesperson's. Requests are routed to the terms that hold at \
        the instant of filing or transfer (`valid_from` inclusive, `valid_to` exclusive). Two primary terms may not \
        overlap (422 `primary_overlap`).",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The agency's id.")),
    request_body = NewTerm,
    responses(
        (status = 201, description = "The agency with the new term.", body = AgencyDetail),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn add_term(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<NewTerm>,
) -> AppResult<HttpResponse> {
    let (id, input) = (path.into_inner(), body.into_inner());
    let d = state.api(&user, move |conn, env, p| agencies_admin::add_term(conn, env, p, &id, &input)).await?;
    Ok(HttpResponse::Created().json(d))
}

#[utoipa::path(
    patch, path = "/api/v1/agencies/{id}/spokespeople/{term_id}", tag = "directory",
    summary = "End a spokesperson's term (or remove its end)",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "The agency's id."),
        ("term_id" = uuid::Uuid, Path, description = "The term's id."),
    ),
    request_body = EndTerm,
    responses(
        (status = 200, description = "The agency as changed.", body = AgencyDetail),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn end_term(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<(Id, Id)>,
    body: web::Json<EndTerm>,
) -> AppResult<HttpResponse> {
    let ((id, term), input) = (path.into_inner(), body.into_inner());
    let d = state.api(&user, move |conn, env, p| agencies_admin::end_term(conn, env, p, &id, &term, &input)).await?;
    Ok(HttpResponse::Ok().json(d))
}

/// The body of a CSV call, if it says it is CSV.
pub fn csv_body(req: &HttpRequest) -> AppResult<()> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.to_ascii_lowercase().starts_with("text/csv") {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType("send the file with Content-Type: text/csv".into()))
    }
}

#[utoipa::path(
    post, path = "/api/v1/agencies/import/preview", tag = "directory",
    summary = "Preview an import: what each row would do (nothing is written)",
    description = "The same `text/csv` body as `/agencies/import`. Answers every row's effect (`new`, `changed` with \
        the changed fields, `unchanged`) or, when the file cannot be imported, every bad line in `errors`; and the \
        file's SHA-256 as `hash`, which `POST /agencies/import?hash=` takes to import exactly this file.",
    security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", example = json!(
        "jurisdiction,code,name,name_en,level,parent_code,email\nTNG,SYT,Sở Y tế,Department of Health,department,,syt@thainguyen.example.vn\n"
    )),
    responses(
        (status = 200, description = "The preview.", body = ImportPreview),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 413, response = e::TooLarge), (status = 415, response = e::UnsupportedMediaType),
    ),
)]
pub async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: ApiUser,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    csv_body(&req)?;
    let out = state.api(&user, move |conn, env, p| agency_import::preview(conn, env, p, &body)).await?;
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// A jurisdiction's code; staff may name only theirs (the default for them). Administrators get every
    /// jurisdiction without it.
    #[param(example = "TNG")]
    jurisdiction: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/agencies/export", tag = "directory",
    summary = "Export the directory as CSV (administrators, Department staff)",
    description = "The import format (`jurisdiction,code,name,name_en,level,parent_code,email`), deactivated \
        agencies included: importing it back changes nothing.",
    security(("bearer" = [])),
    params(ExportQuery),
    responses(
        (status = 200, description = "The file.", content_type = "text/csv", body = String),
        (status = 401, response = e::Unauthenticated), (status = 403, response = e::Forbidden),
        (status = 404, response = e::NotFound),
    ),
)]
pub async fn export(state: web::Data<AppState>, user: ApiUser, q: web::Query<ExportQuery>) -> AppResult<HttpResponse> {
    let j = q.into_inner().jurisdiction;
    let text = state.api(&user, move |conn, _, p| agency_import::export_csv(conn, p, j.as_deref())).await?;
    Ok(csv_download(text))
}

/// A CSV file as a download.
pub fn csv_download(text: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"agencies.csv\""))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(text)
}
