//! API.md's error shape in the document: one schema, and one reusable
//! response per status that names the codes it may carry, so a client (and
//! the contract fuzzer) knows exactly which `code` each failure has.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{ToResponse, ToSchema};

/// `{"error": {"code", "message", "fields"?}}`: every failure under /api/v1.
#[derive(serde::Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code (`validation_failed`, `not_found`, …).
    pub code: String,
    /// Human text in English, for logs and developers.
    pub message: String,
    /// Only for `validation_failed`: each wrong field and what is wrong with it.
    #[schema(required = false)]
    pub fields: Option<BTreeMap<String, String>>,
    /// Only for a rejected agency import: each bad line of the file with its fields.
    #[schema(required = false)]
    pub lines: Option<Vec<ImportLineError>>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct ImportLineError {
    pub line: u64,
    pub fields: BTreeMap<String, String>,
}

/// The error schema with `code` narrowed to `codes`.
fn narrowed(codes: &[&str]) -> RefOr<utoipa::openapi::Schema> {
    let code = ObjectBuilder::new().schema_type(Type::String).enum_values(Some(codes.iter().copied()));
    let detail = ObjectBuilder::new().property("code", code).required("code");
    let narrowing = ObjectBuilder::new().property("error", detail).required("error");
    AllOfBuilder::new().item(Ref::from_schema_name("ErrorBody")).item(narrowing).into()
}

fn error_response(description: &str, codes: &[&str], example: Value, header: Option<(&str, &str)>) -> Response {
    let content = ContentBuilder::new().schema(Some(narrowed(codes))).example(Some(example)).build();
    let mut b = ResponseBuilder::new().description(description).content("application/json", content);
    if let Some((name, text)) = header {
        let h =
            HeaderBuilder::new().schema(ObjectBuilder::new().schema_type(Type::String)).description(Some(text)).build();
        b = b.header(name, h);
    }
    b.build()
}

fn example(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

macro_rules! error_responses {
    ($($name:ident: $desc:literal, [$($code:literal),+], $example:expr, $header:expr;)+) => {
        $(
            #[doc = $desc]
            pub struct $name;
            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), error_response($desc, &[$($code),+], $example, $header).into())
                }
            }
        )+
    };
}

const RETRY: Option<(&str, &str)> = Some(("Retry-After", "Seconds to wait before trying again."));

error_responses! {
    InvalidJson: "The body is not well-formed JSON.", ["invalid_json"],
        example("invalid_json", "malformed JSON: EOF while parsing an object at line 1 column 10"), None;
    Unauthenticated: "No valid bearer token (or, at sign-in, wrong credentials).", ["unauthenticated"],
        example("unauthenticated", "sign in with POST /api/v1/sessions and send Authorization: Bearer <token>"),
        Some(("WWW-Authenticate", "Always `Bearer`."));
    Forbidden: "The caller's role may not do this (where it may see the resource).", ["forbidden"],
        example("forbidden", "only administrators create jurisdictions"), None;
    NotFound: "No such resource, or one outside the caller's scope (never 403, so existence does not leak).",
        ["not_found"], example("not_found", "not found"), None;
    Conflict: "A concurrent change or a duplicate got there first.", ["conflict"],
        example("conflict", "a concurrent change got there first; reload and try again"), None;
    ActionConflict: "The state of the request or escalation forbids the action now.",
        ["invalid_transition", "extension_too_late", "extension_after_order", "conflict"],
        example("invalid_transition", "the request is answered"), None;
    AccountConflict: "The accounts' state forbids the change: the last active administrator, an account that \
        is not waiting for an invitation or not active, an address taken meanwhile.",
        ["last_admin", "not_invited", "not_active", "email_taken", "conflict"],
        example("last_admin", "this is the last active administrator; make another one first"), None;
    TooLarge: "The body is larger than the server accepts.", ["too_large"],
        example("too_large", "the request body is too large"), None;
    UnsupportedMediaType: "The body has the wrong Content-Type.", ["unsupported_media_type"],
        example("unsupported_media_type", "send JSON with Content-Type: application/json"), None;
    ValidationFailed: "Fields, query parameters or the body's shape are not valid; `fields` names each.",
        ["validation_failed"],
        json!({"error": {"code": "validation_failed", "message": "some fields are not valid",
            "fields": {"subject": "is required"}}}), None;
    RateLimited: "Too many attempts from this client or for this account.", ["rate_limited"],
        example("rate_limited", "too many attempts; try again in 60 seconds"), RETRY;
    Busy: "Password hashing is saturated; come back after `Retry-After` seconds.", ["busy"],
        example("busy", "the server is busy; try again in 1 seconds"), RETRY;
    StorageUnavailable: "The file store cannot be reached; nothing was recorded. Come back after `Retry-After` \
        seconds.", ["storage_unavailable"],
        example("storage_unavailable", "the file store cannot be reached; try again in 30 seconds"), RETRY;
}
