//! The JSON API of API.md, version 1.

pub mod accounts;
pub mod admin;
pub mod agencies;
pub mod answers;
pub mod audit;
pub mod department;
pub mod directory;
pub mod inbound;
pub mod me;
pub mod openapi;
pub mod ops;
pub mod requests;
mod routes;
pub mod stats;
pub mod users;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{Scope, web};

pub use routes::{API_PREFIX, ApiDoc, ROUTES};

pub fn scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    routes::register(web::scope(API_PREFIX)).wrap(from_fn(no_store)).default_service(web::to(super::not_found))
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
