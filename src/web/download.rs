//! Serving a stored attachment, for the API and the pages alike.

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::service::attachments::AttachmentView;

/// `Content-Disposition: attachment` with the name in RFC 6266 / 5987 form.
pub fn file_response(a: &AttachmentView, bytes: Vec<u8>) -> HttpResponse {
    let ascii: String =
        a.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String =
        url::form_urlencoded::byte_serialize(a.filename.as_bytes()).collect::<String>().replace('+', "%20");
    HttpResponse::Ok()
        .content_type(a.content_type.clone())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}
