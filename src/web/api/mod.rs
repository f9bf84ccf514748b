//! The JSON API of API.md, version 1.

pub mod accounts;
pub mod department;
pub mod directory;
pub mod ops;
pub mod requests;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{Scope, web};

pub fn scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/api/v1")
        .wrap(from_fn(no_store))
        .route("/reporters", web::post().to(accounts::register))
        .route("/verify-email", web::get().to(accounts::verify_email))
        .route("/verify-email/resend", web::post().to(accounts::resend_verification))
        .route("/sessions", web::post().to(accounts::login))
        .route("/sessions/current", web::delete().to(accounts::logout))
        .route("/me", web::get().to(accounts::me))
        .route("/users", web::post().to(accounts::invite))
        .route("/accept-invite", web::post().to(accounts::accept_invite))
        .route("/jurisdictions", web::get().to(directory::list_jurisdictions))
        .route("/jurisdictions", web::post().to(directory::create_jurisdiction))
        .route("/agencies", web::get().to(directory::search))
        .route("/agencies", web::post().to(directory::create_agency))
        .service(
            web::resource("/agencies/import")
                .app_data(web::PayloadConfig::new(5 * 1024 * 1024))
                .route(web::post().to(directory::import)),
        )
        .route("/requests", web::post().to(requests::create))
        .route("/requests", web::get().to(requests::list))
        .route("/requests/{id}", web::get().to(requests::get))
        .route("/requests/{id}/actions", web::post().to(requests::action))
        .route("/requests/{id}/attachments", web::post().to(requests::attach))
        .route("/requests/{id}/attachments/{aid}", web::get().to(requests::download))
        .route("/deadline-preview", web::get().to(requests::preview))
        .route("/policy", web::get().to(requests::policy))
        .route("/escalations", web::get().to(department::list))
        .route("/escalations/{id}/actions", web::post().to(department::act))
        .route("/calendar/{year}", web::get().to(department::get_year))
        .route("/calendar/{year}", web::put().to(department::put_year))
        .default_service(web::to(super::not_found))
}

/// API answers are about the caller (their account, their requests), so no
/// browser or proxy may keep a copy: `Cache-Control: no-store` unless the
/// handler chose a policy itself.
async fn no_store(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if !res.headers().contains_key(CACHE_CONTROL) {
        res.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
