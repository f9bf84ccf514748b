//! Requests in the JSON API: file, list, read, act, attach, download.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::id::Id;
use crate::domain::policy::PolicyPack;
use crate::domain::request::ActionInput;
use crate::i18n::Tr;
use crate::service::accounts::Principal;
use crate::service::requests::file::FileInput;
use crate::service::requests::read::{self, AfterAction, DeadlineView, ListQuery, RequestDetail, RequestSummary};
use crate::service::requests::{act, file};
use crate::service::{AppError, AppResult, Page, attachments};
use crate::web::api::answers::AttachmentCreated;
use crate::web::api::openapi::errors as e;
use crate::web::api::openapi::schemas::{IdempotencyKey, UploadForm};
use crate::web::auth::ApiUser;
use crate::web::download::file_response;
use crate::web::{AppState, upload};

/// API answers explain deadlines in the caller's language.
fn tr_of(p: &Principal) -> Tr {
    Tr::new(p.locale())
}

#[utoipa::path(
    post, path = "/api/v1/requests", tag = "requests",
    summary = "File a request (verified reporters)",
    description = "Routes the request to the agency's spokespeople and starts its legal clock. With an \
        `Idempotency-Key`, a repeated key with the same body answers the first request again (with \
        `Idempotent-Replayed: true`) and files nothing new.",
    security(("bearer" = [])),
    params(IdempotencyKey),
    request_body = FileInput,
    responses(
        (status = 201, description = "Filed (or replayed).", body = RequestDetail, headers(
            ("Location" = String, description = "The request's URL."),
            ("Idempotent-Replayed" = String, description = "`true` when this is the first answer again."),
        )),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::Conflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: ApiUser,
    body: web::Json<FileInput>,
) -> AppResult<HttpResponse> {
    let key = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| AppError::field("idempotency_key", "invalid_value"))?.to_string()),
    };
    let input = body.into_inner();
    let (filed, detail) = state
        .api(&user, move |conn, env, p| {
            let filed = file::file(conn, env, p, &input, key.as_deref())?;
            let detail = read::filed_detail(conn, env, p, &filed, &tr_of(p))?;
            Ok((filed, detail))
        })
        .await?;
    if !filed.replayed {
        state.wake_mailer();
    }
    let mut res = HttpResponse::Created();
    if filed.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(res.insert_header((header::LOCATION, format!("/api/v1/requests/{}", detail.id))).json(detail))
}

#[utoipa::path(
    get, path = "/api/v1/requests", tag = "requests",
    summary = "List the requests the caller may see",
    description = "A reporter sees its own, a spokesperson those of its agencies, Department staff those of \
        its jurisdiction. Open requests first, the most urgent (overdue, then earliest due) first, then \
        the newest; the order ends with the id, so paging never shows a row twice or never.",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of requests.", body = Page<RequestSummary>),
        (status = 401, response = e::Unauthenticated), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn list(state: web::Data<AppState>, user: ApiUser, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let page = state.api(&user, move |conn, env, p| read::list(conn, env, p, &q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get, path = "/api/v1/requests/{id}", tag = "requests",
    summary = "Read a request with its timeline",
    description = "Internal comments appear only to spokespeople and Department staff.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The request's id.")),
    responses(
        (status = 200, description = "The request.", body = RequestDetail),
        (status = 401, response = e::Unauthenticated), (status = 404, response = e::NotFound),
    ),
)]
pub async fn get(state: web::Data<AppState>, user: ApiUser, path: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let detail = state.api(&user, move |conn, env, p| read::detail(conn, env, p, &id, &tr_of(p))).await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[utoipa::path(
    post, path = "/api/v1/requests/{id}/actions", tag = "requests",
    summary = "Act on a request",
    description = "One action object: `acknowledge`, `mark_complex` {reason}, `request_clarification` {question}, \
        `clarify` {body}, `extend` {reason}, `reply` {body, outcome}, `refuse` {ground, reasons}, `transfer` \
        {agency_id, reason}, `withdraw`, `complain` {reason}, `comment` {body}. After an action that takes the \
        request out of the caller's sight (a transfer), 200 with only `{id, reference, status, agency, viewer}`.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The request's id.")),
    request_body = ActionInput,
    responses(
        (status = 200, description = "The request after the action.", body = AfterAction),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::ActionConflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn action(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<ActionInput>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner();
    let answer = state
        .api(&user, move |conn, env, p| {
            let acted = act::act(conn, env, p, &id, &input)?;
            Ok(read::after_action(conn, env, p, acted, &tr_of(p)))
        })
        .await?;
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(answer))
}

#[utoipa::path(
    post, path = "/api/v1/requests/{id}/attachments", tag = "requests",
    summary = "Attach a file to a request",
    description = "A multipart body with one part named `file`; its type is sniffed from its bytes.",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "The request's id.")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored.", body = AttachmentCreated),
        (status = 400, response = e::InvalidJson), (status = 401, response = e::Unauthenticated),
        (status = 403, response = e::Forbidden), (status = 404, response = e::NotFound),
        (status = 409, response = e::ActionConflict), (status = 413, response = e::TooLarge),
        (status = 415, response = e::UnsupportedMediaType), (status = 422, response = e::ValidationFailed),
        (status = 503, response = e::StorageUnavailable),
    ),
)]
pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: ApiUser,
    path: web::Path<Id>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    // Whether the caller may attach here is settled before a byte of the body is read.
    let id2 = id.clone();
    let p = state
        .api(&user, move |conn, _, p| {
            attachments::may_attach(conn, p, &id2)?;
            Ok(p.clone())
        })
        .await?;
    let upload = upload::read(&req, payload, &state.config).await?;
    let file = upload.file.ok_or_else(|| AppError::field("file", "required"))?;
    let a = upload::attach(&state, p, id, file).await?;
    let url = format!("/api/v1/requests/{}/attachments/{}", a.request_id, a.id);
    Ok(HttpResponse::Created().json(AttachmentCreated {
        id: a.id,
        filename: a.filename,
        content_type: a.content_type,
        size: a.size_bytes,
        url,
    }))
}

#[utoipa::path(
    get, path = "/api/v1/requests/{id}/attachments/{aid}", tag = "requests",
    summary = "Download an attachment",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "The request's id."),
        ("aid" = uuid::Uuid, Path, description = "The attachment's id."),
    ),
    responses(
        (status = 200, description = "The file, with its sniffed type.", content_type = "*/*", body = Vec<u8>),
        (status = 401, response = e::Unauthenticated), (status = 404, response = e::NotFound),
        (status = 503, response = e::StorageUnavailable),
    ),
)]
pub async fn download(state: web::Data<AppState>, user: ApiUser, path: web::Path<(Id, Id)>) -> AppResult<HttpResponse> {
    let (id, aid) = path.into_inner();
    let a = state.api(&user, move |conn, _, p| attachments::find(conn, p, &id, &aid)).await?;
    file_response(&state, &a).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    /// The agency the request would go to.
    #[serde(default)]
    #[param(required = true)]
    agency_id: String,
    /// `event`, `information`, `press_reply` or `complaint`.
    #[serde(default)]
    #[param(required = true, example = "information")]
    kind: String,
    /// When it would be received: RFC 3339 with its offset, in the years 2000 to 2100; absent or blank
    /// means now.
    #[param(example = "2026-04-24T14:05:00+07:00")]
    at: Option<String>,
}

/// `GET /api/v1/deadline-preview?agency_id=&kind=&at=`: due when, if received at `at` (or now), under
/// the pack in force then and the calendar as stored.
#[utoipa::path(
    get, path = "/api/v1/deadline-preview", tag = "deadlines",
    summary = "When a request would be due",
    description = "Due when, if received at `at` (or now), under the policy pack in force then and the calendar \
        as stored, with the explanation step by step.",
    security(("bearer" = [])),
    params(PreviewQuery),
    responses(
        (status = 200, description = "The due instant and its explanation.", body = DeadlineView),
        (status = 401, response = e::Unauthenticated), (status = 404, response = e::NotFound),
        (status = 422, response = e::ValidationFailed),
    ),
)]
pub async fn preview(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<PreviewQuery>,
) -> AppResult<HttpResponse> {
    let PreviewQuery { agency_id, kind, at } = q.into_inner();
    let at = at.as_deref().filter(|s| !s.trim().is_empty()).map(read::parse_preview_at).transpose()?;
    let (dl, _) =
        state.api(&user, move |conn, env, p| read::preview(conn, env, &agency_id, &kind, at, &tr_of(p))).await?;
    Ok(HttpResponse::Ok().json(dl))
}

/// `GET /api/v1/policy`: the pack in force, with kinds, limits, citations and grounds.
#[utoipa::path(
    get, path = "/api/v1/policy", tag = "deadlines",
    summary = "The policy pack in force",
    description = "Kinds of request with their limits and citations, refusal grounds, counting rules.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The pack.", body = PolicyPack),
        (status = 401, response = e::Unauthenticated),
    ),
)]
pub async fn policy(state: web::Data<AppState>, user: ApiUser) -> AppResult<HttpResponse> {
    let pack = state.api(&user, |_, env, _| Ok(env.rules.policies.in_force(env.now).clone())).await?;
    Ok(HttpResponse::Ok().json(pack))
}
