use crate::web::AppState;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::extract::Visitor;
use super::page_errors::PageResult;
use super::{Ctx, render};

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub resent: bool,
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest, who: Visitor) -> PageResult {
    let user = state.visitor(&req, &who).await?;
    let resent = req.query_string().contains("resent=1");
    let ctx = Ctx::new(&req, &user, "app.tagline");
    Ok(render(StatusCode::OK, &HomePage { ctx, resent }))
}

/// One small stylesheet of our own, compiled in.
pub async fn stylesheet() -> HttpResponse {
    let mut res =
        HttpResponse::Ok().content_type("text/css; charset=utf-8").body(include_str!("../../../static/style.css"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}
