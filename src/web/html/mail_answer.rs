//! The page behind the link in the mail confirming an answer given by mail:
//! the spokesperson changes the recorded outcome within 24 hours, once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::accounts::TokenQuery;
use super::extract::{CsrfForm, Visitor, csrf_field};
use super::page_errors::{OrPage, PageResult};
use super::{Ctx, message, render};
use crate::service::inbound::change::{self, ChangeView};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "mail_answer.html")]
pub struct ChangePage {
    pub ctx: Ctx,
    pub token: String,
    pub v: ChangeView,
}

impl ChangePage {
    fn until(&self) -> String {
        self.ctx.t.datetime(self.v.until)
    }
    fn current(&self) -> &'static str {
        self.v.outcome.as_str()
    }
}

fn bad_link(req: &HttpRequest) -> HttpResponse {
    let t = crate::i18n::Tr::new(super::locale(req, None));
    message(req, StatusCode::NOT_FOUND, "mail_answer.bad_title", t.t("mail_answer.bad_body").into(), None)
}

pub async fn form(state: web::Data<AppState>, req: HttpRequest, who: Visitor, q: web::Query<TokenQuery>) -> PageResult {
    let token = q.into_inner().token;
    let t2 = token.clone();
    let (user, v) = state.visit(&req, &who, move |conn, env, _| change::view(conn, env, &t2)).await?;
    let Some(v) = v else {
        return Ok(bad_link(&req));
    };
    let ctx = Ctx::new(&req, &user, "mail_answer.title");
    Ok(render(StatusCode::OK, &ChangePage { ctx, token, v }))
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    outcome: String,
}

csrf_field!(ChangeForm);

pub async fn save(state: web::Data<AppState>, req: HttpRequest, CsrfForm(form): CsrfForm<ChangeForm>) -> PageResult {
    let ChangeForm { token, outcome, .. } = form;
    match state.db(move |conn, env| change::change(conn, env, &token, &outcome)).await.or_page(&req)? {
        Some(o) => {
            let t = crate::i18n::Tr::new(super::locale(&req, None));
            let body = t.f("mail_answer.done_body", &[("outcome", t.t(&format!("outcome.{}", o.as_str())))]);
            Ok(message(&req, StatusCode::OK, "mail_answer.done_title", body, None))
        }
        None => Ok(bad_link(&req)),
    }
}
