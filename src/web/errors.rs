//! API.md's error shape for every failure, and the extractor configurations
//! that turn malformed input into those errors instead of framework defaults.

use actix_web::error::{JsonPayloadError, QueryPayloadError, UrlencodedError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError, web};
use serde_json::json;

use crate::domain::account::Locale;
use crate::i18n::Tr;
use crate::service::AppError;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) | AppError::InvalidTransition(_) | AppError::Refused { .. } => StatusCode::CONFLICT,
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy { .. } | AppError::StorageUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::InvalidJson(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::InvalidTransition(_) => "invalid_transition",
            AppError::Refused { code, .. } => code,
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Busy { .. } => "busy",
            AppError::StorageUnavailable { .. } => "storage_unavailable",
            AppError::InvalidJson(_) => "invalid_json",
            AppError::TooLarge(_) => "too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::Internal(_) => "internal",
        }
    }
}

/// `{"error": {"code", "message", "fields"?}}`; field codes become English text.
pub fn json_error(e: &AppError) -> HttpResponse {
    if let AppError::Internal(inner) = e {
        // The cause goes to the log, never to the client.
        tracing::error!(error = ?inner, "internal error");
    }
    let mut body = json!({"error": {"code": e.code(), "message": e.to_string()}});
    if let AppError::Validation(fields) = e {
        let tr = Tr::new(Locale::En);
        let f: serde_json::Map<String, serde_json::Value> = fields
            .0
            .iter()
            .map(|(k, v)| (k.clone(), json!(tr.get(&format!("field_error.{v}")).unwrap_or(v))))
            .collect();
        body["error"]["fields"] = serde_json::Value::Object(f);
    }
    let mut res = HttpResponse::build(e.status()).json(body);
    if let AppError::RateLimited { .. } = e {
        crate::metrics::RATE_LIMITED.inc();
    }
    set_retry_after(e, &mut res);
    if matches!(e, AppError::Unauthenticated(_)) {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    res
}

/// `Retry-After` for the errors that say when to come back (429, 503), on
/// API answers and pages alike.
pub fn set_retry_after(e: &AppError, res: &mut HttpResponse) {
    let secs = match e {
        AppError::RateLimited { retry_after_secs }
        | AppError::Busy { retry_after_secs }
        | AppError::StorageUnavailable { retry_after_secs } => *retry_after_secs,
        _ => return,
    };
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        json_error(self)
    }
}

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req| {
        let e = match &err {
            JsonPayloadError::ContentType => {
                AppError::UnsupportedMediaType("send JSON with Content-Type: application/json".into())
            }
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                AppError::TooLarge("the request body is too large".into())
            }
            JsonPayloadError::Deserialize(de) if de.is_data() => AppError::field("body", de.to_string()),
            JsonPayloadError::Deserialize(de) => AppError::InvalidJson(format!("malformed JSON: {de}")),
            other => AppError::InvalidJson(format!("unreadable body: {other}")),
        };
        actix_web::error::InternalError::from_response(err, json_error(&e)).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let msg = match &err {
            QueryPayloadError::Deserialize(de) => de.to_string(),
            other => other.to_string(),
        };
        let e = AppError::field("query", msg);
        actix_web::error::InternalError::from_response(err, json_error(&e)).into()
    })
}

/// Page forms: a broken form body is answered plainly; pages never see these
/// from their own forms.
pub fn form_config(limit: usize) -> web::FormConfig {
    web::FormConfig::default().limit(limit).error_handler(|err, _req| {
        let status = match &err {
            UrlencodedError::Overflow { .. } | UrlencodedError::UnknownLength => StatusCode::PAYLOAD_TOO_LARGE,
            UrlencodedError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        let res = HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(format!("{err}"));
        actix_web::error::InternalError::from_response(err, res).into()
    })
}
