//! `/metrics` tells how busy the service is and how its mail fares: when
//! `TIEPCAN_METRICS_TOKEN` is set, only a scraper that sends it as a bearer
//! token may read it. Without the setting it stays open, as before (for a
//! deployment that keeps the port private).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::errors::json_error;
use crate::service::AppError;

/// Middleware for the `/metrics` route: 401 unless the configured token is sent.
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let expected = req.app_data::<web::Data<AppState>>().and_then(|s| s.config.metrics_token.clone());
    if let Some(expected) = expected {
        let given = super::auth::bearer(req.request());
        if !given.is_some_and(|g| same_secret(&g, &expected.0)) {
            let res = json_error(&AppError::Unauthenticated("send Authorization: Bearer <metrics token>".into()));
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// Equal secrets, in a time that depends on neither (both are hashed first, so
/// not even their lengths show).
fn same_secret(given: &str, expected: &str) -> bool {
    Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())).into()
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn compares_whole_secrets() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
    }
}
