//! The holding queue for Department staff: received mail that was not acted
//! on, each message with its text, quoted history and original, to attach to
//! a request of the province or to discard.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{CsrfForm, PageUser, SignedIn, StaffOnly, csrf_field};
use super::page_errors::PageResult;
use super::posted::Posted;
use super::{Ctx, redirect, render};
use crate::domain::id::Id;
use crate::service::Page;
use crate::service::inbound::queue::{self, Bouncing, HeldMessage};
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

fn message_page(req: &HttpRequest, user: &PageUser, m: HeldMessage, error: Option<String>) -> HttpResponse {
    let ctx = Ctx::new(req, user, "inb.message_title");
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render(status, &MessagePage { ctx, m, error })
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    path: web::Path<Id>,
) -> PageResult {
    let id = path.into_inner();
    let (user, m) = state.page(&req, &who, move |conn, _, p| queue::get(conn, p, &id)).await?;
    Ok(message_page(&req, &user, m, None))
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
    state.page(&req, &who, move |conn, env, p| queue::clear_bounce(conn, env, p, &form.email)).await?;
    Ok(redirect("/admin/inbound?done=1"))
}

pub async fn attach(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    path: web::Path<Id>,
    CsrfForm(form): CsrfForm<AttachForm>,
) -> PageResult {
    let id = path.into_inner();
    let (user, posted) = state
        .page(&req, &who, move |conn, env, p| {
            let done = queue::attach(conn, env, p, &id, &form.request);
            Posted::of(done, || queue::get(conn, p, &id))
        })
        .await?;
    match posted {
        Posted::Done(_) => Ok(redirect("/admin/inbound?done=1")),
        Posted::Invalid(_, m) => {
            let error = Ctx::new(&req, &user, "inb.title").t.t("inb.unknown_request").to_string();
            Ok(message_page(&req, &user, m, Some(error)))
        }
    }
}

pub async fn discard(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: SignedIn<StaffOnly>,
    path: web::Path<Id>,
    CsrfForm(_): CsrfForm<DiscardForm>,
) -> PageResult {
    let id = path.into_inner();
    state.page(&req, &who, move |conn, env, p| queue::discard(conn, env, p, &id)).await?;
    Ok(redirect("/admin/inbound?done=1"))
}
