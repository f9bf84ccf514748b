//! Schemas that no derive gives as they are answered: the answer to an
//! action (one of two shapes), the upload form and the idempotency header.

use std::borrow::Cow;

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::service::requests::act::Acted;
use crate::service::requests::read::{AfterAction, RequestDetail};

/// Either shape of the answer to an action. `anyOf`, not `oneOf`: the whole
/// request also has every field of the short answer.
impl PartialSchema for AfterAction {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(Ref::from_schema_name(RequestDetail::name()))
            .item(Ref::from_schema_name(Acted::name()))
            .description(Some(
                "The request as the caller now sees it; after an action that took it out of the caller's sight \
                 (a transfer), only `{id, reference, status, agency, viewer: \"outsider\"}`.",
            ))
            .into()
    }
}

impl ToSchema for AfterAction {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AfterAction")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((RequestDetail::name().into_owned(), RequestDetail::schema()));
        RequestDetail::schemas(schemas);
        schemas.push((Acted::name().into_owned(), Acted::schema()));
        Acted::schemas(schemas);
    }
}

/// `multipart/form-data` with one file.
#[derive(ToSchema)]
pub struct UploadForm {
    /// The file (PDF, image, office document, text…); its type is sniffed from its bytes.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

/// The `Idempotency-Key` header of writes that create something.
pub struct IdempotencyKey;

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Any client-chosen text (e.g. a UUID): a repeated key with the same body answers the first \
                     answer again and creates nothing new.",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(200))))
                .example(Some(serde_json::json!("3f0c2b1e-7a8d-4c55-9d0e-6b1f2a3c4d5e")))
                .build(),
        ]
    }
}
