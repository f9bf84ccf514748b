//! Reading a multipart upload within bounds, for the API and the pages. The
//! whole body may be at most the largest attachment plus a small allowance
//! for the form fields and part headers (counted as it streams in, and
//! refused at once when `Content-Length` announces more), with at most
//! [`MAX_PARTS`] parts and small text fields. The file goes to a file under
//! the data directory as it arrives, hashed and sniffed on the way, so memory
//! stays flat however large or hostile the body.

use std::cell::Cell;
use std::rc::Rc;

use actix_multipart::{Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::config::Config;
use crate::domain::attachment::Sniffer;
use crate::domain::id::Id;
use crate::service::accounts::Principal;
use crate::service::attachments::{self, AttachmentView, Incoming, Received};
use crate::service::{AppError, AppResult};
use crate::web::AppState;

/// Parts in one upload: the file and a few text fields (the pages send two).
pub const MAX_PARTS: usize = 16;
/// Bytes in one text field (a CSRF token is 43).
pub const MAX_FIELD_BYTES: usize = 1024;
/// Room next to the file for the text fields and the part headers.
pub const ALLOWANCE_BYTES: usize = 64 * 1024;
/// What may be read outside the file's data: the allowance, plus the read-ahead
/// of one network read that carries the start of the file. The parser keeps
/// part headers in memory until they end, so this is what bounds that memory.
const OUTSIDE_FILE_BYTES: usize = ALLOWANCE_BYTES + 192 * 1024;

/// What an upload carried: at most one file, and the text fields by name.
pub struct Upload {
    pub file: Option<Received>,
    pub fields: Vec<(String, String)>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The largest body an upload may have.
pub fn body_cap(config: &Config) -> usize {
    config.max_upload_bytes.saturating_add(ALLOWANCE_BYTES)
}

fn too_large(config: &Config) -> AppError {
    AppError::TooLarge(format!("files may be at most {} bytes", config.max_upload_bytes))
}

/// Reads the upload in `payload`. Call it only once the caller is known to
/// be allowed to upload here: nothing of the body is read before.
pub async fn read(req: &HttpRequest, payload: web::Payload, config: &Config) -> AppResult<Upload> {
    let cap = body_cap(config);
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > cap as u64) {
        return Err(too_large(config));
    }
    // Counted on the raw body, so part headers and boundaries count too.
    let count = Rc::new(Count::default());
    let counter = count.clone();
    let body = payload.map(move |chunk| {
        let chunk = chunk?;
        if counter.add(chunk.len(), cap) { Ok(chunk) } else { Err(PayloadError::Overflow) }
    });
    let mut multipart = Multipart::new(req.headers(), body);
    let mut upload = Upload { file: None, fields: Vec::new() };
    let mut parts = 0;
    while let Some(item) = multipart.next().await {
        let mut field = item.map_err(|e| unreadable(e, config))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::TooLarge(format!("a form may have at most {MAX_PARTS} parts")));
        }
        let filename = field.content_disposition().and_then(|cd| cd.get_filename().map(str::to_string));
        match filename {
            Some(_) if upload.file.is_some() => return Err(AppError::field("file", "one_file_only")),
            Some(name) => {
                count.in_file.set(true);
                upload.file = Some(receive(&mut field, name, config).await?);
                count.in_file.set(false);
            }
            None => {
                let name = field.name().unwrap_or_default().to_string();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| unreadable(e, config))?;
                    if bytes.len() + chunk.len() > MAX_FIELD_BYTES {
                        return Err(AppError::TooLarge(format!("form fields may be at most {MAX_FIELD_BYTES} bytes")));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    Ok(upload)
}

/// Bytes of the body read so far, in all and outside the file's data.
#[derive(Default)]
struct Count {
    total: Cell<usize>,
    outside_file: Cell<usize>,
    in_file: Cell<bool>,
}

impl Count {
    /// Counts a piece of the body; false once past a limit.
    fn add(&self, n: usize, cap: usize) -> bool {
        self.total.set(self.total.get() + n);
        if !self.in_file.get() {
            self.outside_file.set(self.outside_file.get() + n);
        }
        self.total.get() <= cap && self.outside_file.get() <= OUTSIDE_FILE_BYTES
    }
}

/// Streams one file part to a file under the data directory.
async fn receive(field: &mut actix_multipart::Field, filename: String, config: &Config) -> AppResult<Received> {
    let incoming = Incoming::new(config);
    let io = |e: std::io::Error| AppError::Internal(anyhow::anyhow!("receiving an upload: {e}"));
    tokio::fs::create_dir_all(attachments::incoming_dir(config)).await.map_err(io)?;
    let file = tokio::fs::File::create(incoming.path()).await.map_err(io)?;
    let mut out = tokio::io::BufWriter::with_capacity(64 * 1024, file);
    let (mut sha, mut sniffed, mut size) = (Sha256::new(), Sniffer::default(), 0u64);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| unreadable(e, config))?;
        size += chunk.len() as u64;
        if size > config.max_upload_bytes as u64 {
            return Err(too_large(config));
        }
        sha.update(&chunk);
        sniffed.feed(&chunk);
        out.write_all(&chunk).await.map_err(io)?;
    }
    out.flush().await.map_err(io)?;
    Ok(Received { incoming, filename, size, sha256: hex::encode(sha.finalize()), sniffed })
}

/// Attaches a received file: checked, then stored (503 if the store is down,
/// and nothing recorded), then recorded. The database never waits on the
/// store: no connection is held while the file travels.
pub async fn attach(state: &AppState, p: Principal, id: Id, file: Received) -> AppResult<AttachmentView> {
    let (p2, id2) = (p.clone(), id.clone());
    let (accepted, file) =
        state.db(move |conn, env| attachments::accept(conn, env, &p2, &id2, &file).map(|a| (a, file))).await?;
    state.storage.put_file(file.incoming.path(), &accepted.sha256).await?;
    drop(file);
    state.db(move |conn, env| attachments::record(conn, env, &p, &id, accepted)).await
}

fn unreadable(e: MultipartError, config: &Config) -> AppError {
    match e {
        MultipartError::Payload(PayloadError::Overflow) => too_large(config),
        other => AppError::InvalidJson(format!("unreadable multipart body: {other}")),
    }
}
