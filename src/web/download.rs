//! Serving a stored attachment, for the API and the pages alike: streamed
//! from the attachment store as it is read, never whole in memory.

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::service::AppResult;
use crate::service::attachments::AttachmentView;
use crate::web::AppState;

/// The file of `a`, with `Content-Disposition: attachment` and the name in
/// RFC 6266 / 5987 form. A store that cannot give the file is a 503.
pub async fn file_response(state: &AppState, a: &AttachmentView) -> AppResult<HttpResponse> {
    let stream = state.storage.get(&a.sha256).await?;
    let ascii: String =
        a.filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let encoded: String =
        url::form_urlencoded::byte_serialize(a.filename.as_bytes()).collect::<String>().replace('+', "%20");
    Ok(HttpResponse::Ok()
        .content_type(a.content_type.clone())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(stream))
}
