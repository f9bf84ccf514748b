use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::extract::PageUser;
use super::{Ctx, render};

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: Ctx,
    pub resent: bool,
}

pub async fn home(req: HttpRequest, user: PageUser) -> HttpResponse {
    let resent = req.query_string().contains("resent=1");
    let ctx = Ctx::new(&req, &user, "app.tagline");
    render(StatusCode::OK, &HomePage { ctx, resent })
}

/// One small stylesheet of our own, compiled in.
pub async fn stylesheet() -> HttpResponse {
    let mut res =
        HttpResponse::Ok().content_type("text/css; charset=utf-8").body(include_str!("../../../static/style.css"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    res
}
