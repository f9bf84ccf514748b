//! Requests in the JSON API: file, list, read, act, attach, download.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::domain::id::Id;
use crate::domain::request::ActionInput;
use crate::i18n::Tr;
use crate::service::requests::file::FileInput;
use crate::service::requests::read::{self, ListQuery};
use crate::service::requests::{act, file};
use crate::service::{AppError, AppResult, attachments};
use crate::web::auth::ApiUser;
use crate::web::download::file_response;
use crate::web::{AppState, upload};

/// API answers explain deadlines in the caller's language.
fn tr_of(user: &ApiUser) -> Tr {
    Tr::new(user.0.locale())
}

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
    let tr = tr_of(&user);
    let p = user.0;
    let (filed, detail) = state
        .db(move |conn, env| {
            let filed = file::file(conn, env, &p, &input, key.as_deref())?;
            let detail = read::detail(conn, env, &p, &filed.id, &tr)?;
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

pub async fn list(state: web::Data<AppState>, user: ApiUser, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    let p = user.0;
    let page = state.db(move |conn, env| read::list(conn, env, &p, &q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

pub async fn get(state: web::Data<AppState>, user: ApiUser, path: web::Path<Id>) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let tr = tr_of(&user);
    let p = user.0;
    let detail = state.db(move |conn, env| read::detail(conn, env, &p, &id, &tr)).await?;
    Ok(HttpResponse::Ok().json(detail))
}

pub async fn action(
    state: web::Data<AppState>,
    user: ApiUser,
    path: web::Path<Id>,
    body: web::Json<ActionInput>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let input = body.into_inner();
    let tr = tr_of(&user);
    let p = user.0;
    let answer = state
        .db(move |conn, env| {
            let acted = act::act(conn, env, &p, &id, &input)?;
            Ok(read::after_action(conn, env, &p, acted, &tr))
        })
        .await?;
    state.wake_mailer();
    Ok(HttpResponse::Ok().json(answer))
}

pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: ApiUser,
    path: web::Path<Id>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let p = user.0;
    // Whether the caller may attach here is settled before a byte of the body is read.
    let (p2, id2) = (p.clone(), id.clone());
    state.db(move |conn, _| attachments::may_attach(conn, &p2, &id2)).await?;
    let upload = upload::read(&req, payload, &state.config).await?;
    let file = upload.file.ok_or_else(|| AppError::field("file", "required"))?;
    let a = state.db(move |conn, env| attachments::attach(conn, env, &p, &id, file)).await?;
    Ok(HttpResponse::Created().json(json!({
        "id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size_bytes,
        "url": format!("/api/v1/requests/{}/attachments/{}", a.request_id, a.id),
    })))
}

pub async fn download(state: web::Data<AppState>, user: ApiUser, path: web::Path<(Id, Id)>) -> AppResult<HttpResponse> {
    let (id, aid) = path.into_inner();
    let p = user.0;
    let (a, bytes) = state.db(move |conn, env| attachments::download(conn, env, &p, &id, &aid)).await?;
    Ok(file_response(&a, bytes))
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    agency_id: String,
    #[serde(default)]
    kind: String,
    /// RFC 3339 with its offset; absent or blank means now.
    at: Option<String>,
}

/// `GET /api/v1/deadline-preview?agency_id=&kind=&at=`: due when, if received at `at` (or now), under
/// the pack in force then and the calendar as stored.
pub async fn preview(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<PreviewQuery>,
) -> AppResult<HttpResponse> {
    let PreviewQuery { agency_id, kind, at } = q.into_inner();
    let at = at.as_deref().filter(|s| !s.trim().is_empty()).map(read::parse_preview_at).transpose()?;
    let tr = tr_of(&user);
    let (dl, _) = state.db(move |conn, env| read::preview(conn, env, &agency_id, &kind, at, &tr)).await?;
    Ok(HttpResponse::Ok().json(dl))
}

/// `GET /api/v1/policy`: the pack in force, with kinds, limits, citations and grounds.
pub async fn policy(state: web::Data<AppState>, _user: ApiUser) -> AppResult<HttpResponse> {
    let pack = state.rules.current().policies.in_force(state.clock.now()).clone();
    Ok(HttpResponse::Ok().json(pack))
}
