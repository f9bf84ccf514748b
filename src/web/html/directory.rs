use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use serde::Deserialize;

use super::extract::Visitor;
use super::page_errors::PageResult;
use super::{Ctx, render};
use crate::service::Page;
use crate::service::directory::{self, AgencyView, JurisdictionView};
use crate::web::AppState;

#[derive(Deserialize)]
pub struct DirectoryQuery {
    q: Option<String>,
    jurisdiction: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "agencies.html")]
pub struct DirectoryPage {
    pub ctx: Ctx,
    pub q: String,
    pub jurisdiction: String,
    pub jurisdictions: Vec<JurisdictionView>,
    pub result: Page<AgencyView>,
    pub pages: i64,
}

impl DirectoryPage {
    fn level_name(&self, level: &dyn std::fmt::Display) -> String {
        self.ctx.t.t(&format!("level.{level}")).to_string()
    }

    fn page_link(&self, page: i64) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!("/agencies?q={}&jurisdiction={}&page={page}", enc(&self.q), enc(&self.jurisdiction))
    }

    fn results_text(&self) -> String {
        self.ctx.t.f("directory.results", &[("total", &self.result.total.to_string())])
    }

    fn page_text(&self) -> String {
        self.ctx.t.f("directory.page", &[("page", &self.result.page.to_string()), ("pages", &self.pages.to_string())])
    }
}

/// The public directory: who speaks for which agency. Open to everyone, since
/// spokespeople's names and titles are published by law (Decree 09/2017 Art. 3).
pub async fn agencies(
    state: web::Data<AppState>,
    req: HttpRequest,
    who: Visitor,
    q: web::Query<DirectoryQuery>,
) -> PageResult {
    let DirectoryQuery { q, jurisdiction, page } = q.into_inner();
    let (q2, j2) = (q.clone(), jurisdiction.clone());
    let (user, (result, jurisdictions)) = state
        .visit(&req, &who, move |conn, env, _| {
            let result = directory::search(conn, env, q2.as_deref(), j2.as_deref(), page, Some(25))?;
            Ok((result, directory::list_jurisdictions(conn)?))
        })
        .await?;
    let pages = ((result.total + result.per_page - 1) / result.per_page).max(1);
    let ctx = Ctx::new(&req, &user, "directory.title");
    Ok(render(
        StatusCode::OK,
        &DirectoryPage {
            ctx,
            q: q.unwrap_or_default(),
            jurisdiction: jurisdiction.unwrap_or_default(),
            jurisdictions,
            result,
            pages,
        },
    ))
}
