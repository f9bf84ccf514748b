//! The one table of the API's routes: it registers each handler under
//! /api/v1 and lists the same handlers in the OpenAPI document, so a route
//! cannot be served without being documented, nor documented without being
//! served (the handler's own `#[utoipa::path]` names its method and path;
//! `ROUTES` lets a test hold the two to each other).

use actix_web::http::Method;
use actix_web::{Scope, guard, web};

use super::openapi::Metadata;
use super::{
    accounts, admin, agencies, audit, department, directory, inbound, me, openapi, ops, requests, stats, users,
};

pub const API_PREFIX: &str = "/api/v1";

/// The methods each path takes, in the order of the table (`GET, PUT`).
pub fn allowed_methods() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for (method, path) in ROUTES {
        match out.iter_mut().find(|(p, _)| p == path) {
            Some((_, methods)) => methods.push(method),
            None => out.push((path, vec![method])),
        }
    }
    out.into_iter().map(|(p, m)| (p, m.join(", "))).collect()
}

/// A known path asked with a method it does not take: 405 in the API's error shape, with `Allow`.
fn other_methods(mut scope: Scope) -> Scope {
    for (path, allowed) in allowed_methods() {
        scope = scope.service(web::resource(path).to(move || {
            let allowed = allowed.clone();
            async move {
                actix_web::HttpResponse::MethodNotAllowed()
                    .insert_header((actix_web::http::header::ALLOW, allowed.clone()))
                    .json(serde_json::json!({"error": {"code": "method_not_allowed",
                        "message": format!("this endpoint takes {allowed}")}}))
            }
        }));
    }
    scope
}

macro_rules! api_routes {
    ($($method:ident $path:literal => $($seg:ident)::+ $(, payload_limit = $limit:expr)?;)+) => {
        /// (method, path under /api/v1) of every registered route.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),+];

        /// Each route is its own resource guarded by its method; after them, each
        /// path answers any other method with 405 and the methods it takes.
        pub fn register(scope: Scope) -> Scope {
            let scope = scope$(.service(
                web::resource($path)
                    .guard(guard::Method(Method::$method))
                    $(.app_data(web::PayloadConfig::new($limit)))?
                    .route(web::route().method(Method::$method).to($($seg)::+)),
            ))+;
            other_methods(scope)
        }

        /// The OpenAPI document: every route above plus the operations
        /// endpoints outside /api/v1.
        #[derive(utoipa::OpenApi)]
        #[openapi(
            paths($($($seg)::+,)+ ops::healthz, ops::readyz, ops::metrics),
            components(responses(
                openapi::errors::InvalidJson, openapi::errors::Unauthenticated, openapi::errors::Forbidden,
                openapi::errors::NotFound, openapi::errors::Conflict, openapi::errors::ActionConflict, openapi::errors::AccountConflict,
                openapi::errors::TooLarge, openapi::errors::UnsupportedMediaType,
                openapi::errors::ValidationFailed, openapi::errors::RateLimited, openapi::errors::Busy,
                openapi::errors::StorageUnavailable
            ), schemas(openapi::errors::ErrorBody)),
            modifiers(&Metadata)
        )]
        pub struct ApiDoc;
    };
}

api_routes! {
    POST "/reporters" => accounts::register;
    GET "/verify-email" => accounts::verify_email;
    POST "/verify-email/resend" => accounts::resend_verification;
    POST "/sessions" => accounts::login;
    DELETE "/sessions/current" => accounts::logout;
    GET "/me" => accounts::me;
    POST "/users" => accounts::invite;
    POST "/accept-invite" => accounts::accept_invite;
    PATCH "/me" => me::update_profile;
    POST "/me/password" => me::change_password;
    POST "/me/email" => me::change_email;
    POST "/confirm-email" => me::confirm_email;
    DELETE "/sessions" => me::sign_out_everywhere;
    POST "/password-reset" => me::request_password_reset;
    POST "/password-reset/confirm" => me::reset_password;
    GET "/users" => users::list;
    GET "/users/{id}" => users::get;
    PATCH "/users/{id}" => users::update;
    POST "/users/{id}/deactivate" => users::deactivate;
    POST "/users/{id}/reactivate" => users::reactivate;
    POST "/users/{id}/resend-invite" => users::resend_invite;
    POST "/users/{id}/password-reset" => users::send_password_reset;
    GET "/jurisdictions" => directory::list_jurisdictions;
    POST "/jurisdictions" => directory::create_jurisdiction;
    GET "/agencies" => directory::search;
    POST "/agencies" => directory::create_agency;
    POST "/agencies/import" => directory::import, payload_limit = 5 * 1024 * 1024;
    POST "/agencies/import/preview" => agencies::preview, payload_limit = 5 * 1024 * 1024;
    GET "/agencies/export" => agencies::export;
    GET "/agencies/{id}" => agencies::get;
    PUT "/agencies/{id}" => agencies::update;
    POST "/agencies/{id}/spokespeople" => agencies::add_term;
    PATCH "/agencies/{id}/spokespeople/{term_id}" => agencies::end_term;
    PUT "/jurisdictions/{id}" => admin::update_jurisdiction;
    GET "/outbox" => admin::outbox;
    POST "/outbox/{id}/send-again" => admin::send_again;
    POST "/requests" => requests::create;
    GET "/requests" => requests::list;
    GET "/requests/{id}" => requests::get;
    POST "/requests/{id}/actions" => requests::action;
    POST "/requests/{id}/attachments" => requests::attach;
    GET "/requests/{id}/attachments/{aid}" => requests::download;
    GET "/deadline-preview" => requests::preview;
    GET "/policy" => requests::policy;
    GET "/escalations" => department::list;
    POST "/escalations/{id}/actions" => department::act;
    GET "/calendar/{year}" => department::get_year;
    PUT "/calendar/{year}" => department::put_year;
    GET "/audit" => audit::list;
    GET "/stats/agencies" => stats::agencies;
    GET "/stats/agencies/{id}" => stats::agency;
    GET "/stats/report" => stats::report;
    GET "/public/scoreboards/{code}" => stats::public_scoreboard;
    PUT "/public/scoreboards/{code}" => stats::set_scoreboard;
    GET "/inbound" => inbound::list;
    GET "/inbound/{id}" => inbound::get;
    GET "/inbound/{id}/original" => inbound::original;
    POST "/inbound/{id}/attach" => inbound::attach;
    POST "/inbound/{id}/discard" => inbound::discard;
    GET "/openapi.json" => openapi::document;
}
