//! The OpenAPI 3.1 document of the API, generated from the handlers'
//! `#[utoipa::path]` attributes and the types they take and answer, and
//! served at `GET /api/v1/openapi.json`.

pub mod errors;
mod links;
pub mod schemas;

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, LicenseBuilder, OpenApi as Document};
use utoipa::{Modify, OpenApi};

use super::ApiDoc;

/// The groups of endpoints, in the order a reader meets them.
pub const TAGS: &[(&str, &str)] = &[
    ("accounts", "Reporters' registration, sessions, invitations."),
    ("directory", "Jurisdictions (provinces and their Departments) and agencies with their spokespeople."),
    ("requests", "Filing, reading and acting on requests for information; attachments."),
    ("deadlines", "The policy pack in force, due-date previews and the working-day calendar."),
    ("department", "The press-management Department's escalations."),
    ("statistics", "The Department's statistics per agency, period reports (XLSX, CSV) and public scoreboards."),
    ("administration", "The audit log of administrative changes."),
    ("inbound mail", "Replies by mail that were held for Department staff."),
    ("operations", "Liveness, readiness and metrics, outside /api/v1."),
];

/// Title, version, tags and the bearer scheme: what no handler says.
pub struct Metadata;

impl Modify for Metadata {
    fn modify(&self, doc: &mut Document) {
        doc.info = InfoBuilder::new()
            .title("tiếp cận API")
            .version("1")
            .description(Some(
                "The JSON API of tiếp cận: journalists' requests for information to Vietnamese state agencies, \
                 with legal deadlines and escalation to the provincial press-management Department. \
                 JSON in and out, UTF-8; times are RFC 3339 (UTC `Z` in answers); ids are UUIDs. \
                 Lists take `page` and `per_page` (at most 100) and answer `{items, total, page, per_page}`. \
                 Every failure answers `{\"error\": {\"code\", \"message\", \"fields\"?}}`; a resource \
                 outside the caller's scope answers 404, never 403. Every answer under /api/v1 carries \
                 `Cache-Control: no-store`.",
            ))
            .license(Some(
                LicenseBuilder::new().name("AGPL-3.0-or-later").identifier(Some("AGPL-3.0-or-later")).build(),
            ))
            .build();
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The `token` of `POST /api/v1/sessions`, as `Authorization: Bearer <token>`."))
                    .build(),
            ),
        );
        // Handlers of different groups share names (`list`, `act`): the id is the group and the name.
        for item in doc.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete];
            for op in ops.into_iter().flatten() {
                let tag = op.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
                if let Some(id) = op.operation_id.as_mut() {
                    *id = format!("{tag}_{id}");
                }
            }
        }
        doc.tags = Some(
            TAGS.iter().map(|(name, text)| TagBuilder::new().name(*name).description(Some(*text)).build()).collect(),
        );
    }
}

/// The document as a value (built once).
pub fn document_value() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        links::add(&mut doc);
        doc
    })
}

/// `GET /api/v1/openapi.json`: the document itself.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", tag = "operations",
    summary = "This document",
    description = "The OpenAPI 3.1 document of the API, generated from the code. A readable page of it is at `/api/docs`.",
    responses((status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object)),
)]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(document_value())
}

#[cfg(test)]
mod tests;
