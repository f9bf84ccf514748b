//! `/api/docs`: the OpenAPI document as a page people can read, rendered on
//! the server from the same document `/api/v1/openapi.json` serves (no
//! script, nothing from another site, so the strict CSP holds).

pub mod model;

use crate::web::AppState;
use actix_web::web;
use std::sync::OnceLock;

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use askama::Template;

use super::extract::Visitor;
use super::page_errors::PageResult;
use super::{Ctx, render};
use crate::web::api::openapi::document_value;
use model::{ApiDocs, Auth, Group};

#[derive(Template)]
#[template(path = "api_docs.html")]
pub struct ApiDocsPage {
    pub ctx: Ctx,
    pub docs: &'static ApiDocs,
}

impl ApiDocsPage {
    fn group_name(&self, g: &Group) -> String {
        self.ctx.t.get(&format!("api_docs.tag.{}", g.name)).unwrap_or(&g.name).to_string()
    }

    fn group_lead(&self, g: &Group) -> String {
        self.ctx.t.get(&format!("api_docs.tag_lead.{}", g.name)).unwrap_or(&g.description).to_string()
    }

    fn auth_text(&self, auth: &Auth) -> &'static str {
        let key = match auth {
            Auth::Required => "api_docs.bearer_required",
            Auth::Optional => "api_docs.bearer_optional",
            Auth::None => "api_docs.public",
        };
        self.ctx.t.get(key).unwrap_or_default()
    }

    fn location_text(&self, location: &str) -> String {
        self.ctx.t.get(&format!("api_docs.in_{location}")).unwrap_or(location).to_string()
    }
}

fn docs() -> &'static ApiDocs {
    static DOCS: OnceLock<ApiDocs> = OnceLock::new();
    DOCS.get_or_init(|| model::build(document_value()))
}

/// Open to everyone, like the document itself.
pub async fn page(state: web::Data<AppState>, req: HttpRequest, who: Visitor) -> PageResult {
    let user = state.visitor(&req, &who).await?;
    let ctx = Ctx::new(&req, &user, "api_docs.title");
    Ok(render(StatusCode::OK, &ApiDocsPage { ctx, docs: docs() }))
}
