//! The holding queue for Department staff: received mail that was not acted
//! on, each message with its text, quoted history and original, to attach to
//! a request of the province or to discard.

use crate::web::Signed;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{CsrfForm, SignedIn, StaffOnly, csrf_field};
use super::page_errors::{OrPage, PageError, PageResult};
use super::{Ctx, redirect, render};
use crate::domain::id::Id;
use crate::service::inbound::queue::{self, Bouncing, HeldMessage};
use crate::service::{AppError, Page};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "inbound_queue.html")]
pub struct QueuePage {
    pub ctx: Ctx,
    pub held: Page<HeldMessage>,
    pub bouncing: Vec<Bouncing>,
    pub pages: i64,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "inbound_message.html")]
pub struct MessagePage {
    pub ctx: Ctx,
    pub m: HeldMessage,
    pub error: Option<String>,
}

/// The reason a message was held, in the reader's language.
fn reason_text(ctx: &Ctx, reason: &Option<String>) -> String {
    match reason.as_deref() {
        None => String::new(),
        Some(r) if r.starts_with("refused: ") => format!("{} ({})", ctx.t.t("inb.reason_refused"), &r[9..]),
        Some(r) => ctx.t.get(&format!("inb.reason_{r}")).unwrap_or(r).to_string(),
    }
}

impl QueuePage {
    fn at(&self, t: &DateTime<Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
    fn reason(&self, r: &Option<String>) -> String {
        reason_text(&self.ctx, r)
    }
}

impl MessagePage {
    fn at(&self, t: &DateTime<Utc>) -> String {
        self.ctx.t.datetime(*t)
    }
    fn reason(&self, r: &Option<String>) -> String {
        reason_text(&self.ctx, r)
    }
}

/// The pages of mail on hold, and the link that changes an answer's outcome.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/inbound", web::get().to(list))
        .route("/admin/inbound/bounces/clear", web::post().to(clear_bounce))
        .route("/admin/inbound/{id}", web::get().to(show))
        .route("/admin/inbound/{id}/original", web::get().to(original))
        .route("/admin/inbound/{id}/attach", web::post().to(attach))
        .route("/admin/inbound/{id}/discard", web::post().to(discard))
        .route("/mail-answer", web::get().to(super::mail_answer::form))
        .route("/mail-answer", web::post().to(super::mail_answer::save));
}

pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    q: web::Query<PageQuery>,
) -> PageResult {
    let page = q.page;
    let (user, (held, bouncing)) = state
        .page(&req, &who, move |conn, _, p| Ok((queue::held(conn, p, page, Some(20))?, queue::bouncing(conn, p)?)))
        .await?;
    let ctx = Ctx::new(&req, &user, "inb.title");
    let pages = ((held.total + held.per_page - 1) / held.per_page).max(1);
    let done = req.query_string().contains("done=1");
    Ok(render(StatusCode::OK, &QueuePage { ctx, held, bouncing, pages, done }))
}

async fn message_page(state: &AppState, req: &HttpRequest, who: &Signed, id: Id, error: Option<String>) -> PageResult {
    let p = who.principal.clone();
    let m = state.db(move |conn, _| queue::get(conn, &p, &id)).await.or_page(req)?;
    let ctx = Ctx::new(req, &who.user, "inb.message_title");
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &MessagePage { ctx, m, error }))
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    path: web::Path<Id>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    message_page(&state, &req, &who, path.into_inner(), None).await
}

/// The original as it arrived, as a download (never shown as a page).
pub async fn original(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    path: web::Path<Id>,
) -> PageResult {
    let id = path.into_inner();
    let name = format!("attachment; filename=\"{}.eml\"", id.as_str());
    let (_, bytes) = state.page(&req, &who, move |conn, env, p| queue::original(conn, env, p, &id)).await?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("message/rfc822")
        .insert_header(("Content-Disposition", name))
        .body(bytes))
}

#[derive(Debug, Default, Deserialize)]
pub struct AttachForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    request: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DiscardForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct BounceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

csrf_field!(AttachForm, DiscardForm, BounceForm);

/// Mail to a bouncing address may go again.
pub async fn clear_bounce(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    CsrfForm(form): CsrfForm<BounceForm>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    let p = who.principal.clone();
    match state.db(move |conn, env| queue::clear_bounce(conn, env, &p, &form.email)).await {
        Ok(()) => Ok(redirect("/admin/inbound?done=1")),
        Err(e) => Err(PageError::new(&req, e)),
    }
}

pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    path: web::Path<Id>,
    CsrfForm(form): CsrfForm<AttachForm>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    let (p, id) = (who.principal.clone(), path.into_inner());
    let again = id.clone();
    match state.db(move |conn, env| queue::attach(conn, env, &p, &id, &form.request)).await {
        Ok(_) => Ok(redirect("/admin/inbound?done=1")),
        Err(AppError::Validation(_)) => {
            let error = Ctx::new(&req, &who.user, "inb.title").t.t("inb.unknown_request").to_string();
            message_page(&state, &req, &who, again, Some(error)).await
        }
        Err(e) => Err(PageError::new(&req, e)),
    }
}

pub async fn discard(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    path: web::Path<Id>,
    CsrfForm(_): CsrfForm<DiscardForm>,
) -> PageResult {
    let who = state.signed_in(&req, &who).await?;
    let (p, id) = (who.principal.clone(), path.into_inner());
    match state.db(move |conn, env| queue::discard(conn, env, &p, &id)).await {
        Ok(_) => Ok(redirect("/admin/inbound?done=1")),
        Err(e) => Err(PageError::new(&req, e)),
    }
}
